package parse

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
)

// detectCandidates are the single-byte charsets that detection chooses
// among when nothing trustworthy names one, in the order that breaks a tie:
// the Russian code pages that wires still serve (windows-1251 first, the
// commonest; KOI8-R; ISO-8859-5, IBM866 and x-mac-cyrillic, which old
// regional sites use), and windows-1252 for Western text (it is a superset
// of ISO-8859-1 in every printable position).
func detectCandidates() []string {
	return []string{"windows-1251", "koi8-r", "windows-1252", "iso-8859-5", "ibm866", "x-mac-cyrillic"}
}

// detectScanLimit bounds how much of a body detection reads: 64 KB of a
// feed hold thousands of words, far more than the decision needs, and
// every body of a large pass is scanned six times over (at a megabyte,
// detection took a fifth of the ingest's CPU in `make bench`).
const detectScanLimit = 64 << 10

// tally is the evidence one candidate charset collects from a body: how
// many letters it reads as parts of plausible words. Only words that
// contain a byte of 0x80 or above count, because ASCII reads the same in
// every candidate. Letters rather than words are weighed so that a reading
// which breaks words into fragments gains nothing by it.
type tally struct {
	charset string
	// letters counts the letters of words with at least one non-ASCII
	// letter; good counts those in words that look like real Russian or
	// Western words (see plausible).
	letters, good int
	// odd counts non-ASCII characters that are neither letters nor the
	// punctuation news text uses (box drawing, C1 controls, U+FFFD…), and
	// punctuation wedged between two letters ("ј„“’ст": a Russian word
	// read in the wrong code page).
	odd int
}

// score is letters in plausible words minus letters in implausible words
// minus odd symbols.
func (t tally) score() int { return t.good - (t.letters - t.good) - t.odd }

// fits reports whether at least three quarters of the evidence agrees with
// this charset.
func (t tally) fits() bool { return t.good > 0 && 4*t.good >= 3*(t.letters+t.odd) }

// garbles reports whether this charset reads most of the evidence as
// nonsense: fewer than half of the letters in plausible words, odd symbols
// counting against it. A body without evidence is not garbled.
func (t tally) garbles() bool { return t.letters+t.odd > 0 && 2*t.good < t.letters+t.odd }

func (t tally) String() string {
	return fmt.Sprintf("%s %d/%d", t.charset, t.good, t.letters+t.odd)
}

// detection is the evidence for every candidate, best first.
type detection struct {
	tallies []tally
}

// best is the highest-scoring candidate; ties go to the earlier candidate.
func (d detection) best() tally { return d.tallies[0] }

// of returns the tally of charset name, scoring it on demand for a
// single-byte charset that is not a candidate (a label such as
// windows-1250). ok is false for charsets that are not single-byte, which
// detection cannot judge.
func (d detection) of(name string, body []byte, bigrams *bigramSet) (tally, bool) {
	for _, t := range d.tallies {
		if t.charset == name {
			return t, true
		}
	}
	enc, _, err := lookup(name)
	if err != nil {
		return tally{}, false
	}
	table, ok := highTable(enc)
	if !ok {
		return tally{}, false
	}
	return score(body, name, table, bigrams), true
}

// summary lists the candidates' evidence for a Decision's reason, e.g.
// "letters in plausible words: windows-1251 612/640, x-mac-cyrillic
// 410/700, koi8-r 50/640" (the second figure counts odd symbols too).
func (d detection) summary() string {
	parts := make([]string, 0, 3)
	for i, t := range d.tallies {
		if i == 3 {
			break
		}
		parts = append(parts, t.String())
	}
	return "letters in plausible words: " + strings.Join(parts, ", ")
}

// detect scores body, which is not valid UTF-8, under every candidate.
func detect(body []byte, bigrams *bigramSet) detection {
	if len(body) > detectScanLimit {
		body = body[:detectScanLimit]
	}
	var d detection
	for _, name := range detectCandidates() {
		enc, _, err := lookup(name)
		if err != nil {
			continue // cannot happen: the candidates are WHATWG names
		}
		table, ok := highTable(enc)
		if !ok {
			continue
		}
		d.tallies = append(d.tallies, score(body, name, table, bigrams))
	}
	// A stable insertion sort keeps candidate order among equal scores.
	for i := 1; i < len(d.tallies); i++ {
		for j := i; j > 0 && d.tallies[j].score() > d.tallies[j-1].score(); j-- {
			d.tallies[j], d.tallies[j-1] = d.tallies[j-1], d.tallies[j]
		}
	}
	return d
}

// highTable maps the bytes 0x80–0xFF of a single-byte charset to runes.
// ok is false for charsets that are not single-byte.
func highTable(enc encoding.Encoding) (table [128]rune, ok bool) {
	cm, isCharmap := enc.(*charmap.Charmap)
	if !isCharmap {
		return table, false
	}
	for b := range 128 {
		table[b] = cm.DecodeByte(byte(0x80 + b))
	}
	return table, true
}

// score reads body as the single-byte charset whose upper half is table
// and tallies its words.
func score(body []byte, name string, table [128]rune, bigrams *bigramSet) tally {
	t := tally{charset: name}
	dec := func(c byte) rune {
		if c < utf8.RuneSelf {
			return rune(c)
		}
		return table[c-0x80]
	}
	// Whether a byte is a letter, and what plausible needs to know of the
	// letter, depends on the charset only: one table, not Unicode lookups
	// a byte (they were most of the CPU of a detection).
	var letter [256]bool
	var class [256]letterClass
	for c := range letter {
		r := dec(byte(c))
		letter[c] = unicode.IsLetter(r)
		if letter[c] {
			class[c] = classOf(r)
		}
	}
	word := make([]letterClass, 0, 32)
	nonASCII := false
	for i, c := range body {
		r := dec(c)
		if letter[c] {
			word = append(word, class[c])
			nonASCII = nonASCII || c >= utf8.RuneSelf
			continue
		}
		inWord := len(word) > 0 && i+1 < len(body) && letter[body[i+1]]
		if nonASCII {
			t.letters += len(word)
			if plausibleWord(word, bigrams) {
				t.good += len(word)
			}
		}
		word, nonASCII = word[:0], false
		if c >= utf8.RuneSelf && (!newsPunct(r) || inWord && !wordJoiner(r)) {
			t.odd++
		}
	}
	if nonASCII {
		t.letters += len(word)
		if plausibleWord(word, bigrams) {
			t.good += len(word)
		}
	}
	return t
}

// wordJoiner reports whether r may stand between two letters of a word:
// the typographic apostrophe ("don’t"), the soft hyphen and the middle dot
// (Catalan "l·l").
func wordJoiner(r rune) bool { return r == '’' || r == '\u00ad' || r == '·' }

// newsPunct reports whether r is a non-letter that news text in Russian
// or a Western language commonly holds: spaces, dashes, quotes, ellipsis,
// numero, degree, currency and the legal marks.
func newsPunct(r rune) bool {
	return strings.ContainsRune("\u00a0«»–—‘’‚“”„…•·№°±§©®™€£¥¢$¤¶×÷¦\u00ad", r)
}

// plausible judges one word: its letters are all of one script, its case
// pattern is one that text uses (lower, Capitalised or UPPER), and it is
// shaped like a word of that script: a Cyrillic word must be made mostly of
// letter pairs common in Russian, a Latin word mostly of ASCII letters
// (Western languages sprinkle accents; Cyrillic read as windows-1252 gives
// "Ëåíòà", all accents). A word wholly in another script that single-byte
// charsets carry (Greek, Hebrew, Arabic, Thai) is taken as plausible: no
// candidate produces those scripts, so they only come from a label, and
// detection has no statistics to doubt it with.
func plausible(w []rune, bigrams *bigramSet) bool {
	word := make([]letterClass, len(w))
	for i, r := range w {
		word[i] = classOf(r)
	}
	return plausibleWord(word, bigrams)
}

// A letterClass is what plausible needs to know of one letter, looked up
// once per charset and byte by score.
type letterClass struct {
	r            rune
	upper, lower bool
	script       int8 // scriptASCII, scriptLatin, scriptCyrillic, scriptNone or 1+ an index in otherScripts
	russian      int8 // russianIndex; valid when russianOK
	russianOK    bool
}

const (
	scriptASCII    = -1
	scriptLatin    = -2 // a Latin letter outside ASCII: accented
	scriptCyrillic = -3
	scriptNone     = 0 // a letter of no script plausible knows
)

// otherScripts are the scripts that single-byte charsets other than the
// candidates carry.
var otherScripts = []*unicode.RangeTable{unicode.Greek, unicode.Hebrew, unicode.Arabic, unicode.Thai}

func classOf(r rune) letterClass {
	c := letterClass{r: r, upper: unicode.IsUpper(r), lower: unicode.IsLower(r)}
	switch {
	case r < utf8.RuneSelf:
		c.script = scriptASCII
	case unicode.Is(unicode.Latin, r):
		c.script = scriptLatin
	case unicode.Is(unicode.Cyrillic, r):
		c.script = scriptCyrillic
	default:
		c.script = scriptNone
		for i, sc := range otherScripts {
			if unicode.Is(sc, r) {
				c.script = int8(i + 1)
				break
			}
		}
	}
	i, ok := russianIndex(r)
	c.russian, c.russianOK = int8(i), ok
	return c
}

// plausibleWord is plausible for a word of letters classified by classOf.
func plausibleWord(w []letterClass, bigrams *bigramSet) bool {
	if !casePattern(w) {
		return false
	}
	var latin, cyrillic, accented, other int
	otherScript := int8(scriptNone)
	for _, c := range w {
		switch c.script {
		case scriptASCII:
			latin++
		case scriptLatin:
			latin++
			accented++
		case scriptCyrillic:
			cyrillic++
		default:
			if c.script == scriptNone || (otherScript != scriptNone && c.script != otherScript) {
				return false
			}
			otherScript = c.script
			other++
		}
	}
	switch {
	case (latin > 0) && (cyrillic > 0) || other > 0 && (latin > 0 || cyrillic > 0):
		return false
	case other > 0:
		return true
	case cyrillic > 0:
		return russianShaped(w, bigrams)
	default:
		// A lone accented letter is a word only as French "à".
		if len(w) == 1 {
			return w[0].r == 'à' || w[0].r == 'À'
		}
		return 2*accented <= latin
	}
}

// casePattern accepts lower case, Capitalised and UPPER CASE words, the
// shapes that text has; a mixed pattern such as "пРИВЕТ" is what a Russian
// word looks like when read in the code page whose cases are swapped
// (KOI8-R and windows-1251 put the lower-case letters where the other has
// the capitals).
func casePattern(w []letterClass) bool {
	if len(w) < 2 {
		return true
	}
	upperRest, lowerRest := true, true
	for _, c := range w[1:] {
		if c.upper {
			lowerRest = false
		} else if c.lower {
			upperRest = false
		}
	}
	if w[0].lower {
		return lowerRest
	}
	return lowerRest || upperRest
}

// russianShaped reports whether a Cyrillic word has only Russian,
// Ukrainian or Belarusian letters and at least half of its letter pairs
// (counting the word's edges) among the common pairs of Russian. Half lets
// real words with rare pairs ("книг") through, while a word read in the
// wrong Cyrillic code page rarely reaches it (TestDetectRussianCodePages
// shows the margins).
func russianShaped(w []letterClass, bigrams *bigramSet) bool {
	prev := 0 // word edge
	total, common := 0, 0
	for _, c := range w {
		i, ok := int(c.russian), c.russianOK
		if !ok {
			return false
		}
		if i < 0 { // Ukrainian or Belarusian letter: no Russian statistics
			prev = -1
			continue
		}
		if prev >= 0 {
			total++
			if bigrams.has(prev, i) {
				common++
			}
		}
		prev = i
	}
	if prev >= 0 {
		total++
		if bigrams.has(prev, 0) {
			common++
		}
	}
	return 2*common >= total
}

// russianIndex maps a Russian letter to 1…32 (ё as е, case folded). Other
// letters of the Ukrainian and Belarusian alphabets give -1 and ok; any
// other rune (Serbian ђ, љ…, which a wrong Cyrillic code page produces)
// gives ok false.
func russianIndex(r rune) (int, bool) {
	r = unicode.ToLower(r)
	switch {
	case r >= 'а' && r <= 'я':
		return int(r-'а') + 1, true
	case r == 'ё':
		return int('е'-'а') + 1, true
	case strings.ContainsRune("іїєґў", r):
		return -1, true
	}
	return 0, false
}

// bigramSet holds which ordered pairs of Russian letters (and word edges,
// index 0) are common.
type bigramSet [33 * 33]bool

func (s *bigramSet) has(a, b int) bool { return s[a*33+b] }

// newBigramSet parses russianBigrams. It runs once per detecting Decode;
// building the table costs a few hundred steps.
func newBigramSet() *bigramSet {
	var s bigramSet
	for _, pair := range strings.Fields(russianBigrams) {
		var idx [2]int
		n := 0
		for _, r := range pair {
			if n == 2 {
				break
			}
			if r == '_' {
				idx[n] = 0
			} else if i, ok := russianIndex(r); ok && i > 0 {
				idx[n] = i
			} else {
				idx[n] = -1
			}
			n++
		}
		if n == 2 && idx[0] >= 0 && idx[1] >= 0 {
			s[idx[0]*33+idx[1]] = true
		}
	}
	return &s
}
