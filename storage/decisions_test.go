package storage_test

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wiredesk/wiredesk"
	"github.com/wiredesk/wiredesk/storage"
)

// decisionDB opens a database whose clock reads *now, with three stories
// of one item each (A from interfax, B from tass, C from ria) and a story
// D of two items (rferl 1 and 2), stored at t0.
func decisionDB(t *testing.T, now *time.Time) (db *storage.DB, a, b, c, d string) {
	t.Helper()
	db, err := storage.Open(filepath.Join(t.TempDir(), "w.db"), storage.Options{Now: func() time.Time { return *now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	id := func(src string, n int) string { return wiredesk.ItemID(src, item(src, n, "").Key) }
	mustSave(t, db, poll(t0, "interfax", item("interfax", 1, "h")))
	mustSave(t, db, poll(t0, "tass", item("tass", 1, "h")))
	mustSave(t, db, poll(t0, "ria", item("ria", 1, "h")))
	d = id("rferl", 1)
	r := poll(t0, "rferl", item("rferl", 1, "h"), item("rferl", 2, "h"))
	r.Assign = func(wiredesk.Item) string { return d }
	mustSave(t, db, r)
	return db, id("interfax", 1), id("tass", 1), id("ria", 1), d
}

func storyItemIDs(s wiredesk.Story) []string {
	var ids []string
	for _, it := range s.Items {
		ids = append(ids, it.ID)
	}
	slices.Sort(ids)
	return ids
}

func TestMergeStories(t *testing.T) {
	ctx := context.Background()
	now := t0.Add(time.Hour)
	db, a, b, c, _ := decisionDB(t, &now)

	got, err := db.MergeStories(ctx, a, b, "anna")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{a, b}; !slices.Equal(storyItemIDs(got), sorted(want)) {
		t.Errorf("merged story items = %v; want %v", storyItemIDs(got), want)
	}
	for _, it := range got.Items {
		if it.StoryID != a {
			t.Errorf("item %s has StoryID %q after the merge; want %q", it.ID, it.StoryID, a)
		}
	}
	want := []wiredesk.StoryDecision{{Kind: wiredesk.DecisionMerge, From: b, To: a, Items: []string{b}, At: now, By: "anna"}}
	if !reflect.DeepEqual(got.Decisions, want) {
		t.Errorf("decisions = %+v; want %+v", got.Decisions, want)
	}
	if !got.Updated.Equal(now) || !got.Created.Equal(t0) {
		t.Errorf("merged story Created, Updated = %v, %v; want %v, %v (Updated bumped so feeds re-render)", got.Created, got.Updated, t0, now)
	}
	// The publish path reads stories updated since a time: it sees the
	// merge at once.
	recent, err := db.Stories(ctx, storage.StoryQuery{Since: now})
	if err != nil || len(recent) != 1 || recent[0].ID != a || len(recent[0].Decisions) != 1 {
		t.Errorf("Stories(since the merge) = %+v, %v; want story %s with its decision", recent, err, a)
	}
	_, err = db.Story(ctx, b)
	if !errors.Is(err, wiredesk.ErrNotFound) || !strings.Contains(err.Error(), "merged into "+a) {
		t.Errorf("Story(merged away) error = %v; want ErrNotFound naming %s", err, a)
	}
	if into, err := db.MergedInto(ctx, b); err != nil || into != a {
		t.Errorf("MergedInto(%s) = %q, %v; want %q", b, into, err, a)
	}

	// Merging A into C carries B's alias along, and C lists both merges.
	now = now.Add(time.Hour)
	got, err = db.MergeStories(ctx, c, a, "boris")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Decisions) != 2 || got.Decisions[0].From != b || got.Decisions[1].From != a || got.Decisions[1].By != "boris" {
		t.Errorf("decisions after a second merge = %+v; want the merge of %s then of %s", got.Decisions, b, a)
	}
	if into, _ := db.MergedInto(ctx, b); into != c {
		t.Errorf("MergedInto(%s) after its survivor was merged = %q; want %q", b, into, c)
	}

	// An item the aggregator matched to B before the merges, saved after
	// them, joins the story that has B's items now.
	r := poll(now, "afp", item("afp", 1, "h"))
	r.Assign = func(wiredesk.Item) string { return b }
	st := mustSave(t, db, r)
	if sid := st.NewItems[0].StoryID; sid != c {
		t.Errorf("item assigned to merged-away story %s joined %q; want %q", b, sid, c)
	}
	if err := storage.Check(db); err != nil {
		t.Error(err)
	}
}

func TestMergeStoriesRefused(t *testing.T) {
	ctx := context.Background()
	now := t0.Add(time.Hour)
	db, a, b, _, _ := decisionDB(t, &now)
	if _, err := db.MergeStories(ctx, a, b, "anna"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		into     string
		from     string
		want     error
		wantText string
	}{
		{"into itself", a, a, wiredesk.ErrRefused, "into itself"},
		{"unknown survivor", "no/such", a, wiredesk.ErrNotFound, "story no/such"},
		{"unknown story", a, "no/such", wiredesk.ErrNotFound, "story no/such"},
		{"a story merged away already", a, b, wiredesk.ErrNotFound, "merged into " + a},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := db.MergeStories(ctx, tt.into, tt.from, "anna")
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("MergeStories(%s, %s) error = %v; want %v saying %q", tt.into, tt.from, err, tt.want, tt.wantText)
			}
		})
	}
	if err := storage.Check(db); err != nil {
		t.Error(err)
	}
}

func TestSplitItem(t *testing.T) {
	ctx := context.Background()
	now := t0.Add(time.Hour)
	db, _, _, _, d := decisionDB(t, &now)
	second := wiredesk.ItemID("rferl", item("rferl", 2, "").Key)

	tests := []struct {
		name   string
		item   string
		leaves string // the story the item leaves
		stays  string // the item left behind
	}{
		{"an item that joined a story", second, d, d},
		// d is also the id of its founding item: the story keeps the id,
		// the item gets a new one.
		{"the item that founded a story", d, d, second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Put the pair back together first (the second case splits the
			// story the first one split).
			now = now.Add(time.Hour)
			if s, err := db.Story(ctx, d); err == nil && len(s.Items) == 1 {
				moved, _ := db.Item(ctx, second)
				if _, err := db.MergeStories(ctx, d, moved.StoryID, "anna"); err != nil {
					t.Fatal(err)
				}
				now = now.Add(time.Hour)
			}
			got, err := db.SplitItem(ctx, tt.item, "boris")
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(got.ID, tt.item+"~") || got.ID == tt.leaves {
				t.Errorf("new story id = %q; want %q followed by ~N", got.ID, tt.item)
			}
			if ids := storyItemIDs(got); !slices.Equal(ids, []string{tt.item}) || got.Items[0].StoryID != got.ID {
				t.Errorf("new story items = %v (StoryID %q); want only %s, pointing at the new story", ids, got.Items[0].StoryID, tt.item)
			}
			want := wiredesk.StoryDecision{Kind: wiredesk.DecisionSplit, From: tt.leaves, To: got.ID, Items: []string{tt.item}, At: now, By: "boris"}
			if n := len(got.Decisions); n == 0 || !reflect.DeepEqual(got.Decisions[n-1], want) {
				t.Errorf("new story decisions = %+v; want the last to be %+v", got.Decisions, want)
			}
			old, err := db.Story(ctx, tt.leaves)
			if err != nil {
				t.Fatal(err)
			}
			if ids := storyItemIDs(old); !slices.Equal(ids, []string{tt.stays}) {
				t.Errorf("story left = %v; want [%s]", ids, tt.stays)
			}
			if n := len(old.Decisions); n == 0 || !reflect.DeepEqual(old.Decisions[n-1], want) {
				t.Errorf("story left decisions = %+v; want the last to be %+v", old.Decisions, want)
			}
			if !old.Updated.Equal(now) || !got.Updated.Equal(now) {
				t.Errorf("Updated = %v (left), %v (new); want both %v", old.Updated, got.Updated, now)
			}
			if err := storage.Check(db); err != nil {
				t.Error(err)
			}
		})
	}

	// Every story lists its decisions once, and Decisions lists each once.
	all, err := db.Decisions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []wiredesk.DecisionKind
	for _, dec := range all {
		kinds = append(kinds, dec.Kind)
	}
	if want := []wiredesk.DecisionKind{"split", "merge", "split"}; !slices.Equal(kinds, want) {
		t.Errorf("Decisions kinds = %v; want %v", kinds, want)
	}
	s, _ := db.Story(ctx, d)
	if len(s.Decisions) != 3 {
		t.Errorf("story %s lists %d decisions; want 3 (split, merge back, split), none twice: %+v", d, len(s.Decisions), s.Decisions)
	}
}

func TestSplitItemRefused(t *testing.T) {
	ctx := context.Background()
	now := t0.Add(time.Hour)
	db, a, _, _, _ := decisionDB(t, &now)
	tests := []struct {
		name     string
		item     string
		want     error
		wantText string
	}{
		{"the only item of its story", a, wiredesk.ErrRefused, "only item of story " + a},
		{"unknown item", "no/such", wiredesk.ErrNotFound, "split item no/such: not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := db.SplitItem(ctx, tt.item, "anna")
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("SplitItem(%s) error = %v; want %v saying %q", tt.item, err, tt.want, tt.wantText)
			}
		})
	}
}

// TestPruneForgetsDecisions checks that retention deletes the decisions
// and merge records of the stories it deletes, and nothing else.
func TestPruneForgetsDecisions(t *testing.T) {
	ctx := context.Background()
	now := t0.Add(time.Hour)
	db, a, b, _, d := decisionDB(t, &now)
	if _, err := db.MergeStories(ctx, a, b, "anna"); err != nil {
		t.Fatal(err)
	}
	split, err := db.SplitItem(ctx, d, "anna")
	if err != nil {
		t.Fatal(err)
	}
	// A newer item joins the story d left, so it outlives the prune.
	r := poll(t0.Add(48*time.Hour), "afp", item("afp", 1, "h"))
	r.Assign = func(wiredesk.Item) string { return d }
	mustSave(t, db, r)

	if _, err := db.Prune(ctx, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := storage.Check(db); err != nil {
		t.Error(err)
	}
	if into, err := db.MergedInto(ctx, b); err != nil || into != "" {
		t.Errorf("MergedInto(%s) after its survivor was pruned = %q, %v; want \"\"", b, into, err)
	}
	all, err := db.Decisions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 || all[0].Kind != wiredesk.DecisionSplit || all[0].To != split.ID {
		t.Errorf("Decisions after prune = %+v; want only the split, still listed by story %s", all, d)
	}
}

func sorted(ss []string) []string {
	ss = slices.Clone(ss)
	slices.Sort(ss)
	return ss
}
