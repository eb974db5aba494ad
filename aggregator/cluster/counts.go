package cluster

// counts maps key slots to document frequencies and to where their
// posting lists are: an open-addressing table of 8-byte cells (the slot,
// marked, in the high half; the count in the low), so a lookup is one
// cache line where a Go map reads two, and beside each cell its slot's
// postingList. A Match looks up the frequency of every key of the new item
// and of its candidates: hundreds of lookups in a table of a few hundred
// thousand keys; an insert finds the count and the list in one lookup.
//
// A slot keeps its cell when its count falls to zero: its posting list,
// whose postings of evicted items Match skips, stays until the index is
// rebuilt (Index.compact), as the lists always have.
type counts struct {
	cells []uint64      // 0 is empty; len is a power of two
	lists []postingList // lists[i] is the list of cells[i]'s slot
	n     int           // cells used
	live  int           // cells with a count above zero
}

// A slot's two low bits (the key's flags) are always zero, so slot|1 is
// never zero and marks a used cell.
func cellKey(s uint32) uint64 { return uint64(s|1) << 32 }

func (c *counts) home(s uint32) int {
	h := uint64(s) * 0x9e3779b97f4a7c15
	return int(h >> 32 & uint64(len(c.cells)-1))
}

// find returns the cell of slot s, or -1.
func (c *counts) find(s uint32) int {
	if len(c.cells) == 0 {
		return -1
	}
	want := cellKey(s)
	mask := len(c.cells) - 1
	for i := c.home(s); ; i = (i + 1) & mask {
		v := c.cells[i]
		if v == 0 {
			return -1
		}
		if v&^(1<<32-1) == want {
			return i
		}
	}
}

// get returns the count of slot s.
func (c *counts) get(s uint32) int32 {
	if i := c.find(s); i >= 0 {
		return int32(uint32(c.cells[i]))
	}
	return 0
}

// list returns the posting list of slot s (an empty one for a slot never
// counted).
func (c *counts) list(s uint32) postingList {
	if i := c.find(s); i >= 0 {
		return c.lists[i]
	}
	return postingList{}
}

// inc adds one to the count of slot s and returns the new count and the
// slot's posting list, valid until the next inc.
func (c *counts) inc(s uint32) (int32, *postingList) {
	if 2*(c.n+1) > len(c.cells) {
		c.grow()
	}
	want := cellKey(s)
	mask := len(c.cells) - 1
	for i := c.home(s); ; i = (i + 1) & mask {
		v := c.cells[i]
		if v == 0 {
			c.cells[i] = want | 1
			c.n++
			c.live++
			return 1, &c.lists[i]
		}
		if v&^(1<<32-1) == want {
			if uint32(v) == 0 {
				c.live++
			}
			c.cells[i] = v + 1
			return int32(uint32(v + 1)), &c.lists[i]
		}
	}
}

// dec subtracts one from the count of slot s, if it has one.
func (c *counts) dec(s uint32) {
	if i := c.find(s); i >= 0 && uint32(c.cells[i]) > 0 {
		c.cells[i]--
		if uint32(c.cells[i]) == 0 {
			c.live--
		}
	}
}

func (c *counts) grow() {
	old, oldLists := c.cells, c.lists
	c.cells = make([]uint64, max(64, 2*len(old)))
	c.lists = make([]postingList, len(c.cells))
	mask := len(c.cells) - 1
	for j, v := range old {
		if v == 0 {
			continue
		}
		for i := c.home(uint32(v >> 32 &^ 1)); ; i = (i + 1) & mask {
			if c.cells[i] == 0 {
				c.cells[i], c.lists[i] = v, oldLists[j]
				break
			}
		}
	}
}

// len returns the number of slots with a count.
func (c *counts) len() int { return c.live }
