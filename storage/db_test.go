package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/wiredesk/wiredesk"
)

// TestDBRoundTripEveryField stores domain values with every field set and
// reads them back through the public API.
func TestDBRoundTripEveryField(t *testing.T) {
	ctx := context.Background()
	d, err := Open(filepath.Join(t.TempDir(), "w.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()

	st := filled[wiredesk.SourceState](0)
	if err := d.SaveState(ctx, st); err != nil {
		t.Fatal(err)
	}
	if got, err := d.SourceState(ctx, st.SourceID); err != nil || !reflect.DeepEqual(got, st) {
		t.Errorf("SourceState = %+v, %v\nwant %+v", got, err, st)
	}

	it := filled[wiredesk.Item](100)
	stats, err := d.SaveFetch(ctx, wiredesk.FetchResult{Items: []wiredesk.Item{it}})
	if err != nil {
		t.Fatal(err)
	}
	// A new item keeps its given ID and FirstSeen, starts its own story and
	// has never been modified.
	want := it
	want.StoryID, want.Modified = it.ID, time.Time{}
	if !reflect.DeepEqual(stats.NewItems, []wiredesk.Item{want}) {
		t.Errorf("NewItems = %+v\nwant [%+v]", stats.NewItems, want)
	}
	items, err := d.Items(ctx, ItemQuery{})
	if err != nil || !reflect.DeepEqual(items, []wiredesk.Item{want}) {
		t.Errorf("Items = %+v, %v\nwant [%+v]", items, err, want)
	}
	s, err := d.Story(ctx, want.StoryID)
	if err != nil || !reflect.DeepEqual(s, wiredesk.Story{ID: want.ID, Created: it.FirstSeen, Updated: it.FirstSeen, Items: []wiredesk.Item{want}}) {
		t.Errorf("Story = %+v, %v", s, err)
	}
	if err := Check(d); err != nil {
		t.Error(err)
	}
}

// fabricate writes a bolt file at the given schema version with the
// buckets of version 1 and one stored story that the version-1 layout did
// not index by time.
func fabricate(t *testing.T, version int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "old.db")
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	err = b.Update(func(tx *bolt.Tx) error {
		if version > 0 {
			if err := migrations[0].up(tx); err != nil {
				return err
			}
			if err := putSchemaVersion(tx, version); err != nil {
				return err
			}
		}
		it := wiredesk.Item{ID: "tass/1", SourceID: "tass", Key: "guid:1", StoryID: "tass/1", FirstSeen: time.Unix(1e9, 0).UTC()}
		if err := tx.Bucket(bucketItems).Put([]byte(it.ID), encodeItem(&it)); err != nil {
			return err
		}
		return tx.Bucket(bucketStories).Put([]byte(it.ID), encodeStory(&storyRecord{Created: it.FirstSeen, Updated: it.FirstSeen, ItemIDs: []string{it.ID}}))
	})
	if err != nil {
		t.Fatal(err)
	}
	return path
}

func storedVersion(t *testing.T, path string) int {
	t.Helper()
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var v int
	if err := b.View(func(tx *bolt.Tx) error { v, err = schemaVersion(tx); return err }); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestMigration(t *testing.T) {
	// The fabricated history continues the real one, so every bucket the
	// code reads exists.
	base := migrations[len(migrations)-1].version
	history := func(steps ...migration) []migration {
		return append(slices.Clone(migrations), steps...)
	}
	var ran []int
	step := func(v int, fail bool) migration {
		return migration{version: v, name: "step", up: func(tx *bolt.Tx) error {
			ran = append(ran, v)
			if fail {
				return errors.New("step failed")
			}
			// The first fabricated step indexes stories by time (the
			// fabricated file has a story without its index entry) and
			// marks the file, so a rolled back run is visible.
			if err := tx.Bucket(bucketMeta).Put([]byte(strconv.Itoa(v)), []byte{1}); err != nil {
				return err
			}
			if v != base+1 {
				return nil
			}
			bs, err := openBuckets(tx)
			if err != nil {
				return err
			}
			return bs.stories.ForEach(func(k, v []byte) error {
				r, err := decodeStory(v)
				if err != nil {
					return err
				}
				return bs.storyTime.Put(indexKey(r.Updated, string(k)), storyIndexValue)
			})
		}}
	}

	t.Run("older database migrates in order", func(t *testing.T) {
		ran = nil
		path := fabricate(t, 1)
		d, err := open(path, Options{}, history(step(base+1, false), step(base+2, false)))
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		if want := []int{base + 1, base + 2}; !slices.Equal(ran, want) {
			t.Errorf("migrations run = %v; want %v", ran, want)
		}
		stories, err := d.Stories(context.Background(), StoryQuery{})
		if err != nil || len(stories) != 1 || stories[0].ID != "tass/1" {
			t.Errorf("Stories after migration = %+v, %v; want the fabricated story", stories, err)
		}
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
		if v := storedVersion(t, path); v != base+2 {
			t.Errorf("schema version after migration = %d; want %d", v, base+2)
		}
	})

	t.Run("failing step rolls every step back", func(t *testing.T) {
		ran = nil
		path := fabricate(t, 1)
		_, err := open(path, Options{}, history(step(base+1, false), step(base+2, true)))
		if want := fmt.Sprintf("version %d", base+2); err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("open error = %v; want the failing step named (%s)", err, want)
		}
		if v := storedVersion(t, path); v != 1 {
			t.Errorf("schema version after failed migration = %d; want 1", v)
		}
		b, _ := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
		defer b.Close()
		_ = b.View(func(tx *bolt.Tx) error {
			if tx.Bucket(bucketMeta).Get([]byte(strconv.Itoa(base+1))) != nil {
				t.Errorf("step %d changes kept after step %d failed", base+1, base+2)
			}
			if tx.Bucket(bucketDecisions) != nil {
				t.Error("real migration 2 kept after a later step failed")
			}
			return nil
		})
	})

	t.Run("read-only open does not migrate", func(t *testing.T) {
		ran = nil
		path := fabricate(t, 1)
		_, err := open(path, Options{ReadOnly: true}, history(step(base+1, false)))
		if err == nil || !strings.Contains(err.Error(), "needs migrating") || len(ran) != 0 {
			t.Errorf("read-only open of old schema = %v, ran %v; want a refusal and nothing run", err, ran)
		}
	})

	t.Run("unversioned file gets every step", func(t *testing.T) {
		ran = nil
		path := filepath.Join(t.TempDir(), "new.db")
		d, err := open(path, Options{}, history(step(base+1, false)))
		if err != nil {
			t.Fatal(err)
		}
		d.Close()
		if v := storedVersion(t, path); v != base+1 || !slices.Equal(ran, []int{base + 1}) {
			t.Errorf("new file version %d, ran %v; want %d, [%d]", v, ran, base+1, base+1)
		}
	})
}

// TestMigrationDecisions opens a version-1 file (written before editors'
// decisions existed) with the real history: it gains the decision buckets,
// its stories can be merged and split, and its version becomes 2.
func TestMigrationDecisions(t *testing.T) {
	ctx := context.Background()
	path := fabricate(t, 1)
	// fabricate leaves its item and story out of the indexes; a real
	// version-1 file has them.
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = b.Update(func(tx *bolt.Tx) error {
		at := time.Unix(1e9, 0)
		if err := tx.Bucket(bucketIdentity).Put(identityKey("tass", "guid:1"), []byte("tass/1")); err != nil {
			return err
		}
		if err := tx.Bucket(bucketItemTime).Put(indexKey(at, "tass/1"), []byte("tass")); err != nil {
			return err
		}
		return tx.Bucket(bucketStoryTime).Put(indexKey(at, "tass/1"), storyIndexValue)
	})
	b.Close()
	if err != nil {
		t.Fatal(err)
	}

	d, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.SaveFetch(ctx, wiredesk.FetchResult{Items: []wiredesk.Item{{SourceID: "ria", Key: "guid:2", FirstSeen: time.Unix(1e9+60, 0).UTC()}}}); err != nil {
		t.Fatal(err)
	}
	ria := wiredesk.ItemID("ria", "guid:2")
	if _, err := d.MergeStories(ctx, "tass/1", ria, "desk"); err != nil {
		t.Fatalf("merge after migration: %v", err)
	}
	if _, err := d.SplitItem(ctx, ria, "desk"); err != nil {
		t.Fatalf("split after migration: %v", err)
	}
	if err := Check(d); err != nil {
		t.Error(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if v, latest := storedVersion(t, path), migrations[len(migrations)-1].version; v != latest {
		t.Errorf("schema version after opening a version-1 file = %d; want %d", v, latest)
	}
}

func TestSchemaTooNew(t *testing.T) {
	path := fabricate(t, 99)
	for _, ro := range []bool{false, true} {
		_, err := Open(path, Options{ReadOnly: ro})
		if !errors.Is(err, wiredesk.ErrSchemaTooNew) {
			t.Fatalf("Open(ReadOnly %v) of schema 99 = %v; want ErrSchemaTooNew", ro, err)
		}
		latest := migrations[len(migrations)-1].version
		if msg := err.Error(); !strings.Contains(msg, "version 99") || !strings.Contains(msg, "up to version "+string(rune('0'+latest))) {
			t.Errorf("error %q; want both versions (99 and %d) named", msg, latest)
		}
	}
	if v := storedVersion(t, path); v != 99 {
		t.Errorf("schema version after refused open = %d; want 99 untouched", v)
	}
}

// TestMigrationIdentity opens a version-3 file, whose identity bucket
// names every item, with the real history: version 4 keeps only the entry
// of the item stored under an id its caller chose, and every item is still
// found by its identity (saved again: unchanged; changed: updated in
// place, never stored twice).
func TestMigrationIdentity(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1e9, 0).UTC()
	path := filepath.Join(t.TempDir(), "v3.db")
	d, err := open(path, Options{Now: func() time.Time { return now }}, migrations[:3])
	if err != nil {
		t.Fatal(err)
	}
	items := []wiredesk.Item{
		{SourceID: "tass", Key: "guid:1", Hash: "a"},
		{SourceID: "tass", Key: "guid:2", Hash: "a"},
		{SourceID: "ria", Key: "guid:1", Hash: "a"},
		{SourceID: "ria", Key: "guid:3", Hash: "a", ID: "ria/chosen"},
	}
	if _, err := d.SaveFetch(ctx, wiredesk.FetchResult{Items: items}); err != nil {
		t.Fatal(err)
	}
	// Version 3 wrote an identity entry for every item, item time index
	// keys without a save sequence, and a record for every story.
	err = d.bolt.Update(func(tx *bolt.Tx) error {
		if err := recordEveryStory(tx); err != nil {
			return err
		}
		for _, it := range items[:3] {
			if err := tx.Bucket(bucketIdentity).Put(identityKey(it.SourceID, it.Key), []byte(wiredesk.ItemID(it.SourceID, it.Key))); err != nil {
				return err
			}
		}
		b := tx.Bucket(bucketItemTime)
		var keys, values [][]byte
		if err := b.ForEach(func(k, v []byte) error {
			keys, values = append(keys, bytes.Clone(k)), append(values, bytes.Clone(v))
			return nil
		}); err != nil {
			return err
		}
		for i, k := range keys {
			if err := b.Delete(k); err != nil {
				return err
			}
			if err := b.Put(indexKey(timeFromKey(k), string(idFromTimeKey(k))), values[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if v := storedVersion(t, path); v != 3 {
		t.Fatalf("fabricated file at version %d; want 3", v)
	}

	d, err = Open(path, Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var left []string
	err = d.bolt.View(func(tx *bolt.Tx) error {
		if v, err := schemaVersion(tx); err != nil || v != migrations[len(migrations)-1].version {
			t.Errorf("schema version after open = %d, %v; want %d", v, err, migrations[len(migrations)-1].version)
		}
		return tx.Bucket(bucketIdentity).ForEach(func(k, v []byte) error {
			left = append(left, fmt.Sprintf("%q=%s", k, v))
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{fmt.Sprintf("%q=ria/chosen", identityKey("ria", "guid:3"))}; !slices.Equal(left, want) {
		t.Errorf("identity bucket after migration = %v; want %v", left, want)
	}
	if err := Check(d); err != nil {
		t.Error(err)
	}
	st, err := d.SaveFetch(ctx, wiredesk.FetchResult{Items: items})
	if err != nil || st.Unchanged != 4 || st.New != 0 {
		t.Errorf("saving the same items again = %+v, %v; want 4 unchanged", st, err)
	}
	changed := slices.Clone(items)
	for i := range changed {
		changed[i].Hash, changed[i].ID = "b", ""
	}
	st, err = d.SaveFetch(ctx, wiredesk.FetchResult{Items: changed})
	if err != nil || st.Updated != 4 || st.New != 0 {
		t.Errorf("saving the items changed = %+v, %v; want 4 updated", st, err)
	}
	got, err := d.Items(ctx, ItemQuery{SourceID: "ria"})
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{}
	for _, it := range got {
		ids = append(ids, it.ID)
	}
	slices.Sort(ids)
	if want := []string{wiredesk.ItemID("ria", "guid:1"), "ria/chosen"}; !slices.Equal(ids, want) {
		t.Errorf("ria's items after the updates = %v; want %v", ids, want)
	}
	if err := Check(d); err != nil {
		t.Error(err)
	}
	// An item saved now gets a key with a sequence, beside the old ones;
	// retention deletes both kinds.
	later := wiredesk.FetchResult{State: wiredesk.SourceState{LastAttempt: now.Add(time.Hour)}, Items: []wiredesk.Item{{SourceID: "tass", Key: "guid:9", Hash: "a"}}}
	if _, err := d.SaveFetch(ctx, later); err != nil {
		t.Fatal(err)
	}
	if all, err := d.Items(ctx, ItemQuery{}); err != nil || len(all) != 5 || all[0].Key != "guid:9" {
		t.Errorf("Items with both key formats = %d items, %v; want 5, guid:9 first", len(all), err)
	}
	if err := Check(d); err != nil {
		t.Error(err)
	}
	if _, err := d.Prune(ctx, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if left, err := d.Items(ctx, ItemQuery{}); err != nil || len(left) != 1 || left[0].Key != "guid:9" {
		t.Errorf("Items after pruning the old ones = %+v, %v; want guid:9 alone", left, err)
	}
	if err := Check(d); err != nil {
		t.Error(err)
	}
}

// The item time index orders by first-seen time, newest first, then by
// save sequence; ids come back out of keys with and without a sequence.
func TestItemTimeKey(t *testing.T) {
	t0 := time.Unix(1e9, 0).UTC()
	keys := [][]byte{
		seqTimeKey(t0.Add(time.Second), 1<<56+7, "b/2"), // the sequence keeps its low 7 bytes
		seqTimeKey(t0, 0, "z/9"),
		seqTimeKey(t0, 1, "a/1"),
		seqTimeKey(t0, 300, "a/0"),
		indexKey(t0.Add(-time.Second), "c/3"), // written before schema version 4
	}
	if !slices.IsSortedFunc(keys, bytes.Compare) {
		t.Errorf("keys out of order: %q", keys)
	}
	for i, want := range []string{"b/2", "z/9", "a/1", "a/0", "c/3"} {
		if got := string(idFromTimeKey(keys[i])); got != want {
			t.Errorf("idFromTimeKey(%q) = %q; want %q", keys[i], got, want)
		}
	}
	if got := timeFromKey(keys[1]); !got.Equal(t0) {
		t.Errorf("timeFromKey = %v; want %v", got, t0)
	}
}

// An item id that already holds another identity's item is refused, not
// written over.
func TestSaveFetchIDTaken(t *testing.T) {
	d, err := Open(filepath.Join(t.TempDir(), "t.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx := context.Background()
	if _, err := d.SaveFetch(ctx, wiredesk.FetchResult{Items: []wiredesk.Item{{SourceID: "tass", Key: "guid:1", Hash: "a"}}}); err != nil {
		t.Fatal(err)
	}
	taken := wiredesk.Item{SourceID: "tass", Key: "guid:2", Hash: "a", ID: wiredesk.ItemID("tass", "guid:1")}
	if _, err := d.SaveFetch(ctx, wiredesk.FetchResult{Items: []wiredesk.Item{taken}}); err == nil || !strings.Contains(err.Error(), "already holds another item") {
		t.Errorf("SaveFetch of an item under a taken id = %v; want a refusal", err)
	}
	it, err := d.Items(ctx, ItemQuery{})
	if err != nil || len(it) != 1 || it[0].Key != "guid:1" {
		t.Errorf("items after the refusal = %+v, %v; want the first item alone", it, err)
	}
	if err := Check(d); err != nil {
		t.Error(err)
	}
}
