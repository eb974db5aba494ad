package cluster

import (
	"cmp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/wiredesk/wiredesk"
)

// DefaultThreshold is the probability (see Index.Match) an item needs of
// being the same event as a member of a story to join it, when
// Options.Threshold is zero.
const DefaultThreshold = wiredesk.DefaultClusterThreshold

// DefaultWindow is how far apart in time two items of one story may be,
// when Options.Window is zero.
const DefaultWindow = wiredesk.DefaultClusterWindow

// maxDF is the largest number of indexed items a key may be in for a
// Match to look up the items through it. A key that common ("Russia",
// "Putin", "said") is weak evidence of one event, and its items are found
// through their rarer keys; it bounds the work of a Match whatever the size
// of the index.
const maxDF = 32

// maxCandidates is how many candidates in the new item's language, and
// how many in other languages, best first by the weight of the rare keys
// they share, a Match scores in full.
const maxCandidates = 8

// sameSourceMargin is how much more sure a Match must be to join an item to
// a story through an item of its own source: wires split one statement into
// several items, but they also file the next event in the same words.
const sameSourceMargin = 0.25

// storySupport is how much of the threshold the mean probability over all
// of a story's items must reach for an item to join it: an item close to
// one member only — a follow-up of one report, say — does not drag the
// rest of the story along.
var storySupport = 0.8

// Options configure an Index.
type Options struct {
	// Window is how far apart in time (Item.Date) an item may be from an
	// indexed item whose story it joins. Zero means DefaultWindow.
	Window time.Duration
	// Threshold is the probability needed to join a story. Zero means
	// DefaultThreshold.
	Threshold float64
}

// Index holds the recently stored items of every source and finds the story
// a new item joins. It keeps per item its keys (a few dozen 32-bit values),
// time, source, language, story and hashes of its ID and link; no text. An
// Index is safe for concurrent use.
type Index struct {
	window    int64 // seconds
	threshold float64
	lx        *lexicon

	mu      sync.RWMutex
	entries []entry
	// langs is each entry's lang again, 4 bytes an entry, so that sorting
	// a Match's candidates by language reads a small array instead of an
	// entry's cache line per candidate (most are never read otherwise).
	langs   []int32
	arena   []key            // the keys of every entry, back to back
	ids     map[uint64]int32 // item ID hash → entry
	links   map[uint64]int32 // canonical link hash → newest entry with it
	df      counts           // key slot → live entries that have it
	posting postings
	stories []story
	storyOf map[string]int32
	names   map[string]int32 // interned source ids and languages
	scratch sync.Pool        // *scratch for candidates
	apart   map[apartKey]bool
	live    int
	oldest  int64
}

type entry struct {
	unix     int64  // Item.Date() in Unix seconds
	id       uint64 // hash of Item.ID
	link     uint64 // hash of Item.Link; 0 when empty
	off      uint32 // keys are arena[off : off+n]
	n        uint16
	alive    bool
	story    int32
	source   int32
	lang     int32
	linkNext int32 // previous entry with the same link hash; -1 at the end
}

type story struct {
	id    string
	first int64 // earliest Item.Date() of its indexed items, Unix seconds
	items int32 // live entries
}

// apartKey is an item that an editor took out of a story: it never joins
// that story again.
type apartKey struct {
	item  uint64
	story string
}

// New returns an empty Index.
func New(opt Options) *Index {
	if opt.Window <= 0 {
		opt.Window = DefaultWindow
	}
	if opt.Threshold <= 0 {
		opt.Threshold = DefaultThreshold
	}
	x := &Index{window: int64(opt.Window / time.Second), threshold: opt.Threshold, lx: defaultLexicon()}
	x.reset(0)
	x.names = map[string]int32{}
	x.storyOf = map[string]int32{}
	x.apart = map[apartKey]bool{}
	return x
}

func (x *Index) reset(capacity int) {
	x.entries = make([]entry, 0, capacity)
	x.langs = make([]int32, 0, capacity)
	x.arena = nil
	x.ids = make(map[uint64]int32, capacity)
	x.links = make(map[uint64]int32, capacity)
	x.df = counts{}
	x.posting = postings{}
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

// itemLanguage is the language an item is compared in: Russian when its
// title is mostly Cyrillic, and when it is mostly Latin the source's
// language (its primary subtag: "en-US" is "en") unless that says Russian. Feeds mislabel: RT's English feeds
// carry Russian items, Russian sites English ones.
func itemLanguage(it wiredesk.Item) string {
	cyr, lat := 0, 0
	text := it.Title
	if len(text) < 20 {
		text += " " + lead(it.Summary)
	}
	for _, r := range text {
		switch {
		case r < 0x80 && ('a' <= r|0x20 && r|0x20 <= 'z'):
			lat++
		case unicode.Is(unicode.Cyrillic, r):
			cyr++
		}
	}
	switch {
	case cyr > 2*lat:
		return "ru"
	case lat > 2*cyr && strings.HasPrefix(strings.ToLower(it.Language), "ru"):
		return "en"
	}
	// "en-US" and "en" are one language: pairs of them are scored as one
	// language and compete as such for the candidates' places.
	lang, _, _ := strings.Cut(strings.ToLower(it.Language), "-")
	lang, _, _ = strings.Cut(lang, "_")
	return lang
}

// slot is a key without its title and capital bits: what the document
// frequencies and the postings are keyed by.
func slot(k key) uint32 { return uint32(k) &^ keyFlags }

// Match returns the story a new item joins, or ok false when it starts a
// new story.
//
// An item joins a story when one of the story's indexed items is probably
// the same event: from any source, within the window of it in time
// (Item.Date), with the same non-empty canonical Link or a probability of
// at least the threshold (see Probability); through an item of its own
// source the probability must be higher by sameSourceMargin. Candidates are
// the items sharing a rare key with it, so every member of a story is
// compared and a story gains vocabulary as wires join it. Of several
// qualifying stories the most probable wins; ties go to the story whose
// first item is earliest, then to the smaller story id.
func (x *Index) Match(it wiredesk.Item) (storyID string, ok bool) {
	ks := keys(it.Title, it.Summary, x.lx)
	x.mu.RLock()
	defer x.mu.RUnlock()
	storyID = x.decideKeys(it, ks)
	return storyID, storyID != ""
}

// Keys is the evidence of one item as the index compares it, computed
// once: by the caller, before the index is locked, and in parallel for
// several items if it likes.
type Keys struct{ ks []key }

// Keys computes the keys of an item. It does not lock the index.
func (x *Index) Keys(it wiredesk.Item) Keys { return Keys{keys(it.Title, it.Summary, x.lx)} }

// MatchAddKeys is Match followed by Add of the item in the story it
// joins, or in a new story newID: what a pass does for each of its items
// in turn, with the item's keys computed beforehand by Keys and the index
// locked once. It returns the story and whether the item joined an
// indexed one.
func (x *Index) MatchAddKeys(it wiredesk.Item, k Keys, newID string) (storyID string, ok bool) {
	ks := k.ks
	x.mu.Lock()
	defer x.mu.Unlock()
	storyID = x.decideKeys(it, ks)
	ok = storyID != ""
	if !ok {
		storyID = newID
	}
	it.StoryID = storyID
	x.addKeys(it, ks)
	return storyID, ok
}

// decideKeys returns the story of Match for an item with keys ks, or "";
// x.mu is held.
func (x *Index) decideKeys(it wiredesk.Item, ks []key) string {
	q := query{keys: ks, unix: unixOf(it), item: hash64(it.ID)}
	link := hash64(it.Link)
	q.source, q.lang = x.lookup(it.SourceID), x.lookup(itemLanguage(it))
	x.prepare(&q)
	best, bestP := int32(-1), 0.0
	consider := func(st int32, p float64) {
		if x.apart[apartKey{q.item, x.stories[st].id}] {
			return
		}
		if best < 0 || p > bestP || p == bestP && x.earlier(st, best) {
			best, bestP = st, p
		}
	}
	if link != 0 {
		for s, found := x.links[link]; found && s >= 0; s = x.entries[s].linkNext {
			if e := &x.entries[s]; e.link == link && x.inWindow(e, q.unix) {
				consider(e.story, 1)
			}
		}
	}
	type support struct{ max, sum float64 }
	stories := map[int32]*support{}
	var order []int32
	cands := x.candidates(&q)
	var merged [2 * maxCandidates]mergedPair
	var reachBuf [2 * maxCandidates]int32
	reach := x.reachable(&q, cands, merged[:len(cands)], reachBuf[:0])
	for i, c := range cands {
		e := &x.entries[c]
		if !slices.Contains(reach, e.story) {
			continue // no member can reach the threshold: it is not considered
		}
		mp := &merged[i]
		x.weighSide(&q, x.arena[e.off:e.off+uint32(e.n)], mp.cross, &mp.sb)
		p := model.predict(x.features(&q, e, mp.cross, &mp.m, &mp.sb), mp.cross)
		if e.source == q.source {
			p -= sameSourceMargin
		}
		sp := stories[e.story]
		if sp == nil {
			sp = &support{}
			stories[e.story] = sp
			order = append(order, e.story)
		}
		sp.max = max(sp.max, p)
		sp.sum += max(p, 0)
	}
	for _, st := range order {
		sp := stories[st]
		mean := sp.sum / float64(max(x.stories[st].items, 1))
		if sp.max >= x.threshold && mean >= x.threshold*storySupport {
			consider(st, sp.max)
		}
	}
	if best < 0 {
		return ""
	}
	return x.stories[best].id
}

// A mergedPair is a candidate's keys merged with the new item's, kept
// from reachable for its features.
type mergedPair struct {
	m     pairMatch
	sb    side // counted, not yet weighed
	cross bool
}

// boundSlack covers the rounding in which maxProbability and the
// probability of the same pair may differ: a story is skipped only when
// its bound is below the threshold by more.
const boundSlack = 1e-9

// skipUnreachable is false only in a test that compares the decisions
// with and without the skip.
var skipUnreachable = true

// reachable merges every candidate's keys with q's into merged and
// appends to reach the stories of those whose members might reach the
// threshold. A story none of whose members can, by maxProbability, is never
// considered, so decideKeys need not weigh its members' keys: their
// document frequencies are most of a Match's cost, and most candidates
// share a rare key or two with the new item and little else. The decision
// is the one that scoring every candidate gives. q is prepared and x.mu is
// held.
func (x *Index) reachable(q *query, cands []int32, merged []mergedPair, reach []int32) []int32 {
	for i, c := range cands {
		e := &x.entries[c]
		cross := q.lang != e.lang
		mp := &merged[i]
		mp.cross = cross
		x.pairShared(q, x.arena[e.off:e.off+uint32(e.n)], cross, &mp.m, &mp.sb)
		if slices.Contains(reach, e.story) {
			continue // the story is scored in full anyway
		}
		p := x.maxProbability(q, e, cross, &mp.m, &mp.sb)
		if e.source == q.source {
			p -= sameSourceMargin
		}
		if p >= x.threshold-boundSlack || !skipUnreachable {
			reach = append(reach, e.story)
		}
	}
	return reach
}

// query is a new item as Match sees it.
type query struct {
	keys         []key
	prepared     bool
	lnN          float64   // ln(live items + idfPrior)
	df           []int32   // per key, its document frequency
	idf          []float64 // per key, its idf
	sides        [2]side   // the key sums in one language and across two
	unix         int64
	item         uint64
	source, lang int32 // -1 when not interned
}

func (x *Index) lookup(name string) int32 {
	if n, ok := x.names[name]; ok {
		return n
	}
	return -1
}

func (x *Index) inWindow(e *entry, unix int64) bool {
	d := e.unix - unix
	return e.alive && -x.window <= d && d <= x.window
}

// candidates returns the indexed items that share a rare key with q, best
// first by the weight of the rare keys they share, at most maxCandidates.
func (x *Index) candidates(q *query) []int32 {
	sc, _ := x.scratch.Get().(*scratch)
	if sc == nil {
		sc = &scratch{table: make([]int32, scratchTable)}
	}
	defer x.scratch.Put(sc)
	sc.cands = sc.cands[:0]
	minute, span := q.unix/60, x.window/60+1 // +1: minutes are truncated
	// The posting lists are found, and their first postings touched, all
	// before any is read: each is a cache miss, and misses that do not
	// wait for one another overlap.
	sc.lists = sc.lists[:0]
	for i, k := range q.keys {
		if df := q.df[i]; df == 0 || df > maxDF {
			continue
		}
		sc.lists = append(sc.lists, keyList{x.df.list(slot(k)), q.idf[i]})
	}
	for _, l := range sc.lists {
		sc.sink += x.posting.touch(l.list)
	}
	for _, l := range sc.lists {
		w := l.idf
		for _, p := range x.posting.get(l.list) {
			// The time in the posting spares a read of the entry for
			// the many postings outside the window; the chosen few are
			// checked on their entries below.
			if d := int64(p.minute) - minute; -span <= d && d <= span {
				sc.add(p.entry, w)
			}
		}
	}
	// The best maxCandidates of the item's language and the best of the
	// others, each in order, kept by insertion: most candidates fall below
	// the last kept ones and cost two comparisons. Two lists, because items
	// of one language share word keys as well as concepts and would crowd
	// out the reports in another language, which share concepts and names
	// only.
	var best [2][maxCandidates]candidate
	var nb [2]int
	// Each candidate's language is a cache miss too: touched first.
	for _, c := range sc.cands {
		sc.sink += x.langs[c.entry]
	}
	full := func(g int, c candidate) bool {
		return nb[g] == maxCandidates && byWeight(c, best[g][maxCandidates-1]) >= 0
	}
	for _, c := range sc.cands {
		if full(0, c) && full(1, c) {
			continue
		}
		g := 0
		if x.langs[c.entry] != q.lang {
			g = 1
		}
		if full(g, c) {
			continue
		}
		n := nb[g]
		i := min(n, maxCandidates-1)
		for i > 0 && byWeight(c, best[g][i-1]) < 0 {
			best[g][i] = best[g][i-1]
			i--
		}
		best[g][i] = c
		nb[g] = min(n+1, maxCandidates)
	}
	out := make([]int32, 0, nb[0]+nb[1])
	for g := range 2 {
		for _, c := range best[g][:nb[g]] {
			if e := &x.entries[c.entry]; x.inWindow(e, q.unix) && e.id != q.item {
				out = append(out, c.entry)
			}
		}
	}
	// reachable merges the keys of each candidate next, a cache miss
	// each: touched here, all at once.
	for _, c := range out {
		if e := &x.entries[c]; e.n > 0 {
			sc.sink += int32(x.arena[e.off])
		}
	}
	sc.reset()
	return out
}

// A scratch is a Match's working space for gathering candidates, reused
// through Index.scratch: the candidates and an open-addressing table from
// entry to its place among them.
type scratch struct {
	lists []keyList // the lists of the query's rare keys
	sink  int32     // what touching memory read (see candidates), unused
	cands []candidate
	table []int32 // entry+1 at its hash slot, or 0; len is a power of two
	used  []int32 // slots to clear
}

// A keyList is the posting list of one of a query's keys, and the key's
// idf.
type keyList struct {
	list postingList
	idf  float64
}

type candidate struct {
	entry int32
	w     float64
}

// scratchTable is the table size: twice the most candidates a Match can
// gather (every key of an item, each with up to maxDF postings), rounded
// up to a power of two.
const scratchTable = 1 << 14

func byWeight(a, b candidate) int {
	if c := cmp.Compare(b.w, a.w); c != 0 {
		return c
	}
	return cmp.Compare(b.entry, a.entry)
}

// add adds w to the weight of entry s, gathering it if it is new.
func (sc *scratch) add(s int32, w float64) {
	mask := uint32(len(sc.table) - 1)
	h := uint32(s) * 2654435761 & mask
	for {
		v := sc.table[h]
		if v == 0 {
			if len(sc.cands) >= len(sc.table)/2 {
				return // full; cannot happen with the bounds above
			}
			sc.table[h] = int32(len(sc.cands)) + 1
			sc.used = append(sc.used, int32(h))
			sc.cands = append(sc.cands, candidate{s, w})
			return
		}
		if c := &sc.cands[v-1]; c.entry == s {
			c.w += w
			return
		}
		h = (h + 1) & mask
	}
}

func (sc *scratch) reset() {
	for _, h := range sc.used {
		sc.table[h] = 0
	}
	sc.used = sc.used[:0]
	sc.cands = sc.cands[:0]
}

// idfPrior (in the idf ln((live+idfPrior)/(df+1)), query.idfOf) keeps the weights of a young index, which has seen few items,
// from calling every word rare.
const idfPrior = 200

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
	if it.ID == "" || it.StoryID == "" || x.Has(it.ID) {
		return // the keys of an indexed item are not worth computing
	}
	ks := keys(it.Title, it.Summary, x.lx)
	x.mu.Lock()
	defer x.mu.Unlock()
	x.addKeys(it, ks)
}

// addKeys is Add with the item's keys computed; x.mu is held.
func (x *Index) addKeys(it wiredesk.Item, ks []key) {
	if it.ID == "" || it.StoryID == "" {
		return
	}
	id := hash64(it.ID)
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
		source: x.intern(it.SourceID), lang: x.intern(itemLanguage(it)),
	}, ks)
}

// insert appends e with keys ks; x.mu is held.
func (x *Index) insert(e entry, ks []key) {
	s := int32(len(x.entries))
	n := uint16(min(len(ks), 1<<16-1))
	e.off, e.n = uint32(len(x.arena)), n
	e.alive, e.linkNext = true, -1
	x.arena = append(x.arena, ks[:n]...)
	if e.link != 0 {
		if prev, found := x.links[e.link]; found {
			e.linkNext = prev
		}
		x.links[e.link] = s
	}
	x.entries = append(x.entries, e)
	x.langs = append(x.langs, e.lang)
	x.ids[e.id] = s
	for _, k := range ks[:n] {
		sl := slot(k)
		df, list := x.df.inc(sl)
		// A key past maxDF is never looked up; its list stops growing.
		if df <= maxDF {
			x.posting.add(list, posting{s, int32(e.unix / 60)})
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
			x.kill(int32(i))
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
	old, oldArena, oldStories := x.entries, x.arena, x.stories
	x.reset(x.live)
	x.arena = make([]key, 0, len(oldArena)/max(len(old), 1)*x.live)
	x.stories = x.stories[:0:0]
	clear(x.storyOf)
	remap := make(map[int32]int32)
	x.live = 0
	for _, e := range old {
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
		e.story = st
		x.insert(e, oldArena[e.off:e.off+uint32(e.n)])
	}
}

// Len returns the number of indexed items.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.live
}

// Has reports whether the item with this ID is indexed.
func (x *Index) Has(itemID string) bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	_, ok := x.ids[hash64(itemID)]
	return ok
}

// Remove takes an item out of the index (an editor split it from its
// story, or a pass indexed it before learning it was stored already). It
// reports whether the item was indexed.
func (x *Index) Remove(itemID string) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	id := hash64(itemID)
	s, ok := x.ids[id]
	if !ok {
		return false
	}
	x.kill(s)
	x.live--
	return true
}

// kill marks entry s dead and takes its keys out of the document
// frequencies; x.mu is held and the caller adjusts x.live.
func (x *Index) kill(s int32) {
	e := &x.entries[s]
	e.alive = false
	delete(x.ids, e.id)
	x.stories[e.story].items--
	for _, k := range x.arena[e.off : e.off+uint32(e.n)] {
		sl := slot(k)
		x.df.dec(sl)
	}
}
