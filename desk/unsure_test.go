package desk

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wiredesk/wiredesk"
)

// DismissStories and DismissedPairs make fakeStore a DismissStore that
// follows merges as storage does.
func (f *fakeStore) DismissStories(_ context.Context, a, b, _ string) ([2]string, error) {
	x, y := f.survivor(a), f.survivor(b)
	for _, id := range []string{x, y} {
		if _, ok := f.stories[id]; !ok {
			return [2]string{}, fmt.Errorf("story %s: %w", id, wiredesk.ErrNotFound)
		}
	}
	if x == y {
		return [2]string{}, fmt.Errorf("story %s and %s are one story: %w", a, b, wiredesk.ErrRefused)
	}
	if f.dismissed == nil {
		f.dismissed = map[[2]string]bool{}
	}
	k := pairKey(x, y)
	f.dismissed[k] = true
	return k, nil
}

func (f *fakeStore) DismissedPairs(context.Context) (map[[2]string]bool, error) {
	out := map[[2]string]bool{}
	for k := range f.dismissed {
		if x, y := f.survivor(k[0]), f.survivor(k[1]); x != y {
			out[pairKey(x, y)] = true
		}
	}
	return out, nil
}

func (f *fakeStore) survivor(id string) string {
	if into, ok := f.merged[id]; ok {
		return into
	}
	return id
}

// unsureStories are the demo stories and two more: AP's English report,
// 20 minutes after RFE/RL's, and an earlier RIA story.
func unsureStories() []wiredesk.Story {
	return append(demoStories(),
		wiredesk.Story{ID: "ap/1", Created: t0.Add(70 * time.Minute), Updated: t0.Add(70 * time.Minute), Items: []wiredesk.Item{
			wireItem("ap/1", "ap", "en", 70*time.Minute, "Tajikistan starts third turbine at Rogun"),
		}},
		wiredesk.Story{ID: "ria/1", Created: t0.Add(-30 * time.Minute), Updated: t0.Add(-30 * time.Minute), Items: []wiredesk.Item{
			wireItem("ria/1", "ria", "ru", -30*time.Minute, "Рогунская ГЭС выйдет на полную мощность"),
		}},
	)
}

// unsureIndex answers for unsureStories: what Unsure finds near each item,
// and what Explain says of the item pairs. RFE/RL's report is closest to
// TASS's, not to Interfax's, in the Interfax story.
func unsureIndex() *fakeIndex {
	ev := func(p, t float64) Evidence { return Evidence{Probability: p, Threshold: t} }
	return &fakeIndex{
		ev: ev(0.1, 0.5),
		near: map[string][]Near{
			"tass/1":  {{"ria/1", 0.58}},
			"rferl/1": {{"interfax/1", 0.62}, {"ria/1", 0.55}},
			"ap/1":    {{"rferl/1", 0.7}, {"interfax/1", 0.45}},
		},
		evs: map[[2]string]Evidence{
			{"tass/1", "ria/1"}:       ev(0.58, 0.5),
			{"rferl/1", "interfax/1"}: ev(0.3, 0.5),
			{"rferl/1", "tass/1"}:     ev(0.62, 0.5),
			{"rferl/1", "ria/1"}:      ev(0.55, 0.5),
			{"ap/1", "rferl/1"}:       ev(0.7, 0.75),
			{"ap/1", "interfax/1"}:    ev(0.45, 0.5),
			{"ap/1", "tass/1"}:        ev(0.4, 0.5),
		},
	}
}

// pairLine sums an UnsureView up: "story:item other:item
// probability/threshold", then "+margin" when it has a same-wire margin.
func pairLine(v UnsureView) string {
	s := fmt.Sprintf("%s:%s %s:%s %.2f/%.2f", v.Story.ID, v.Item, v.Other.ID, v.OtherItem, v.Probability, v.Threshold)
	if v.SameWireMargin != 0 {
		s += fmt.Sprintf("+%.2f", v.SameWireMargin)
	}
	return s
}

func TestServiceUnsure(t *testing.T) {
	ctx := context.Background()
	all := []string{
		"ap/1:ap/1 rferl/1:rferl/1 0.70/0.75",
		"rferl/1:rferl/1 interfax/1:tass/1 0.62/0.50",
		"interfax/1:tass/1 ria/1:ria/1 0.58/0.50",
		"rferl/1:rferl/1 ria/1:ria/1 0.55/0.50",
	}
	tests := []struct {
		name    string
		q       UnsureQuery
		prepare func(t *testing.T, s *Service, f *fakeStore, x *fakeIndex)
		want    []string
	}{
		{name: "every pair at the default floor, most probable first", q: UnsureQuery{Since: t0}, want: all},
		{name: "a higher floor", q: UnsureQuery{Since: t0, Floor: 0.6}, want: all[:2]},
		{name: "a lower floor", q: UnsureQuery{Since: t0, Floor: 0.44},
			want: slices.Insert(slices.Clone(all), 4, "ap/1:ap/1 interfax/1:interfax/1 0.45/0.50")},
		{name: "limit", q: UnsureQuery{Since: t0, Limit: 3}, want: all[:3]},
		{name: "only items dated since", q: UnsureQuery{Since: t0.Add(time.Hour)}, want: all[:1]},
		{name: "a dismissed pair", q: UnsureQuery{Since: t0},
			prepare: func(t *testing.T, s *Service, _ *fakeStore, _ *fakeIndex) {
				if err := s.Dismiss(ctx, "interfax/1", "rferl/1", "anna"); err != nil {
					t.Fatal(err)
				}
			},
			want: []string{all[0], all[2], all[3]}},
		{name: "a dismissed story merged away", q: UnsureQuery{Since: t0},
			prepare: func(t *testing.T, s *Service, f *fakeStore, _ *fakeIndex) {
				if err := s.Dismiss(ctx, "ap/1", "rferl/1", "anna"); err != nil {
					t.Fatal(err)
				}
				// ria/1 is one event with ap/1: dismissed with rferl/1 too.
				if _, err := f.MergeStories(ctx, "ria/1", "ap/1", "anna"); err != nil {
					t.Fatal(err)
				}
			},
			want: []string{all[1], all[2]}},
		{name: "the index names a story merged into another", q: UnsureQuery{Since: t0},
			prepare: func(_ *testing.T, _ *Service, f *fakeStore, x *fakeIndex) {
				f.merged["old/1"] = "interfax/1"
				x.near["ap/1"] = append(x.near["ap/1"], Near{"old/1", 0.66})
			},
			want: slices.Insert(slices.Clone(all), 4, "ap/1:ap/1 interfax/1:interfax/1 0.45/0.50")},
		{name: "the index names a story merged into the item's own", q: UnsureQuery{Since: t0},
			prepare: func(_ *testing.T, _ *Service, f *fakeStore, x *fakeIndex) {
				f.merged["old/1"] = "rferl/1"
				x.near["rferl/1"] = append(x.near["rferl/1"], Near{"old/1", 0.9})
			},
			want: all},
		{name: "the index names a story retention deleted", q: UnsureQuery{Since: t0},
			prepare: func(_ *testing.T, _ *Service, _ *fakeStore, x *fakeIndex) {
				x.near["ap/1"] = append(x.near["ap/1"], Near{"gone/1", 0.9})
			},
			want: all},
		{name: "an editor split one story out of the other", q: UnsureQuery{Since: t0},
			prepare: func(_ *testing.T, _ *Service, f *fakeStore, _ *fakeIndex) {
				st := f.stories["rferl/1"]
				st.Decisions = append(st.Decisions, wiredesk.StoryDecision{Kind: wiredesk.DecisionSplit, From: "interfax/1", To: "rferl/1",
					Items: []string{"rferl/1"}, At: t0.Add(55 * time.Minute), By: "boris"})
				f.stories["rferl/1"] = st
			},
			want: []string{all[0], all[2], all[3]}},
		{name: "the threshold's same-wire margin, as Explain gives it", q: UnsureQuery{Since: t0},
			prepare: func(_ *testing.T, _ *Service, _ *fakeStore, x *fakeIndex) {
				x.evs[[2]string{"ap/1", "rferl/1"}] = Evidence{Probability: 0.7, Threshold: 1, SameWireMargin: 0.25}
			},
			want: append([]string{"ap/1:ap/1 rferl/1:rferl/1 0.70/1.00+0.25"}, all[1:]...)},
		{name: "the default since: a day before now", q: UnsureQuery{},
			prepare: func(_ *testing.T, s *Service, _ *fakeStore, _ *fakeIndex) {
				s.Now = func() time.Time { return t0.Add(DefaultUnsureSince + time.Hour) }
			},
			want: all[:1]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, x := newFakeStore(unsureStories()...), unsureIndex()
			s := &Service{Store: f, Index: x, Dismissals: f}
			if tt.prepare != nil {
				tt.prepare(t, s, f, x)
			}
			vs, err := s.Unsure(ctx, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, v := range vs {
				got = append(got, pairLine(v))
				if len(v.Story.Items) == 0 || len(v.Other.Items) == 0 || v.Story.ID == v.Other.ID {
					t.Errorf("pair %s: stories %+v and %+v; want two stories with their items", pairLine(v), v.Story, v.Other)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Unsure(%+v) =\n  %s\nwant\n  %s", tt.q, strings.Join(got, "\n  "), strings.Join(tt.want, "\n  "))
			}
		})
	}
}

func TestServiceUnsureRefuses(t *testing.T) {
	ctx := context.Background()
	f := newFakeStore(unsureStories()...)
	if _, err := (&Service{Store: f}).Unsure(ctx, UnsureQuery{}); err == nil || !strings.Contains(err.Error(), "cluster index") {
		t.Errorf("Unsure without an index: %v; want an error naming the cluster index", err)
	}
	s := &Service{Store: f, Index: unsureIndex()}
	for _, floor := range []float64{-0.1, 1.5, math.NaN(), math.Inf(1)} {
		_, err := s.Unsure(ctx, UnsureQuery{Floor: floor})
		if !errors.Is(err, wiredesk.ErrRefused) || !strings.Contains(err.Error(), "floor") {
			t.Errorf("Unsure(floor %v): %v; want ErrRefused naming the floor", floor, err)
		}
	}
	// Without a dismissal store nothing is left out, and nothing can be
	// dismissed.
	if vs, err := s.Unsure(ctx, UnsureQuery{Since: t0}); err != nil || len(vs) != 4 {
		t.Errorf("Unsure without dismissals = %d pairs, %v; want 4", len(vs), err)
	}
	if err := s.Dismiss(ctx, "interfax/1", "rferl/1", "anna"); err == nil {
		t.Error("Dismiss without a dismissal store: no error")
	}
}

func TestServiceDismiss(t *testing.T) {
	ctx := context.Background()
	f, x, audit := newFakeStore(unsureStories()...), unsureIndex(), newMemUsers()
	changes := 0
	s := &Service{Store: f, Index: x, Dismissals: f, Audit: audit, AfterChange: func() { changes++ },
		Now: func() time.Time { return t0.Add(2 * time.Hour) }}

	if err := s.Dismiss(ctx, "rferl/1", "interfax/1", "anna"); err != nil {
		t.Fatal(err)
	}
	if len(audit.audit) != 1 {
		t.Fatalf("audit log = %+v; want one entry", audit.audit)
	}
	e := audit.audit[0]
	if e.Action != "dismiss" || e.User != "anna" || e.Target != "interfax/1 and rferl/1" || !e.At.Equal(t0.Add(2*time.Hour)) ||
		!strings.Contains(e.After, "two events: story interfax/1 (2 items: interfax, tass); story rferl/1 (1 item: rferl)") {
		t.Errorf("audit entry = %+v; want anna's dismissal of interfax/1 and rferl/1 describing both", e)
	}
	if changes != 0 || len(x.calls) != 0 {
		t.Errorf("Dismiss re-rendered %d times and asked the index %q; want neither: nothing published changes", changes, x.calls)
	}

	// A story merged away is dismissed as the story that absorbed it.
	if _, err := f.MergeStories(ctx, "ria/1", "ap/1", "anna"); err != nil {
		t.Fatal(err)
	}
	if err := s.Dismiss(ctx, "ap/1", "rferl/1", "anna"); err != nil {
		t.Fatal(err)
	}
	if got := audit.audit[1].Target; got != "rferl/1 and ria/1" {
		t.Errorf("dismissing a merged-away story audits %q; want the survivor's pair", got)
	}

	for _, tt := range []struct {
		name string
		a, b string
		want error
	}{
		{"a story with itself", "rferl/1", "rferl/1", wiredesk.ErrRefused},
		{"a story with the story it was merged into", "ap/1", "ria/1", wiredesk.ErrRefused},
		{"an unknown story", "rferl/1", "nope", wiredesk.ErrNotFound},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.Dismiss(ctx, tt.a, tt.b, "anna"); !errors.Is(err, tt.want) {
				t.Errorf("Dismiss(%s, %s) = %v; want %v", tt.a, tt.b, err, tt.want)
			}
		})
	}
	if len(audit.audit) != 2 {
		t.Errorf("refused dismissals were audited: %+v", audit.audit[2:])
	}
}
