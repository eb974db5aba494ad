package cluster

import (
	"bufio"
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// The lexicon tables (lexicon/*.tsv, see lexicon/README.md for who wrote
// them and how): one concept a line, its id, Russian words and English
// words. A word of either language that stems like one of a concept's words
// has the concept's cross-language key, so "запретить" meets "ban" and
// "Белоруссии" meets "Belarus".
//
//go:embed lexicon/*.tsv
var lexiconFiles embed.FS

// A lexicon turns words into terms. Its tables never change after
// loadLexicon; the cache of computed terms is guarded by mu.
type lexicon struct {
	ru, en map[string]string // stem → concept id
	// phrases maps two words in a row that a table writes with a hyphen
	// ("north-korea", "белый-дом"), as the word hashes of their stems (see
	// phraseKey), to their concept id: wires write them as two words,
	// and inflect both ("Северной Корее").
	phrases map[uint64]string
	// exact maps the words of the place and name tables, as written and
	// (for Russian surnames) in their case forms, to their concept: it is
	// read before the stems, so a name whose stem another concept also
	// claims ("медведев"/"медведь", "маск"/"маска") still meets its
	// other-language spelling.
	exact map[string]string
	// forms maps the words of the tables as written and in their usual
	// inflected forms to their concept — only those whose stem two lines
	// claim, which therefore gives no concept ("визит" and "виза" both
	// stem to "виз", while "визы" and "визита" are forms of one only). A
	// word whose stem is unambiguous or unclaimed is in none, so its keys
	// are what they were without it.
	forms map[string]string

	shards [1 << termShardBits]termShard
}

// defaultLexicon is the lexicon built from the embedded tables, loaded on
// first use.
var defaultLexicon = sync.OnceValue(func() *lexicon {
	lx, err := loadLexicon(lexiconFiles)
	if err != nil {
		panic(err) // the tables are part of the binary; tests load them
	}
	return lx
})

// loadLexicon reads every .tsv table of fsys.
//
// A stem that two concepts claim is ambiguous and left out of both — but
// two concepts of different tables that share a stem in each language are
// one concept written twice (the news table's "авария/accident" and the
// general table's), and are merged first. A word whose stem is left out so
// is looked up by its written form (see lexicon.forms).
//
// The Russian stemmer does not always give a lemma and its inflected forms
// one stem ("гепатит" → "гепатит" but "гепатита" → "гепат"), so the stems
// of a Russian word's usual case forms are registered too, as weaker
// claims: they never displace a lemma's own stem, and two concepts' weak
// claims on one stem cancel.
func loadLexicon(fsys fs.FS) (*lexicon, error) {
	concepts, err := readConcepts(fsys)
	if err != nil {
		return nil, err
	}
	root := mergeConcepts(concepts)
	lx := &lexicon{ru: map[string]string{}, en: map[string]string{}}
	type claim struct {
		concept string
		weak    bool
	}
	claims := map[string]map[string]claim{"ru": {}, "en": {}}
	ambiguous := map[string]bool{}
	add := func(lang, stem, concept string, weak bool) {
		m := claims[lang]
		k := lang + ":" + stem
		if ambiguous[k] {
			return
		}
		c, ok := m[stem]
		switch {
		case !ok:
			m[stem] = claim{concept, weak}
		case c.concept == concept:
			if !weak {
				m[stem] = claim{concept, false}
			}
		case c.weak && !weak:
			m[stem] = claim{concept, false}
		case !c.weak && weak:
		default:
			delete(m, stem)
			ambiguous[k] = true
		}
	}
	for i, c := range concepts {
		id := concepts[root(i)].id
		for _, st := range c.ru {
			add("ru", st, id, false)
		}
		for _, st := range c.ruWeak {
			add("ru", st, id, true)
		}
		for _, st := range c.en {
			add("en", st, id, false)
		}
	}
	lx.phrases = unambiguous(concepts, root, phraseKeys)
	lx.exact = unambiguous(concepts, root, func(c concept) []string { return c.exact })
	// Only a form whose own stem is ambiguous can be looked up (see
	// lexicon.concept); the others would only take memory.
	lx.forms = unambiguous(concepts, root, func(c concept) []string {
		var out []string
		for _, f := range c.forms {
			if ambiguous[f.stem] {
				out = append(out, f.form)
			}
		}
		return out
	})
	for stem, c := range claims["ru"] {
		lx.ru[stem] = c.concept
	}
	for stem, c := range claims["en"] {
		lx.en[stem] = c.concept
	}
	return lx, nil
}

// A concept is one line of a table, its words stemmed.
type concept struct {
	id, table      string
	ru, ruWeak, en []string
	phrases        [][3]string // language and the stems of a two-part word
	exact          []string    // the words as written, of the place and name tables
	forms          []wordForm  // the words as written and their inflected forms
}

// A wordForm is a table word or one of its inflected forms, with its
// language and stem ("ru:виз").
type wordForm struct{ form, stem string }

// unambiguous maps each key that keysOf gives a concept to the concept's
// representative id; a key two concepts claim is left out.
func unambiguous[K comparable](concepts []concept, root func(int) int, keysOf func(concept) []K) map[K]string {
	m := map[K]string{}
	ambiguous := map[K]bool{}
	for i, c := range concepts {
		id := concepts[root(i)].id
		for _, k := range keysOf(c) {
			if old, ok := m[k]; ambiguous[k] || ok && old != id {
				delete(m, k)
				ambiguous[k] = true
				continue
			}
			m[k] = id
		}
	}
	return m
}

// phraseKeys are the keys of a concept's two-part words in the phrase map
// (see lexicon.phrases).
func phraseKeys(c concept) []uint64 {
	out := make([]uint64, 0, len(c.phrases))
	for _, p := range c.phrases {
		out = append(out, phraseKey(hash28(kindWord, p[0], []byte(p[1])), hash28(kindWord, p[0], []byte(p[2]))))
	}
	return out
}

// surnameForms returns the case forms of a Russian surname in -ов, -ев,
// -ин or -ын ("медведев" → "медведева", "медведеву", "медведевым",
// "медведеве"); nil for other words.
func surnameForms(w string) []string {
	for _, end := range [...]string{"ов", "ев", "ин", "ын"} {
		if strings.HasSuffix(w, end) && utf8.RuneCountInString(w) > 4 {
			return []string{w + "а", w + "у", w + "ым", w + "е"}
		}
	}
	return nil
}

// phraseKey is the key of two words in a row, of word hashes a and b.
func phraseKey(a, b uint32) uint64 { return uint64(a)<<32 | uint64(b) }

// phraseStems returns the stem pairs of a table word written with one
// hyphen ("north-korea" → north korea; "северная-корея" → северн коре,
// северн кор…): in Russian both parts inflect, so each part's case forms
// are stemmed too, as for single words.
func phraseStems(w, lang string) [][2]string {
	a, b, ok := strings.Cut(w, "-")
	if !ok || strings.Contains(b, "-") || utf8.RuneCountInString(a) < 2 || utf8.RuneCountInString(b) < 2 {
		return nil
	}
	if lang == "en" {
		return [][2]string{{stemEnglish(a), stemEnglish(b)}}
	}
	stems := func(w string) []string {
		out := []string{stemRussian(w)}
		for _, f := range russianForms(w) {
			if st := stemRussian(f); !slices.Contains(out, st) {
				out = append(out, st)
			}
		}
		return out
	}
	var out [][2]string
	for _, sa := range stems(a) {
		for _, sb := range stems(b) {
			out = append(out, [2]string{sa, sb})
		}
	}
	return out
}

// readConcepts parses every .tsv table of fsys's lexicon directory.
func readConcepts(fsys fs.FS) ([]concept, error) {
	entries, err := fs.ReadDir(fsys, "lexicon")
	if err != nil {
		return nil, fmt.Errorf("lexicon: %w", err)
	}
	var out []concept
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".tsv") {
			continue
		}
		data, err := fs.ReadFile(fsys, "lexicon/"+e.Name())
		if err != nil {
			return nil, fmt.Errorf("lexicon: %w", err)
		}
		table := strings.TrimSuffix(e.Name(), ".tsv")
		sc := bufio.NewScanner(bytes.NewReader(data))
		line := 0
		for sc.Scan() {
			line++
			text := strings.TrimSpace(sc.Text())
			if text == "" || strings.HasPrefix(text, "#") {
				continue
			}
			cols := strings.Split(text, "\t")
			if len(cols) != 3 {
				return nil, fmt.Errorf("lexicon/%s:%d: want 3 tab-separated columns, have %d", e.Name(), line, len(cols))
			}
			c := concept{id: table + ":" + cols[0], table: table}
			for i, lang := range [2]string{"ru", "en"} {
				for _, w := range strings.Split(cols[1+i], ",") {
					w = strings.ReplaceAll(strings.ToLower(strings.TrimSpace(w)), "ё", "е")
					for _, p := range phraseStems(w, lang) {
						c.phrases = append(c.phrases, [3]string{lang, p[0], p[1]})
					}
				}
			}
			proper := table == "names" || table == "places"
			for _, w := range splitWords(cols[1]) {
				if proper {
					c.exact = append(c.exact, w)
					c.exact = append(c.exact, surnameForms(w)...)
				}
				st := stemRussian(w)
				c.ru = append(c.ru, st)
				c.forms = append(c.forms, wordForm{w, "ru:" + st})
				for _, f := range russianForms(w) {
					st := stemRussian(f)
					c.ruWeak = append(c.ruWeak, st)
					c.forms = append(c.forms, wordForm{f, "ru:" + st})
				}
				for _, f := range russianVerbForms(w) {
					st := stemRussian(f)
					c.ruWeak = append(c.ruWeak, st)
					c.forms = append(c.forms, wordForm{f, "ru:" + st})
				}
			}
			for _, w := range splitWords(cols[2]) {
				if proper {
					c.exact = append(c.exact, w)
				}
				c.en = append(c.en, stemEnglish(w))
				for _, f := range englishForms(w) {
					c.forms = append(c.forms, wordForm{f, "en:" + stemEnglish(f)})
				}
			}
			out = append(out, c)
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("lexicon/%s: %w", e.Name(), err)
		}
	}
	return out, nil
}

// mergeConcepts unites concepts of different tables that share a Russian
// stem and an English stem, and returns each concept's representative.
func mergeConcepts(cs []concept) func(int) int {
	parent := make([]int, len(cs))
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	byRU := map[string][]int{}
	for i, c := range cs {
		for _, st := range c.ru {
			byRU[st] = append(byRU[st], i)
		}
	}
	for i, c := range cs {
		for _, st := range c.ru {
			for _, j := range byRU[st] {
				if j == i || cs[j].table == c.table || !shareAny(c.en, cs[j].en) {
					continue
				}
				ri, rj := find(i), find(j)
				if ri != rj {
					parent[max(ri, rj)] = min(ri, rj)
				}
			}
		}
	}
	return find
}

func shareAny(a, b []string) bool {
	for _, x := range a {
		for _, y := range b {
			if x == y {
				return true
			}
		}
	}
	return false
}

// russianForms returns the usual case forms of a Russian noun or adjective
// lemma (and some that are not words; their stems claim nothing real).
func russianForms(w string) []string {
	base := w
	r := []rune(w)
	last := r[len(r)-1]
	switch {
	case strings.HasSuffix(w, "ий"), strings.HasSuffix(w, "ый"), strings.HasSuffix(w, "ой"), strings.HasSuffix(w, "ая"), strings.HasSuffix(w, "ое"):
		base = string(r[:len(r)-2])
		var out []string
		for _, e := range [...]string{"ого", "ому", "ым", "ом", "ая", "ой", "ую", "ые", "ых", "ыми", "ие", "их", "ими", "его", "ему", "им", "ем"} {
			out = append(out, base+e)
		}
		return out
	case strings.ContainsRune("аяоеьйиы", last):
		base = string(r[:len(r)-1])
	}
	var out []string
	// A noun in -ец loses its vowel in every other form ("украинец" →
	// "украинцы", "китаец" → "китайцев"), and one in -анин/-янин its
	// suffix in the plural ("россиянин" → "россияне", "граждан"): the
	// stemmer gives those forms another stem than the lemma's.
	switch n := len(r); {
	case n > 3 && strings.HasSuffix(w, "ец"):
		fleet := string(r[:n-2]) + "ц"
		if strings.ContainsRune("аеиоуыэюя", r[n-3]) {
			fleet = string(r[:n-2]) + "йц"
		}
		for _, e := range [...]string{"ы", "а", "у", "ом", "е", "ев", "ам", "ами", "ах"} {
			out = append(out, fleet+e)
		}
	case n > 5 && (strings.HasSuffix(w, "анин") || strings.HasSuffix(w, "янин")):
		pl := string(r[:n-2])
		for _, e := range [...]string{"е", "", "ам", "ами", "ах"} {
			out = append(out, pl+e)
		}
	}
	for _, e := range [...]string{"а", "у", "е", "ом", "ы", "и", "ов", "ам", "ами", "ах", "ой", "ей", "ю", "ем", "я", "ях", "ям", "ями"} {
		out = append(out, base+e)
	}
	return out
}

// russianVerbForms returns the past-tense, third-person and (see
// shortParticiples) short participle forms of a Russian infinitive (the
// past only for the irregular classes it knows), the forms headlines use
// ("ВСУ сдались", "Дума одобрила", "освободят", "задержан"), whose stems
// the infinitive's stem does not
// reach ("сдаться" → "сдат", "сдались" → "сдал"). Irregular verbs get
// forms that are not words; like russianForms' extras, their stems claim
// nothing real, and they are weak claims that a table's own word wins
// over. A word that is not an infinitive gives none.
func russianVerbForms(w string) []string {
	refl := ""
	if s, ok := strings.CutSuffix(w, "ся"); ok && strings.HasSuffix(s, "ть") {
		w, refl = s, "ся"
	}
	var out []string
	past := func(stem string, endings ...string) {
		for _, e := range endings {
			out = append(out, stem+e)
		}
	}
	// The past tense of the common irregular classes: погибнуть →
	// погиб, умереть → умер, найти → нашли, ввести → ввел, нанести →
	// нанес.
	switch {
	case strings.HasSuffix(w, "нуть") && refl == "":
		past(strings.TrimSuffix(w, "нуть"), "", "ла", "ло", "ли")
	case strings.HasSuffix(w, "ереть") && refl == "":
		past(strings.TrimSuffix(w, "еть"), "", "ла", "ло", "ли")
	case strings.HasSuffix(w, "йти") && refl == "":
		past(strings.TrimSuffix(w, "йти"), "шел", "шла", "шло", "шли")
	case strings.HasSuffix(w, "ести") && refl == "":
		b := strings.TrimSuffix(w, "ести")
		past(b, "ел", "ела", "ело", "ели", "ес", "есла", "есло", "если")
		// and the short participle: введен, нанесена.
		past(b, "еден", "едена", "едено", "едены", "есен", "есена", "есено", "есены")
	case strings.HasSuffix(w, "расти") && refl == "":
		past(strings.TrimSuffix(w, "расти"), "рос", "росла", "росло", "росли")
	case strings.HasSuffix(w, "чь") && refl == "":
		// пресечь → пресек, пресекли, пресечен; помочь → помог.
		past(strings.TrimSuffix(w, "чь"), "к", "кла", "кло", "кли", "г", "гла", "гло", "гли", "кут", "гут", "чет", "жет", "чен", "чена", "чено", "чены")
	}
	if refl == "" {
		out = append(out, shortParticiples(w)...)
	}
	base, ok := strings.CutSuffix(w, "ть")
	if !ok || utf8.RuneCountInString(base) < 2 {
		return out
	}
	r := func(s string) string { // reflexive ending after a vowel or a consonant
		if refl == "" {
			return s
		}
		if strings.HasSuffix(s, "л") || strings.HasSuffix(s, "т") {
			return s + "ся"
		}
		return s + "сь"
	}
	for _, e := range [...]string{"л", "ла", "ло", "ли"} {
		out = append(out, r(base+e))
	}
	switch {
	case strings.HasSuffix(base, "ова"), strings.HasSuffix(base, "ева"):
		b := strings.TrimSuffix(strings.TrimSuffix(base, "ова"), "ева")
		out = append(out, r(b+"ует"), r(b+"уют"))
	case strings.HasSuffix(base, "и"):
		b := strings.TrimSuffix(base, "и")
		out = append(out, r(b+"ит"), r(b+"ят"), r(b+"ат"))
	case strings.HasSuffix(base, "а"), strings.HasSuffix(base, "я"), strings.HasSuffix(base, "е"):
		out = append(out, r(base+"ет"), r(base+"ют"))
	}
	return out
}

// shortParticiples returns the short passive participles of a Russian
// infinitive in -ить, which headlines use more than any other form
// ("освобожден", "объявлена", "запрещены", "убиты"): the consonant before
// -ить alternates (д → жд, т → щ, ст → щ, з → ж, с → ш, a labial takes
// л), so the stem of the participle is not the infinitive's. The
// alternation is not always the one listed (посадить → посажен), so both
// candidates are given; the forms that are not words claim nothing real.
// Verbs in -ать, -ять and -овать need none: their participles stem like
// the infinitive (задержан, арестован).
func shortParticiples(w string) []string {
	base, ok := strings.CutSuffix(w, "ить")
	if !ok || utf8.RuneCountInString(base) < 2 {
		return nil
	}
	var bases []string
	switch {
	case strings.HasSuffix(base, "ст"):
		bases = []string{strings.TrimSuffix(base, "ст") + "щ"}
	case strings.HasSuffix(base, "д"):
		b := strings.TrimSuffix(base, "д")
		bases = []string{b + "жд", b + "ж"}
	case strings.HasSuffix(base, "т"):
		b := strings.TrimSuffix(base, "т")
		bases = []string{b + "щ", b + "ч"}
	case strings.HasSuffix(base, "з"):
		bases = []string{strings.TrimSuffix(base, "з") + "ж"}
	case strings.HasSuffix(base, "с"):
		bases = []string{strings.TrimSuffix(base, "с") + "ш"}
	case strings.HasSuffix(base, "б"), strings.HasSuffix(base, "п"), strings.HasSuffix(base, "в"), strings.HasSuffix(base, "м"), strings.HasSuffix(base, "ф"):
		bases = []string{base + "л"}
	default:
		bases = []string{base}
	}
	var out []string
	for _, b := range bases {
		for _, e := range [...]string{"ен", "ена", "ено", "ены"} {
			out = append(out, b+e)
		}
	}
	// бить, лить, шить: убиты, пролита.
	for _, e := range [...]string{"ита", "иты"} {
		out = append(out, base+e)
	}
	return out
}

func splitWords(col string) []string {
	var out []string
	for _, w := range strings.Split(col, ",") {
		w = strings.ToLower(strings.TrimSpace(w))
		w = strings.NewReplacer("-", "", "'", "", "ё", "е").Replace(w)
		if w != "" && w != "—" {
			out = append(out, w)
		}
	}
	return out
}

// concept returns the concept of word w with stem stem.
func (lx *lexicon) concept(w, stem string, cyrillic bool) (string, bool) {
	if c, ok := lx.exact[w]; ok {
		return c, true
	}
	m := lx.en
	if cyrillic {
		m = lx.ru
	}
	if c, ok := m[stem]; ok {
		return c, true
	}
	c, ok := lx.forms[w] // holds only words whose stem is ambiguous
	return c, ok
}

// englishForms returns an English table word and its form with -s (plural
// or third person; -ed and -ing forms were tried and changed nothing).
func englishForms(w string) []string {
	return []string{w, w + "s"}
}

// numberWords maps small counts written as words to digits so "двое
// погибших" meets "2 погибших". "One"/"один" are left out: they are more
// often "one of" than a count.
var numberWords = map[string]string{
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

// stopWords are function words and wire boilerplate ("said", "сообщил")
// that every report shares.
var stopWords = func() map[string]bool {
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
