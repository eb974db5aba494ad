package desk

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wiredesk/wiredesk"
)

var t0 = time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)

// fakeStore keeps stories in memory and applies decisions the way storage
// does, enough for the desk's own logic.
type fakeStore struct {
	stories map[string]wiredesk.Story
	merged  map[string]string
	now     time.Time
	// dismissed holds the pairs DismissStories stored (unsure_test.go).
	dismissed map[[2]string]bool
}

func newFakeStore(stories ...wiredesk.Story) *fakeStore {
	f := &fakeStore{stories: map[string]wiredesk.Story{}, merged: map[string]string{}, now: t0.Add(time.Hour)}
	for _, s := range stories {
		for i := range s.Items {
			s.Items[i].StoryID = s.ID
		}
		f.stories[s.ID] = s
	}
	return f
}

func (f *fakeStore) Story(_ context.Context, id string) (wiredesk.Story, error) {
	s, ok := f.stories[id]
	if !ok {
		return s, fmt.Errorf("story %s: %w", id, wiredesk.ErrNotFound)
	}
	return s, nil
}

func (f *fakeStore) MergedInto(_ context.Context, id string) (string, error) {
	return f.merged[id], nil
}

func (f *fakeStore) RecentStories(_ context.Context, since time.Time, limit int) ([]wiredesk.Story, error) {
	var out []wiredesk.Story
	for _, s := range f.stories {
		if !s.Updated.Before(since) {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b wiredesk.Story) int { return strings.Compare(a.ID, b.ID) })
	return out[:min(limit, len(out))], nil
}

func (f *fakeStore) Item(_ context.Context, id string) (wiredesk.Item, error) {
	for _, s := range f.stories {
		for _, it := range s.Items {
			if it.ID == id {
				return it, nil
			}
		}
	}
	return wiredesk.Item{}, fmt.Errorf("item %s: %w", id, wiredesk.ErrNotFound)
}

func (f *fakeStore) MergeStories(_ context.Context, into, from, by string) (wiredesk.Story, error) {
	if into == from {
		return wiredesk.Story{}, fmt.Errorf("story %s into itself: %w", into, wiredesk.ErrRefused)
	}
	a, okA := f.stories[into]
	b, okB := f.stories[from]
	if !okA || !okB {
		return wiredesk.Story{}, wiredesk.ErrNotFound
	}
	d := wiredesk.StoryDecision{Kind: wiredesk.DecisionMerge, From: from, To: into, At: f.now, By: by}
	for _, it := range b.Items {
		it.StoryID = into
		a.Items = append(a.Items, it)
		d.Items = append(d.Items, it.ID)
	}
	a.Decisions = append(a.Decisions, d)
	a.Updated = f.now
	f.stories[into] = a
	delete(f.stories, from)
	f.merged[from] = into
	return a, nil
}

func (f *fakeStore) SplitItem(ctx context.Context, itemID, by string) (wiredesk.Story, error) {
	it, err := f.Item(ctx, itemID)
	if err != nil {
		return wiredesk.Story{}, err
	}
	old := f.stories[it.StoryID]
	if len(old.Items) < 2 {
		return wiredesk.Story{}, fmt.Errorf("only item: %w", wiredesk.ErrRefused)
	}
	to := itemID + "~1"
	d := wiredesk.StoryDecision{Kind: wiredesk.DecisionSplit, From: old.ID, To: to, Items: []string{itemID}, At: f.now, By: by}
	old.Items = slices.DeleteFunc(old.Items, func(x wiredesk.Item) bool { return x.ID == itemID })
	old.Decisions = append(old.Decisions, d)
	f.stories[old.ID] = old
	it.StoryID = to
	s := wiredesk.Story{ID: to, Created: it.FirstSeen, Updated: f.now, Items: []wiredesk.Item{it}, Decisions: []wiredesk.StoryDecision{d}}
	f.stories[to] = s
	return s, nil
}

// fakeIndex records what the desk asks of the index.
type fakeIndex struct {
	calls []string
	ev    Evidence
	evs   map[[2]string]Evidence // {a, b} → what Explain(a, b) returns; else ev
	near  map[string][]Near      // item id → what Unsure returns for it
}

func (x *fakeIndex) MergeStories(into, from string) {
	x.calls = append(x.calls, "merge "+into+" "+from)
}

func (x *fakeIndex) SplitItem(item, from, to string) {
	x.calls = append(x.calls, "split "+item+" "+from+" "+to)
}

func (x *fakeIndex) Explain(a, b wiredesk.Item) Evidence {
	x.calls = append(x.calls, "explain "+a.ID+" "+b.ID)
	if ev, ok := x.evs[[2]string{a.ID, b.ID}]; ok {
		return ev
	}
	return x.ev
}

func (x *fakeIndex) Unsure(it wiredesk.Item, floor float64) []Near {
	var out []Near
	for _, n := range x.near[it.ID] {
		if n.Probability >= floor {
			out = append(out, n)
		}
	}
	return out
}

func wireItem(id, src, lang string, at time.Duration, title string) wiredesk.Item {
	return wiredesk.Item{ID: id, SourceID: src, Language: lang, Published: t0.Add(at), FirstSeen: t0.Add(at),
		Title: title, Link: "https://" + src + ".example/" + strings.ReplaceAll(id, "/", "-")}
}

// demoStories is a Russian story of two wires and an English one the
// machine kept apart.
func demoStories() []wiredesk.Story {
	return []wiredesk.Story{
		{ID: "interfax/1", Created: t0, Updated: t0.Add(10 * time.Minute), Items: []wiredesk.Item{
			wireItem("interfax/1", "interfax", "ru", 0, "Рахмон открыл третий агрегат Рогунской ГЭС"),
			wireItem("tass/1", "tass", "ru", 10*time.Minute, "Третий гидроагрегат Рогунской ГЭС запущен в Таджикистане"),
		}},
		{ID: "rferl/1", Created: t0.Add(50 * time.Minute), Updated: t0.Add(50 * time.Minute), Items: []wiredesk.Item{
			wireItem("rferl/1", "rferl", "en", 50*time.Minute, "Tajik Leader Opens Third Turbine At Giant Rogun Dam"),
		}},
	}
}

func TestServiceMergeAndSplit(t *testing.T) {
	ctx := context.Background()
	store := newFakeStore(demoStories()...)
	idx := &fakeIndex{}
	changes := 0
	s := &Service{Store: store, Index: idx, AfterChange: func() { changes++ }}

	v, err := s.Merge(ctx, "interfax/1", "rferl/1", "anna")
	if err != nil {
		t.Fatal(err)
	}
	if got := v.Sources(); !slices.Equal(got, []string{"interfax", "tass", "rferl"}) {
		t.Errorf("merged story sources = %v; want interfax, tass, rferl", got)
	}
	if len(v.Decisions) != 1 || v.Decisions[0].Kind != "merge" || v.Decisions[0].By != "anna" {
		t.Errorf("merged story decisions = %+v; want one merge by anna", v.Decisions)
	}
	// Show of the merged-away story shows the survivor and says so.
	shown, err := s.Show(ctx, "rferl/1")
	if err != nil || shown.ID != "interfax/1" || shown.Requested != "rferl/1" {
		t.Errorf("Show(merged away) = %s (requested %q), %v; want interfax/1 requested as rferl/1", shown.ID, shown.Requested, err)
	}

	v, err = s.Split(ctx, "tass/1", "boris")
	if err != nil {
		t.Fatal(err)
	}
	if v.ID != "tass/1~1" || len(v.Items) != 1 || v.Items[0].Story != v.ID {
		t.Errorf("split story = %+v; want tass/1~1 holding tass/1", v)
	}
	if want := []string{"merge interfax/1 rferl/1", "split tass/1 interfax/1 tass/1~1"}; !slices.Equal(idx.calls, want) {
		t.Errorf("index calls = %q; want %q", idx.calls, want)
	}
	if changes != 2 {
		t.Errorf("AfterChange called %d times; want 2 (once per decision)", changes)
	}

	// Refused and unknown decisions change nothing and keep their kind.
	idx.calls = nil
	for _, tt := range []struct {
		name string
		do   func() error
		want error
	}{
		{"merge into itself", func() error { _, err := s.Merge(ctx, "interfax/1", "interfax/1", "x"); return err }, wiredesk.ErrRefused},
		{"merge unknown", func() error { _, err := s.Merge(ctx, "interfax/1", "nope", "x"); return err }, wiredesk.ErrNotFound},
		{"split the only item", func() error { _, err := s.Split(ctx, "tass/1", "x"); return err }, wiredesk.ErrRefused},
		{"show unknown", func() error { _, err := s.Show(ctx, "nope"); return err }, wiredesk.ErrNotFound},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.do(); !errors.Is(err, tt.want) {
				t.Errorf("error = %v; want %v", err, tt.want)
			}
		})
	}
	if len(idx.calls) != 0 || changes != 2 {
		t.Errorf("failed decisions touched the index (%q) or re-rendered (%d changes)", idx.calls, changes)
	}
}

func TestServiceWhy(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name      string
		prepare   func(s *Service)
		a, b      string
		ev        Evidence
		window    time.Duration
		wantCall  string
		wantPair  bool
		wantParts []string
	}{
		{
			name: "a pair the machine missed", a: "interfax/1", b: "rferl/1",
			ev:       Evidence{Probability: 0.31, Threshold: 0.5, Text: "probability 0.310\n"},
			wantCall: "explain rferl/1 interfax/1", // the later item plays the new one
			wantParts: []string{"machine: apart as a pair (0.310 < 0.50)",
				"now in two stories, interfax/1 and rferl/1"},
		},
		{
			name: "a pair the machine joined", a: "tass/1", b: "interfax/1",
			ev:        Evidence{Probability: 0.93, Threshold: 0.75, SameWireMargin: 0.25, Text: "probability 0.930\n"},
			wantCall:  "explain tass/1 interfax/1",
			wantPair:  true,
			wantParts: []string{"machine: together as a pair (0.930 ≥ 0.75)", "now in one story, interfax/1"},
		},
		{
			name: "beyond the window", a: "tass/1", b: "rferl/1", window: 30 * time.Minute,
			ev:        Evidence{Probability: 0.93, Threshold: 0.5},
			wantCall:  "explain rferl/1 tass/1",
			wantParts: []string{"never compared: 40m apart, beyond the 30m window"},
		},
		{
			name: "an editor split them", a: "tass/1", b: "interfax/1",
			prepare: func(s *Service) {
				if _, err := s.Split(context.Background(), "tass/1", "boris"); err != nil {
					t.Fatal(err)
				}
			},
			ev:       Evidence{Probability: 0.93, Threshold: 0.5},
			wantCall: "explain tass/1 interfax/1",
			wantPair: true,
			wantParts: []string{"now in two stories, tass/1~1 and interfax/1",
				"an editor (boris) split tass/1 out of story interfax/1 on 2026-11-27 09:00Z: it never rejoins that story"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			idx := &fakeIndex{ev: tt.ev}
			s := &Service{Store: newFakeStore(demoStories()...), Index: idx, Window: tt.window}
			if tt.prepare != nil {
				tt.prepare(s)
				idx.calls = nil
			}
			v, err := s.Why(ctx, tt.a, tt.b)
			if err != nil {
				t.Fatal(err)
			}
			if len(idx.calls) != 1 || idx.calls[0] != tt.wantCall {
				t.Errorf("index calls = %q; want [%q]", idx.calls, tt.wantCall)
			}
			if v.Pair != tt.wantPair {
				t.Errorf("Pair = %v; want %v", v.Pair, tt.wantPair)
			}
			if v.A.ID != tt.a || v.B.ID != tt.b {
				t.Errorf("items = %s, %s; want them in the order asked, %s, %s", v.A.ID, v.B.ID, tt.a, tt.b)
			}
			if v.Threshold != tt.ev.Threshold || v.SameWireMargin != tt.ev.SameWireMargin {
				t.Errorf("threshold %v, same-wire margin %v; want the evidence's %v, %v", v.Threshold, v.SameWireMargin, tt.ev.Threshold, tt.ev.SameWireMargin)
			}
			for _, part := range tt.wantParts {
				if !strings.Contains(v.Verdict, part) {
					t.Errorf("verdict %q lacks %q", v.Verdict, part)
				}
			}
		})
	}

	s := &Service{Store: newFakeStore(demoStories()...)}
	if _, err := s.Why(ctx, "interfax/1", "rferl/1"); err == nil {
		t.Error("Why without an index: no error")
	}
	s.Index = &fakeIndex{}
	if _, err := s.Why(ctx, "interfax/1", "nope"); !errors.Is(err, wiredesk.ErrNotFound) {
		t.Errorf("Why with an unknown item: %v; want ErrNotFound", err)
	}
}
