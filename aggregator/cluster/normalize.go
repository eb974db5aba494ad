package cluster

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

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

// initialisms are the dotted abbreviations of countries and unions that
// American outlets write ("U.S. Navy"): read letter by letter they are
// one-letter words, which the tokenizer drops.
var initialisms = strings.NewReplacer("U.S.A.", "USA", "U.S.", "US", "U.K.", "UK", "U.N.", "UN", "E.U.", "EU")

// joinInitialisms writes the dotted initialisms of s without their dots.
func joinInitialisms(s string) string {
	if !strings.Contains(s, "U.") {
		return s
	}
	return initialisms.Replace(s)
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

// nfkc returns s in Unicode NFKC.
func nfkc(s string) string { return norm.NFKC.String(s) }

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
	var b strings.Builder
	var tk tokenizer
	tk.init(title, lead)
	for tk.next() {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.Write(tk.word())
	}
	return b.String()
}
