package aggregator

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/wiredesk/wiredesk"
	"github.com/wiredesk/wiredesk/aggregator/cluster"
)

// maxPassItems bounds how many parsed items a pass holds back while it
// waits for its other sources (about 2 KB each): a pass of ten thousand
// sources is matched in groups of this size instead of all at once.
const maxPassItems = 10_000

// maxPassSources is the most sources a pass waits for. A newsroom's
// cron pass of tens of wires, or a desk of a hundred outlets' top
// headlines, is matched as one; a larger one (a benchmark's thousands)
// saves each source as it comes, matched in publication order within the
// source. Memory is bounded by maxPassItems either way (a waiting poll
// holds only its items); past a few hundred sources a group would close at
// maxPassItems long before the last source answered, so waiting buys no
// order and only delays the saves.
const maxPassSources = 256

// passMaxWait bounds how long a group waits after its first poll arrived,
// however steadily the others come: a pass of hundreds of sources on one
// slow host saves what it holds every passMaxWait rather than all at the
// end of the run.
const passMaxWait = 2 * time.Minute

// passGrace is how long a group waits for its next poll. Wires on one
// network answer within it, or wait for their host's slot and are
// counted as they come; one that has not answered when the others have
// all been silent this long is matched after them, as without a pass.
const passGrace = 3 * time.Second

// A pass makes the stories of one cron pass independent of which wire
// answered first. Every poll of the pass hands its parsed items to the pass
// before saving them (arrive) or says it has none (leave); when all have,
// the items are matched against the cluster index in publication order,
// each joining the story of an earlier one, and only then saved. Without
// it, an English item polled first would start a story that a Russian item
// of the same event, polled second, joins; polled the other way round the
// Russian one would, and a third wire might join either.
//
// A pass holds the items of the polls that arrived until the last one
// does, but no longer than passGrace after the latest arrival nor
// passMaxWait after the first, so a slow or paused source does not hold
// back the others' saves; past maxPassItems it matches
// what it holds at once. Either way the next arrivals start a new group.
type pass struct {
	index *cluster.Index
	// grace and maxWait are passGrace and passMaxWait (tests shorten them).
	grace, maxWait time.Duration

	mu      sync.Mutex
	pending int // polls that have neither arrived nor left
	group   *passGroup
}

type passGroup struct {
	timer    *time.Timer
	deadline time.Time // passMaxWait after the first arrival
	items    []passItem
	ready    chan struct{}
	assign   map[string]string // item ID → story ID
}

// A passItem is an item waiting in a pass with its cluster keys, computed
// by the poll that brought it, in parallel with the other polls.
type passItem struct {
	it   wiredesk.Item
	keys cluster.Keys
}

func newPass(index *cluster.Index, polls int) *pass {
	return &pass{index: index, grace: passGrace, maxWait: passMaxWait, pending: polls,
		group: &passGroup{ready: make(chan struct{})}}
}

// A passTicket is one poll's place in a pass: exactly one of arrive or
// leave takes effect.
type passTicket struct {
	p    *pass
	used bool
}

func (ps *pass) ticket() *passTicket {
	if ps == nil {
		return nil
	}
	return &passTicket{p: ps}
}

// arrive hands items to the pass and waits until they are matched. It
// returns the story every item of the pass joins (also the items of other
// sources), or ctx's error.
func (t *passTicket) arrive(ctx context.Context, items []wiredesk.Item) (map[string]string, error) {
	if t == nil || t.used {
		return nil, nil
	}
	t.used = true
	var pi []passItem
	if t.p.index != nil {
		pi = withKeys(t.p.index, items)
	}
	g := t.p.add(pi, true)
	select {
	case <-g.ready:
		return g.assign, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// leave tells the pass that this poll saves nothing (it failed, was not
// modified or was skipped). It does nothing after arrive.
func (t *passTicket) leave() {
	if t == nil || t.used {
		return
	}
	t.used = true
	t.p.add(nil, false)
}

// add records one poll's arrival or departure and resolves the group when
// it was the last one or holds too many items.
func (ps *pass) add(items []passItem, arrived bool) *passGroup {
	ps.mu.Lock()
	g := ps.group
	g.items = append(g.items, items...)
	ps.pending--
	full := len(g.items) >= maxPassItems
	if ps.pending > 0 && !full {
		// The grace runs from the latest arrival or departure, not the
		// first: sources that queue for a shared host (host_delay apart)
		// are still coming, and only a pass that has heard from nobody
		// for passGrace stops waiting — or one that has waited
		// passMaxWait since its first arrival.
		now := time.Now()
		switch {
		case g.timer != nil:
			g.timer.Reset(min(ps.grace, g.deadline.Sub(now)))
		case arrived:
			g.deadline = now.Add(ps.maxWait)
			g.timer = time.AfterFunc(min(ps.grace, ps.maxWait), func() { ps.flush(g) })
		}
		ps.mu.Unlock()
		return g
	}
	ps.mu.Unlock()
	ps.flush(g)
	return g
}

// flush resolves g unless that happened already.
func (ps *pass) flush(g *passGroup) {
	ps.mu.Lock()
	if ps.group != g {
		ps.mu.Unlock()
		return
	}
	ps.group = &passGroup{ready: make(chan struct{})}
	if g.timer != nil {
		g.timer.Stop()
	}
	ps.mu.Unlock()
	ps.resolve(g)
}

// resolve matches a group's items in publication order and releases its
// polls. Each item is added to the index with the story it joins, so later
// items of the group can join it; items the index already holds were
// stored before and keep their story.
func (ps *pass) resolve(g *passGroup) {
	defer close(g.ready)
	if ps.index == nil || len(g.items) == 0 {
		return
	}
	g.assign = matchInOrder(ps.index, g.items)
	g.items = nil
}

// withKeys pairs items with their cluster keys.
func withKeys(index *cluster.Index, items []wiredesk.Item) []passItem {
	out := make([]passItem, 0, len(items))
	for _, it := range items {
		if it.ID != "" {
			out = append(out, passItem{it, index.Keys(it)})
		}
	}
	return out
}

// sortByDate sorts items stably by date, then ID. It sorts their
// indices and moves each item once: an item is a few hundred bytes, and a
// stable sort moves its elements many times (this runs under the save
// lock). The order is the one sorting the items themselves gives.
func sortByDate(items []passItem) {
	order := make([]int32, len(items))
	dates := make([]time.Time, len(items))
	for i := range items {
		order[i], dates[i] = int32(i), items[i].it.Date()
	}
	slices.SortStableFunc(order, func(a, b int32) int {
		if c := dates[a].Compare(dates[b]); c != 0 {
			return c
		}
		return strings.Compare(items[a].it.ID, items[b].it.ID)
	})
	sorted := make([]passItem, len(items))
	for i, j := range order {
		sorted[i] = items[j]
	}
	copy(items, sorted)
}

// matchInOrder matches items in publication order, each joining the story
// of an earlier one or starting its own, and adds each to the index with
// its story so later ones can join it. It returns the story of every item
// it matched; items the index already holds were stored before and keep
// theirs.
func matchInOrder(index *cluster.Index, items []passItem) map[string]string {
	sortByDate(items)
	assign := make(map[string]string, len(items))
	for _, p := range items {
		if index.Has(p.it.ID) {
			continue
		}
		// A new story gets the id storage gives it: its first item's.
		sid, _ := index.MatchAddKeys(p.it, p.keys, p.it.ID)
		assign[p.it.ID] = sid
	}
	return assign
}
