package cluster

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/wiredesk/wiredesk"
)

// Evidence is why an Index would or would not put two items in one story:
// the probability, the features it was computed from and the words behind
// the shared keys.
type Evidence struct {
	Probability float64
	Threshold   float64 // what Match requires for this pair
	// SameSourceMargin is the part of Threshold that the pair needs
	// because both items are of one source; 0 for two sources.
	SameSourceMargin float64
	Cross            bool // the items are in two languages
	SameSource       bool
	Features         []Feature
	Shared           []SharedWord
	// OnlyA and OnlyB are the title words of a and of b that the other
	// item has nowhere (no key of the word is shared), with how many
	// indexed items have them: where two reports of one subject differ,
	// "приговорил" against "задержан". Across languages only words that
	// could meet the other language are listed (concepts, numbers, name
	// spellings). Rarest first.
	OnlyA, OnlyB []Word
}

// A Word is a title word of one item: how it was written, its kind and
// how many indexed items have it.
type Word struct {
	Text string
	Kind string
	DF   int
}

// A Feature is one named input of the probability.
type Feature struct {
	Name   string
	Value  float64
	Weight float64
}

// A SharedWord is a key both items have: how each of them wrote it, its
// kind ("word", "concept", "number", "name"), and how many indexed items
// have it.
type SharedWord struct {
	A, B string
	Kind string
	DF   int
}

// Explain compares two items as Match compares a new item with an indexed
// one, with the Index's current document frequencies. a plays the new item
// and b the indexed one; neither needs to be indexed.
func (x *Index) Explain(a, b wiredesk.Item) Evidence {
	ka, kb := keys(a.Title, a.Summary, x.lx), keys(b.Title, b.Summary, x.lx)
	x.mu.RLock()
	defer x.mu.RUnlock()
	q := query{keys: ka, unix: unixOf(a), source: x.lookup(a.SourceID), lang: x.lookup(itemLanguage(a))}
	tmp := entry{unix: unixOf(b), source: x.lookup(b.SourceID), lang: x.lookup(itemLanguage(b)), n: uint16(len(kb))}
	if q.lang < 0 || tmp.lang < 0 {
		// Languages the index has not seen still compare by name.
		q.lang, tmp.lang = langCode(itemLanguage(a)), langCode(itemLanguage(b))
	}
	if a.SourceID != b.SourceID && (q.source < 0 || tmp.source < 0) {
		q.source, tmp.source = -1, -2
	}
	f, cross := x.pairFeaturesKeys(&q, &tmp, kb)
	ev := Evidence{Cross: cross, SameSource: a.SourceID == b.SourceID, Threshold: x.threshold}
	ev.Probability = model.predict(f, cross)
	if ev.SameSource {
		ev.SameSourceMargin = sameSourceMargin
		ev.Threshold += ev.SameSourceMargin
	}
	w := &model.same
	if cross {
		w = &model.cross
	}
	for i, v := range f {
		weight := w[i]
		if fixedWeights[i] != 0 {
			weight = fixedWeights[i]
		}
		ev.Features = append(ev.Features, Feature{Name: featureNames[i], Value: v, Weight: weight})
	}
	wa, wb := x.wordsOf(a), x.wordsOf(b)
	for _, k := range ka {
		if !relevant(k.kind(), cross) {
			continue
		}
		if _, ok := slices.BinarySearchFunc(kb, slot(k), func(e key, s uint32) int { return cmpU32(slot(e), s) }); !ok {
			continue
		}
		ev.Shared = append(ev.Shared, SharedWord{A: wa[slot(k)], B: wb[slot(k)], Kind: kindName(k), DF: int(x.df.get(slot(k)))})
	}
	sharedA, sharedB := map[string]bool{}, map[string]bool{}
	for _, w := range ev.Shared {
		sharedA[w.A], sharedB[w.B] = true, true
	}
	ev.OnlyA = x.onlyIn(ka, kb, wa, sharedA, cross)
	ev.OnlyB = x.onlyIn(kb, ka, wb, sharedB, cross)
	return ev
}

// onlyIn lists, rarest first, the title words behind ks that have no key in
// other and gave no shared key either (shared: the words behind the
// shared keys, as this side wrote them), each once. Across languages a
// word that could not meet the other language is left out: its absence
// there says nothing.
func (x *Index) onlyIn(ks, other []key, words map[uint32]string, shared map[string]bool, cross bool) []Word {
	var out []Word
	seen := map[string]bool{}
	for _, k := range ks {
		if !k.title() || !relevant(k.kind(), cross) {
			continue
		}
		if _, ok := slices.BinarySearchFunc(other, slot(k), func(e key, s uint32) int { return cmpU32(slot(e), s) }); ok {
			continue
		}
		w := words[slot(k)]
		if w == "" || shared[w] || seen[w] {
			continue
		}
		seen[w] = true
		out = append(out, Word{Text: w, Kind: kindName(k), DF: int(x.df.get(slot(k)))})
	}
	slices.SortStableFunc(out, func(a, b Word) int { return cmp.Compare(a.DF, b.DF) })
	return out
}

func cmpU32(a, b uint32) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// langCode stands in for an interned language the index has not seen.
func langCode(lang string) int32 {
	return int32(-1 - int(hash64(lang)%1_000_000))
}

func kindName(k key) string {
	switch k.kind() {
	case kindConcept:
		return "concept"
	case kindNum:
		return "number"
	case kindSkeleton:
		return "spelling"
	}
	return "word"
}

// wordsOf maps every key of an item to the first word that gave it, as
// the item wrote it ("Jolie’s", "foreign-funded", "Москве"): an editor
// reads these.
func (x *Index) wordsOf(it wiredesk.Item) map[uint32]string {
	out := map[uint32]string{}
	var tk tokenizer
	tk.init(it.Title, it.Summary)
	var prev uint32
	prevText := ""
	for tk.next() {
		w := surfaceBefore(tk.s, tk.i)
		ks, word := x.lx.appendKeys(nil, tk.word(), tk.number, tk.inTitle, tk.capital)
		for _, k := range ks {
			if _, ok := out[slot(k)]; !ok {
				out[slot(k)] = w
			}
		}
		if c, ok := x.lx.phrase(prev, word, tk.spaced); ok {
			if s := slot(makeKey(c, kindConcept, false, false)); out[s] == "" {
				out[s] = prevText + " " + w
			}
		}
		prev, prevText = word, w
	}
	return out
}

// surfaceBefore returns the word of s that ends at end as written: the
// run of letters, digits and the marks, hyphens, apostrophes and decimal
// separators the tokenizer reads inside a word, trimmed to begin and end
// with a letter or digit. The tokenizer gives the word lower-cased and
// joined ("jolies", "foreignfunded"); the text it read (NFKC, datelines
// removed, "U.S." as "US") still has it as the wire wrote it.
func surfaceBefore(s string, end int) string {
	start := end
	for start > 0 {
		r, size := utf8.DecodeLastRuneInString(s[:start])
		if !isLetter(r) && !isDigit(r) && !unicode.Is(unicode.Mn, r) && !strings.ContainsRune("-'’.,", r) {
			break
		}
		start -= size
	}
	return strings.TrimFunc(s[start:end], func(r rune) bool { return !isLetter(r) && !isDigit(r) })
}

// String formats the evidence for a terminal.
func (ev Evidence) String() string {
	var b strings.Builder
	verdict := "apart"
	if ev.Probability >= ev.Threshold {
		verdict = "together"
	}
	lang := "one language"
	if ev.Cross {
		lang = "two languages"
	}
	needs := fmt.Sprintf("%.2f", ev.Threshold)
	if ev.SameSourceMargin > 0 {
		needs += fmt.Sprintf(", %.2f plus %.2f for two items of one wire", ev.Threshold-ev.SameSourceMargin, ev.SameSourceMargin)
	}
	fmt.Fprintf(&b, "probability %.3f (needs %s: %s), %s\n", ev.Probability, needs, verdict, lang)
	for _, f := range ev.Features {
		fmt.Fprintf(&b, "  %-14s %6.3f × %+.2f\n", f.Name, f.Value, f.Weight)
	}
	for _, s := range ev.Shared {
		fmt.Fprintf(&b, "  shared %-8s %s / %s (in %d indexed items)\n", s.Kind, s.A, s.B, s.DF)
	}
	// Explain's callers give the later item first, as Match meets them.
	for _, side := range []struct {
		name  string
		words []Word
	}{{"later", ev.OnlyA}, {"earlier", ev.OnlyB}} {
		if len(side.words) == 0 {
			continue
		}
		ws := make([]string, len(side.words))
		for i, w := range side.words {
			ws[i] = w.Text
		}
		fmt.Fprintf(&b, "  only in the %s title, rarest first: %s\n", side.name, strings.Join(ws, ", "))
	}
	return b.String()
}

// Similarity returns how alike the texts of a and b are, from 0 (no key in
// common) to 1 (the same keys): the Jaccard index of the keys that can meet
// across their languages (see Index.Match), with no document frequencies.
// It measures text likeness alone, for tools that generate or check text;
// whether two items are one story is Index.Match's to decide.
func Similarity(a, b wiredesk.Item) float64 {
	lx := defaultLexicon()
	ka, kb := keys(a.Title, a.Summary, lx), keys(b.Title, b.Summary, lx)
	cross := itemLanguage(a) != itemLanguage(b)
	var na, nb, shared int
	for _, k := range ka {
		if relevant(k.kind(), cross) {
			na++
		}
	}
	for _, k := range kb {
		if relevant(k.kind(), cross) {
			nb++
		}
	}
	i, j := 0, 0
	for i < len(ka) && j < len(kb) {
		sa, sb := slot(ka[i]), slot(kb[j])
		switch {
		case sa < sb:
			i++
		case sb < sa:
			j++
		default:
			if relevant(ka[i].kind(), cross) {
				shared++
			}
			i++
			j++
		}
	}
	if union := na + nb - shared; union > 0 {
		return float64(shared) / float64(union)
	}
	return 0
}
