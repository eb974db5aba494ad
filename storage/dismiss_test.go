package storage_test

import (
	"context"
	"errors"
	"maps"
	"path/filepath"
	"testing"
	"time"

	"github.com/wiredesk/wiredesk"
	"github.com/wiredesk/wiredesk/storage"
)

func pair(a, b string) [2]string {
	if b < a {
		a, b = b, a
	}
	return [2]string{a, b}
}

func wantPairs(t *testing.T, db *storage.DB, want ...[2]string) {
	t.Helper()
	got, err := db.DismissedPairs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	w := map[[2]string]bool{}
	for _, p := range want {
		w[p] = true
	}
	if !maps.Equal(got, w) {
		t.Errorf("DismissedPairs = %v; want %v", got, w)
	}
}

func TestDismissStories(t *testing.T) {
	ctx := context.Background()
	now := t0.Add(time.Hour)
	db, a, b, c, d := decisionDB(t, &now)
	wantPairs(t, db) // no bucket yet: nothing dismissed, no error

	got, err := db.DismissStories(ctx, b, a, "anna")
	if err != nil {
		t.Fatal(err)
	}
	if want := (storage.Dismissal{A: pair(a, b)[0], B: pair(a, b)[1], At: now, By: "anna"}); got != want {
		t.Errorf("DismissStories(b, a) = %+v; want %+v (ids in order)", got, want)
	}
	wantPairs(t, db, pair(a, b))

	// Refused and unknown pairs change nothing.
	for _, tt := range []struct {
		name string
		x, y string
		want error
	}{
		{"a story with itself", a, a, wiredesk.ErrRefused},
		{"an unknown story", a, "nope", wiredesk.ErrNotFound},
		{"an unknown first story", "nope", a, wiredesk.ErrNotFound},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := db.DismissStories(ctx, tt.x, tt.y, "anna"); !errors.Is(err, tt.want) {
				t.Errorf("DismissStories(%s, %s) error = %v; want %v", tt.x, tt.y, err, tt.want)
			}
		})
	}
	wantPairs(t, db, pair(a, b))

	// A dismissed story merged away: the pair follows the survivor, and a
	// story merged away is dismissed as the story that absorbed it.
	if _, err := db.MergeStories(ctx, d, b, "boris"); err != nil {
		t.Fatal(err)
	}
	wantPairs(t, db, pair(a, d))
	if _, err := db.MergeStories(ctx, c, a, "boris"); err != nil {
		t.Fatal(err)
	}
	wantPairs(t, db, pair(c, d))
	if got, err := db.DismissStories(ctx, a, d, "anna"); err != nil || [2]string{got.A, got.B} != pair(c, d) {
		t.Errorf("DismissStories(merged away, d) = %+v, %v; want the pair of the survivors %v", got, err, pair(c, d))
	}
	if _, err := db.DismissStories(ctx, a, c, "anna"); !errors.Is(err, wiredesk.ErrRefused) {
		t.Errorf("DismissStories(a, the story a was merged into) = %v; want ErrRefused", err)
	}
	// The two sides merged into one story: no longer a pair.
	if _, err := db.MergeStories(ctx, c, d, "boris"); err != nil {
		t.Fatal(err)
	}
	wantPairs(t, db)
}

// TestDismissedPairsOldDatabase reads a database written before dismissals
// existed, read-only: no bucket, nothing dismissed, nothing written.
func TestDismissedPairsOldDatabase(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "w.db")
	db, err := storage.Open(path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	mustSave(t, db, poll(t0, "tass", item("tass", 1, "h")))
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = storage.Open(path, storage.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	wantPairs(t, db)
	if _, err := db.DismissStories(ctx, "a", "b", "anna"); err == nil {
		t.Error("DismissStories on a read-only database: no error")
	}
}

// TestDismissalsPrunedAndCompacted: retention forgets the dismissals of the
// stories it deletes and keeps the others; compacting keeps them.
func TestDismissalsPrunedAndCompacted(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "w.db")
	db, err := storage.Open(path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	id := func(src string, n int) string { return wiredesk.ItemID(src, item(src, n, "").Key) }
	mustSave(t, db, poll(t0, "interfax", item("interfax", 1, "h")))
	mustSave(t, db, poll(t0.Add(2*time.Hour), "tass", item("tass", 1, "h")))
	mustSave(t, db, poll(t0.Add(2*time.Hour), "ria", item("ria", 1, "h")))
	old, b, c := id("interfax", 1), id("tass", 1), id("ria", 1)
	for _, p := range [][2]string{{old, b}, {b, c}} {
		if _, err := db.DismissStories(ctx, p[0], p[1], "anna"); err != nil {
			t.Fatal(err)
		}
	}
	wantPairs(t, db, pair(old, b), pair(b, c))

	if n, err := db.Prune(ctx, t0.Add(time.Hour)); err != nil || n.Items != 1 {
		t.Fatalf("Prune = %+v, %v; want the interfax item deleted", n, err)
	}
	wantPairs(t, db, pair(b, c))
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	if _, _, err := storage.Compact(ctx, path, path, storage.Options{}); err != nil {
		t.Fatal(err)
	}
	db, err = storage.Open(path, storage.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	wantPairs(t, db, pair(b, c))
}
