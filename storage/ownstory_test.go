package storage

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/wiredesk/wiredesk"
)

// storyRecords counts the records in the stories bucket.
func storyRecords(t *testing.T, d *DB) int {
	t.Helper()
	var n int
	if err := d.bolt.View(func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketStories).Stats().KeyN
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestOwnStory follows a story of one item, which has no record, through
// everything that can happen to it: the item changes, another item joins
// (the story gets a record), an editor merges it or into it and splits it,
// and retention deletes it. Check verifies the indexes after each step.
func TestOwnStory(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	d, err := Open(filepath.Join(t.TempDir(), "w.db"), Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	save := func(src, key, hash, assign string) wiredesk.Item {
		t.Helper()
		r := wiredesk.FetchResult{State: wiredesk.SourceState{SourceID: src, LastAttempt: now},
			Items: []wiredesk.Item{{Key: key, Title: key, Hash: hash}}}
		if assign != "" {
			r.Assign = func(wiredesk.Item) string { return assign }
		}
		if _, err := d.SaveFetch(ctx, r); err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Minute)
		it, err := d.Item(ctx, wiredesk.ItemID(src, key))
		if err != nil {
			t.Fatal(err)
		}
		return it
	}
	storyOf := func(id string) []string {
		t.Helper()
		s, err := d.Story(ctx, id)
		if err != nil {
			t.Fatalf("Story(%s): %v", id, err)
		}
		var ids []string
		for _, it := range s.Items {
			ids = append(ids, it.ID)
		}
		return ids
	}
	step := func(name string, records int) {
		t.Helper()
		if err := Check(d); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if got := storyRecords(t, d); got != records {
			t.Errorf("%s: %d story records; want %d", name, got, records)
		}
	}

	a := save("tass", "a", "1", "")
	if a.StoryID != a.ID {
		t.Fatalf("new item's story = %s; want its own id %s", a.StoryID, a.ID)
	}
	if s, err := d.Story(ctx, a.ID); err != nil || !reflect.DeepEqual(s, wiredesk.Story{ID: a.ID, Created: a.FirstSeen, Updated: a.FirstSeen, Items: []wiredesk.Item{a}}) {
		t.Errorf("Story of a new item = %+v, %v", s, err)
	}
	if ss, err := d.Stories(ctx, StoryQuery{}); err != nil || len(ss) != 1 || ss[0].ID != a.ID {
		t.Errorf("Stories = %+v, %v; want the new item's", ss, err)
	}
	step("a new item", 0)

	a = save("tass", "a", "2", "")
	if got := storyOf(a.ID); !reflect.DeepEqual(got, []string{a.ID}) {
		t.Errorf("story after the item changed = %v", got)
	}
	step("the item changed", 0)

	b := save("ria", "b", "1", a.ID)
	if got, want := storyOf(a.ID), []string{a.ID, b.ID}; !reflect.DeepEqual(got, want) {
		t.Errorf("story after b joined = %v; want %v", got, want)
	}
	step("another item joined", 1)

	c := save("ria", "c", "1", "")
	e := save("ria", "e", "1", "")
	step("two more items of their own", 1)
	if _, err := d.MergeStories(ctx, c.ID, e.ID, "desk"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Story(ctx, e.ID); err == nil {
		t.Error("Story of the merged-away story found")
	}
	step("merged one story of its own into another", 2)
	if _, err := d.SplitItem(ctx, e.ID, "desk"); err != nil {
		t.Fatal(err)
	}
	step("split it out again", 3)
	if _, err := d.MergeStories(ctx, a.ID, c.ID, "desk"); err != nil {
		t.Fatal(err)
	}
	step("merged a story with a record into another", 2)

	f := save("tass", "f", "1", "")
	step("one more of its own", 2)
	n, err := d.Prune(ctx, f.FirstSeen)
	if err != nil || n.Items != 4 || n.Stories != 2 {
		t.Errorf("Prune = %+v, %v; want 4 items and 2 stories", n, err)
	}
	step("pruned all but the last", 0)
	if got := storyOf(f.ID); !reflect.DeepEqual(got, []string{f.ID}) {
		t.Errorf("story left after prune = %v", got)
	}
	if _, err := d.Prune(ctx, now); err != nil {
		t.Fatal(err)
	}
	step("pruned all", 0)
	if ss, err := d.Stories(ctx, StoryQuery{}); err != nil || len(ss) != 0 {
		t.Errorf("Stories after pruning all = %+v, %v", ss, err)
	}
}

// recordEveryStory turns a database written by this version into what
// versions before 5 wrote: a record for every story of one item, and the
// items in codec version 1 (without the mark of a story of their own).
func recordEveryStory(tx *bolt.Tx) error {
	items, stories := tx.Bucket(bucketItems), tx.Bucket(bucketStories)
	type rewrite struct {
		id       []byte
		item     wiredesk.Item
		ownStory uint64
	}
	var rs []rewrite
	if err := items.ForEach(func(k, v []byte) error {
		it, seq, err := decodeItemRecord(v)
		if err == nil && v[0] != 1 {
			rs = append(rs, rewrite{[]byte(string(k)), it, seq})
		}
		return err
	}); err != nil {
		return err
	}
	for _, r := range rs {
		if r.ownStory != 0 && stories.Get(r.id) == nil {
			rec := storyRecord{Created: r.item.FirstSeen, Updated: r.item.FirstSeen, ItemIDs: []string{r.item.ID}, Seq: r.ownStory}
			if err := stories.Put(r.id, encodeStory(&rec)); err != nil {
				return err
			}
		}
		v := encodeItem(&r.item)
		v = append([]byte{1}, v[1:len(v)-1]...) // codec 1: no mark at the end
		if err := items.Put(r.id, v); err != nil {
			return err
		}
	}
	return nil
}

// TestMigrationOwnStories opens a version-4 file, in which every story
// has a record, with the real history: its stories read as before, an
// item joins a story of one item that has a record, new items get stories
// without one, and editors' decisions and retention work across both.
func TestMigrationOwnStories(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	clock := Options{Now: func() time.Time { return now }}
	path := filepath.Join(t.TempDir(), "v4.db")
	d, err := open(path, clock, migrations[:4])
	if err != nil {
		t.Fatal(err)
	}
	var old []wiredesk.Item
	for i, src := range []string{"tass", "ria", "ria"} {
		old = append(old, wiredesk.Item{SourceID: src, Key: fmt.Sprint("guid:", i), Hash: "a"})
	}
	joined := func(it wiredesk.Item) string {
		if it.Key == "guid:2" {
			return wiredesk.ItemID("tass", "guid:0")
		}
		return ""
	}
	if _, err := d.SaveFetch(ctx, wiredesk.FetchResult{Items: old, Assign: joined}); err != nil {
		t.Fatal(err)
	}
	if err := d.bolt.Update(recordEveryStory); err != nil {
		t.Fatal(err)
	}
	before, err := d.Stories(ctx, StoryQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if v := storedVersion(t, path); v != 4 {
		t.Fatalf("fabricated file at version %d; want 4", v)
	}

	d, err = Open(path, clock)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	after, err := d.Stories(ctx, StoryQuery{})
	if err != nil || !reflect.DeepEqual(after, before) {
		t.Errorf("Stories after migration = %+v, %v;\nwant %+v", after, err, before)
	}
	if err := Check(d); err != nil {
		t.Errorf("after migration: %v", err)
	}
	if got := storyRecords(t, d); got != 2 {
		t.Errorf("%d story records after migration; want the 2 written before", got)
	}

	now = now.Add(time.Minute)
	ria1 := wiredesk.ItemID("ria", "guid:1")
	fresh := []wiredesk.Item{
		{SourceID: "ria", Key: "guid:3", Hash: "a"}, // joins ria/1's story, which has a record
		{SourceID: "tass", Key: "guid:4", Hash: "a"},
	}
	if _, err := d.SaveFetch(ctx, wiredesk.FetchResult{Items: fresh, Assign: func(it wiredesk.Item) string {
		if it.Key == "guid:3" {
			return ria1
		}
		return ""
	}}); err != nil {
		t.Fatal(err)
	}
	if s, err := d.Story(ctx, ria1); err != nil || len(s.Items) != 2 {
		t.Errorf("old story of one item after another joined = %+v, %v; want 2 items", s, err)
	}
	tass4 := wiredesk.ItemID("tass", "guid:4")
	if got := storyRecords(t, d); got != 2 {
		t.Errorf("%d story records after saving; want 2 (the new item's story has none)", got)
	}
	if _, err := d.MergeStories(ctx, tass4, wiredesk.ItemID("tass", "guid:0"), "desk"); err != nil {
		t.Fatalf("merge an old story into a new one: %v", err)
	}
	if _, err := d.SplitItem(ctx, ria1, "desk"); err != nil {
		t.Fatalf("split after migration: %v", err)
	}
	if err := Check(d); err != nil {
		t.Errorf("after decisions: %v", err)
	}
	if n, err := d.Prune(ctx, now.Add(time.Hour)); err != nil || n.Items != 5 {
		t.Errorf("Prune = %+v, %v; want all 5 items", n, err)
	}
	if err := Check(d); err != nil {
		t.Errorf("after prune: %v", err)
	}
	if got := storyRecords(t, d); got != 0 {
		t.Errorf("%d story records after pruning everything", got)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if v, latest := storedVersion(t, path), migrations[len(migrations)-1].version; v != latest || latest != 5 {
		t.Errorf("schema version after opening a version-4 file = %d; want %d (5)", v, latest)
	}
}
