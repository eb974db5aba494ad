package cluster

// counts maps key slots to document frequencies: an open-addressing table
// of 8-byte cells (the slot, marked, in the high half; the count in the
// low), so a lookup is one cache line where a Go map reads two. A Match
// looks up the frequency of every key of the new item and of its
// candidates: hundreds of lookups in a table of a few hundred thousand
// keys.
type counts struct {
	cells []uint64 // 0 is empty; len is a power of two
	n     int
}

// A slot's two low bits (the key's flags) are always zero, so slot|1 is
// never zero and marks a used cell.
func cellKey(s uint32) uint64 { return uint64(s|1) << 32 }

func (c *counts) home(s uint32) int {
	h := uint64(s) * 0x9e3779b97f4a7c15
	return int(h >> 32 & uint64(len(c.cells)-1))
}

// get returns the count of slot s.
func (c *counts) get(s uint32) int32 {
	if len(c.cells) == 0 {
		return 0
	}
	want := cellKey(s)
	mask := len(c.cells) - 1
	for i := c.home(s); ; i = (i + 1) & mask {
		v := c.cells[i]
		if v == 0 {
			return 0
		}
		if v&^(1<<32-1) == want {
			return int32(uint32(v))
		}
	}
}

// inc adds one to the count of slot s and returns the new count.
func (c *counts) inc(s uint32) int32 {
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
			return 1
		}
		if v&^(1<<32-1) == want {
			c.cells[i] = v + 1
			return int32(uint32(v + 1))
		}
	}
}

// dec subtracts one from the count of slot s, removing it at zero.
func (c *counts) dec(s uint32) {
	if len(c.cells) == 0 {
		return
	}
	want := cellKey(s)
	mask := len(c.cells) - 1
	i := c.home(s)
	for {
		v := c.cells[i]
		if v == 0 {
			return
		}
		if v&^(1<<32-1) == want {
			if uint32(v) > 1 {
				c.cells[i] = v - 1
				return
			}
			break
		}
		i = (i + 1) & mask
	}
	// Remove the cell and shift back the cells of its run that would no
	// longer be found past the hole (linear probing's deletion).
	c.cells[i] = 0
	c.n--
	for j := (i + 1) & mask; c.cells[j] != 0; j = (j + 1) & mask {
		h := c.home(uint32(c.cells[j] >> 32 &^ 1))
		// The cell at j may move to the hole at i unless its home lies
		// cyclically in (i, j].
		if i <= j && (h <= i || h > j) || i > j && h <= i && h > j {
			c.cells[i], c.cells[j] = c.cells[j], 0
			i = j
		}
	}
}

func (c *counts) grow() {
	old := c.cells
	c.cells = make([]uint64, max(64, 2*len(old)))
	mask := len(c.cells) - 1
	for _, v := range old {
		if v == 0 {
			continue
		}
		for i := c.home(uint32(v >> 32 &^ 1)); ; i = (i + 1) & mask {
			if c.cells[i] == 0 {
				c.cells[i] = v
				break
			}
		}
	}
}

// len returns the number of slots with a count.
func (c *counts) len() int { return c.n }
