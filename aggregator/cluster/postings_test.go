package cluster

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestPostingsAgreesWithMap appends random postings to posting lists and
// to a map of slices, some lists long enough to move many times and one longer
// than a page, and checks every list is the same, in order.
func TestPostingsAgreesWithMap(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var ps postings
	lists := map[uint32]*postingList{}
	want := map[uint32][]posting{}
	slots := make([]uint32, 2000)
	for i := range slots {
		slots[i] = uint32(r.IntN(1<<26)) << 4
	}
	add := func(s uint32, i int) {
		p := posting{int32(i), int32(r.IntN(1 << 20))}
		l := lists[s]
		if l == nil {
			l = new(postingList)
			lists[s] = l
		}
		ps.add(l, p)
		want[s] = append(want[s], p)
	}
	for i := range 300_000 {
		// Skewed: a few slots get most postings.
		s := slots[min(r.IntN(len(slots)), r.IntN(len(slots)), r.IntN(len(slots)))]
		add(s, i)
	}
	for i := range postingPage + 10 {
		add(1<<30, i)
	}
	for s, w := range want {
		if got := ps.get(*lists[s]); !slices.Equal(got, w) {
			t.Fatalf("slot %#x: %d postings, want %d (or they differ)", s, len(got), len(w))
		}
	}
	if got := ps.get(postingList{}); got != nil {
		t.Errorf("an empty list has %d postings", len(got))
	}
	// Every place a list left is reused: the pages hold little more than
	// the lists' capacities.
	total, held := 0, 0
	for _, p := range ps.pages {
		total += len(p)
	}
	for _, l := range lists {
		held += int(l.cap())
	}
	for k, f := range ps.free {
		held += len(f) << k
	}
	if total-held > postingPage*2 {
		t.Errorf("pages hold %d postings, lists and free places %d", total, held)
	}
}
