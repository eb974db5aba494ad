package storage

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/wiredesk/wiredesk"
)

// This file applies editors' decisions (wiredesk.StoryDecision) to the
// stored stories. A decision is the one case in which an item changes
// story after it was stored: the items, the story records that list them
// and the decisions themselves change in one write transaction, so readers
// never see an item in two stories or in none.

// maxAliasHops bounds how far survivor follows merged-away story ids.
// MergeStories keeps every alias pointing at a live story, so one hop is
// all it ever takes; the bound only guards against a damaged file.
const maxAliasHops = 8

// MergeStories moves every item of story from into story into, as an
// editor decided: into keeps its id, from is deleted, and an item that the
// aggregator matched to from before the merge and saves after it joins
// into. into's Updated becomes the current time (so feeds re-render) and
// its decisions gain from's and a DecisionMerge by by. It returns into as
// stored afterwards.
//
// A story that does not exist yields an error matching
// wiredesk.ErrNotFound (saying which story absorbed it, when an editor
// merged it away); merging a story into itself one matching
// wiredesk.ErrRefused.
func (d *DB) MergeStories(ctx context.Context, into, from, by string) (wiredesk.Story, error) {
	if err := ctx.Err(); err != nil {
		return wiredesk.Story{}, err
	}
	var s wiredesk.Story
	err := d.update(func(tx *bolt.Tx) error {
		if into == from {
			return fmt.Errorf("story %s cannot be merged into itself: %w", into, wiredesk.ErrRefused)
		}
		bs, err := openBuckets(tx)
		if err != nil {
			return err
		}
		recInto, err := bs.mustStory(into)
		if err != nil {
			return err
		}
		recFrom, err := bs.mustStory(from)
		if err != nil {
			return err
		}
		now := d.now().UTC()
		dec := wiredesk.StoryDecision{Kind: wiredesk.DecisionMerge, From: from, To: into,
			Items: slices.Clone(recFrom.ItemIDs), At: now, By: by}
		if err := bs.moveItems(recFrom.ItemIDs, into); err != nil {
			return err
		}
		oldUpdated := recInto.Updated
		recInto.ItemIDs = append(recInto.ItemIDs, recFrom.ItemIDs...)
		recInto.Created = earlierTime(recInto.Created, recFrom.Created)
		recInto.Updated = laterTime(recInto.Updated, now)
		if err := bs.mergeDecisions(into, from, dec); err != nil {
			return err
		}
		if err := bs.deleteStory(from, &recFrom); err != nil {
			return err
		}
		if err := bs.putStory(into, &recInto, oldUpdated); err != nil {
			return err
		}
		s, err = bs.loadStory(into, &recInto)
		return err
	})
	if err != nil {
		return wiredesk.Story{}, fmt.Errorf("merge story %s into %s: %w", from, into, err)
	}
	return s, nil
}

// SplitItem takes the item itemID out of its story into a story of its own,
// as an editor decided, and returns the new story. The new story's id is
// the item's id followed by "~" and a number no story had before, so it is
// new even when the item founded the story it leaves (which keeps its id).
// Both stories' Updated become the current time and both list the
// DecisionSplit by by; warming the cluster index from Decisions keeps the
// item out of the old story for good.
//
// An item that does not exist yields an error matching
// wiredesk.ErrNotFound; the only item of a story one matching
// wiredesk.ErrRefused.
func (d *DB) SplitItem(ctx context.Context, itemID, by string) (wiredesk.Story, error) {
	if err := ctx.Err(); err != nil {
		return wiredesk.Story{}, err
	}
	var s wiredesk.Story
	err := d.update(func(tx *bolt.Tx) error {
		bs, err := openBuckets(tx)
		if err != nil {
			return err
		}
		it, ok, err := bs.item([]byte(itemID))
		if err != nil {
			return err
		}
		if !ok {
			return wiredesk.ErrNotFound
		}
		from := it.StoryID
		recFrom, err := bs.mustStory(from)
		if err != nil {
			return err
		}
		if len(recFrom.ItemIDs) < 2 {
			return fmt.Errorf("item %s is the only item of story %s: %w", itemID, from, wiredesk.ErrRefused)
		}
		to, err := bs.newStoryID(it.ID)
		if err != nil {
			return err
		}
		now := d.now().UTC()
		dec := wiredesk.StoryDecision{Kind: wiredesk.DecisionSplit, From: from, To: to, Items: []string{it.ID}, At: now, By: by}

		if err := bs.moveItems([]string{it.ID}, to); err != nil {
			return err
		}
		oldUpdated := recFrom.Updated
		recFrom.ItemIDs = removeString(recFrom.ItemIDs, it.ID)
		if recFrom.Created, err = bs.firstSeen(recFrom.ItemIDs); err != nil {
			return err
		}
		recFrom.Updated = laterTime(recFrom.Updated, now)
		recTo := storyRecord{Created: it.FirstSeen, Updated: now, ItemIDs: []string{it.ID}}
		for _, sid := range []string{from, to} {
			if err := bs.appendDecision(sid, dec); err != nil {
				return err
			}
		}
		if err := bs.putStory(from, &recFrom, oldUpdated); err != nil {
			return err
		}
		if err := bs.putStory(to, &recTo, time.Time{}); err != nil {
			return err
		}
		s, err = bs.loadStory(to, &recTo)
		return err
	})
	if err != nil {
		return wiredesk.Story{}, fmt.Errorf("split item %s: %w", itemID, err)
	}
	return s, nil
}

// Decisions returns every editor's decision still stored (those of stories
// retention has not deleted), oldest first, each once although every
// story it touched lists it. Warming the cluster index reads the splits
// from it.
func (d *DB) Decisions(ctx context.Context) ([]wiredesk.StoryDecision, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []wiredesk.StoryDecision
	err := d.view(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketDecisions)
		if err != nil {
			return err
		}
		seen := map[decisionKey]bool{}
		return b.ForEach(func(k, v []byte) error {
			ds, err := decodeDecisions(v)
			if err != nil {
				return fmt.Errorf("decisions of story %s: %w", k, err)
			}
			for _, dec := range ds {
				if id := keyOf(dec); !seen[id] {
					seen[id] = true
					out = append(out, dec)
				}
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("decisions: %w", err)
	}
	slices.SortStableFunc(out, func(a, b wiredesk.StoryDecision) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return cmp.Compare(a.To+a.From, b.To+b.From)
	})
	return out, nil
}

// Item returns the stored item with this id. An item that does not exist
// yields an error matching wiredesk.ErrNotFound.
func (d *DB) Item(ctx context.Context, id string) (wiredesk.Item, error) {
	if err := ctx.Err(); err != nil {
		return wiredesk.Item{}, err
	}
	var it wiredesk.Item
	err := d.view(func(tx *bolt.Tx) error {
		bs, err := openBuckets(tx)
		if err != nil {
			return err
		}
		var ok bool
		if it, ok, err = bs.item([]byte(id)); err == nil && !ok {
			err = wiredesk.ErrNotFound
		}
		return err
	})
	if err != nil {
		return wiredesk.Item{}, fmt.Errorf("item %s: %w", id, err)
	}
	return it, nil
}

// MergedInto returns the id of the story that absorbed story id when an
// editor merged it away, and "" when that never happened (or the survivor
// has since been deleted by retention).
func (d *DB) MergedInto(ctx context.Context, id string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	var into string
	err := d.view(func(tx *bolt.Tx) error {
		bs, err := openBuckets(tx)
		if err != nil {
			return err
		}
		if s := bs.survivor(id); s != id {
			into = s
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("story %s: %w", id, err)
	}
	return into, nil
}

// survivor returns the story that absorbed story id, or id itself when no
// editor merged it away.
func (bs *buckets) survivor(id string) string {
	for range maxAliasHops {
		if id == "" {
			return id
		}
		next := bs.merged.Get([]byte(id))
		if next == nil {
			return id
		}
		id = string(next)
	}
	return id
}

// mustStory loads story id, or returns an error matching
// wiredesk.ErrNotFound that names the survivor when id was merged away.
func (bs *buckets) mustStory(id string) (storyRecord, error) {
	rec, ok, err := bs.story(id)
	if err != nil || ok {
		return rec, err
	}
	if s := bs.survivor(id); s != id {
		return rec, fmt.Errorf("story %s: %w (merged into %s)", id, wiredesk.ErrNotFound, s)
	}
	return rec, fmt.Errorf("story %s: %w", id, wiredesk.ErrNotFound)
}

// moveItems sets the StoryID of the given items to story. An item that
// was alone in a story of its own without a record loses that mark
// (encodeItem): the story it leaves is deleted or gets a record.
func (bs *buckets) moveItems(ids []string, story string) error {
	for _, id := range ids {
		it, ok, err := bs.item([]byte(id))
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("story lists missing item %s: %w", id, errCorrupt)
		}
		it.StoryID = story
		if err := bs.items.Put([]byte(id), encodeItem(&it)); err != nil {
			return err
		}
	}
	return nil
}

// firstSeen returns the earliest FirstSeen of the given items.
func (bs *buckets) firstSeen(ids []string) (time.Time, error) {
	var first time.Time
	for _, id := range ids {
		it, ok, err := bs.item([]byte(id))
		if err != nil {
			return first, err
		}
		if !ok {
			return first, fmt.Errorf("story lists missing item %s: %w", id, errCorrupt)
		}
		first = earlierTime(first, it.FirstSeen)
	}
	return first, nil
}

// newStoryID returns itemID + "~" + a number from the decisions bucket's
// sequence, which never repeats in this file, skipping any id a story has.
func (bs *buckets) newStoryID(itemID string) (string, error) {
	for {
		n, err := bs.decisions.NextSequence()
		if err != nil {
			return "", err
		}
		id := itemID + "~" + strconv.FormatUint(n, 10)
		_, taken, err := bs.story(id)
		if err != nil {
			return "", err
		}
		if !taken && bs.merged.Get([]byte(id)) == nil {
			return id, nil
		}
	}
}

// storyDecisions loads the decisions of story id; nil when it has none.
func (bs *buckets) storyDecisions(id string) ([]wiredesk.StoryDecision, error) {
	v := bs.decisions.Get([]byte(id))
	if v == nil {
		return nil, nil
	}
	ds, err := decodeDecisions(v)
	if err != nil {
		return nil, fmt.Errorf("decisions of story %s: %w", id, err)
	}
	return ds, nil
}

// appendDecision adds dec to the decisions of story id.
func (bs *buckets) appendDecision(id string, dec wiredesk.StoryDecision) error {
	ds, err := bs.storyDecisions(id)
	if err != nil {
		return err
	}
	return bs.decisions.Put([]byte(id), encodeDecisions(append(ds, dec)))
}

// mergeDecisions gives story into the decisions of story from and dec, and
// points from, and every story merged into from before, at into.
func (bs *buckets) mergeDecisions(into, from string, dec wiredesk.StoryDecision) error {
	dsInto, err := bs.storyDecisions(into)
	if err != nil {
		return err
	}
	dsFrom, err := bs.storyDecisions(from)
	if err != nil {
		return err
	}
	for _, old := range dsFrom {
		if old.Kind == wiredesk.DecisionMerge && old.To == from {
			if err := bs.merged.Put([]byte(old.From), []byte(into)); err != nil {
				return err
			}
		}
	}
	if err := bs.merged.Put([]byte(from), []byte(into)); err != nil {
		return err
	}
	ds := dsInto
	for _, old := range dsFrom {
		// A split is listed by both of its stories; merging them back
		// must not list it twice.
		if !slices.ContainsFunc(ds, func(d wiredesk.StoryDecision) bool { return sameDecision(d, old) }) {
			ds = append(ds, old)
		}
	}
	slices.SortStableFunc(ds, func(a, b wiredesk.StoryDecision) int { return a.At.Compare(b.At) })
	ds = append(ds, dec)
	if err := bs.decisions.Delete([]byte(from)); err != nil {
		return err
	}
	return bs.decisions.Put([]byte(into), encodeDecisions(ds))
}

// forgetDecisions deletes the decisions of a story retention deleted, and
// the aliases of the stories merged into it.
func (bs *buckets) forgetDecisions(id string) error {
	ds, err := bs.storyDecisions(id)
	if err != nil {
		return err
	}
	for _, dec := range ds {
		if dec.Kind == wiredesk.DecisionMerge && string(bs.merged.Get([]byte(dec.From))) == id {
			if err := bs.merged.Delete([]byte(dec.From)); err != nil {
				return err
			}
		}
	}
	return bs.decisions.Delete([]byte(id))
}

// decisionKey identifies a decision among the copies its stories list.
type decisionKey struct {
	kind     wiredesk.DecisionKind
	from, to string
	at       int64
}

func keyOf(d wiredesk.StoryDecision) decisionKey {
	return decisionKey{d.Kind, d.From, d.To, d.At.UnixNano()}
}

func sameDecision(a, b wiredesk.StoryDecision) bool { return keyOf(a) == keyOf(b) }

func earlierTime(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

func laterTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
