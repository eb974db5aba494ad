package cluster

import "math/bits"

// A posting is an indexed item that has a key, with its time in Unix
// minutes.
type posting struct {
	entry, minute int32
}

// postings holds the posting lists of the key slots, each in the order its
// postings were added; where a slot's list is (a postingList) is kept with
// its document frequency in counts, so that indexing a key finds both in
// one place.
//
// A map of slices did this before, but its million slices were a million
// objects for the garbage collector to find on every cycle of an ingest;
// here the lists live in a few large pages of postings and counts holds
// plain numbers, so neither has a pointer to follow. A list grows as a
// slice does, by moving to a place twice its size; the place it leaves is
// kept for the next list of that size.
type postings struct {
	pages [][]posting  // postingPage long, or one longer list's own
	used  int          // postings taken from the last page
	free  [32][]uint32 // by log2 of the capacity: places lists left (refs)
}

// postingList is where one slot's list is: n postings from ref, a page
// index and an offset (page<<16 | off), in a place of room for the least
// power of two ≥ n (a list grows only when full).
type postingList struct {
	ref, n uint32
}

// postingPage is how many postings a page holds (512 KB); an offset in a
// page fits 16 bits.
const postingPage = 1 << 16

func (l postingList) cap() uint32 {
	if l.n == 0 {
		return 0
	}
	return 1 << bits.Len32(l.n-1)
}

// get returns the postings of list l, in the order they were added. The
// slice is valid until the next add.
func (ps *postings) get(l postingList) []posting {
	if l.n == 0 {
		return nil
	}
	off := l.ref & (postingPage - 1)
	return ps.pages[l.ref>>16][off : off+l.n]
}

// touch reads the first posting of list l, to bring it into the cache
// ahead of a get, and returns something of it that the caller keeps
// (a load whose value nobody uses is not made).
func (ps *postings) touch(l postingList) int32 {
	if l.n == 0 {
		return 0
	}
	return ps.pages[l.ref>>16][l.ref&(postingPage-1)].entry
}

// add appends p to list l.
func (ps *postings) add(l *postingList, p posting) {
	if l.n == l.cap() {
		ps.grow(l)
	}
	ps.pages[l.ref>>16][l.ref&(postingPage-1)+l.n] = p
	l.n++
}

// grow moves full list l to a place of twice its capacity (one for an
// empty list).
func (ps *postings) grow(l *postingList) {
	c := max(2*l.cap(), 1)
	ref := ps.take(c)
	if l.n > 0 {
		copy(ps.pages[ref>>16][ref&(postingPage-1):], ps.get(*l))
		k := bits.TrailingZeros32(l.cap())
		ps.free[k] = append(ps.free[k], l.ref)
	}
	l.ref = ref
}

// take returns a place for c postings, c a power of two: one a list left,
// else the rest of the last page, else a new page.
func (ps *postings) take(c uint32) uint32 {
	k := bits.TrailingZeros32(c)
	if f := ps.free[k]; len(f) > 0 {
		ps.free[k] = f[:len(f)-1]
		return f[len(f)-1]
	}
	if len(ps.pages) == 0 || ps.used+int(c) > len(ps.pages[len(ps.pages)-1]) {
		ps.pages = append(ps.pages, make([]posting, max(postingPage, int(c))))
		ps.used = 0
	}
	ref := uint32(len(ps.pages)-1)<<16 | uint32(ps.used)
	ps.used += int(c)
	return ref
}
