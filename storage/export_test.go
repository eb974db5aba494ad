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
// each story (with a record, or an item's own without one) lists existing
// items that name it, an item is marked as alone in a story of its own
// only when it names it, each item's story lists
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
		own := map[string]storyRecord{} // stories without a record, by id
		chosen := 0                     // items whose id is not wiredesk.ItemID(source, key)
		if err := bs.items.ForEach(func(k, v []byte) error {
			it, seq, err := decodeItemRecord(v)
			if err != nil {
				return err
			}
			if it.ID != string(k) {
				return fmt.Errorf("item key %s holds item %s", k, it.ID)
			}
			items[it.ID] = it
			if seq != 0 {
				if it.StoryID != it.ID {
					return fmt.Errorf("item %s of story %s marked as alone in its own", it.ID, it.StoryID)
				}
				if bs.stories.Get(k) == nil {
					own[it.ID] = storyRecord{Created: it.FirstSeen, Updated: it.FirstSeen, ItemIDs: []string{it.ID}, Seq: seq}
				}
			}
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
		stories := own
		if err := bs.stories.ForEach(func(k, v []byte) error {
			r, err := decodeStory(v)
			if err != nil {
				return err
			}
			stories[string(k)] = r
			return nil
		}); err != nil {
			return err
		}
		nStories := len(stories)
		for k, r := range stories {
			if len(r.ItemIDs) == 0 {
				return fmt.Errorf("story %s has no items", k)
			}
			if bs.storyTime.Get(storyTimeKey(r.Updated, r.Seq, k)) == nil {
				return fmt.Errorf("story %s missing from the time index at %v", k, r.Updated)
			}
			for _, id := range r.ItemIDs {
				it, ok := items[id]
				if !ok {
					return fmt.Errorf("story %s lists missing item %s", k, id)
				}
				if it.StoryID != k {
					return fmt.Errorf("story %s lists item %s of story %s", k, id, it.StoryID)
				}
				member[id] = k
			}
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
			if _, ok := stories[string(k)]; !ok {
				return fmt.Errorf("decisions of missing story %s", k)
			}
			_, err := decodeDecisions(v)
			return err
		}); err != nil {
			return err
		}
		return bs.merged.ForEach(func(k, v []byte) error {
			if _, ok := stories[string(k)]; ok {
				return fmt.Errorf("story %s exists but is recorded as merged into %s", k, v)
			}
			if _, ok := stories[string(v)]; !ok {
				return fmt.Errorf("story %s recorded as merged into missing story %s", k, v)
			}
			return nil
		})
	})
}

// SetSaveChunk makes SaveFetch write n items per transaction, whatever
// each takes.
func SetSaveChunk(d *DB, n int) { d.saveChunk, d.saveAdapt = n, false }
