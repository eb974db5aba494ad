package cluster

import "math/bits"

// A posting is an indexed item that has a key, with its time in Unix
// minutes.
type posting struct {
	entry, minute int32
}

// postings maps key slots to their postings, in the order they were added.
//
// A map of slices had the same lookups, but its million slices were a
// million objects for the garbage collector to find on every cycle of an
// ingest; here the lists live in a few large pages of postings, and the
// map's values are plain numbers, so neither has a pointer to follow. A
// list grows as a slice does, by moving to a place twice its size; the
// place it leaves is kept for the next list of that size.
type postings struct {
	lists map[uint32]postingList
	pages [][]posting  // postingPage long, or one longer list's own
	used  int          // postings taken from the last page
	free  [32][]uint64 // by log2 of the capacity: places a list left, page<<32|off
}

// postingList is where one slot's list is: pages[page][off:off+n], with
// room for cap.
type postingList struct {
	page, off, n, cap uint32
}

// postingPage is how many postings a page holds (512 KB).
const postingPage = 1 << 16

func newPostings(capacity int) postings {
	return postings{lists: make(map[uint32]postingList, capacity)}
}

// get returns the postings of slot s, in the order they were added. The
// slice is valid until the next add.
func (ps *postings) get(s uint32) []posting {
	l, ok := ps.lists[s]
	if !ok {
		return nil
	}
	return ps.pages[l.page][l.off : l.off+l.n]
}

// add appends p to the postings of slot s.
func (ps *postings) add(s uint32, p posting) {
	l := ps.lists[s]
	if l.n == l.cap {
		l = ps.grow(l)
	}
	ps.pages[l.page][l.off+l.n] = p
	l.n++
	ps.lists[s] = l
}

// grow moves list l to a place of twice its capacity (one for an empty
// list) and returns where it now is.
func (ps *postings) grow(l postingList) postingList {
	c := max(2*l.cap, 1)
	page, off := ps.take(c)
	if l.n > 0 {
		copy(ps.pages[page][off:off+l.n], ps.pages[l.page][l.off:l.off+l.n])
		k := bits.TrailingZeros32(l.cap)
		ps.free[k] = append(ps.free[k], uint64(l.page)<<32|uint64(l.off))
	}
	return postingList{page: page, off: off, n: l.n, cap: c}
}

// take returns a place for c postings, c a power of two: one a list left,
// else the rest of the last page, else a new page.
func (ps *postings) take(c uint32) (page, off uint32) {
	k := bits.TrailingZeros32(c)
	if f := ps.free[k]; len(f) > 0 {
		v := f[len(f)-1]
		ps.free[k] = f[:len(f)-1]
		return uint32(v >> 32), uint32(v)
	}
	if len(ps.pages) == 0 || ps.used+int(c) > len(ps.pages[len(ps.pages)-1]) {
		ps.pages = append(ps.pages, make([]posting, max(postingPage, int(c))))
		ps.used = 0
	}
	page, off = uint32(len(ps.pages)-1), uint32(ps.used)
	ps.used += int(c)
	return page, off
}
