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
	// "MOSCOW, May 12 (Interfax) -", "ALMATY, Kazakhstan (AP) —",
	// "WASHINGTON (Reuters) -", "МОСКВА, 12 мая - РИА Новости.".
	datelineRE = regexp.MustCompile(`^\s*` + reCity + `(?:\s*[,.]\s*|\s+)(?:` +
		reDate + `\s*[,.]?\s*(?:(?:` + reDash + `\s*)?` + reAgency + `\s*[,.]?\s*)?` +
		`|` + reAgency + `\s*[,.]?\s*)` + reDash + `?\s*`)
	// "NEW YORK — ", "MUMBAI: " (an all-capital city, then a dash or colon).
	capsCityRE = regexp.MustCompile(`^\s*\p{Lu}{2,}(?:[ \-]\p{Lu}{2,})*(?:,\s*\p{Lu}[\p{L} .]*?)?\s*(?:` + reDash + `|:)\s+`)
	// "/TASS/.", "(Reuters) -", "РИА Новости." at the very start.
	agencyLeadRE = regexp.MustCompile(`^\s*(?:` + reDash + `\s*)?` + reAgency + `\s*[,.:]?\s*` + reDash + `?\s*`)
	// Slash and parenthesised markers anywhere: "... заявил /ТАСС/ источник".
	markerRE = regexp.MustCompile(`/\s*(?:ТАСС|TASS|ИТАР-ТАСС|РИА Новости|Интерфакс|ПРАЙМ)\s*/|` +
		`\((?:Reuters|AP|AFP|Interfax|Интерфакс|ИНТЕРФАКС|TASS|ТАСС|РИА Новости|RIA Novosti|Bloomberg|Xinhua)\)`)
)

// stripDateline removes a leading wire dateline and agency markers from s,
// which must already be in NFKC.
func stripDateline(s string) string {
	for range 2 { // a dateline may follow a bare agency marker and vice versa
		before := s
		if loc := datelineRE.FindStringIndex(s); loc != nil {
			s = s[loc[1]:]
		} else if loc := capsCityRE.FindStringIndex(s); loc != nil {
			s = s[loc[1]:]
		}
		if loc := agencyLeadRE.FindStringIndex(s); loc != nil {
			s = s[loc[1]:]
		}
		if s == before {
			break
		}
	}
	return markerRE.ReplaceAllString(s, " ")
}

// word is one token of title or lead as the comparison sees it.
type word struct {
	text    string // NFKC, case-folded, ё→е
	name    bool   // capitalised mid-sentence or an acronym: likely a proper name
	number  bool   // digits, possibly with one decimal separator
	inTitle bool
}

// lead returns the first leadRunes runes of summary, cut at a word boundary.
func lead(summary string) string {
	if utf8.RuneCountInString(summary) <= leadRunes {
		return summary
	}
	n := 0
	for i := range summary {
		if n == leadRunes {
			cut := summary[:i]
			if j := strings.LastIndexFunc(cut, unicode.IsSpace); j > leadRunes/2 {
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
	fold := cases.Fold()
	out := make([]word, 0, 48)
	out = appendWords(out, stripDateline(norm.NFKC.String(title)), true, fold)
	out = appendWords(out, stripDateline(norm.NFKC.String(lead(summary))), false, fold)
	return out
}

// appendWords splits s (NFKC, dateline removed) into words. A word is a run
// of letters or a run of digits; digits joined by a single '.' or ',' stay
// one number ("92,51" → "92.51"). Everything else separates words, so
// punctuation disappears. Combining marks (Russian stress accents) are
// dropped.
func appendWords(out []word, s string, inTitle bool, fold cases.Caser) []word {
	var buf strings.Builder
	sentenceStart := true
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			digits := unicode.IsDigit(r)
			start := i
			buf.Reset()
			for i < len(s) {
				r, size = utf8.DecodeRuneInString(s[i:])
				if unicode.Is(unicode.Mn, r) {
					i += size
					continue
				}
				if digits && unicode.IsDigit(r) || !digits && unicode.IsLetter(r) {
					if digits && r > unicode.MaxASCII {
						r = '0' + rune(digitValue(r))
					}
					buf.WriteRune(r)
					i += size
					continue
				}
				if digits && (r == '.' || r == ',') && i+1 < len(s) && isASCIIDigit(s[i+1]) &&
					!strings.ContainsRune(buf.String(), '.') {
					buf.WriteByte('.')
					i++
					continue
				}
				break
			}
			raw := s[start:i]
			w := word{inTitle: inTitle, number: digits}
			if digits {
				w.text = buf.String()
			} else {
				w.text = foldWord(buf.String(), fold)
				w.name = isName(raw, sentenceStart)
			}
			if w.text != "" {
				out = append(out, w)
			}
			sentenceStart = false
		case r == '.' || r == '!' || r == '?' || r == ':' || r == '«' || r == '"' || r == '“' || r == '„':
			sentenceStart = true
			i += size
		default:
			i += size
		}
	}
	// Headline Case ("Winnipeg High School Orders Custom Hijabs") capitalises
	// every word; there capitals say nothing about names. Keep only acronyms.
	if n := countWords(out, inTitle); n >= 4 {
		caps := 0
		for _, w := range out[len(out)-n:] {
			if w.name {
				caps++
			}
		}
		if caps*10 >= n*6 {
			for j := len(out) - n; j < len(out); j++ {
				if w := &out[j]; w.name && !isAcronymText(w.text, s) {
					w.name = false
				}
			}
		}
	}
	return out
}

// countWords returns how many trailing words of out belong to the segment
// being appended (same inTitle flag).
func countWords(out []word, inTitle bool) int {
	n := 0
	for j := len(out) - 1; j >= 0 && out[j].inTitle == inTitle; j-- {
		n++
	}
	return n
}

// isAcronymText reports whether the folded word w occurs in s in capitals
// only (ЦБ, NATO, FBI).
func isAcronymText(w, s string) bool {
	up := strings.ToUpper(w)
	return utf8.RuneCountInString(w) >= 2 && strings.Contains(s, up)
}

// isName reports whether a word as written looks like a proper name: an
// acronym of two or more capitals anywhere, or a capitalised word that does
// not start a sentence.
func isName(raw string, sentenceStart bool) bool {
	first, _ := utf8.DecodeRuneInString(raw)
	if !unicode.IsUpper(first) {
		return false
	}
	upper := 0
	for _, r := range raw {
		if unicode.IsUpper(r) {
			upper++
		}
	}
	if upper >= 2 && upper == utf8.RuneCountInString(raw) {
		return true
	}
	return !sentenceStart
}

func foldWord(s string, fold cases.Caser) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(s)
	}
	return strings.ReplaceAll(fold.String(s), "ё", "е")
}

func isASCIIDigit(b byte) bool { return '0' <= b && b <= '9' }

// digitValue returns the value of a Unicode decimal digit (Nd). NFKC already
// maps most compatibility digits; this handles the rest (Arabic-Indic etc.).
func digitValue(r rune) int {
	for _, rt := range unicode.Nd.R16 {
		if uint16(r) >= rt.Lo && uint16(r) <= rt.Hi && r <= 0xFFFF {
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
