package cluster

import (
	"sync"
	"time"

	"github.com/wiredesk/wiredesk"
)

// DefaultThreshold is the Similarity an item needs with an indexed item to
// join its story, when Options.Threshold is zero.
//
// It was chosen on the tune half of the labelled set in testdata (the value
// on a 0.005 grid with the best F0.5, which weighs precision twice as much as
// recall) and then checked on the held-out half; testdata/README.md has the
// numbers and TestEvaluation fails when the tune half would pick another
// value.
const DefaultThreshold = 0.33

// DefaultWindow is how far apart in time two items of one story may be,
// when Options.Window is zero.
const DefaultWindow = 36 * time.Hour

// bands is the number of MinHash functions, each one LSH band of one row.
// An indexed item is looked up through every band whose minimising feature
// it shares with the new item, and confirmed when it shares at least
// minBandHits of them. For two items whose feature sets have Jaccard index
// J, the number of shared bands is Binomial(bands, J): with J = 0.33 (a
// typical weak same-event pair of the labelled set) two or more of 16 bands
// agree with probability 0.98, with J = 0.5 almost surely, and with J = 0.05
// (unrelated items sharing common words) only 0.19.
const bands = 16

// maxScan bounds how many entries of one band's posting list a Match
// looks at, newest first. A feature common enough to have a longer list is
// a poor witness of the same event anyway; the item is still found through
// its rarer features in other bands. It bounds the work of a Match to
// bands·maxScan candidates whatever the size of the index.
const maxScan = 8

// minBandHits is how many bands a candidate must share with the new item
// before Similarity confirms it. One shared band is often chance (a common
// word); requiring two drops those candidates for the price of a small loss
// of recall on pairs with a low Jaccard index, which mostly fail the
// threshold anyway (TestMatchAgreesWithSimilarity measures the loss on the
// labelled set).
const minBandHits = 2

// Options configure an Index.
type Options struct {
	// Window is how far apart in time (Item.Date) an item may be from an
	// indexed item whose story it joins. Zero means DefaultWindow.
	Window time.Duration
	// Threshold is the Similarity needed to join a story. Zero means
	// DefaultThreshold.
	Threshold float64
}

// Index holds the recently stored items of every source and finds the story
// a new item joins. It keeps per item only its features (a few dozen 32-bit
// hashes), time, source, language, story and hashes of its ID and link; no
// text. An Index is safe for concurrent use.
type Index struct {
	window    int64 // seconds
	threshold float64

	mu      sync.RWMutex
	entries []entry
	probes  []probe          // probes[i] summarises entries[i] for the candidate scan
	arena   []feature        // per entry its signature (bands values), then its features
	ids     map[uint64]int32 // item ID hash → entry
	links   map[uint64]int32 // canonical link hash → newest entry with it
	posting postingTable
	stories []story
	storyOf map[string]int32
	names   map[string]int32 // interned source ids and languages
	live    int
	oldest  int64 // lower bound of the live entries' times
}

type entry struct {
	unix     int64  // Item.Date() in Unix seconds
	id       uint64 // hash of Item.ID
	link     uint64 // hash of Item.Link; 0 when empty
	alive    bool
	story    int32
	source   int32
	lang     int32
	linkNext int32 // previous entry with the same link hash; -1 at the end
}

// A probe is the part of an entry the candidate scan reads for every
// posting it visits: 32 bytes, half a cache line, with no pointers. It
// rejects most candidates on its own; for the others it locates the
// entry's record in the arena — its signature, then its features, one
// contiguous read — and only a candidate whose Similarity passes is checked
// again on its entry.
type probe struct {
	minute int32  // Item.Date() in Unix minutes
	off    uint32 // the record is arena[off : off+bands+n]
	n      uint16 // number of features
	source uint16 // interned source; anyID when it does not fit
	lang   uint16 // interned language; anyID when it does not fit
	alive  bool
	fp     [bands]uint8
}

// anyID in a probe means "compare on the entry".
const anyID = 1<<16 - 1

func compactID(n int32) uint16 { return uint16(min(n, anyID)) }

// fingerprint keeps the low byte of each band of a signature.
func fingerprint(sig *[bands]uint32) (fp [bands]uint8) {
	for i, v := range sig {
		fp[i] = uint8(v)
	}
	return fp
}

type story struct {
	id    string
	first int64 // earliest Item.Date() of its indexed items, Unix seconds
	items int32 // live entries
}

// New returns an empty Index.
func New(opt Options) *Index {
	if opt.Window <= 0 {
		opt.Window = DefaultWindow
	}
	if opt.Threshold <= 0 {
		opt.Threshold = DefaultThreshold
	}
	x := &Index{window: int64(opt.Window / time.Second), threshold: opt.Threshold}
	x.reset(0)
	return x
}

func (x *Index) reset(capacity int) {
	x.entries = make([]entry, 0, capacity)
	x.probes = make([]probe, 0, capacity)
	x.arena = nil
	x.ids = make(map[uint64]int32, capacity)
	x.links = make(map[uint64]int32, capacity)
	x.posting = postingTable{slots: make([]postingSlot, 64)}
	if x.names == nil {
		x.names = map[string]int32{}
	}
	if x.storyOf == nil {
		x.storyOf = map[string]int32{}
	}
}

// bandSeeds are fixed so that signatures are the same in every process.
var bandSeeds = func() (s [bands]uint64) {
	z := uint64(0x6a09e667f3bcc908)
	for i := range s {
		z += 0x9e3779b97f4a7c15
		s[i] = mix64(z)
	}
	return s
}()

// mix64 is the splitmix64 finaliser.
func mix64(z uint64) uint64 {
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// signature returns, for each band, the hash of the feature that minimises
// that band's hash function.
func signature(fs []feature) (sig [bands]uint32) {
	var low [bands]uint64
	for b := range low {
		low[b] = ^uint64(0)
	}
	for _, f := range fs {
		h := uint64(f.hash())
		for b := range bands {
			if v := mix64(h ^ bandSeeds[b]); v < low[b] {
				low[b], sig[b] = v, f.hash()
			}
		}
	}
	return sig
}

func hash64(s string) uint64 {
	if s == "" {
		return 0
	}
	h := uint64(14695981039346656037) // FNV-1a
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return max(h, 1) // 0 means "no link"
}

func unixOf(it wiredesk.Item) int64 { return it.Date().Unix() }

// Match returns the story a new item joins: the story of an indexed item
// from another source, in the same language (an empty language matches only
// an empty one), whose time (Item.Date) is within the window of it, and that
// has the same non-empty canonical Link or a Similarity of at least the
// threshold. When several stories qualify, the one whose first indexed item
// is earliest wins (ties go to the smaller story id). ok is false when the
// item starts a new story.
func (x *Index) Match(it wiredesk.Item) (storyID string, ok bool) {
	fs := features(it.Title, it.Summary)
	sig := signature(fs)
	t := unixOf(it)
	link := hash64(it.Link)

	x.mu.RLock()
	defer x.mu.RUnlock()
	src, okSrc := x.names[it.SourceID]
	lang, okLang := x.names[it.Language]
	if !okLang {
		return "", false // nothing indexed in this language
	}
	if !okSrc {
		src = -1
	}
	best := int32(-1)
	consider := func(e *entry) {
		if best >= 0 && x.earlier(best, e.story) {
			return
		}
		best = e.story
	}
	eligible := func(e *entry) bool {
		if !e.alive || e.source == src || e.lang != lang {
			return false
		}
		d := e.unix - t
		return -x.window <= d && d <= x.window
	}
	if link != 0 {
		for s, found := x.links[link]; found && s >= 0; s = x.entries[s].linkNext {
			if e := &x.entries[s]; e.link == link && eligible(e) {
				consider(e)
			}
		}
	}
	if len(fs) == 0 {
		return x.storyResult(best)
	}
	fp := fingerprint(&sig)
	minute := int64(int32(t / 60))
	windowMinutes := x.window/60 + 2 // minutes are truncated, so allow for rounding
	qsrc, qlang := compactID(src), compactID(lang)
	checkSrc := src >= 0 && qsrc != anyID // an unknown source matches none
	// Three passes over the candidates instead of one: gather the newest
	// postings of every band, filter them on their probes, then on their
	// arena records. In each pass the addresses of all reads are known
	// before the first one returns, so their cache misses overlap instead
	// of each waiting behind the checks of the one before. The order does
	// not change the result: the earliest story wins whatever the order.
	var cand [bands * maxScan]int32
	nc := 0
	var touch uint32
	var home [bands]int
	for b := range bands {
		home[b] = x.posting.home(postingKey(b, sig[b]))
		touch += uint32(x.posting.slots[home[b]].key) // see below
	}
	for b := range bands {
		post := x.posting.get(postingKey(b, sig[b]), home[b])
		for k := len(post) - 1; k >= 0 && k >= len(post)-maxScan; k-- {
			cand[nc] = post[k]
			nc++
		}
	}
	// Touch every probe first: the loads are independent of each other, so
	// their cache misses overlap, which they do not behind the branches of
	// the filter.
	for _, s := range cand[:nc] {
		touch += uint32(x.probes[s].minute)
	}
	kept := 0
	for _, s := range cand[:nc] {
		p := &x.probes[s]
		d := int64(p.minute) - minute
		ok := p.alive && !(checkSrc && p.source == qsrc) && (p.lang == qlang || p.lang == anyID || qlang == anyID) &&
			-windowMinutes <= d && d <= windowMinutes && fpHits(&p.fp, &fp) >= minBandHits // fingerprints never undercount
		cand[kept] = s
		kept += b2i(ok)
	}
	// The same for the records of the candidates that passed.
	for _, s := range cand[:kept] {
		p := &x.probes[s]
		rec := x.arena[p.off : p.off+bands+uint32(p.n)]
		touch += uint32(rec[0]) + uint32(rec[len(rec)-1])
	}
	keep(touch)
	var seen slotSet
	ft := summarize(fs)
	for _, s := range cand[:kept] {
		p := &x.probes[s]
		rec := x.arena[p.off : p.off+bands+uint32(p.n)]
		if bandHits(rec[:bands], &sig) < minBandHits || !seen.add(s) {
			continue // too unlike to be worth a Similarity, or done
		}
		e := &x.entries[s]
		if best >= 0 && !x.earlier(e.story, best) {
			continue
		}
		if similarityTo(ft, fs, rec[bands:]) >= x.threshold && eligible(e) {
			consider(e)
		}
	}
	return x.storyResult(best)
}

// keep consumes v, so that the loads which produced it are not optimised
// away.
//
//go:noinline
func keep(v uint32) { _ = v }

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// fpHits counts the bands in which fingerprints c and q agree. It may
// count a band whose signatures differ (one chance in 256), never misses one
// where they agree.
func fpHits(c, q *[bands]uint8) (hits int) {
	for i := range bands {
		if c[i] == q[i] {
			hits++
		}
	}
	return hits
}

// bandHits counts the bands in which signatures c and q agree (hits/bands
// estimates the Jaccard index of the two feature sets).
func bandHits(c []feature, q *[bands]uint32) (hits int) {
	c = c[:bands]
	for i := range bands {
		if uint32(c[i]) == q[i] {
			hits++
		}
	}
	return hits
}

// slotSet is the set of entries a Match has already confirmed or
// rejected: open addressing in a fixed array, large enough for the
// bands·maxScan entries a Match can visit, so it never allocates.
type slotSet struct {
	used  int
	slots [2 * bands * maxScan]int32 // entry+1; 0 is empty
}

// add inserts s and reports whether it was new.
func (m *slotSet) add(s int32) bool {
	if m.used == len(m.slots)/2 {
		return true // cannot happen (at most bands·maxScan adds); stay correct
	}
	i := (uint32(s) * 2654435761) % uint32(len(m.slots))
	for m.slots[i] != 0 {
		if m.slots[i] == s+1 {
			return false
		}
		i = (i + 1) % uint32(len(m.slots))
	}
	m.slots[i] = s + 1
	m.used++
	return true
}

func (x *Index) storyResult(s int32) (string, bool) {
	if s < 0 {
		return "", false
	}
	return x.stories[s].id, true
}

// earlier reports whether story a comes before story b: first item time,
// then id.
func (x *Index) earlier(a, b int32) bool {
	sa, sb := &x.stories[a], &x.stories[b]
	if sa.first != sb.first {
		return sa.first < sb.first
	}
	return sa.id < sb.id
}

// Add indexes a stored item, which must have ID and StoryID set; items
// without them are ignored. Adding an item ID that is already indexed does
// nothing.
func (x *Index) Add(it wiredesk.Item) {
	if it.ID == "" || it.StoryID == "" {
		return
	}
	fs := features(it.Title, it.Summary)
	sig := signature(fs)
	id := hash64(it.ID)

	x.mu.Lock()
	defer x.mu.Unlock()
	if _, dup := x.ids[id]; dup {
		return
	}
	t := unixOf(it)
	st, found := x.storyOf[it.StoryID]
	if !found {
		st = int32(len(x.stories))
		x.stories = append(x.stories, story{id: it.StoryID, first: t})
		x.storyOf[it.StoryID] = st
	} else if t < x.stories[st].first {
		x.stories[st].first = t
	}
	x.stories[st].items++
	x.insert(entry{
		unix: t, id: id, link: hash64(it.Link), story: st,
		source: x.intern(it.SourceID), lang: x.intern(it.Language),
	}, fs, sig)
}

// insert appends e with features fs and signature sig; x.mu is held.
func (x *Index) insert(e entry, fs []feature, sig [bands]uint32) {
	s := int32(len(x.entries))
	n := uint16(min(len(fs), 1<<16-1))
	off := uint32(len(x.arena))
	e.alive, e.linkNext = true, -1
	for _, v := range sig {
		x.arena = append(x.arena, feature(v))
	}
	x.arena = append(x.arena, fs[:n]...)
	if e.link != 0 {
		if prev, found := x.links[e.link]; found {
			e.linkNext = prev
		}
		x.links[e.link] = s
	}
	x.entries = append(x.entries, e)
	x.probes = append(x.probes, probe{
		minute: int32(e.unix / 60), off: off, n: n, alive: true,
		source: compactID(e.source), lang: compactID(e.lang), fp: fingerprint(&sig),
	})
	x.ids[e.id] = s
	if n > 0 {
		for b := range bands {
			x.posting.add(postingKey(b, sig[b]), s)
		}
	}
	if x.live == 0 || e.unix < x.oldest {
		x.oldest = e.unix
	}
	x.live++
}

func (x *Index) intern(name string) int32 {
	if n, ok := x.names[name]; ok {
		return n
	}
	n := int32(len(x.names))
	x.names[name] = n
	return n
}

// Evict drops the items whose time (Item.Date) is before before and returns
// how many it dropped. Calling it with now minus the window keeps memory
// bounded by the window.
func (x *Index) Evict(before time.Time) int {
	cut := before.Unix()
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.live == 0 || cut <= x.oldest {
		return 0
	}
	n := 0
	oldest := int64(0)
	first := true
	for i := range x.entries {
		e := &x.entries[i]
		if !e.alive {
			continue
		}
		if e.unix < cut {
			e.alive = false
			x.probes[i].alive = false
			delete(x.ids, e.id)
			x.stories[e.story].items--
			n++
			continue
		}
		if first || e.unix < oldest {
			oldest, first = e.unix, false
		}
	}
	x.live -= n
	x.oldest = oldest
	if dead := len(x.entries) - x.live; dead > 0 && dead >= x.live {
		x.compact()
	}
	return n
}

// compact rebuilds the index from its live entries, releasing the memory
// of evicted ones; x.mu is held.
func (x *Index) compact() {
	old, oldProbes, oldArena, oldStories := x.entries, x.probes, x.arena, x.stories
	x.reset(x.live)
	x.arena = make([]feature, 0, len(oldArena)/max(len(old), 1)*x.live)
	x.stories = x.stories[:0:0]
	clear(x.storyOf)
	remap := make(map[int32]int32)
	x.live = 0
	for i, e := range old {
		if !e.alive {
			continue
		}
		st, ok := remap[e.story]
		if !ok {
			st = int32(len(x.stories))
			x.stories = append(x.stories, oldStories[e.story])
			x.storyOf[oldStories[e.story].id] = st
			remap[e.story] = st
		}
		p := &oldProbes[i]
		var sig [bands]uint32
		for b, v := range oldArena[p.off : p.off+bands] {
			sig[b] = uint32(v)
		}
		e.story = st
		x.insert(e, oldArena[p.off+bands:p.off+bands+uint32(p.n)], sig)
	}
	x.posting.clip()
}

// Len returns the number of indexed items.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.live
}
