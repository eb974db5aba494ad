package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/wiredesk/wiredesk"
)

// ItemQuery selects items for Items.
type ItemQuery struct {
	// Since keeps items with FirstSeen at or after it; zero means all.
	Since time.Time
	// SourceID keeps the items of one source; empty means every source.
	SourceID string
	// Limit is the most items returned; zero or negative means no limit.
	Limit int
}

// buckets are the data buckets of one transaction.
type buckets struct {
	items, itemTime, identity, stories, storyTime *bolt.Bucket
	decisions, merged                             *bolt.Bucket
	tx                                            *bolt.Tx
	// marks holds the editors' story marks; nil until the first mark is
	// set (see desk.go).
	marks *bolt.Bucket
}

func openBuckets(tx *bolt.Tx) (*buckets, error) {
	bs := buckets{tx: tx}
	for _, b := range []struct {
		name []byte
		dst  **bolt.Bucket
	}{
		{bucketItems, &bs.items},
		{bucketItemTime, &bs.itemTime},
		{bucketIdentity, &bs.identity},
		{bucketStories, &bs.stories},
		{bucketStoryTime, &bs.storyTime},
		{bucketDecisions, &bs.decisions},
		{bucketMerged, &bs.merged},
	} {
		var err error
		if *b.dst, err = bucket(tx, b.name); err != nil {
			return nil, err
		}
	}
	bs.marks = tx.Bucket(bucketMarks)
	// The time indexes take their new keys in save order (keys.go), at the
	// end of the tree: leaves split at the default half page would stay
	// half empty, so they are filled (a key that does land in the middle
	// splits a full leaf into a full one and a short one, which the next
	// keys fill).
	bs.itemTime.FillPercent, bs.storyTime.FillPercent = 1, 1
	return &bs, nil
}

// item loads the item id; ok is false when there is none.
func (bs *buckets) item(id []byte) (it wiredesk.Item, ok bool, err error) {
	it, _, ok, err = bs.itemRecord(id)
	return it, ok, err
}

// itemRecord loads the item id and the sequence of the story of its own
// without a record that it is alone in, or 0 (encodeItemRecord).
func (bs *buckets) itemRecord(id []byte) (it wiredesk.Item, ownStory uint64, ok bool, err error) {
	v := bs.items.Get(id)
	if v == nil {
		return it, 0, false, nil
	}
	it, ownStory, err = decodeItemRecord(v)
	if err != nil {
		return it, 0, false, fmt.Errorf("item %s: %w", id, err)
	}
	return it, ownStory, true, nil
}

// lookup finds the stored item with this identity. An item's id is
// almost always wiredesk.ItemID(sourceID, key), so it is read from the
// items bucket under that id (one page of one tree, the page the item's
// own write dirties anyway); the identity bucket holds only the items
// stored under an id the caller chose (schema version 4).
// ownStory is as itemRecord returns it.
func (bs *buckets) lookup(sourceID, key string) (it wiredesk.Item, ownStory uint64, ok bool, err error) {
	it, ownStory, ok, err = bs.itemRecord([]byte(wiredesk.ItemID(sourceID, key)))
	if err != nil || ok && it.SourceID == sourceID && it.Key == key {
		return it, ownStory, ok, err
	}
	id := bs.identity.Get(identityKey(sourceID, key))
	if id == nil {
		return wiredesk.Item{}, 0, false, nil
	}
	it, ownStory, ok, err = bs.itemRecord(id)
	if err == nil && !ok {
		err = fmt.Errorf("identity %s %q points to missing item %s: %w", sourceID, key, id, errCorrupt)
	}
	return it, ownStory, ok, err
}

// derivedID reports whether the item's id is the one its identity gives,
// so that it needs no identity entry.
func derivedID(it *wiredesk.Item) bool {
	return it.ID == wiredesk.ItemID(it.SourceID, it.Key)
}

// story loads the story id; ok is false when there is none. A story
// without a record in the stories bucket may be an item's own (schema
// version 5): the story an item started, under the item's id, while the
// item is its only one. Its record would say no more than the item does,
// and writing one per new item cost each item of a flood one more leaf
// page rewritten in a tree keyed by random ids; the record is written
// once the story changes (another item joins, an editor merges into it)
// and from then on takes precedence.
func (bs *buckets) story(id string) (r storyRecord, ok bool, err error) {
	if r, ok, err = bs.storyRecord(id); ok || err != nil {
		return r, ok, err
	}
	return bs.ownStory(id)
}

// storyRecord loads the record of story id from the stories bucket; ok is
// false when there is none.
func (bs *buckets) storyRecord(id string) (r storyRecord, ok bool, err error) {
	v := bs.stories.Get([]byte(id))
	if v == nil {
		return r, false, nil
	}
	r, err = decodeStory(v)
	if err != nil {
		return r, false, fmt.Errorf("story %s: %w", id, err)
	}
	return r, true, nil
}

// ownStory returns the record of the story of its own item id is alone
// in, as joinStory would have written it; ok is false when there is no
// such story. An item keeps the mark (its record's ownStory sequence) when
// the story gets a record, which then shadows it; the mark is dropped when
// the item moves to another story (moveItems).
func (bs *buckets) ownStory(id string) (r storyRecord, ok bool, err error) {
	it, seq, ok, err := bs.itemRecord([]byte(id))
	if err != nil || !ok || seq == 0 || it.StoryID != id {
		return r, false, err
	}
	return storyRecord{Created: it.FirstSeen, Updated: it.FirstSeen, ItemIDs: []string{id}, Seq: seq}, true, nil
}

// putStory stores r under id and moves its time index entry from
// oldUpdated (zero for a new story) and r.Seq to r.Updated and a new save
// sequence, which r.Seq then holds.
func (bs *buckets) putStory(id string, r *storyRecord, oldUpdated time.Time) error {
	if oldUpdated.IsZero() || !oldUpdated.Equal(r.Updated) || r.Seq == 0 {
		if !oldUpdated.IsZero() {
			if err := bs.storyTime.Delete(storyTimeKey(oldUpdated, r.Seq, id)); err != nil {
				return err
			}
		}
		seq, err := bs.storyTime.NextSequence()
		if err != nil {
			return err
		}
		r.Seq = seq
		if err := bs.storyTime.Put(storyTimeKey(r.Updated, r.Seq, id), storyIndexValue); err != nil {
			return err
		}
	}
	return bs.stories.Put([]byte(id), encodeStory(r))
}

// deleteStory removes the story id and its time index entry.
func (bs *buckets) deleteStory(id string, r *storyRecord) error {
	if err := bs.storyTime.Delete(storyTimeKey(r.Updated, r.Seq, id)); err != nil {
		return err
	}
	if bs.marks != nil {
		if err := bs.marks.Delete([]byte(id)); err != nil {
			return err
		}
	}
	return bs.stories.Delete([]byte(id))
}

// SaveFetch stores one poll of one source: r.State and every item of
// r.Items. Items are matched to stored ones by identity (SourceID + Key;
// SourceID defaults to r.State.SourceID, ID to wiredesk.ItemID):
//
//   - stored with the same Hash: counted Unchanged, nothing written;
//   - stored with another Hash: replaced in place, keeping ID, FirstSeen
//     and StoryID, with Modified set to the poll time;
//   - not stored: FirstSeen set to the poll time unless given, and the item
//     joins the story r.Assign names (bumping its Updated; a story not
//     stored yet is created under that id, for a pass that matched items
//     of several sources before saving them), or, when r.Assign names
//     none, starts a story whose ID is the item's ID.
//
// The items are written in several write transactions, so that a large
// poll never holds the writer lock for long (other sources' saves and state
// writes run between them) and no transaction grows with the poll: bbolt
// splits its nodes only at commit, so one transaction of n new items costs
// O(n²). The first transaction takes DefaultSaveChunk items; each next one
// takes twice as many while the last held the lock under half of
// saveTxBudget, and half as many once one held it longer than the budget
// (see nextSaveChunk), so a flood of new items is written in fewer, larger
// transactions, each rewriting a leaf page for many items at once, while
// no transaction holds the lock much longer than the budget.
// r.State is written with the last chunk. ctx is checked before each
// chunk: when it is cancelled, or a chunk fails (a full disk), the chunks
// committed before stay and the state is not written, so the source's next
// poll fetches the document again in full and stores the rest; no item is
// ever stored twice.
//
// The poll time is r.State.LastAttempt, or Now when that is zero.
// Storage keeps r.State.LastNewItem: it is set to the poll time when some
// item is new and never moves back to an older value than stored. Items
// that have left the feed stay stored. r.Assign runs inside the write
// transaction and must not call methods of d.
func (d *DB) SaveFetch(ctx context.Context, r wiredesk.FetchResult) (wiredesk.SaveStats, error) {
	now := r.State.LastAttempt
	if now.IsZero() {
		now = d.now()
	}
	var stats wiredesk.SaveStats
	items := r.Items
	size := d.saveChunk
	for {
		chunk := items[:min(len(items), size)]
		items = items[len(chunk):]
		held, err := d.saveItems(ctx, &r, chunk, len(items) == 0, now, &stats)
		if err != nil {
			return wiredesk.SaveStats{}, fmt.Errorf("save fetch of %s: %w", r.State.SourceID, err)
		}
		if d.afterSaveTx != nil {
			d.afterSaveTx(len(chunk), held)
		}
		if len(items) == 0 {
			return stats, nil
		}
		if d.saveAdapt {
			size = nextSaveChunk(len(chunk), held)
		}
	}
}

// DefaultSaveChunk is the number of items of SaveFetch's first
// transaction; at 256 a transaction of new items takes a few milliseconds
// whatever the size of the database.
const DefaultSaveChunk = 256

const (
	// saveTxBudget is how long one SaveFetch transaction may hold the
	// writer lock before the next one is made smaller.
	saveTxBudget = 100 * time.Millisecond
	// minSaveChunk and maxSaveChunk bound the items of one SaveFetch
	// transaction. Past 4096 new items a transaction dirties most leaves
	// of the trees it writes however large they are, so a larger one saves
	// little and holds the lock (and the dirty pages in memory) longer.
	minSaveChunk = 32
	maxSaveChunk = 4096
)

// nextSaveChunk returns the number of items of the next SaveFetch
// transaction after one of n items that held the writer lock for held.
// Doubling at most doubles the pages a transaction rewrites, so a
// transaction that took under half the budget grows into one that takes
// about the budget at most.
func nextSaveChunk(n int, held time.Duration) int {
	switch {
	case held > saveTxBudget:
		return max(n/2, minSaveChunk)
	case held < saveTxBudget/2:
		return min(n*2, maxSaveChunk)
	}
	return n
}

// saveItems writes items of r in one transaction, and r.State too when
// last is set. held is how long the transaction held the writer lock,
// from when it had the lock to its commit.
func (d *DB) saveItems(ctx context.Context, r *wiredesk.FetchResult, items []wiredesk.Item, last bool, now time.Time, stats *wiredesk.SaveStats) (held time.Duration, err error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	var locked time.Time
	err = d.update(func(tx *bolt.Tx) error {
		locked = time.Now()
		// The writer lock may have taken a while.
		if err := ctx.Err(); err != nil {
			return err
		}
		bs, err := openBuckets(tx)
		if err != nil {
			return err
		}
		for i := range items {
			if err := d.saveItem(bs, r, items[i], now, stats); err != nil {
				return fmt.Errorf("item %s: %w", items[i].Key, err)
			}
		}
		if !last || r.State.SourceID == "" {
			return nil
		}
		st := r.State
		if stats.New > 0 && now.After(st.LastNewItem) {
			st.LastNewItem = now
		}
		if v := tx.Bucket(bucketSources).Get([]byte(st.SourceID)); v != nil {
			old, err := decodeSourceState(v)
			if err != nil {
				return err
			}
			if old.LastNewItem.After(st.LastNewItem) {
				st.LastNewItem = old.LastNewItem
			}
		}
		return putState(tx, &st)
	})
	if err != nil {
		return 0, err
	}
	return time.Since(locked), nil
}

func (d *DB) saveItem(bs *buckets, r *wiredesk.FetchResult, it wiredesk.Item, now time.Time, stats *wiredesk.SaveStats) error {
	if it.SourceID == "" {
		it.SourceID = r.State.SourceID
	}
	if it.SourceID == "" || it.Key == "" {
		return fmt.Errorf("item without source id or identity key (source %q, key %q)", it.SourceID, it.Key)
	}
	old, ownStory, found, err := bs.lookup(it.SourceID, it.Key)
	if err != nil {
		return err
	}
	if found {
		if old.Hash == it.Hash {
			stats.Unchanged++
			return nil
		}
		it.ID, it.FirstSeen, it.StoryID = old.ID, old.FirstSeen, old.StoryID
		it.Modified = now
		if err := bs.items.Put([]byte(it.ID), encodeItemRecord(&it, ownStory)); err != nil {
			return err
		}
		stats.Updated++
		return nil
	}

	if it.ID == "" {
		it.ID = wiredesk.ItemID(it.SourceID, it.Key)
	}
	if it.ID[0] == 0 {
		return fmt.Errorf("item id %q starts with a zero byte", it.ID)
	}
	if bs.items.Get([]byte(it.ID)) != nil {
		// Another identity's item holds the id (one the caller chose, or
		// a hash collision): writing would replace it.
		return fmt.Errorf("item id %s already holds another item", it.ID)
	}
	if it.FirstSeen.IsZero() {
		it.FirstSeen = now
	}
	it.Modified = time.Time{}
	it.StoryID = ""
	ownStory, err = joinStory(bs, r.Assign, &it)
	if err != nil {
		return err
	}
	if err := bs.items.Put([]byte(it.ID), encodeItemRecord(&it, ownStory)); err != nil {
		return err
	}
	seq, err := bs.itemTime.NextSequence()
	if err != nil {
		return err
	}
	if err := bs.itemTime.Put(seqTimeKey(it.FirstSeen, seq, it.ID), []byte(it.SourceID)); err != nil {
		return err
	}
	if !derivedID(&it) {
		if err := bs.identity.Put(identityKey(it.SourceID, it.Key), []byte(it.ID)); err != nil {
			return err
		}
	}
	stats.New++
	stats.NewItems = append(stats.NewItems, it)
	return d.queueItemAlerts(bs, r, it, now)
}

// queueItemAlerts queues the alerts r.Alerts asks for a new item, in the
// transaction that stores it.
func (d *DB) queueItemAlerts(bs *buckets, r *wiredesk.FetchResult, it wiredesk.Item, now time.Time) error {
	if r.Alerts == nil {
		return nil
	}
	if spiked, err := bs.spikedEverywhere(it.StoryID); err != nil || spiked {
		return err // an editor spiked the story from every feed: it stops alerting
	}
	story, err := bs.storyItems(it.StoryID)
	if err != nil {
		return err
	}
	for _, a := range r.Alerts(it, story) {
		if _, err := queueAlert(bs.tx, a, now); err != nil {
			return fmt.Errorf("queue alert: %w", err)
		}
	}
	return nil
}

// joinStory sets it.StoryID: the story assign names when it exists, else a
// new story with the item's ID. Should a story with that ID still exist
// (the item was pruned and came back while other items kept its story),
// the item rejoins it. A new story with the item's ID gets no record, only
// its time index entry: ownStory is the entry's sequence, for the item's
// record (see buckets.story); it is 0 when the item joined a story that
// has a record.
func joinStory(bs *buckets, assign func(wiredesk.Item) string, it *wiredesk.Item) (ownStory uint64, err error) {
	var sid string
	if assign != nil {
		sid = bs.survivor(assign(*it))
	}
	var rec storyRecord
	found := false
	if sid != "" {
		if rec, found, err = bs.story(sid); err != nil {
			return 0, err
		}
	}
	if !found && sid == "" {
		// A story the aggregator names but storage does not have yet is
		// one a pass matched before saving: its first item, of another
		// source, is saved later in the same pass under that id.
		sid = it.ID
		// Not a story of its own: the item is not stored yet.
		if rec, found, err = bs.storyRecord(sid); err != nil {
			return 0, err
		}
	}
	it.StoryID = sid
	if !found && sid == it.ID {
		return bs.putOwnStory(sid, it.FirstSeen)
	}
	var oldUpdated time.Time
	if found {
		oldUpdated = rec.Updated
		rec.ItemIDs = append(rec.ItemIDs, it.ID)
		if it.FirstSeen.After(rec.Updated) {
			rec.Updated = it.FirstSeen
		}
	} else {
		rec = storyRecord{Created: it.FirstSeen, Updated: it.FirstSeen, ItemIDs: []string{it.ID}}
	}
	return 0, bs.putStory(sid, &rec, oldUpdated)
}

// putOwnStory indexes the new story id of the one item id, first seen at
// t, and returns the index entry's sequence. Its record is the item's
// (buckets.ownStory).
func (bs *buckets) putOwnStory(id string, t time.Time) (uint64, error) {
	seq, err := bs.storyTime.NextSequence()
	if err != nil {
		return 0, err
	}
	return seq, bs.storyTime.Put(storyTimeKey(t, seq, id), storyIndexValue)
}

// Items returns stored items, newest FirstSeen first, read from the time
// index.
func (d *DB) Items(ctx context.Context, q ItemQuery) ([]wiredesk.Item, error) {
	var out []wiredesk.Item
	err := d.EachItem(ctx, q, false, func(it wiredesk.Item) error {
		out = append(out, it)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// errStop ends an EachItem walk early without an error.
var errStop = errors.New("stop")

// EachItem calls fn for every item q selects, newest first, or oldest first
// when oldestFirst is set, decoding one item at a time so a caller that
// only looks at each item (warming the cluster index) never holds them all
// in memory. It runs in one read transaction; fn must not call the DB. An
// error from fn ends the walk and is returned.
func (d *DB) EachItem(ctx context.Context, q ItemQuery, oldestFirst bool, fn func(wiredesk.Item) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	n := 0
	visit := func(bs *buckets, id []byte) error {
		it, ok, err := bs.item(id)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("time index points to missing item %s: %w", id, errCorrupt)
		}
		if err := fn(it); err != nil {
			return err
		}
		n++
		if q.Limit > 0 && n >= q.Limit {
			return errStop
		}
		return nil
	}
	err := d.view(func(tx *bolt.Tx) error {
		bs, err := openBuckets(tx)
		if err != nil {
			return err
		}
		c := bs.itemTime.Cursor()
		var ids [][]byte // oldest first: collect the (small) keys, then walk back
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if !q.Since.IsZero() && timeFromKey(k).Before(q.Since) {
				break
			}
			if q.SourceID != "" && string(v) != q.SourceID {
				continue
			}
			if oldestFirst {
				ids = append(ids, bytes.Clone(idFromTimeKey(k)))
				continue
			}
			if err := visit(bs, idFromTimeKey(k)); err != nil {
				return err
			}
		}
		for i := len(ids) - 1; i >= 0; i-- {
			if err := visit(bs, ids[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		return fmt.Errorf("items: %w", err)
	}
	return nil
}

// ItemCounts returns how many items are stored per source id.
func (d *DB) ItemCounts(ctx context.Context) (map[string]int, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	counts := map[string]int{}
	err := d.view(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketItemTime)
		if err != nil {
			return err
		}
		return b.ForEach(func(_, v []byte) error {
			counts[string(v)]++
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("item counts: %w", err)
	}
	return counts, nil
}
