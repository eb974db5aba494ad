package cluster

import (
	"math/rand/v2"
	"testing"
)

// TestCountsAgreesWithMap drives counts and a map with the same random
// increments and decrements, over slots that collide often, and checks
// they agree after every step, and that each slot's posting list moves
// with it when the table grows.
func TestCountsAgreesWithMap(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var c counts
	want := map[uint32]int32{}
	incs := map[uint32]uint32{}
	slots := make([]uint32, 300)
	for i := range slots {
		slots[i] = uint32(r.IntN(1<<26)) << 4 // flags clear, as slot() gives
	}
	for step := range 200_000 {
		s := slots[r.IntN(len(slots))]
		if r.IntN(3) == 0 {
			c.dec(s)
			if want[s] > 0 {
				want[s]--
			}
			if want[s] == 0 {
				delete(want, s)
			}
		} else {
			_, l := c.inc(s)
			l.n++ // counts every inc of s, to follow the list through grows
			want[s]++
			incs[s]++
		}
		if step%997 == 0 {
			for _, s := range slots {
				if got := c.get(s); got != want[s] {
					t.Fatalf("step %d: count of %x = %d; want %d", step, s, got, want[s])
				}
				if got := c.list(s).n; got != incs[s] {
					t.Fatalf("step %d: list of %x moved: %d incs recorded; want %d", step, s, got, incs[s])
				}
			}
			if c.len() != len(want) {
				t.Fatalf("step %d: len = %d; want %d", step, c.len(), len(want))
			}
		}
	}
}
