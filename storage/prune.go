package storage

import (
	"bytes"
	"context"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// PruneStats reports what Prune deleted.
type PruneStats struct {
	Items   int // items deleted
	Stories int // stories deleted because no item was left in them
}

// Prune deletes every item first seen before the given time, removes it
// from its story and deletes stories left without items, with their
// editors' decisions and the dismissals that name them. It works oldest
// first in write transactions of at most 1000 items each, so a serving
// process is never blocked for long, and checks ctx between them; on
// cancellation the chunks already done stay done and their counts are
// returned with the error. The file does not shrink; see Compact.
func (d *DB) Prune(ctx context.Context, before time.Time) (PruneStats, error) {
	var total PruneStats
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		var (
			n    PruneStats
			more bool
		)
		err := d.update(func(tx *bolt.Tx) error {
			var err error
			n, more, err = d.pruneChunkTx(tx, before)
			return err
		})
		if err != nil {
			return total, fmt.Errorf("prune items before %s: %w", before.UTC().Format(time.RFC3339), err)
		}
		total.Items += n.Items
		total.Stories += n.Stories
		if d.afterPruneTx != nil {
			d.afterPruneTx()
		}
		if !more {
			return total, nil
		}
	}
}

// pruneChunkTx deletes up to d.pruneChunk of the oldest items first seen
// before the given time; more reports whether older items remain.
func (d *DB) pruneChunkTx(tx *bolt.Tx, before time.Time) (n PruneStats, more bool, err error) {
	bs, err := openBuckets(tx)
	if err != nil {
		return n, false, err
	}
	// Collect the keys first: deleting under a live cursor skips entries.
	var keys [][]byte
	c := bs.itemTime.Cursor()
	k, _ := c.Last()
	for ; k != nil && timeFromKey(k).Before(before); k, _ = c.Prev() {
		if len(keys) == d.pruneChunk {
			more = true
			break
		}
		keys = append(keys, bytes.Clone(k))
	}

	stories := map[string]*storyRecord{}
	var order []string // story ids in first-touched order, for determinism
	for _, k := range keys {
		id := idFromTimeKey(k)
		it, ok, err := bs.item(id)
		if err != nil {
			return n, false, err
		}
		if ok {
			ik := identityKey(it.SourceID, it.Key)
			if bytes.Equal(bs.identity.Get(ik), id) {
				if err := bs.identity.Delete(ik); err != nil {
					return n, false, err
				}
			}
			if it.StoryID != "" {
				rec := stories[it.StoryID]
				if rec == nil {
					r, found, err := bs.story(it.StoryID)
					if err != nil {
						return n, false, err
					}
					if found {
						rec = &r
						stories[it.StoryID] = rec
						order = append(order, it.StoryID)
					}
				}
				if rec != nil {
					rec.ItemIDs = removeString(rec.ItemIDs, it.ID)
				}
			}
			if err := bs.items.Delete(id); err != nil {
				return n, false, err
			}
		}
		if err := bs.itemTime.Delete(k); err != nil {
			return n, false, err
		}
		n.Items++
	}
	for _, sid := range order {
		rec := stories[sid]
		if len(rec.ItemIDs) == 0 {
			if err := bs.deleteStory(sid, rec); err != nil {
				return n, false, err
			}
			if err := bs.forgetDecisions(sid); err != nil {
				return n, false, err
			}
			if err := forgetAlerted(bs.tx, sid); err != nil {
				return n, false, err
			}
			n.Stories++
			continue
		}
		if err := bs.stories.Put([]byte(sid), encodeStory(rec)); err != nil {
			return n, false, err
		}
	}
	// A story of one item without a record goes with its item, so any
	// deleted item may have taken a dismissed story with it.
	if n.Items > 0 {
		if err := bs.forgetDismissals(); err != nil {
			return n, false, err
		}
	}
	return n, more, nil
}

func removeString(ss []string, s string) []string {
	out := ss[:0]
	for _, x := range ss {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}
