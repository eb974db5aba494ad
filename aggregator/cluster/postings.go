package cluster

import "slices"

// postingTable maps (band, signature value) to the posting list of the
// entries with that value in that band, oldest first. It is one
// open-addressing table with linear probing instead of a map per band, so
// that a Match can compute the slots of all its bands first and read them
// together: their cache misses overlap instead of queueing behind each
// other's lookups.
type postingTable struct {
	slots []postingSlot // len is a power of two, at most half full
	used  int
}

type postingSlot struct {
	key  uint64 // postingKey; 0 marks an empty slot
	list []int32
}

// postingKey packs band and value into a key that is never 0.
func postingKey(band int, v uint32) uint64 { return uint64(band+1)<<32 | uint64(v) }

// home returns the first slot at which key is looked for.
func (t *postingTable) home(key uint64) int {
	return int(mix64(key) & uint64(len(t.slots)-1))
}

// get returns the posting list of key starting the probe at slot i
// (from home), or nil.
func (t *postingTable) get(key uint64, i int) []int32 {
	mask := len(t.slots) - 1
	for {
		s := &t.slots[i]
		if s.key == key {
			return s.list
		}
		if s.key == 0 {
			return nil
		}
		i = (i + 1) & mask
	}
}

// add appends entry s to the posting list of key.
func (t *postingTable) add(key uint64, s int32) {
	if 2*(t.used+1) > len(t.slots) {
		t.grow()
	}
	mask := len(t.slots) - 1
	for i := t.home(key); ; i = (i + 1) & mask {
		p := &t.slots[i]
		if p.key == key {
			p.list = append(p.list, s)
			return
		}
		if p.key == 0 {
			p.key, p.list = key, append(p.list, s)
			t.used++
			return
		}
	}
}

func (t *postingTable) grow() {
	old := t.slots
	t.slots = make([]postingSlot, max(2*len(old), 1024))
	mask := len(t.slots) - 1
	for _, p := range old {
		if p.key == 0 {
			continue
		}
		i := t.home(p.key)
		for t.slots[i].key != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = p
	}
}

// clip releases the spare capacity of every list.
func (t *postingTable) clip() {
	for i := range t.slots {
		t.slots[i].list = slices.Clip(t.slots[i].list)
	}
}
