package storage_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/wiredesk/wiredesk"
	"github.com/wiredesk/wiredesk/storage"
	"github.com/wiredesk/wiredesk/storage/storagetest"
)

var t0 = time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)

func item(src string, n int, hash string) wiredesk.Item {
	return wiredesk.Item{
		SourceID: src,
		Key:      fmt.Sprintf("guid:%s-%d", src, n),
		GUID:     fmt.Sprintf("%s-%d", src, n),
		Title:    fmt.Sprintf("%s item %d", src, n),
		Hash:     hash,
	}
}

func poll(at time.Time, src string, items ...wiredesk.Item) wiredesk.FetchResult {
	return wiredesk.FetchResult{
		State: wiredesk.SourceState{SourceID: src, State: wiredesk.StateOK, LastAttempt: at, LastStatus: 200},
		Items: items,
	}
}

func mustSave(t *testing.T, db *storage.DB, r wiredesk.FetchResult) wiredesk.SaveStats {
	t.Helper()
	st, err := db.SaveFetch(context.Background(), r)
	if err != nil {
		t.Fatalf("SaveFetch: %v", err)
	}
	return st
}

func TestSourceState(t *testing.T) {
	ctx := context.Background()
	db := storagetest.Open(t)
	got, err := db.SourceState(ctx, "tass")
	if err != nil {
		t.Fatal(err)
	}
	if want := (wiredesk.SourceState{SourceID: "tass", State: wiredesk.StateNew}); got != want {
		t.Errorf("SourceState(unknown) = %+v; want %+v", got, want)
	}
	st := wiredesk.SourceState{
		SourceID: "tass", State: wiredesk.StateBackoff, ETag: `W/"x"`, LastModified: "Fri, 27 Nov 2026 08:00:00 GMT",
		LastStatus: 503, LastAttempt: t0, LastSuccess: t0.Add(-time.Hour), LastNewItem: t0.Add(-2 * time.Hour),
		LastError: "503 Service Unavailable", Failures: 3, NextDue: t0.Add(10 * time.Minute),
		MovedTo: "https://tass.example/rss", FeedInterval: 5 * time.Minute, FeedTitle: "TASS", FeedLink: "https://tass.example/",
		Encoding: "windows-1251 (meta)", GoneURL: "https://old.example/rss",
	}
	if err := db.SaveState(ctx, st); err != nil {
		t.Fatal(err)
	}
	if got, err := db.SourceState(ctx, "tass"); err != nil || got != st {
		t.Errorf("SourceState = %+v, %v; want %+v", got, err, st)
	}
	all, err := db.SourceStates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]wiredesk.SourceState{"tass": st}; !reflect.DeepEqual(all, want) {
		t.Errorf("SourceStates = %+v; want %+v", all, want)
	}
}

func TestReopenPersists(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "w.db")
	db, err := storage.Open(path, storage.Options{Command: "once"})
	if err != nil {
		t.Fatal(err)
	}
	st := mustSave(t, db, poll(t0, "interfax", item("interfax", 1, "a"), item("interfax", 2, "b")))
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = storage.Open(path, storage.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	items, err := db.Items(ctx, storage.ItemQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 {
		t.Fatalf("after reopen: %d items; want 2", len(items))
	}
	for _, want := range st.NewItems {
		got, err := db.Story(ctx, want.StoryID)
		if err != nil {
			t.Fatalf("Story(%s): %v", want.StoryID, err)
		}
		if len(got.Items) != 1 || !reflect.DeepEqual(got.Items[0], want) {
			t.Errorf("Story(%s).Items = %+v; want [%+v]", want.StoryID, got.Items, want)
		}
	}
	if s, err := db.SourceState(ctx, "interfax"); err != nil || s.State != wiredesk.StateOK || !s.LastNewItem.Equal(t0) {
		t.Errorf("SourceState after reopen = %+v, %v; want state ok, LastNewItem %v", s, err, t0)
	}
}

func TestSaveFetchLifecycle(t *testing.T) {
	ctx := context.Background()
	db := storagetest.Open(t)

	a, b := item("interfax", 1, "h1"), item("interfax", 2, "h2")
	st := mustSave(t, db, poll(t0, "interfax", a, b))
	if st.New != 2 || st.Updated != 0 || st.Unchanged != 0 || len(st.NewItems) != 2 {
		t.Fatalf("first poll stats = %+v; want 2 new", st)
	}
	first := st.NewItems[0]
	if want := wiredesk.ItemID("interfax", a.Key); first.ID != want {
		t.Errorf("new item ID = %q; want %q", first.ID, want)
	}
	if !first.FirstSeen.Equal(t0) || first.StoryID != first.ID || !first.Modified.IsZero() {
		t.Errorf("new item FirstSeen, StoryID, Modified = %v, %q, %v; want %v, %q, zero", first.FirstSeen, first.StoryID, first.Modified, t0, first.ID)
	}

	// Same items again: unchanged, nothing new.
	t1 := t0.Add(5 * time.Minute)
	st = mustSave(t, db, poll(t1, "interfax", a, b))
	if st.New != 0 || st.Updated != 0 || st.Unchanged != 2 || st.NewItems != nil {
		t.Errorf("re-poll stats = %+v; want 2 unchanged", st)
	}

	// a changed; b left the feed.
	t2 := t0.Add(10 * time.Minute)
	a2 := a
	a2.Title, a2.Hash = "corrected headline", "h1b"
	st = mustSave(t, db, poll(t2, "interfax", a2))
	if st.New != 0 || st.Updated != 1 || st.Unchanged != 0 {
		t.Errorf("changed poll stats = %+v; want 1 updated", st)
	}
	items, err := db.Items(ctx, storage.ItemQuery{SourceID: "interfax"})
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 {
		t.Fatalf("Items = %d; want 2 (items leaving the feed stay stored)", len(items))
	}
	var got wiredesk.Item
	for _, it := range items {
		if it.Key == a.Key {
			got = it
		}
	}
	if got.ID != first.ID || !got.FirstSeen.Equal(t0) || got.StoryID != first.StoryID {
		t.Errorf("updated item ID, FirstSeen, StoryID = %q, %v, %q; want %q, %v, %q", got.ID, got.FirstSeen, got.StoryID, first.ID, t0, first.StoryID)
	}
	if got.Title != "corrected headline" || got.Hash != "h1b" || !got.Modified.Equal(t2) {
		t.Errorf("updated item Title, Hash, Modified = %q, %q, %v; want new values, Modified %v", got.Title, got.Hash, got.Modified, t2)
	}
	s, err := db.SourceState(ctx, "interfax")
	if err != nil || !s.LastAttempt.Equal(t2) || !s.LastNewItem.Equal(t0) {
		t.Errorf("state = %+v, %v; want LastAttempt %v and LastNewItem %v (last new item)", s, err, t2, t0)
	}
	counts, err := db.ItemCounts(ctx)
	if err != nil || !reflect.DeepEqual(counts, map[string]int{"interfax": 2}) {
		t.Errorf("ItemCounts = %v, %v; want interfax: 2", counts, err)
	}
	if err := storage.Check(db); err != nil {
		t.Error(err)
	}
}

func TestSaveFetchNowAndErrors(t *testing.T) {
	now := t0.Add(time.Hour)
	db, err := storage.Open(filepath.Join(t.TempDir(), "w.db"), storage.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r := poll(time.Time{}, "tass", item("tass", 1, "x"))
	st := mustSave(t, db, r)
	if !st.NewItems[0].FirstSeen.Equal(now) {
		t.Errorf("FirstSeen without LastAttempt = %v; want Now %v", st.NewItems[0].FirstSeen, now)
	}
	noKey := item("tass", 2, "y")
	noKey.Key = ""
	if _, err := db.SaveFetch(context.Background(), poll(t0, "tass", noKey)); err == nil {
		t.Error("SaveFetch of an item without a key succeeded; want an error")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := db.SaveFetch(ctx, poll(t0, "tass", item("tass", 3, "z"))); !errors.Is(err, context.Canceled) {
		t.Errorf("SaveFetch with cancelled ctx = %v; want context.Canceled", err)
	}
	if n, _ := db.ItemCounts(context.Background()); n["tass"] != 1 {
		t.Errorf("items after failed saves = %d; want 1 (failed saves write nothing)", n["tass"])
	}
}

func TestStoryJoin(t *testing.T) {
	ctx := context.Background()
	db := storagetest.Open(t)
	st := mustSave(t, db, poll(t0, "interfax", item("interfax", 1, "a")))
	story := st.NewItems[0].StoryID
	// A later, unrelated story, so the joined one must move ahead of it.
	mustSave(t, db, poll(t0.Add(time.Minute), "reuters", item("reuters", 1, "r")))

	var assigned []string
	r := poll(t0.Add(2*time.Minute), "tass", item("tass", 1, "t"), item("tass", 2, "u"))
	r.Assign = func(it wiredesk.Item) string {
		assigned = append(assigned, it.Key)
		if it.ID == "" || it.FirstSeen.IsZero() {
			t.Errorf("Assign got item without ID or FirstSeen: %+v", it)
		}
		if it.Key == "guid:tass-1" {
			return story
		}
		return "no-such-story"
	}
	st = mustSave(t, db, r)
	if st.NewItems[0].StoryID != story {
		t.Errorf("joined item StoryID = %q; want %q", st.NewItems[0].StoryID, story)
	}
	// A story the aggregator names that storage lacks is one a pass matched
	// before its first item was saved: it is created under that id.
	if st.NewItems[1].StoryID != "no-such-story" {
		t.Errorf("item assigned to a story not stored yet: StoryID = %q; want %q", st.NewItems[1].StoryID, "no-such-story")
	}
	got, err := db.Story(ctx, story)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Created.Equal(t0) || !got.Updated.Equal(t0.Add(2*time.Minute)) {
		t.Errorf("joined story Created, Updated = %v, %v; want %v, %v", got.Created, got.Updated, t0, t0.Add(2*time.Minute))
	}
	if ids := got.SourceIDs(); !reflect.DeepEqual(ids, []string{"interfax", "tass"}) {
		t.Errorf("joined story sources = %v; want [interfax tass]", ids)
	}

	all, err := db.Stories(ctx, storage.StoryQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, s := range all {
		order = append(order, s.ID)
	}
	// The joined story and tass-2's new story share Updated; reuters' is older.
	reuters := wiredesk.ItemID("reuters", "guid:reuters-1")
	if len(order) != 3 || order[2] != reuters || !slices.Contains(order[:2], story) {
		t.Errorf("Stories order = %v; want %s among the first two and %s last", order, story, reuters)
	}
	recent, err := db.Stories(ctx, storage.StoryQuery{Since: t0.Add(90 * time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	if len(recent) != 2 || !slices.ContainsFunc(recent, func(s wiredesk.Story) bool { return s.ID == story }) {
		t.Errorf("Stories(since join-30s) = %d stories; want the 2 updated at the join, joined one included", len(recent))
	}
	old, err := db.Stories(ctx, storage.StoryQuery{Since: t0.Add(30 * time.Second), Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(old) != 3 {
		t.Errorf("Stories(since t0+30s) = %d; want 3 (the joined story's stale index entry must be gone, not listed twice or missing)", len(old))
	}

	// Re-polling the joined item must not call Assign again.
	assigned = nil
	mustSave(t, db, r)
	if len(assigned) != 0 {
		t.Errorf("Assign called for stored items: %v", assigned)
	}
	if err := storage.Check(db); err != nil {
		t.Error(err)
	}
}

func TestStoryNotFound(t *testing.T) {
	db := storagetest.Open(t)
	if _, err := db.Story(context.Background(), "nope"); !errors.Is(err, wiredesk.ErrNotFound) {
		t.Errorf("Story(nope) error = %v; want wiredesk.ErrNotFound", err)
	}
}

func TestItemsQuery(t *testing.T) {
	ctx := context.Background()
	db := storagetest.Open(t)
	for i := range 6 {
		src := []string{"a", "b"}[i%2]
		mustSave(t, db, poll(t0.Add(time.Duration(i)*time.Minute), src, item(src, i, "h")))
	}
	tests := []struct {
		name string
		q    storage.ItemQuery
		want []int
	}{
		{"all newest first", storage.ItemQuery{}, []int{5, 4, 3, 2, 1, 0}},
		{"since inclusive", storage.ItemQuery{Since: t0.Add(3 * time.Minute)}, []int{5, 4, 3}},
		{"one source", storage.ItemQuery{SourceID: "a"}, []int{4, 2, 0}},
		{"limit", storage.ItemQuery{Limit: 2}, []int{5, 4}},
		{"source since limit", storage.ItemQuery{SourceID: "b", Since: t0.Add(time.Minute), Limit: 2}, []int{5, 3}},
		{"nothing newer", storage.ItemQuery{Since: t0.Add(time.Hour)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, err := db.Items(ctx, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for _, it := range items {
				got = append(got, int(it.FirstSeen.Sub(t0)/time.Minute))
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Items(%+v) minutes = %v; want %v", tt.q, got, tt.want)
			}
		})
	}
}

func TestValuesOutliveTransaction(t *testing.T) {
	ctx := context.Background()
	db := storagetest.Open(t)
	it := item("tass", 1, "h")
	it.Authors, it.Categories = []string{"Ivanov"}, []string{"Politics"}
	it.Enclosures = []wiredesk.Enclosure{{URL: "https://tass.example/a.jpg", Type: "image/jpeg", Length: 10}}
	it.Origin = &wiredesk.Origin{URL: "https://ria.example/rss", Title: "RIA"}
	mustSave(t, db, poll(t0, "tass", it))

	items, err := db.Items(ctx, storage.ItemQuery{})
	if err != nil {
		t.Fatal(err)
	}
	// More writes after the read transaction ended reuse and remap pages.
	more := poll(t0.Add(time.Second), "reuters")
	for i := range 2000 {
		more.Items = append(more.Items, item("reuters", i, fmt.Sprint(i)))
	}
	mustSave(t, db, more)
	mustSave(t, db, poll(t0.Add(2*time.Second), "tass", it)) // rewrites nothing, commits a transaction
	got := items[0]
	if got.Title != "tass item 1" || got.Authors[0] != "Ivanov" || got.Enclosures[0].URL != "https://tass.example/a.jpg" || got.Origin.Title != "RIA" {
		t.Errorf("item read before later writes changed: %+v", got)
	}
	got.Authors[0], got.Categories[0], got.Enclosures[0].URL, got.Origin.Title = "x", "x", "x", "x"
	stories, err := db.Stories(ctx, storage.StoryQuery{})
	if err != nil {
		t.Fatal(err)
	}
	stories[len(stories)-1].Items[0].Authors[0] = "y"
	again, err := db.Story(ctx, got.StoryID)
	if err != nil {
		t.Fatal(err)
	}
	re := again.Items[0]
	if re.Authors[0] != "Ivanov" || re.Categories[0] != "Politics" || re.Enclosures[0].URL != "https://tass.example/a.jpg" || re.Origin.Title != "RIA" {
		t.Errorf("reread after mutating returned values = %+v; want the stored values", re)
	}
}
