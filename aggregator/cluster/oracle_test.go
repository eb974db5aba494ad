package cluster

// The text pipeline as it was before the hand-written dateline scanner and
// the fused lowercase/tokenise pass (commit 313ab70), kept as the oracle the
// comparison tests hold the fast version to. Only the names differ.

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// refLeadRunes is how much of Item.Summary the text comparison reads: wires
// put the event in the first sentence or two, and later paragraphs are
// background that differs from wire to wire.
const refLeadRunes = 400

// Wire datelines and agency markers. They carry no information about the
// event (every Moscow story of the day starts "МОСКВА, 12 мая. /ТАСС/.") and
// would make unrelated items of one day look alike, so they are removed
// before tokenising. The patterns are case-sensitive on purpose: they need
// the capitals and the punctuation of a dateline, which Normalize removes, so
// normalised text never matches them again.
const (
	refReMonth = `(?:января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря|` +
		`January|February|March|April|May|June|July|August|September|October|November|December|` +
		`Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?`
	refReDate   = `(?:\d{1,2}\s+` + refReMonth + `|` + refReMonth + `\s+\d{1,2})(?:,?\s+\d{4})?`
	refReAgency = `(?:/\s*[^/\n]{2,30}?\s*/|` +
		`\((?:Reuters|AP|AFP|Interfax|INTERFAX|Интерфакс|ИНТЕРФАКС|TASS|ТАСС|ИТАР-ТАСС|РИА Новости|RIA Novosti|Bloomberg|Xinhua|UPI|dpa|Синьхуа|БЕЛТА|BelTA|ПРАЙМ|PRIME)\)|` +
		`INTERFAX\.RU|Interfax\.ru|ИНТЕРФАКС|Интерфакс|РИА Новости|RIA Novosti|ИТАР-ТАСС|ТАСС|TASS|Reuters|ПРАЙМ)`
	refReCity = `\p{Lu}[\p{L}\-']*(?:(?:,\s*|\s+)\p{Lu}[\p{L}\-'.]*){0,3}`
	refReDash = `[-–—]`
)

var (
	// "МОСКВА, 12 мая. /ТАСС/.", "Москва. 27 февраля. INTERFAX.RU -",
	// "MOSCOW, May 12 (Interfax) -", "МОСКВА, 12 мая - РИА Новости.": the
	// city and date; the agency is refAgencyLeadRE's.
	refCityDateRE = regexp.MustCompile(`^\s*` + refReCity + `\s*[,.]\s*` + refReDate + `\s*[,.]?\s*(?:` + refReDash + `\s*)?`)
	// "ALMATY, Kazakhstan (AP) —", "WASHINGTON (Reuters) -".
	refCityAgencyRE = regexp.MustCompile(`^\s*` + refReCity + `(?:\s*[,.]\s*|\s+)` + refReAgency + `\s*[,.:]?\s*` + refReDash + `?\s*`)
	// "NEW YORK — ", "MUMBAI: " (an all-capital city, then a dash or colon).
	refCapsCityRE = regexp.MustCompile(`^\s*\p{Lu}{2,}(?:[ \-]\p{Lu}{2,})*(?:,\s*\p{Lu}[\p{L} .]*?)?\s*(?:` + refReDash + `|:)\s+`)
	// "/TASS/.", "(Reuters) -", "РИА Новости." at the very start.
	refAgencyLeadRE = regexp.MustCompile(`^\s*(?:` + refReDash + `\s*)?` + refReAgency + `\s*[,.:]?\s*` + refReDash + `?\s*`)
	// Slash and parenthesised markers anywhere: "... заявил /ТАСС/ источник".
	refMarkerRE = regexp.MustCompile(`/\s*(?:ТАСС|TASS|ИТАР-ТАСС|РИА Новости|Интерфакс|ПРАЙМ)\s*/|` +
		`\((?:Reuters|AP|AFP|Interfax|Интерфакс|ИНТЕРФАКС|TASS|ТАСС|РИА Новости|RIA Novosti|Bloomberg|Xinhua)\)`)
)

// refDatelineSpan is how far into a text a dateline may reach, in bytes.
const refDatelineSpan = 160

// refStripDateline removes a leading wire dateline and agency markers from s,
// which must already be in NFKC.
func refStripDateline(s string) string {
	cut := func(re *regexp.Regexp) bool {
		if loc := re.FindStringIndex(s[:refRuneBoundary(s, refDatelineSpan)]); loc != nil {
			s = s[loc[1]:]
			return true
		}
		return false
	}
	// Cheap checks first: most of the text is never looked at, and a
	// regular expression runs only where its dateline could start.
	head := s[:refRuneBoundary(s, refDatelineSpan)]
	first, _ := utf8.DecodeRuneInString(strings.TrimLeft(head, " \t\n"))
	switch {
	case strings.ContainsAny(head, "0123456789") && cut(refCityDateRE):
		cut(refAgencyLeadRE)
	case !unicode.IsUpper(first) && !strings.ContainsRune("/(-–—", first):
	case cut(refAgencyLeadRE):
	case refMayNameAgency(head) && cut(refCityAgencyRE):
	default:
		cut(refCapsCityRE)
	}
	if strings.ContainsAny(s, "/(") {
		s = refMarkerRE.ReplaceAllString(s, " ")
	}
	return s
}

// refMayNameAgency reports whether head may contain an agency marker.
func refMayNameAgency(head string) bool {
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

// refRuneBoundary returns the largest index ≤ n that starts a rune of s.
func refRuneBoundary(s string, n int) int {
	if n >= len(s) {
		return len(s)
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return n
}

// refLead returns the first refLeadRunes runes of summary, cut at a word boundary.
func refLead(summary string) string {
	if len(summary) <= refLeadRunes || utf8.RuneCountInString(summary) <= refLeadRunes {
		return summary
	}
	n := 0
	for i := range summary {
		if n == refLeadRunes {
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

// refEachWord calls emit with every word of title and of the refLead of summary,
// in order, without collecting them.
func refEachWord(title, summary string, emit func(text string, number, inTitle bool)) {
	var fold *cases.Caser
	refScanWords(refPrepare(title, &fold), true, emit)
	refScanWords(refPrepare(refLead(summary), &fold), false, emit)
}

// refPrepare puts s in NFKC, removes its dateline, case-folds it and writes ё
// as е. Text made only of ASCII, Cyrillic and common typographic
// punctuation is already in NFKC and folds by plain lowercasing, so it
// skips the x/text transforms; anything else goes through norm.NFKC and a
// cases.Fold Caser, created on first use in *fold.
func refPrepare(s string, fold **cases.Caser) string {
	if refSimpleText(s) {
		return refLowerSimple(refStripDateline(s))
	} else {
		s = refStripDateline(norm.NFKC.String(s))
		if *fold == nil {
			c := cases.Fold()
			*fold = &c
		}
		s = (*fold).String(s)
	}
	if strings.Contains(s, "ё") {
		s = strings.ReplaceAll(s, "ё", "е")
	}
	return s
}

// refLowerSimple lowercases text accepted by refSimpleText and writes ё as е.
func refLowerSimple(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b.WriteByte(c)
			i++
			continue
		}
		r, size := refDecodeRune(s, i)
		i += size
		switch {
		case 'А' <= r && r <= 'Я':
			r += 'а' - 'А'
		case r == 'Ё' || r == 'ё':
			r = 'е'
		case 'а' <= r && r <= 'я':
		default:
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// refDecodeRune is utf8.DecodeRuneInString(s[i:]) with the one- and two-byte
// cases (ASCII and Cyrillic) inline.
func refDecodeRune(s string, i int) (rune, int) {
	c := s[i]
	if c < utf8.RuneSelf {
		return rune(c), 1
	}
	if 0xc2 <= c && c <= 0xdf && i+1 < len(s) && s[i+1]&0xc0 == 0x80 {
		return rune(c&0x1f)<<6 | rune(s[i+1]&0x3f), 2
	}
	return utf8.DecodeRuneInString(s[i:])
}

// refSimpleText reports whether every rune of s is unchanged by NFKC and is
// case-folded by unicode.ToLower: ASCII, Cyrillic letters, and « » – — ‘ ’
// “ ” „.
func refSimpleText(s string) bool {
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

// refScanWords splits s (folded, dateline removed) into words and calls emit
// with each. A word is a run of letters or a run of digits; digits joined by
// a single '.' or ',' stay one number ("92,51" → "92.51"). Everything else
// separates words, so punctuation disappears. Combining marks inside a word
// (Russian stress accents) are dropped.
func refScanWords(s string, inTitle bool, emit func(text string, number, inTitle bool)) {
	i := 0
	for i < len(s) {
		r, size := refDecodeRune(s, i)
		letter, digit := refIsLetter(r), refIsDigit(r)
		if !letter && !digit {
			i += size
			continue
		}
		start, dirty, dot := i, false, false
		for i < len(s) {
			r, size = refDecodeRune(s, i)
			if digit && refIsDigit(r) || letter && refIsLetter(r) {
				dirty = dirty || r >= 0x80 && digit
				i += size
				continue
			}
			if r >= 0x300 && unicode.Is(unicode.Mn, r) {
				dirty = true
				i += size
				continue
			}
			if digit && !dot && (r == '.' || r == ',') && i+1 < len(s) && refIsASCIIDigit(s[i+1]) {
				dirty = dirty || r == ','
				dot = true
				i++
				continue
			}
			break
		}
		text := s[start:i]
		if dirty {
			text = refCleanWord(text)
		}
		if text != "" {
			emit(text, digit, inTitle)
		}
	}
}

func refIsLetter(r rune) bool {
	if r < 0x80 {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'
	}
	if 'А' <= r && r <= 'я' {
		return true
	}
	return unicode.IsLetter(r)
}

func refIsDigit(r rune) bool {
	if r < 0x80 {
		return '0' <= r && r <= '9'
	}
	return unicode.IsDigit(r)
}

// refCleanWord drops combining marks, writes the decimal separator as '.' and
// other decimal digits as ASCII ones.
func refCleanWord(w string) string {
	var b strings.Builder
	for _, r := range w {
		switch {
		case r == ',':
			b.WriteByte('.')
		case r >= 0x300 && unicode.Is(unicode.Mn, r):
		case r >= 0x80 && unicode.IsDigit(r):
			b.WriteRune('0' + rune(refDigitValue(r)))
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func refIsASCIIDigit(b byte) bool { return '0' <= b && b <= '9' }

// refDigitValue returns the value of a Unicode decimal digit (Nd). NFKC already
// maps most compatibility digits; this handles the rest (Arabic-Indic etc.).
func refDigitValue(r rune) int {
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

// refFeatures returns the sorted, distinct refFeatures of title and the refLead of
// summary. A refStem in both title and refLead keeps its title class.
func refFeatures(title, summary string) []feature {
	fs := make([]feature, 0, 64)
	refEachWord(title, summary, func(text string, number, inTitle bool) {
		s, number, ok := refStem(text, number)
		if !ok {
			return
		}
		c := classLeadWord
		if number {
			c = classLeadNum
		}
		if inTitle {
			c |= classTitleWord
		}
		fs = append(fs, feature(hash30(s)<<2|uint32(c)))
	})
	slices.Sort(fs)
	// Keep one feature per hash: the title one when there is one (the sort
	// puts it last among equal hashes), and a number over a word.
	out := fs[:0]
	for i, f := range fs {
		if i+1 < len(fs) && fs[i+1].hash() == f.hash() {
			continue
		}
		out = append(out, f)
	}
	return slices.Clip(out)
}

// refStem reduces a normalised word to the key the comparison uses, and
// reports false for stop words. Counts written as words become numbers. Numbers are kept whole. Russian words are
// cut to a five-letter prefix (after dropping a final vowel from short
// ones), so that inflected forms meet: "доллара", "доллар" → "долла";
// "Москвы", "Москве" → "москв". English words lose a plural or verb ending
// and are cut to seven letters.
func refStem(w string, number bool) (s string, isNumber, ok bool) {
	if number {
		return w, true, true
	}
	if n, ok := refNumberWords[w]; ok {
		return n, true, true
	}
	s, ok = refStemWord(w)
	return s, false, ok
}

func refStemWord(w string) (string, bool) {
	if refStopWords[w] {
		return "", false
	}
	n := utf8.RuneCountInString(w)
	if n < 2 {
		return "", false
	}
	if first, _ := refDecodeRune(w, 0); 'а' <= first && first <= 'я' || unicode.Is(unicode.Cyrillic, first) {
		const keep = 5
		if n > keep {
			return refPrefixRunes(w, keep), true
		}
		if n >= 4 {
			if last, size := utf8.DecodeLastRuneInString(w); refIsRussianVowel(last) {
				return w[:len(w)-size], true
			}
		}
		return w, true
	}
	if n > 4 {
		for _, suf := range [...]string{"ies", "ing", "ed", "es", "s"} {
			if len(w) > len(suf)+2 && w[len(w)-len(suf):] == suf && (suf != "s" || w[len(w)-2] != 's') {
				w = w[:len(w)-len(suf)]
				if suf == "ies" {
					w += "y"
				}
				break
			}
		}
	}
	const keepLatin = 7
	if utf8.RuneCountInString(w) > keepLatin {
		w = refPrefixRunes(w, keepLatin)
	}
	return w, true
}

func refPrefixRunes(s string, n int) string {
	i := 0
	for k := range s {
		if i == n {
			return s[:k]
		}
		i++
	}
	return s
}

func refIsRussianVowel(r rune) bool {
	switch r {
	case 'а', 'е', 'и', 'о', 'у', 'ы', 'э', 'ю', 'я', 'й', 'ь':
		return true
	}
	return false
}

// refNumberWords maps small counts written as words to digits so "двое
// погибших" meets "2 погибших". "One"/"один" are left out: they are more
// often "one of" than a count.
var refNumberWords = map[string]string{
	"два": "2", "две": "2", "двое": "2", "двух": "2", "двоих": "2",
	"три": "3", "трое": "3", "трех": "3", "троих": "3",
	"четыре": "4", "четверо": "4", "четырех": "4",
	"пять": "5", "пятеро": "5", "пяти": "5", "пятерых": "5",
	"шесть": "6", "шестеро": "6", "шести": "6",
	"семь": "7", "семеро": "7", "семи": "7",
	"восемь": "8", "восьми": "8",
	"девять": "9", "девяти": "9",
	"десять": "10", "десяти": "10",
	"two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
	"seven": "7", "eight": "8", "nine": "9", "ten": "10",
}

// refStopWords are function words and wire boilerplate ("said", "сообщил")
// that every report shares.
var refStopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range []string{
		// Russian
		"и", "в", "во", "не", "что", "он", "на", "я", "с", "со", "как", "а", "то", "все", "она", "так",
		"его", "но", "да", "ты", "к", "у", "же", "вы", "за", "бы", "по", "только", "ее", "мне", "было",
		"вот", "от", "меня", "еще", "нет", "о", "об", "из", "ему", "теперь", "когда", "даже", "ну", "ли",
		"если", "уже", "или", "ни", "быть", "был", "была", "были", "было", "будет", "будут", "него", "до",
		"вас", "там", "потом", "себя", "ей", "может", "они", "тут", "где", "есть", "для", "мы", "их", "чем",
		"сам", "без", "под", "кто", "этот", "этого", "этом", "эти", "эту", "этой", "это", "того", "тем",
		"том", "при", "после", "над", "через", "про", "перед", "между", "также", "который", "которая",
		"которые", "которого", "которой", "которых", "который", "свой", "своей", "своих", "а", "ранее",
		"около", "более", "менее", "свыше", "сообщил", "сообщила", "сообщили", "сообщает", "заявил",
		"заявила", "заявили", "передает", "говорится", "сказал", "сказала", "словам", "данным", "том",
		"числе", "году", "года", "год", "сегодня", "вчера", "пресс", "служба", "службе", "службы",
		// English
		"the", "a", "an", "of", "to", "in", "on", "at", "for", "and", "or", "but", "with", "by", "from",
		"as", "is", "are", "was", "were", "be", "been", "has", "have", "had", "it", "its", "this", "that",
		"these", "those", "he", "she", "they", "his", "her", "their", "him", "them", "we", "our", "who",
		"which", "what", "after", "before", "over", "into", "about", "than", "not", "no", "said", "says",
		"say", "told", "according", "on", "up", "out", "will", "would", "could", "can", "also", "more",
		"new", "one", "while", "when", "where", "there", "here", "did", "do", "does", "said", "saying",
		"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "per", "cent",
		"percent",
	} {
		m[w] = true
	}
	return m
}()
