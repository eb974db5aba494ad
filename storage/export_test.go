package storage

import (
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/wiredesk/wiredesk"
)

// SetPruneChunk sets the most items Prune deletes per transaction and a
// function called after each of its transactions commits.
func SetPruneChunk(d *DB, n int, afterTx func()) {
	d.pruneChunk = n
	d.afterPruneTx = afterTx
}

// Check verifies that every index agrees with the items and stories
// buckets: each item has exactly one time index entry, an identity entry
// exactly when its id is not derived from its identity (and no other),
// each story lists existing items that name it, each item's story lists
// it, the story time index holds exactly one entry per story at its
// Updated time, every story with editors' decisions exists, and every
// merged-away story id points at an existing story and names none itself.
func Check(d *DB) error {
	return d.bolt.View(func(tx *bolt.Tx) error {
		bs, err := openBuckets(tx)
		if err != nil {
			return err
		}
		type indexed struct {
			at     time.Time
			source string
		}
		timeIndex := map[string]indexed{}
		if err := bs.itemTime.ForEach(func(k, v []byte) error {
			id := string(idFromTimeKey(k))
			if _, dup := timeIndex[id]; dup {
				return fmt.Errorf("item %s twice in the time index", id)
			}
			timeIndex[id] = indexed{timeFromKey(k), string(v)}
			return nil
		}); err != nil {
			return err
		}
		items := map[string]wiredesk.Item{}
		chosen := 0 // items whose id is not wiredesk.ItemID(source, key)
		if err := bs.items.ForEach(func(k, v []byte) error {
			it, err := decodeItem(v)
			if err != nil {
				return err
			}
			if it.ID != string(k) {
				return fmt.Errorf("item key %s holds item %s", k, it.ID)
			}
			items[it.ID] = it
			got := bs.identity.Get(identityKey(it.SourceID, it.Key))
			switch {
			case derivedID(&it) && got != nil:
				return fmt.Errorf("identity entry %q for %s, whose id is derived", got, it.ID)
			case !derivedID(&it):
				chosen++
				if string(got) != it.ID {
					return fmt.Errorf("identity of %s = %q", it.ID, got)
				}
			}
			if got, ok := timeIndex[it.ID]; !ok || !got.at.Equal(it.FirstSeen) || got.source != it.SourceID {
				return fmt.Errorf("time index of %s = %+v (found %v); want %v, %q", it.ID, got, ok, it.FirstSeen, it.SourceID)
			}
			return nil
		}); err != nil {
			return err
		}
		if n := bs.identity.Stats().KeyN; n != chosen {
			return fmt.Errorf("%d identity keys for %d items with a chosen id", n, chosen)
		}
		if n := bs.itemTime.Stats().KeyN; n != len(items) {
			return fmt.Errorf("%d time index keys for %d items", n, len(items))
		}
		member := map[string]string{}
		nStories := 0
		if err := bs.stories.ForEach(func(k, v []byte) error {
			nStories++
			r, err := decodeStory(v)
			if err != nil {
				return err
			}
			if len(r.ItemIDs) == 0 {
				return fmt.Errorf("story %s has no items", k)
			}
			if bs.storyTime.Get(storyTimeKey(r.Updated, r.Seq, string(k))) == nil {
				return fmt.Errorf("story %s missing from the time index at %v", k, r.Updated)
			}
			for _, id := range r.ItemIDs {
				it, ok := items[id]
				if !ok {
					return fmt.Errorf("story %s lists missing item %s", k, id)
				}
				if it.StoryID != string(k) {
					return fmt.Errorf("story %s lists item %s of story %s", k, id, it.StoryID)
				}
				member[id] = string(k)
			}
			return nil
		}); err != nil {
			return err
		}
		if n := bs.storyTime.Stats().KeyN; n != nStories {
			return fmt.Errorf("%d story time index keys for %d stories", n, nStories)
		}
		for id, it := range items {
			if member[id] != it.StoryID {
				return fmt.Errorf("item %s of story %q not listed by it", id, it.StoryID)
			}
		}
		if err := bs.decisions.ForEach(func(k, v []byte) error {
			if bs.stories.Get(k) == nil {
				return fmt.Errorf("decisions of missing story %s", k)
			}
			_, err := decodeDecisions(v)
			return err
		}); err != nil {
			return err
		}
		return bs.merged.ForEach(func(k, v []byte) error {
			if bs.stories.Get(k) != nil {
				return fmt.Errorf("story %s exists but is recorded as merged into %s", k, v)
			}
			if bs.stories.Get(v) == nil {
				return fmt.Errorf("story %s recorded as merged into missing story %s", k, v)
			}
			return nil
		})
	})
}

// SetSaveChunk makes SaveFetch write n items per transaction, whatever
// each takes.
func SetSaveChunk(d *DB, n int) { d.saveChunk, d.saveAdapt = n, false }
