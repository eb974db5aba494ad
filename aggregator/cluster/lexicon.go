package cluster

import (
	"bufio"
	"bytes"
	"embed"
	"fmt"
	"strings"
	"sync"

	"github.com/kljensen/snowball/english"
	"github.com/kljensen/snowball/russian"
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

	mu    sync.RWMutex
	cache map[string]term
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

// loadLexicon reads every .tsv table of fsys. A stem that two concepts
// claim is ambiguous and left out of both.
//
// The Russian stemmer does not always give a lemma and its inflected forms
// one stem ("гепатит" → "гепатит" but "гепатита" → "гепат"), so the stems
// of a Russian word's usual case forms are registered too, as weaker
// claims: they never displace a lemma's own stem, and two concepts' weak
// claims on one stem cancel.
func loadLexicon(fsys embed.FS) (*lexicon, error) {
	lx := &lexicon{ru: map[string]string{}, en: map[string]string{}, cache: map[string]term{}}
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
	entries, err := fsys.ReadDir("lexicon")
	if err != nil {
		return nil, fmt.Errorf("lexicon: %w", err)
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".tsv") {
			continue
		}
		data, err := fsys.ReadFile("lexicon/" + e.Name())
		if err != nil {
			return nil, fmt.Errorf("lexicon: %w", err)
		}
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
			concept := strings.TrimSuffix(e.Name(), ".tsv") + ":" + cols[0]
			for _, w := range splitWords(cols[1]) {
				add("ru", stemRussian(w), concept, false)
				for _, f := range russianForms(w) {
					add("ru", stemRussian(f), concept, true)
				}
			}
			for _, w := range splitWords(cols[2]) {
				add("en", stemEnglish(w), concept, false)
			}
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("lexicon/%s: %w", e.Name(), err)
		}
	}
	for stem, c := range claims["ru"] {
		lx.ru[stem] = c.concept
	}
	for stem, c := range claims["en"] {
		lx.en[stem] = c.concept
	}
	return lx, nil
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
	for _, e := range [...]string{"а", "у", "е", "ом", "ы", "и", "ов", "ам", "ами", "ах", "ой", "ей", "ю", "ем", "я", "ях", "ям", "ями"} {
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

func stemRussian(w string) string {
	if s := russian.Stem(w, true); s != "" {
		return s
	}
	return w
}

func stemEnglish(w string) string {
	if s := english.Stem(w, true); s != "" {
		return s
	}
	return w
}

// concept returns the concept of word w with stem stem.
func (lx *lexicon) concept(w, stem string, cyrillic bool) (string, bool) {
	m := lx.en
	if cyrillic {
		m = lx.ru
	}
	c, ok := m[stem]
	return c, ok
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
