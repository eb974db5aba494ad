package cluster

import (
	"path/filepath"
	"testing"
)

// realSets returns the labelled real sets of testdata/real and the
// events of testdata/events.txt.
func realSets(t *testing.T) map[string][]realItem {
	t.Helper()
	dirs, err := filepath.Glob("testdata/real/day-*")
	if err != nil {
		t.Fatal(err)
	}
	more, _ := filepath.Glob("testdata/real/newsag-*")
	sets := map[string][]realItem{"events.txt": loadEventsSet(t)}
	for _, d := range append(dirs, more...) {
		items, err := loadRealSet(d)
		if err != nil {
			t.Fatalf("%s: %v", d, err)
		}
		sets[d] = items
	}
	if len(sets) < 5 {
		t.Fatalf("found %d sets; the test data moved?", len(sets))
	}
	return sets
}

// TestMaxProbabilityBounds checks that maxProbability is never below the
// probability of a pair, on every candidate pair of the real sets as a
// Match meets them, and that it rules pairs out at all.
func TestMaxProbabilityBounds(t *testing.T) {
	for name, items := range realSets(t) {
		x := New(Options{})
		pairs, below := 0, 0
		for _, it := range byTime(items) {
			q := query{keys: keys(it.Title, it.Summary, x.lx), unix: unixOf(it.Item), item: hash64(it.ID)}
			q.source, q.lang = x.lookup(it.SourceID), x.lookup(itemLanguage(it.Item))
			x.prepare(&q)
			for _, c := range x.candidates(&q) {
				e := &x.entries[c]
				cross := q.lang != e.lang
				var m pairMatch
				var sb side
				x.pairShared(&q, x.arena[e.off:e.off+uint32(e.n)], cross, &m, &sb)
				bound := x.maxProbability(&q, e, cross, &m, &sb)
				p := x.probability(&q, e)
				if p > bound {
					t.Errorf("%s: %s against an indexed item: probability %v above its bound %v", name, it.ID, p, bound)
				}
				pairs++
				if bound < x.threshold-boundSlack {
					below++
				}
			}
			sid, ok := x.Match(it.Item)
			if !ok {
				sid = "story-" + it.ID
			}
			it.StoryID = sid
			x.Add(it.Item)
		}
		t.Logf("%s: %d candidate pairs, %d bounded below the threshold", name, pairs, below)
		if pairs > 100 && below == 0 {
			t.Errorf("%s: no pair bounded below the threshold: the bound rules nothing out", name)
		}
	}
}

// TestSkipUnreachableKeepsDecisions checks that a Match decides as it
// would scoring every candidate in full, on every real set.
func TestSkipUnreachableKeepsDecisions(t *testing.T) {
	defer func(v bool) { skipUnreachable = v }(skipUnreachable)
	for name, items := range realSets(t) {
		skipUnreachable = true
		got, _ := clusterReal(items, Options{})
		skipUnreachable = false
		want, _ := clusterReal(items, Options{})
		for id, w := range want {
			if got[id] != w {
				t.Errorf("%s: %s joined %q; scoring every candidate, %q", name, id, got[id], w)
			}
		}
	}
}
