package cluster

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"
)

// A key is one piece of evidence an item carries, as a 32-bit value: a
// 28-bit hash in the high bits, the key's kind in the next two, then a
// capital bit and a title bit in the lowest. The kind and the hash are the
// key's slot, the same wherever the key occurs; an item's keys are sorted
// and distinct by slot, so two items are compared by one merge.
type key uint32

// Key kinds.
const (
	// kindWord is a stemmed word, prefixed with its language: it meets
	// only the same word of the same language.
	kindWord = 0
	// kindConcept is language-neutral: the concept of a word in the
	// Russian–English lexicon ("запрет"/"ban" → ban).
	kindConcept = 1
	// kindNum is a number, the same in every language.
	kindNum = 2
	// kindSkeleton is language-neutral too: the consonant skeleton of a
	// word the lexicon does not know (see skeleton), which meets the
	// other script's spelling of a name.
	kindSkeleton = 3
)

const (
	keyTitle = 1 << 0 // the key occurs in the title
	keyCap   = 1 << 1 // the word was capitalised inside a sentence: a name
	keyFlags = keyTitle | keyCap
	keyShift = 4
)

func (k key) kind() int   { return int(k>>2) & 3 }
func (k key) title() bool { return k&keyTitle != 0 }
func (k key) name() bool  { return k&keyCap != 0 }

func makeKey(h uint32, kind int, title, capital bool) key {
	k := key(h<<keyShift) | key(kind)<<2
	if title {
		k |= keyTitle
	}
	if capital {
		k |= keyCap
	}
	return k
}

// hash28 is FNV-1a over kind and s, folded to 28 bits. It is fixed so that
// keys are the same in every process.
func hash28(kind byte, prefix string, s []byte) uint32 {
	h := uint32(2166136261)
	h ^= uint32(kind)
	h *= 16777619
	for i := 0; i < len(prefix); i++ {
		h ^= uint32(prefix[i])
		h *= 16777619
	}
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return (h ^ h>>28) & (1<<28 - 1)
}

// maxLeadWords bounds how many words of the lead an item contributes: the
// event is in the first sentence or two, and later ones are background
// that differs from wire to wire.
const maxLeadWords = 40

// keys returns the sorted, distinct keys of an item's title and the lead of
// its summary. A key in both title and lead keeps the title bit; a key
// seen capitalised anywhere keeps the capital bit.
//
// The words are read first and their places in the word cache touched
// all at once (lexicon.touch), so that the cache misses of one item's
// words overlap instead of coming one after another; then each word
// becomes its keys in order.
func keys(title, summary string, lx *lexicon) []key {
	var (
		tokArr  [96]token
		textArr [1024]byte
	)
	ws := readWords(title, summary, words{text: textArr[:0], toks: tokArr[:0]})
	for i := range ws.toks {
		if !ws.toks[i].number {
			lx.touch(ws.toks[i].h)
		}
	}
	kw := keyWriter{lx: lx, ks: make([]key, 0, 96)}
	for i := range ws.toks {
		kw.add(ws.word(&ws.toks[i]), &ws.toks[i])
	}
	return dedupeKeys(kw.ks)
}

// A keyWriter turns an item's words, given in order, into keys.
type keyWriter struct {
	lx            *lexicon
	ks            []key
	prev, prevEnd int // the previous word's keys are ks[prev:prevEnd]
	prevGiven     bool
	prevWord      uint32
}

// add appends the keys of word w, which the tokenizer read as tk.
func (kw *keyWriter) add(w []byte, tk *token) {
	if !tk.allUpper && string(w) == "us" {
		return // the pronoun, not the US
	}
	start := len(kw.ks)
	var word uint32
	kw.ks, word = kw.lx.appendKeysOf(kw.ks, w, tk.h, tk.number, tk.inTitle, tk.capital)
	if c, ok := kw.lx.phrase(kw.prevWord, word, tk.spaced); ok {
		kw.ks = append(kw.ks, makeKey(c, kindConcept, tk.inTitle, tk.capital || kw.prevGiven))
	}
	kw.prevWord = word
	// "Александр Овечкин", "Angelina Jolie": a capitalised word right
	// before another is a given name (or the first word of a longer
	// name), which one wire writes and another leaves out. It stays a
	// key, but not a name: names that one report has and the other
	// lacks are evidence of different events.
	if kw.prevGiven && kw.prevEnd == start && tk.spaced && tk.capital && !tk.allUpper {
		for i := kw.prev; i < kw.prevEnd; i++ {
			kw.ks[i] &^= keyCap
		}
	}
	kw.prev, kw.prevEnd, kw.prevGiven = start, len(kw.ks), tk.capital && !tk.allUpper && !tk.number
}

// words are the words keys reads of an item, in order: the title's, then
// at most maxLeadWords of the lead's, each as the tokenizer gave it.
type words struct {
	text []byte // the words back to back
	toks []token
}

// A token is one word of words: text[off:end], with the word cache hash
// of it and what the tokenizer said of it.
type token struct {
	off, end                                   int32
	h                                          uint64
	number, inTitle, capital, allUpper, spaced bool
}

// readWords appends the words of title and summary to ws (whose slices
// keys gives on its stack) and returns it.
func readWords(title, summary string, ws words) words {
	var tk tokenizer
	tk.init(title, summary)
	for tk.nextKept() {
		t := tk.token()
		t.off = int32(len(ws.text))
		ws.text = append(ws.text, tk.word()...)
		t.end = int32(len(ws.text))
		ws.toks = append(ws.toks, t)
	}
	return ws
}

func (ws *words) word(t *token) []byte { return ws.text[t.off:t.end] }

// token returns what the tokenizer says of its current word (off and end
// left to the caller).
func (t *tokenizer) token() token {
	return token{
		h:      wordHash(t.word()),
		number: t.number, inTitle: t.inTitle, capital: t.capital, allUpper: t.allUpper, spaced: t.spaced,
	}
}

// dedupeKeys sorts ks and keeps one key per hash, merging the title and
// capital bits of its occurrences.
func dedupeKeys(ks []key) []key {
	slices.Sort(ks) // by slot, then flags
	out := ks[:0]
	for _, k := range ks {
		if n := len(out); n > 0 && slot(out[n-1]) == slot(k) {
			out[n-1] |= k & keyFlags
			continue
		}
		out = append(out, k)
	}
	return slices.Clip(out)
}

// appendKeys appends the keys of one normalised word: a number gives one
// number key; a stop word none; a word of the lexicon its concept key; any
// other word its word key and, when it is long enough or a name, its
// skeleton key.
//
// It also returns the word's hash (of its language and stem; 0 for a
// number or a stop word), which is what phrase takes.
func (lx *lexicon) appendKeys(ks []key, w []byte, number, title, capital bool) ([]key, uint32) {
	return lx.appendKeysOf(ks, w, wordHash(w), number, title, capital)
}

// appendKeysOf is appendKeys for a word of hash h (wordHash(w)).
func (lx *lexicon) appendKeysOf(ks []key, w []byte, h uint64, number, title, capital bool) ([]key, uint32) {
	if number {
		return append(ks, makeKey(hash28(kindNum, "", w), kindNum, title, false)), 0
	}
	t := lx.termOf(w, h)
	if t.stop {
		return ks, 0
	}
	if t.num {
		return append(ks, makeKey(t.word, kindNum, title, false)), 0
	}
	if t.concept {
		// A word of the lexicon is its concept in every language, so
		// synonyms meet too ("одобрил"/"утвердил", "China"/"Chinese").
		return append(ks, makeKey(t.cross, kindConcept, title, capital)), t.word
	}
	ks = append(ks, makeKey(t.word, kindWord, title, capital))
	if n := int(t.skeletonLen); t.cross != 0 && (capital && n >= minSkeleton || n >= minSkeletonLower) {
		ks = append(ks, makeKey(t.cross, kindSkeleton, title, capital))
	}
	return ks, t.word
}

// phrase returns the concept key hash of two words in a row, of word
// hashes a and b, when the lexicon knows them as one ("North Korea" →
// north_korea, "Северной Кореи" → north_korea). spaced says only white space
// separates them.
func (lx *lexicon) phrase(a, b uint32, spaced bool) (uint32, bool) {
	if a == 0 || b == 0 || !spaced {
		return 0, false
	}
	c, ok := lx.phrases[phraseKey(a, b)]
	if !ok {
		return 0, false
	}
	return hash28(kindConcept, "", []byte(c)), true
}

// A term is what one normalised word becomes.
type term struct {
	word        uint32 // hash of the language and the stem; of the digits for a number word
	cross       uint32 // hash of the concept or skeleton; 0 when none
	stop        bool
	num         bool // a count written as a word ("двое"): word is its number key's hash
	concept     bool // cross is a lexicon concept
	skeletonLen uint8
}

// term returns the term of w, from the lexicon's cache when it has it.
//
// The cache is keyed by a 64-bit hash of the word, not the word: a lookup
// compares no strings and an entry is 16 bytes. Two words of one hash
// would share a term; among the million words the cache holds, the
// chance that any two do is about 3·10⁻⁸.
func (lx *lexicon) term(w []byte) term { return lx.termOf(w, wordHash(w)) }

// termOf is term for a word of hash h (wordHash(w)).
func (lx *lexicon) termOf(w []byte, h uint64) term {
	sh := lx.shard(h)
	if t, ok := sh.get(h); ok {
		return t
	}
	t := lx.compute(string(w))
	sh.put(h, t)
	return t
}

func (lx *lexicon) shard(h uint64) *termShard { return &lx.shards[h>>(64-termShardBits)] }

// touch reads the cache set of the word of hash h and nothing else: keys
// touches every word's set before it looks any up, so that the processor
// waits for the memory of all of them at once. What it reads is not used.
func (lx *lexicon) touch(h uint64) {
	sh := lx.shard(h)
	if sets := sh.sets.Load(); sets != nil {
		(*sets)[entryHash(h)&(termShardSets-1)][0].t.Load()
	}
}

// termShardBits: the cache is split in 2^termShardBits shards, each with its
// own lock for writers, so the polls of a pass computing keys at once do
// not queue on one lock.
const termShardBits = 5

// The word cache holds termCacheSets·termWays entries of 16 bytes (16 MB,
// allocated a shard at a time as words arrive), in sets of termWays
// entries that share one cache line. A word has one set; within it the
// entries are kept most recently used first, and a new word replaces the
// least recently used, so the words in daily use stay whatever else passes
// through. (Two generations of Go maps, which this replaced, read two or
// three cache lines a lookup and held half as many words in as much
// memory; a synthetic wire of a million made-up words missed most.)
const (
	termWays      = 4
	termCacheSets = 1 << 18
	termShardSets = termCacheSets >> termShardBits
)

// termShard is one shard of the word cache. Readers take no lock (get);
// writers hold mu. An entry is two atomic words, the term and its hash
// xor the term: whatever a writer does meanwhile, a pair read whose xor
// is the hash looked for has that hash's term (or two entries' words
// happen to xor to it, a chance of 2⁻⁶⁴ a read).
type termShard struct {
	mu   sync.Mutex
	sets atomic.Pointer[[termShardSets][termWays]termEntry] // nil until the first put
}

// A termEntry is a cached term (a packedTerm) and the hash of its word
// xor the term; both 0 is empty.
type termEntry struct {
	check, t atomic.Uint64
}

// load returns the entry's hash and term.
func (e *termEntry) load() (h, t uint64) {
	t = e.t.Load()
	return e.check.Load() ^ t, t
}

// store sets the entry to hash h and term t; the shard's mu is held.
func (e *termEntry) store(h, t uint64) {
	e.t.Store(t)
	e.check.Store(h ^ t)
}

// entryHash is the hash an entry stores: never 0, which an empty entry
// reads as.
func entryHash(h uint64) uint64 { return max(h, 1) }

// get returns the cached term of the word of hash h. A term found behind
// the front of its set is moved to the front, under the lock.
func (sh *termShard) get(h uint64) (term, bool) {
	h = entryHash(h)
	sets := sh.sets.Load()
	if sets == nil {
		return term{}, false
	}
	set := &sets[h&(termShardSets-1)]
	for i := range set {
		if eh, t := set[i].load(); eh == h {
			if i > 0 {
				sh.toFront(set, h)
			}
			return packedTerm(t).unpack(), true
		}
	}
	return term{}, false
}

// toFront moves the entry of hash h, if it is still in set, to the front.
func (sh *termShard) toFront(set *[termWays]termEntry, h uint64) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	for i := range set {
		if eh, t := set[i].load(); eh == h {
			for j := i; j > 0; j-- {
				set[j].store(set[j-1].load())
			}
			set[0].store(h, t)
			return
		}
	}
}

// put caches t as the term of the word of hash h, in front of its set,
// dropping the set's least recently used entry.
func (sh *termShard) put(h uint64, t term) {
	h = entryHash(h)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sets := sh.sets.Load()
	if sets == nil {
		sets = new([termShardSets][termWays]termEntry)
		sh.sets.Store(sets)
	}
	set := &sets[h&(termShardSets-1)]
	for i := range set {
		if eh, _ := set[i].load(); eh == h {
			return // another poll computed it meanwhile
		}
	}
	for j := termWays - 1; j > 0; j-- {
		set[j].store(set[j-1].load())
	}
	set[0].store(h, uint64(t.pack()))
}

// A packedTerm is a term in 64 bits: word and cross (28 bits each, as
// hash28 makes them), then stop, num and concept, then skeletonLen.
type packedTerm uint64

const (
	packCross    = 28
	packStop     = 56
	packNum      = 57
	packConcept  = 58
	packSkeleton = 59 // 5 bits: skeletonLen is at most maxSkeleton
)

func (t term) pack() packedTerm {
	p := packedTerm(t.word) | packedTerm(t.cross)<<packCross | packedTerm(t.skeletonLen)<<packSkeleton
	if t.stop {
		p |= 1 << packStop
	}
	if t.num {
		p |= 1 << packNum
	}
	if t.concept {
		p |= 1 << packConcept
	}
	return p
}

func (p packedTerm) unpack() term {
	return term{
		word:        uint32(p & (1<<28 - 1)),
		cross:       uint32(p >> packCross & (1<<28 - 1)),
		stop:        p>>packStop&1 != 0,
		num:         p>>packNum&1 != 0,
		concept:     p>>packConcept&1 != 0,
		skeletonLen: uint8(p >> packSkeleton),
	}
}

// wordHash is FNV-1a over w, 64 bits.
func wordHash(w []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range w {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

func (lx *lexicon) compute(w string) term {
	if n, ok := numberWords[w]; ok {
		return term{num: true, word: hash28(kindNum, n, nil)}
	}
	if stopWords[w] || utf8.RuneCountInString(w) < 2 {
		return term{stop: true}
	}
	cyr := isCyrillic(w)
	var stem, lang string
	if cyr {
		stem, lang = stemRussian(w), "ru"
	} else {
		stem, lang = stemEnglish(w), "en"
	}
	t := term{word: hash28(kindWord, lang, []byte(stem))}
	if c, ok := lx.concept(w, stem, cyr); ok {
		t.cross, t.concept = hash28(kindConcept, "", []byte(c)), true
		return t
	}
	// English Porter stems cut loanwords short ("hepatitis" → "hepat"):
	// the skeleton of an English word is taken from the word with only its
	// plural or possessive s removed. Russian stems cut surnames short
	// ("Медведев" → "медвед", "Косачева" → "косач"), so a Russian word
	// loses only the case endings that hold a consonant (see
	// russianSkeletonBase).
	base := russianSkeletonBase(w)
	if !cyr {
		base = strings.TrimSuffix(w, "s")
	}
	var buf [maxSkeleton + 1]byte
	sk := skeleton(base, buf[:0])
	if len(sk) >= 2 {
		t.cross, t.skeletonLen = hash28(kindSkeleton, "", sk), uint8(len(sk))
	}
	return t
}

// russianSkeletonBase is Russian word w without a case ending that holds a
// consonant ("-ом", "-ами", "-ых"…): vowels do not reach a skeleton, so
// "Косачев", "Косачева" and "Косачевым" all give "kscv", as "Kosachev"
// does.
func russianSkeletonBase(w string) string {
	for _, end := range [...]string{"ами", "ями", "ого", "его", "ому", "ему", "ом", "ем", "ым", "им", "ах", "ях", "ых", "их"} {
		if strings.HasSuffix(w, end) && utf8.RuneCountInString(w) > utf8.RuneCountInString(end)+2 {
			return w[:len(w)-len(end)]
		}
	}
	return w
}

func isCyrillic(w string) bool {
	for _, r := range w {
		if unicode.IsLetter(r) {
			return unicode.Is(unicode.Cyrillic, r)
		}
	}
	return false
}

// A tokenizer yields the words of title and of the lead of summary, in
// order: after each next that returns true, word() is the lowercased word
// (valid until the following next), and number, inTitle and capital
// describe it. capital is true for a word written with a capital that does
// not start a sentence — a name, most of the time.
type tokenizer struct {
	s        string
	i        int
	lead     string
	inTitle  bool
	number   bool
	capital  bool
	allUpper bool // the word is written in capitals ("US", "НАТО")
	sentence bool // the next word starts a sentence
	// spaced is set when only white space separates the word from the
	// previous word of the same text: the two may be one name.
	spaced bool
	// titleCase is set while reading a title In Which Every Word Is
	// Capitalised: there a capital says nothing of names.
	titleCase bool
	buf       []byte
	leadWords int // words of the lead nextKept has given
}

func (t *tokenizer) init(title, summary string) {
	// "Запрет на всех парах // Владимир Путин одобрил ограничения на
	// продажу вейпов": Kommersant's headlines are a pun, two slashes, and
	// what happened. The pun says nothing another wire would say; it is
	// read as lead.
	if pun, rest, ok := strings.Cut(title, " // "); ok && strings.TrimSpace(rest) != "" {
		title, summary = rest, pun+". "+summary
	}
	t.s, t.inTitle, t.sentence = prepareText(trimOutlet(title)), true, true
	t.titleCase = isTitleCase(t.s)
	t.lead = summary
	t.buf = make([]byte, 0, 64)
}

func (t *tokenizer) word() []byte { return t.buf }

// nextKept is next within what an item contributes to its keys: every
// word of the title and at most maxLeadWords of the lead.
func (t *tokenizer) nextKept() bool {
	if !t.next() {
		return false
	}
	if t.inTitle {
		return true
	}
	t.leadWords++
	return t.leadWords <= maxLeadWords
}

// next advances to the next word and reports whether there is one.
//
// A word is a run of letters (with inner hyphens and apostrophes dropped:
// "Алма-Ата" is "алмаата") or a run of digits; digits joined by a single
// '.' or ',' stay one number ("92,51" → "92.51").
func (t *tokenizer) next() bool {
	for {
		if t.scan() {
			return true
		}
		if !t.inTitle {
			return false
		}
		t.s, t.i, t.inTitle, t.sentence, t.titleCase = prepareText(lead(t.lead)), 0, false, true, false
	}
}

func (t *tokenizer) scan() bool {
	s := t.s
	i := t.i
	spaced := i > 0
	for i < len(s) {
		r, size := decodeRune(s, i)
		letter, digit := isLetter(r), isDigit(r)
		if !letter && !digit {
			if !unicode.IsSpace(r) {
				spaced = false
			}
			if r == '.' || r == '!' || r == '?' || r == ':' || r == '—' || r == '–' || r == '/' || r == '|' {
				t.sentence = true
			}
			i += size
			continue
		}
		t.buf = t.buf[:0]
		upper := letter && isUpper(r)
		allUpper := upper
		dot := false
		latin, cyrillic := 0, 0
		for i < len(s) {
			r, size = decodeRune(s, i)
			switch {
			case digit && isDigit(r) || letter && isLetter(r):
				if letter && !isUpper(r) {
					allUpper = false
				}
				if r < 0x80 {
					latin++
				} else if 'Ѐ' <= r && r <= 'ӿ' {
					cyrillic++
				}
				if r >= 0x80 && digit {
					r = '0' + rune(digitValue(r))
				}
				t.buf = utf8.AppendRune(t.buf, lowerRune(r))
				i += size
				continue
			case r >= 0x300 && unicode.Is(unicode.Mn, r):
				i += size
				continue
			case digit && !dot && (r == '.' || r == ',') && i+1 < len(s) && isASCIIDigit(s[i+1]):
				t.buf = append(t.buf, '.')
				dot = true
				i++
				continue
			case letter && (r == '-' || r == '\'' || r == '’') && i+size < len(s):
				if r2, _ := decodeRune(s, i+size); isLetter(r2) {
					i += size
					continue
				}
			}
			break
		}
		if latin > 0 && cyrillic > 0 && letter {
			t.buf = oneScript(t.buf, cyrillic >= latin)
		}
		t.i = i
		t.number = digit
		t.spaced = spaced
		t.allUpper = allUpper
		// An all-capital word (НАТО, NASA) is a name wherever it is; a
		// capitalised one only where a sentence does not start.
		t.capital = upper && (!t.sentence && !t.titleCase || allUpper && len(t.buf) > 2)
		t.sentence = false
		return true
	}
	t.i = i
	return false
}

// isUpper is unicode.IsUpper, without a table search for ASCII and the
// Russian alphabet (TestIsUpper).
func isUpper(r rune) bool {
	switch {
	case r < 0x80:
		return 'A' <= r && r <= 'Z'
	case 'А' <= r && r <= 'Я' || r == 'Ё':
		return true
	case 'а' <= r && r <= 'я' || r == 'ё':
		return false
	}
	return unicode.IsUpper(r)
}

// lookalikes pairs the lower-case Latin and Cyrillic letters that look
// alike in some case (c/с, o/о, p/р; m/м, h/н, t/т, b/в and k/к in
// capitals).
var lookalikes = [...][2]rune{
	{'a', 'а'}, {'b', 'в'}, {'c', 'с'}, {'e', 'е'}, {'h', 'н'}, {'k', 'к'}, {'m', 'м'},
	{'o', 'о'}, {'p', 'р'}, {'t', 'т'}, {'x', 'х'}, {'y', 'у'},
}

// oneScript rewrites a lower-case word that mixes Latin and Cyrillic
// letters in one script, Cyrillic when toCyrillic: the letters of the
// other script that look like one of it become that letter. Wires type
// "Cобрания" with a Latin C and "Пpeзидeнт" with Latin p and e, which
// would otherwise be stemmed as English and meet nothing.
func oneScript(w []byte, toCyrillic bool) []byte {
	out := make([]byte, 0, len(w)+4)
	for _, r := range string(w) {
		for _, p := range lookalikes {
			if toCyrillic && r == p[0] {
				r = p[1]
				break
			}
			if !toCyrillic && r == p[1] {
				r = p[0]
				break
			}
		}
		out = utf8.AppendRune(out, r)
	}
	return append(w[:0], out...)
}

// prepareText puts s in NFKC when it needs it and removes its dateline.
func prepareText(s string) string {
	if !simpleText(s) {
		s = nfkc(s)
	}
	return joinInitialisms(stripDateline(s)) // ё is written е by lowerRune
}

// trimOutlet removes the outlet name that aggregators append to a title
// after a spaced hyphen ("… - РИА Новости", "… - The Independent"): it is
// not the event, and every item of the outlet shares it. Wires' own
// attributions use dashes ("— Kremlin", "– Politico") and stay.
func trimOutlet(title string) string {
	i := strings.LastIndex(title, " - ")
	if i <= 0 {
		return title
	}
	tail := strings.TrimSpace(title[i+3:])
	if tail == "" || len(tail) > 48 || len(strings.Fields(tail)) > 5 {
		return title
	}
	if r, _ := utf8.DecodeRuneInString(tail); !unicode.IsUpper(r) && !unicode.IsDigit(r) {
		return title
	}
	return title[:i]
}

// isTitleCase reports whether most words of s of four letters or more
// start with a capital.
func isTitleCase(s string) bool {
	long, upper := 0, 0
	n, first := 0, rune(0)
	end := func() {
		if n >= 4 {
			long++
			if unicode.IsUpper(first) {
				upper++
			}
		}
		n = 0
	}
	for i := 0; i < len(s); {
		r, size := decodeRune(s, i)
		i += size
		if !isLetter(r) {
			end()
			continue
		}
		if n == 0 {
			first = r
		}
		n++
	}
	end()
	return long >= 3 && upper*10 >= long*7
}
