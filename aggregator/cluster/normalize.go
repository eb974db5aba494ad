package cluster

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// leadRunes is how much of Item.Summary the text comparison reads: wires
// put the event in the first sentence or two, and later paragraphs are
// background that differs from wire to wire.
const leadRunes = 400

// Wire datelines and agency markers. They carry no information about the
// event (every Moscow story of the day starts "МОСКВА, 12 мая. /ТАСС/.") and
// would make unrelated items of one day look alike, so they are removed
// before tokenising. The patterns are case-sensitive on purpose: they need
// the capitals and the punctuation of a dateline, which Normalize removes, so
// normalised text never matches them again.
const (
	reMonth = `(?:января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря|` +
		`January|February|March|April|May|June|July|August|September|October|November|December|` +
		`Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?`
	reDate   = `(?:\d{1,2}\s+` + reMonth + `|` + reMonth + `\s+\d{1,2})(?:,?\s+\d{4})?`
	reAgency = `(?:/\s*[^/\n]{2,30}?\s*/|` +
		`\((?:Reuters|AP|AFP|Interfax|INTERFAX|Интерфакс|ИНТЕРФАКС|TASS|ТАСС|ИТАР-ТАСС|РИА Новости|RIA Novosti|Bloomberg|Xinhua|UPI|dpa|Синьхуа|БЕЛТА|BelTA|ПРАЙМ|PRIME)\)|` +
		`INTERFAX\.RU|Interfax\.ru|ИНТЕРФАКС|Интерфакс|РИА Новости|RIA Novosti|ИТАР-ТАСС|ТАСС|TASS|Reuters|ПРАЙМ)`
	reCity = `\p{Lu}[\p{L}\-']*(?:(?:,\s*|\s+)\p{Lu}[\p{L}\-'.]*){0,3}`
	reDash = `[-–—]`
)

var (
	// "МОСКВА, 12 мая. /ТАСС/.", "Москва. 27 февраля. INTERFAX.RU -",
	// "MOSCOW, May 12 (Interfax) -", "МОСКВА, 12 мая - РИА Новости.": the
	// city and date; the agency is agencyLeadRE's.
	cityDateRE = regexp.MustCompile(`^\s*` + reCity + `\s*[,.]\s*` + reDate + `\s*[,.]?\s*(?:` + reDash + `\s*)?`)
	// "ALMATY, Kazakhstan (AP) —", "WASHINGTON (Reuters) -".
	cityAgencyRE = regexp.MustCompile(`^\s*` + reCity + `(?:\s*[,.]\s*|\s+)` + reAgency + `\s*[,.:]?\s*` + reDash + `?\s*`)
	// "NEW YORK — ", "MUMBAI: " (an all-capital city, then a dash or colon).
	capsCityRE = regexp.MustCompile(`^\s*\p{Lu}{2,}(?:[ \-]\p{Lu}{2,})*(?:,\s*\p{Lu}[\p{L} .]*?)?\s*(?:` + reDash + `|:)\s+`)
	// "/TASS/.", "(Reuters) -", "РИА Новости." at the very start.
	agencyLeadRE = regexp.MustCompile(`^\s*(?:` + reDash + `\s*)?` + reAgency + `\s*[,.:]?\s*` + reDash + `?\s*`)
	// Slash and parenthesised markers anywhere: "... заявил /ТАСС/ источник".
	markerRE = regexp.MustCompile(`/\s*(?:ТАСС|TASS|ИТАР-ТАСС|РИА Новости|Интерфакс|ПРАЙМ)\s*/|` +
		`\((?:Reuters|AP|AFP|Interfax|Интерфакс|ИНТЕРФАКС|TASS|ТАСС|РИА Новости|RIA Novosti|Bloomberg|Xinhua)\)`)
)

// datelineSpan is how far into a text a dateline may reach, in bytes.
const datelineSpan = 160

// stripDateline removes a leading wire dateline and agency markers from s,
// which must already be in NFKC.
func stripDateline(s string) string {
	cut := func(re *regexp.Regexp) bool {
		if loc := re.FindStringIndex(s[:runeBoundary(s, datelineSpan)]); loc != nil {
			s = s[loc[1]:]
			return true
		}
		return false
	}
	// Cheap checks first: most of the text is never looked at, and a
	// regular expression runs only where its dateline could start.
	head := s[:runeBoundary(s, datelineSpan)]
	first, _ := utf8.DecodeRuneInString(strings.TrimLeft(head, " \t\n"))
	switch {
	case strings.ContainsAny(head, "0123456789") && cut(cityDateRE):
		cut(agencyLeadRE)
	case !unicode.IsUpper(first) && !strings.ContainsRune("/(-–—", first):
	case mayLeadAgency(head) && cut(agencyLeadRE):
	case mayNameAgency(head) && cut(cityAgencyRE):
	case mayLeadCaps(head):
		cut(capsCityRE)
	}
	if strings.ContainsAny(s, "/(") {
		s = markerRE.ReplaceAllString(s, " ")
	}
	return s
}

// reSpace is what \s matches in the patterns above.
const reSpace = " \t\n\f\r"

// mayLeadAgency reports whether agencyLeadRE may match head: only when head
// starts, after white space, with a dash, a slash, a parenthesis or an
// agency name (the alternatives of reAgency). It is a cheap necessary
// condition; the regular expression decides.
func mayLeadAgency(head string) bool {
	h := strings.TrimLeft(head, reSpace)
	if h == "" {
		return false
	}
	if strings.ContainsRune("/(-", rune(h[0])) || strings.HasPrefix(h, "–") || strings.HasPrefix(h, "—") {
		return true
	}
	for _, a := range [...]string{"INTERFAX.RU", "Interfax.ru", "ИНТЕРФАКС", "Интерфакс", "РИА Новости", "RIA Novosti", "ИТАР-ТАСС", "ТАСС", "TASS", "Reuters", "ПРАЙМ"} {
		if strings.HasPrefix(h, a) {
			return true
		}
	}
	return false
}

// mayLeadCaps reports whether capsCityRE may match head: only when head
// starts, after white space, with two capitals (\p{Lu}{2,}; \p{Lu} is
// unicode.IsUpper).
func mayLeadCaps(head string) bool {
	h := strings.TrimLeft(head, reSpace)
	r1, n := utf8.DecodeRuneInString(h)
	r2, _ := utf8.DecodeRuneInString(h[n:])
	return unicode.IsUpper(r1) && unicode.IsUpper(r2)
}

// mayNameAgency reports whether head may contain an agency marker.
func mayNameAgency(head string) bool {
	if strings.ContainsAny(head, "/(") {
		return true
	}
	for _, a := range [...]string{"INTERFAX", "Interfax", "Интерфакс", "ИНТЕРФАКС", "РИА", "RIA", "ТАСС", "TASS", "Reuters", "ПРАЙМ"} {
		if strings.Contains(head, a) {
			return true
		}
	}
	return false
}

// runeBoundary returns the largest index ≤ n that starts a rune of s.
func runeBoundary(s string, n int) int {
	if n >= len(s) {
		return len(s)
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return n
}

// word is one token of title or lead as the comparison sees it.
type word struct {
	text    string // NFKC, case-folded, ё→е
	number  bool   // digits, possibly with one decimal separator
	inTitle bool
}

// lead returns the first leadRunes runes of summary, cut at a word boundary.
func lead(summary string) string {
	if len(summary) <= leadRunes {
		return summary
	}
	n := 0
	for i := range summary {
		if n == leadRunes {
			cut := summary[:i]
			if j := strings.LastIndexFunc(cut, unicode.IsSpace); j > len(cut)/2 {
				cut = cut[:j]
			}
			return cut
		}
		n++
	}
	return summary
}

// words tokenises title and the lead of summary.
func words(title, summary string) []word {
	out := make([]word, 0, 64)
	var tk tokenizer
	tk.init(title, summary)
	for tk.next() {
		out = append(out, word{text: string(tk.word()), number: tk.number, inTitle: tk.inTitle})
	}
	return out
}

// A tokenizer yields the words of title and of the lead of summary, in
// order: after each next that returns true, word() is the word (valid until
// the following next), number and inTitle describe it. It lowercases while
// it splits, into a buffer of its own, so text made only of ASCII and
// Cyrillic (the usual case) costs no allocation.
type tokenizer struct {
	s       string // the text being split: dateline removed; folded unless lower
	i       int    // position in s
	lower   bool   // s still needs lowercasing (see prepare)
	lead    string // the lead, prepared when the title is done
	inTitle bool
	number  bool
	fold    *cases.Caser
	n       int // length of the word in buf, or -1 when it is in big
	buf     [96]byte
	big     []byte
}

func (t *tokenizer) init(title, summary string) {
	t.s, t.lower = prepare(title, &t.fold)
	t.lead, t.inTitle = summary, true
}

// word returns the current word.
func (t *tokenizer) word() []byte {
	if t.n < 0 {
		return t.big
	}
	return t.buf[:t.n]
}

// next advances to the next word and reports whether there is one.
//
// A word is a run of letters or a run of digits; digits joined by a single
// '.' or ',' stay one number ("92,51" → "92.51"). Everything else separates
// words, so punctuation disappears. Combining marks inside a word (Russian
// stress accents) are dropped, other decimal digits written as ASCII ones.
func (t *tokenizer) next() bool {
	for {
		if t.scan() {
			return true
		}
		if !t.inTitle {
			return false
		}
		t.s, t.lower = prepare(lead(t.lead), &t.fold)
		t.i, t.inTitle = 0, false
	}
}

// scan finds the next word of t.s.
func (t *tokenizer) scan() bool {
	s := t.s
	i := t.i
	for i < len(s) {
		r, size := decodeRune(s, i)
		if t.lower {
			r = lowerRune(r)
		}
		letter, digit := isLetter(r), isDigit(r)
		if !letter && !digit {
			i += size
			continue
		}
		t.n, t.big = 0, t.big[:0]
		dot := false
		for i < len(s) {
			r, size = decodeRune(s, i)
			if t.lower {
				r = lowerRune(r)
			}
			if digit && isDigit(r) || letter && isLetter(r) {
				if r >= 0x80 && digit {
					r = '0' + rune(digitValue(r))
				}
				t.put(r)
				i += size
				continue
			}
			if r >= 0x300 && unicode.Is(unicode.Mn, r) {
				i += size
				continue
			}
			if digit && !dot && (r == '.' || r == ',') && i+1 < len(s) && isASCIIDigit(s[i+1]) {
				t.put('.')
				dot = true
				i++
				continue
			}
			break
		}
		t.i = i
		if t.n != 0 {
			t.number = digit
			return true
		}
	}
	t.i = i
	return false
}

// put appends r to the current word.
func (t *tokenizer) put(r rune) {
	if t.n >= 0 {
		if r < utf8.RuneSelf && t.n < len(t.buf) {
			t.buf[t.n] = byte(r)
			t.n++
			return
		}
		if t.n+utf8.UTFMax <= len(t.buf) {
			t.n += utf8.EncodeRune(t.buf[t.n:], r)
			return
		}
		t.big = append(t.big[:0], t.buf[:t.n]...)
		t.n = -1
	}
	t.big = utf8.AppendRune(t.big, r)
}

// prepare puts s in NFKC and removes its dateline. Text made only of ASCII,
// Cyrillic and common typographic punctuation is already in NFKC and folds
// by plain lowercasing: it is returned with lower true, for the tokenizer to
// lowercase rune by rune (lowerRune). Anything else goes through norm.NFKC
// and a cases.Fold Caser, created on first use in *fold, and has ё written
// as е.
func prepare(s string, fold **cases.Caser) (string, bool) {
	if simpleText(s) {
		return stripDateline(s), true
	}
	s = stripDateline(norm.NFKC.String(s))
	if *fold == nil {
		c := cases.Fold()
		*fold = &c
	}
	s = (*fold).String(s)
	if strings.Contains(s, "ё") {
		s = strings.ReplaceAll(s, "ё", "е")
	}
	return s, false
}

// lowerRune lowercases a rune of text accepted by simpleText and writes ё
// as е.
func lowerRune(r rune) rune {
	switch {
	case r < utf8.RuneSelf:
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
	case 'А' <= r && r <= 'Я':
		r += 'а' - 'А'
	case r == 'Ё' || r == 'ё':
		r = 'е'
	case 'а' <= r && r <= 'я':
	default:
		r = unicode.ToLower(r)
	}
	return r
}

// decodeRune is utf8.DecodeRuneInString(s[i:]) with the one- and two-byte
// cases (ASCII and Cyrillic) inline.
func decodeRune(s string, i int) (rune, int) {
	c := s[i]
	if c < utf8.RuneSelf {
		return rune(c), 1
	}
	if 0xc2 <= c && c <= 0xdf && i+1 < len(s) && s[i+1]&0xc0 == 0x80 {
		return rune(c&0x1f)<<6 | rune(s[i+1]&0x3f), 2
	}
	return utf8.DecodeRuneInString(s[i:])
}

// simpleText reports whether every rune of s is unchanged by NFKC and is
// case-folded by unicode.ToLower: ASCII, Cyrillic letters, and « » – — ‘ ’
// “ ” „.
func simpleText(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < utf8.RuneSelf {
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case 0x400 <= r && r <= 0x482, 0x48a <= r && r <= 0x4ff:
		case r == 0xab, r == 0xbb, r == 0x2013, r == 0x2014, 0x2018 <= r && r <= 0x2019, 0x201c <= r && r <= 0x201e:
		default:
			return false
		}
		i += size - 1
	}
	return true
}

func isLetter(r rune) bool {
	if r < 0x80 {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'
	}
	if 'А' <= r && r <= 'я' {
		return true
	}
	return unicode.IsLetter(r)
}

func isDigit(r rune) bool {
	if r < 0x80 {
		return '0' <= r && r <= '9'
	}
	return unicode.IsDigit(r)
}

func isASCIIDigit(b byte) bool { return '0' <= b && b <= '9' }

// digitValue returns the value of a Unicode decimal digit (Nd). NFKC already
// maps most compatibility digits; this handles the rest (Arabic-Indic etc.).
func digitValue(r rune) int {
	for _, rt := range unicode.Nd.R16 {
		if r <= 0xFFFF && uint16(r) >= rt.Lo && uint16(r) <= rt.Hi {
			return int(r-rune(rt.Lo)) % 10
		}
	}
	for _, rt := range unicode.Nd.R32 {
		if uint32(r) >= rt.Lo && uint32(r) <= rt.Hi {
			return int(r-rune(rt.Lo)) % 10
		}
	}
	return 0
}

// Normalize returns what the text comparison sees of an item: title and the
// first ~400 runes of its summary in Unicode NFKC, case-folded, with ё
// written е, wire datelines and agency markers removed ("МОСКВА, 12 мая.
// /ТАСС/.", "(Reuters) -"), punctuation dropped and numbers kept ("92,51"
// becomes "92.51"), words separated by single spaces. Stop words are still
// there; Similarity drops them and stems the rest.
//
// Normalize is idempotent: Normalize(Normalize(t, l), "") equals
// Normalize(t, l) (FuzzNormalize checks it).
func Normalize(title, lead string) string {
	ws := words(title, lead)
	var b strings.Builder
	for i, w := range ws {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w.text)
	}
	return b.String()
}
