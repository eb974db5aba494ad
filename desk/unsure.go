package desk

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/wiredesk/wiredesk"
)

// This file lists the pairs of stories the matcher kept apart although it
// found them alike — where one event most often ends up as two stories —
// and lets an editor dismiss a pair that is two events.

// UnsureQuery selects pairs for Unsure.
type UnsureQuery struct {
	// Since: pairs with an item dated at or after it; zero: DefaultUnsureSince
	// before now.
	Since time.Time
	// Floor is the lowest probability listed; zero: DefaultUnsureFloor.
	Floor float64
	// Limit: at most this many pairs; zero or less: DefaultListLimit.
	Limit int
}

// DefaultUnsureSince is how far back Unsure looks when the query sets no
// Since.
const DefaultUnsureSince = 24 * time.Hour

// DefaultUnsureFloor is the lowest probability Unsure lists when the query
// sets no floor. On the six real wire days of aggregator/cluster/testdata
// it lists 6 to 27 pairs a day, 56 of 96 one event (TestUnsureReal);
// TestUnsureFloorCV has how it was chosen.
const DefaultUnsureFloor = 0.5

// UnsureView is a pair of stories the matcher kept apart although an item
// of one scored at least the floor against an item of the other.
type UnsureView struct {
	// Story holds the later item of the pair, Other the earlier.
	Story StoryView `json:"story"`
	Other StoryView `json:"other"`
	// Item and OtherItem are the ids of the best-scoring pair: Item in
	// Story, OtherItem in Other.
	Item        string  `json:"item"`
	OtherItem   string  `json:"other_item"`
	Probability float64 `json:"probability"`
	// Threshold is what the pair needed to be one story.
	Threshold float64 `json:"threshold"`
	// SameWireMargin is the part of Threshold the pair needed because
	// both items are of one wire; 0 (left out) for two wires.
	SameWireMargin float64 `json:"same_wire_margin,omitempty"`
	// Shared are the words Item and OtherItem have in common, rarest
	// first (Evidence.Shared): what an editor weighs before opening the
	// whole evidence.
	Shared []string `json:"shared,omitempty"`
	// ItemOnly and OtherItemOnly are the title words of Item and of
	// OtherItem that the other has nowhere, rarest first
	// (Evidence.OnlyA, OnlyB): what tells two events apart.
	ItemOnly      []string `json:"item_only,omitempty"`
	OtherItemOnly []string `json:"other_item_only,omitempty"`
}

// A Near is a story an item is not in whose members resemble it
// (cluster.Near): the best probability of one of them against the item.
type Near struct {
	Story       string
	Probability float64
}

// DismissStore is what the desk needs from storage to remember dismissed
// pairs. internal/wiring adapts *storage.DB to it.
type DismissStore interface {
	// DismissStories records that stories a and b are two events and
	// returns the pair as stored: the ids of the stories that absorbed
	// them when an editor merged one away, smaller first. An unknown
	// story matches wiredesk.ErrNotFound, a story with itself
	// wiredesk.ErrRefused.
	DismissStories(ctx context.Context, a, b, by string) ([2]string, error)
	// DismissedPairs returns every dismissed pair, smaller id first, in
	// the ids of today's stories.
	DismissedPairs(ctx context.Context) (map[[2]string]bool, error)
}

// maxUnsureStories bounds how many of the stories updated since
// UnsureQuery.Since Unsure reads, newest first: a day of a hundred wires
// is a few thousand.
const maxUnsureStories = 10000

// unsurePair is the best item pair found for two stories.
type unsurePair struct {
	story       wiredesk.Story // holds item
	item        wiredesk.Item
	other       string
	probability float64 // the index's, after the same-wire margin
}

// checkFloor refuses a floor that is not a probability above 0 and at
// most 1 (NaN included) with wiredesk.ErrRefused.
func checkFloor(f float64) error {
	if !(f > 0 && f <= 1) {
		return fmt.Errorf("floor %v: not a probability above 0 and at most 1: %w", f, wiredesk.ErrRefused)
	}
	return nil
}

// Unsure lists the pairs of stories the matcher kept apart although it
// found them alike, most probable first, leaving out pairs an editor
// dismissed or split apart. Each item of a story updated since q.Since
// and dated since then is compared, as Match compares a new item, with
// the members of other stories dated no later than it (Index.Unsure),
// which names the stories scoring at least q.Floor; a pair of stories
// is listed once, with its best item pair. Probability and Threshold are
// those `story why Item OtherItem` prints: for two items of one wire the
// threshold is higher by the same-wire margin, which q.Floor also
// accounts for.
func (s *Service) Unsure(ctx context.Context, q UnsureQuery) ([]UnsureView, error) {
	if s.Index == nil {
		return nil, errors.New("unsure needs the cluster index")
	}
	if q.Floor == 0 {
		q.Floor = DefaultUnsureFloor
	}
	if err := checkFloor(q.Floor); err != nil {
		return nil, err
	}
	if q.Since.IsZero() {
		q.Since = s.now().Add(-DefaultUnsureSince)
	}
	if q.Limit <= 0 {
		q.Limit = DefaultListLimit
	}
	pairs, err := s.unsurePairs(ctx, q)
	if err != nil {
		return nil, err
	}
	dismissed := map[[2]string]bool{}
	if s.Dismissals != nil {
		if dismissed, err = s.Dismissals.DismissedPairs(ctx); err != nil {
			return nil, err
		}
	}
	out := make([]UnsureView, 0, len(pairs))
	for key, p := range pairs {
		if dismissed[key] {
			continue
		}
		v, ok, err := s.unsureView(ctx, p)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, v)
		}
	}
	slices.SortFunc(out, func(a, b UnsureView) int {
		if c := cmp.Compare(b.Probability, a.Probability); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Story.ID, b.Story.ID); c != 0 {
			return c
		}
		return cmp.Compare(a.Other.ID, b.Other.ID)
	})
	return out[:min(len(out), q.Limit)], nil
}

// unsurePairs asks the index about every item of the stories q selects
// and keeps, per unordered pair of stories, the most probable item pair.
// The index may name a story an editor has since merged away (a daemon
// whose index lags, or a merge without the daemon): it counts as the
// story that absorbed it.
func (s *Service) unsurePairs(ctx context.Context, q UnsureQuery) (map[[2]string]unsurePair, error) {
	stories, err := s.Store.RecentStories(ctx, q.Since, maxUnsureStories)
	if err != nil {
		return nil, err
	}
	current := map[string]string{}
	resolve := func(id string) (string, error) {
		if c, ok := current[id]; ok {
			return c, nil
		}
		into, err := s.Store.MergedInto(ctx, id)
		if err != nil {
			return "", err
		}
		if into == "" {
			into = id
		}
		current[id] = into
		return into, nil
	}
	best := map[[2]string]unsurePair{}
	for _, st := range stories {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		for _, it := range st.Items {
			if it.Date().Before(q.Since) {
				continue
			}
			for _, n := range s.Index.Unsure(it, q.Floor) {
				other, err := resolve(n.Story)
				if err != nil {
					return nil, err
				}
				if other == st.ID {
					continue
				}
				key := pairKey(st.ID, other)
				if b, seen := best[key]; seen && (b.probability > n.Probability ||
					b.probability == n.Probability && b.item.ID < it.ID) {
					continue
				}
				best[key] = unsurePair{story: st, item: it, other: other, probability: n.Probability}
			}
		}
	}
	return best, nil
}

// unsureView loads the other story of p and picks its member closest to
// p's item, dated no later than it as Index.Unsure compares them. ok is
// false when there is nothing to show: the other story is gone
// (retention) or has no such member, or an editor split one story out of
// the other, which says as much as a dismissal.
func (s *Service) unsureView(ctx context.Context, p unsurePair) (UnsureView, bool, error) {
	other, err := s.Store.Story(ctx, p.other)
	if errors.Is(err, wiredesk.ErrNotFound) {
		return UnsureView{}, false, nil
	}
	if err != nil {
		return UnsureView{}, false, err
	}
	if splitApart(p.story, other) {
		return UnsureView{}, false, nil
	}
	var (
		bestEv Evidence
		bestIt wiredesk.Item
		found  bool
	)
	for _, m := range other.Items {
		if m.Date().After(p.item.Date()) {
			continue
		}
		ev := s.Index.Explain(p.item, m)
		if !found || ev.Probability > bestEv.Probability {
			bestEv, bestIt, found = ev, m, true
		}
	}
	if !found {
		return UnsureView{}, false, nil
	}
	return UnsureView{Story: storyView(p.story), Other: storyView(other), Item: p.item.ID, OtherItem: bestIt.ID,
		Probability: bestEv.Probability, Threshold: bestEv.Threshold, SameWireMargin: bestEv.SameWireMargin,
		Shared: bestEv.Shared, ItemOnly: bestEv.OnlyA, OtherItemOnly: bestEv.OnlyB}, true, nil
}

// splitApart reports whether an editor split an item of one story out of
// the other.
func splitApart(a, b wiredesk.Story) bool {
	for _, d := range slices.Concat(a.Decisions, b.Decisions) {
		if d.Kind == wiredesk.DecisionSplit && pairKey(d.From, d.To) == pairKey(a.ID, b.ID) {
			return true
		}
	}
	return false
}

// pairKey is the unordered pair a, b: smaller id first.
func pairKey(a, b string) [2]string {
	if b < a {
		a, b = b, a
	}
	return [2]string{a, b}
}

// Dismiss records that stories a and b are two events, so that Unsure
// stops listing them, and audits it. A story an editor merged away counts
// as the story that absorbed it. Nothing is re-rendered: a dismissal
// changes no story and nothing published, only what Unsure proposes.
func (s *Service) Dismiss(ctx context.Context, a, b, by string) error {
	if s.Dismissals == nil {
		return errors.New("dismissing needs the dismissal store")
	}
	p, err := s.Dismissals.DismissStories(ctx, a, b, by)
	if err != nil {
		return err
	}
	s.log().Info("stories dismissed", "story", p[0], "other", p[1], "by", by)
	after := "two events: " + s.describe(ctx, p[0]) + "; " + s.describe(ctx, p[1])
	return s.audit(ctx, by, "dismiss", p[0]+" and "+p[1], "", after)
}

// Unsure asks GET /admin/story/unsure.
func (c *Client) Unsure(ctx context.Context, q UnsureQuery) ([]UnsureView, error) {
	vals := url.Values{}
	if !q.Since.IsZero() {
		vals.Set("since", q.Since.UTC().Format(time.RFC3339Nano))
	}
	if q.Floor != 0 {
		vals.Set("floor", strconv.FormatFloat(q.Floor, 'g', -1, 64))
	}
	if q.Limit > 0 {
		vals.Set("limit", strconv.Itoa(q.Limit))
	}
	var vs []UnsureView
	err := c.do(ctx, http.MethodGet, PathUnsure+query(vals), nil, &vs)
	return vs, err
}

// Dismiss asks POST /admin/story/dismiss.
func (c *Client) Dismiss(ctx context.Context, a, b, by string) error {
	var ok DismissAnswer
	return c.do(ctx, http.MethodPost, PathDismiss, DismissRequest{A: a, B: b, By: by}, &ok)
}
