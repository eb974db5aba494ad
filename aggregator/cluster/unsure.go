package cluster

import (
	"cmp"
	"slices"

	"github.com/wiredesk/wiredesk"
)

// A Near is a story an item is not in whose members resemble it: the
// best probability of one of them against the item.
type Near struct {
	Story       string
	Probability float64
}

// Unsure compares an item, as Match compares a new one, with the indexed
// items of other stories dated no later than it and returns those stories
// whose best member scores at least floor, most probable first.
//
// Match turned each of them down: the best member fell short of the
// threshold, or reached it while the story's other members did not support
// it. Those are where one event most often ends up as two stories — on the
// real wire days nearly half of the stories it lists at 0.5 are the same
// event as the item's (testdata/README.md) — so they are what an editor
// should look at. A story the item's own wire filed the other item of
// scores sameSourceMargin less, as in Match; a story an editor took the
// item out of is never listed. The item's own story is the one it is
// indexed in, or it.StoryID when the index does not hold it.
//
// An indexed item is compared by the keys it was indexed with, which are
// what Match compared it by, without reading its text again: the desk
// asks about every item of a day, and the text was most of the cost.
func (x *Index) Unsure(it wiredesk.Item, floor float64) []Near {
	x.mu.RLock()
	if s, indexed := x.ids[hash64(it.ID)]; indexed {
		defer x.mu.RUnlock()
		e := &x.entries[s]
		return x.unsure(it, x.arena[e.off:e.off+uint32(e.n)], floor)
	}
	x.mu.RUnlock()
	ks := keys(it.Title, it.Summary, x.lx)
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.unsure(it, ks, floor)
}

// unsure is Unsure with the item's keys ks; x.mu is held.
func (x *Index) unsure(it wiredesk.Item, ks []key, floor float64) []Near {
	q := query{keys: ks, unix: unixOf(it), item: hash64(it.ID)}
	q.source, q.lang = x.lookup(it.SourceID), x.lookup(itemLanguage(it))
	own, ok := x.storyOf[it.StoryID]
	if s, indexed := x.ids[q.item]; indexed {
		own, ok = x.entries[s].story, true
	}
	if !ok {
		own = -1
	}
	x.prepare(&q)
	best := map[int32]float64{}
	for _, c := range x.candidates(&q) {
		e := &x.entries[c]
		if e.story == own || e.unix > q.unix || x.apart[apartKey{q.item, x.stories[e.story].id}] {
			continue
		}
		var mp mergedPair
		mp.cross = q.lang != e.lang
		keys := x.arena[e.off : e.off+uint32(e.n)]
		x.pairShared(&q, keys, mp.cross, &mp.m, &mp.sb)
		x.weighSide(&q, keys, mp.cross, &mp.sb)
		p := model.predict(x.features(&q, e, mp.cross, &mp.m, &mp.sb), mp.cross)
		if e.source == q.source {
			p -= sameSourceMargin
		}
		if p < floor {
			continue
		}
		if b, seen := best[e.story]; !seen || p > b {
			best[e.story] = p
		}
	}
	out := make([]Near, 0, len(best))
	for st, p := range best {
		out = append(out, Near{Story: x.stories[st].id, Probability: p})
	}
	slices.SortFunc(out, func(a, b Near) int {
		if c := cmp.Compare(b.Probability, a.Probability); c != 0 {
			return c
		}
		return cmp.Compare(a.Story, b.Story)
	})
	return out
}
