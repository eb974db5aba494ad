package storage_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wiredesk/wiredesk"
	"github.com/wiredesk/wiredesk/storage"
	"github.com/wiredesk/wiredesk/storage/storagetest"
)

// fillOld stores n items first seen two days before t0, one second apart,
// five to a story, plus one story that an old and a recent item share.
func fillOld(t *testing.T, db *storage.DB, n int) (shared string) {
	t.Helper()
	old := t0.Add(-48 * time.Hour)
	r := poll(old, "tass")
	var last string
	r.Assign = func(it wiredesk.Item) string {
		sid := last
		if len(last) == 0 || it.FirstSeen.Sub(old)/time.Second%5 == 0 {
			sid = ""
			last = it.ID
		}
		return sid
	}
	for i := range n {
		it := item("tass", i, "h")
		it.FirstSeen = old.Add(time.Duration(i) * time.Second)
		r.Items = append(r.Items, it)
	}
	st := mustSave(t, db, r)
	shared = st.NewItems[0].StoryID
	join := poll(t0, "interfax", item("interfax", 1, "h"))
	join.Assign = func(wiredesk.Item) string { return shared }
	mustSave(t, db, join)
	return shared
}

func TestPrune(t *testing.T) {
	ctx := context.Background()
	db := storagetest.Open(t)
	txs := 0
	storage.SetPruneChunk(db, 1000, func() { txs++ })
	const n = 2500
	shared := fillOld(t, db, n)
	mustSave(t, db, poll(t0, "reuters", item("reuters", 1, "h"), item("reuters", 2, "h")))

	got, err := db.Prune(ctx, t0.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	// 500 stories of 5 old items; the shared story keeps its recent item.
	if want := (storage.PruneStats{Items: n, Stories: n/5 - 1}); got != want {
		t.Errorf("Prune = %+v; want %+v", got, want)
	}
	if txs < 3 {
		t.Errorf("Prune used %d write transactions for %d items; want at least 3 (chunks of 1000)", txs, n)
	}
	if err := storage.Check(db); err != nil {
		t.Errorf("after prune: %v", err)
	}
	counts, err := db.ItemCounts(ctx)
	if err != nil || fmt.Sprint(counts) != "map[interfax:1 reuters:2]" {
		t.Errorf("ItemCounts after prune = %v, %v; want interfax:1 reuters:2", counts, err)
	}
	s, err := db.Story(ctx, shared)
	if err != nil || len(s.Items) != 1 || s.Items[0].SourceID != "interfax" {
		t.Errorf("shared story after prune = %+v, %v; want only its interfax item", s, err)
	}
	stories, err := db.Stories(ctx, storage.StoryQuery{})
	if err != nil || len(stories) != 3 {
		t.Errorf("Stories after prune = %d, %v; want 3", len(stories), err)
	}

	// Pruned identities are gone: the same item seen again is new.
	if st := mustSave(t, db, poll(t0, "tass", item("tass", 7, "h"))); st.New != 1 {
		t.Errorf("re-saving a pruned item = %+v; want it new", st)
	}
	// Nothing left to prune: one transaction, nothing deleted.
	txs = 0
	if got, err := db.Prune(ctx, t0.Add(-time.Hour)); err != nil || got != (storage.PruneStats{}) || txs != 1 {
		t.Errorf("second Prune = %+v, %v in %d transactions; want nothing in 1", got, err, txs)
	}
}

func TestPruneCancelled(t *testing.T) {
	db := storagetest.Open(t)
	ctx, cancel := context.WithCancel(context.Background())
	storage.SetPruneChunk(db, 100, cancel) // cancel after the first chunk
	fillOld(t, db, 250)
	got, err := db.Prune(ctx, t0.Add(-time.Hour))
	if !errors.Is(err, context.Canceled) || got.Items != 100 {
		t.Errorf("cancelled Prune = %+v, %v; want 100 items and context.Canceled", got, err)
	}
	if err := storage.Check(db); err != nil {
		t.Errorf("after cancelled prune: %v", err)
	}
}

func TestCompact(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "w.db")
	db, err := storage.Open(path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fillOld(t, db, 5000)
	if _, err := db.Prune(ctx, t0.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	before, after, err := storage.Compact(ctx, path, path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("compact after pruning 5000 of 5001 items: %d → %d bytes", before, after)
	if after >= before {
		t.Errorf("Compact sizes %d → %d; want smaller", before, after)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() != after {
		t.Errorf("file size after compact = %v, %v; want %d", fi, err, after)
	}
	if m, _ := filepath.Glob(path + "*"); len(m) != 1 {
		t.Errorf("files left beside the database: %v; want only it", m)
	}
	db, err = storage.Open(path, storage.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := storage.Check(db); err != nil {
		t.Errorf("after compact: %v", err)
	}
	if items, err := db.Items(ctx, storage.ItemQuery{}); err != nil || len(items) != 1 {
		t.Errorf("items after compact = %d, %v; want 1", len(items), err)
	}
}
