package cluster

import (
	"math"
	"slices"
	"unicode"
	"unicode/utf8"

	"github.com/wiredesk/wiredesk"
)

// A feature is one stemmed word of an item: a 30-bit hash of the stem in
// the high bits and its class in the low two bits. An item's features are
// sorted and distinct by hash, so two items are compared by one merge.
type feature uint32

// Feature classes, in the low two bits of a feature.
const (
	classLeadWord  = 0 // a content word seen only in the lead
	classTitleWord = 1 // a content word of the title
	classLeadNum   = 2 // a number seen only in the lead
	classTitleNum  = 3 // a number of the title
)

// classWeight is how much a shared or unshared feature of each class counts
// in Similarity. Numbers are what tell two reports of the same kind apart
// ("91,42" vs "91,60" rubles, magnitude 5,2 vs 4,8, 231,000 vs 222,000
// claims), and different wires of one event repeat them, so they weigh most;
// title words weigh a little more than lead words. The values were chosen on
// the tune half of testdata (see README.md there).
var classWeight = [4]float64{classLeadWord: 1, classTitleWord: 1.25, classLeadNum: 3, classTitleNum: 3}

// numberConflictFactor scales the similarity of two items whose titles both
// carry numbers and share none of them: consecutive daily rates, weekly
// statistics and different magnitudes are different events however alike
// the words.
const numberConflictFactor = 0.4

func (f feature) hash() uint32 { return uint32(f) >> 2 }
func (f feature) class() int   { return int(f & 3) }
func (f feature) number() bool { return f&2 != 0 }

// features returns the sorted, distinct features of title and the lead of
// summary. A stem in both title and lead keeps its title class.
func features(title, summary string) []feature {
	fs := make([]feature, 0, 64)
	var tk tokenizer
	tk.init(title, summary)
	for tk.next() {
		h, number, ok := stemHash(tk.word(), tk.number)
		if !ok {
			continue
		}
		c := classLeadWord
		if number {
			c = classLeadNum
		}
		if tk.inTitle {
			c |= classTitleWord
		}
		fs = append(fs, feature(h<<2|uint32(c)))
	}
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

// hash30 is FNV-1a over s, folded to 30 bits. It is fixed so that features
// are the same in every process.
func hash30[S string | []byte](s S) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return (h ^ h>>30) & (1<<30 - 1)
}

// Similarity returns how alike the texts of a and b are, from 0 (nothing
// shared) to 1 (the same content words and numbers). It is a weighted
// Jaccard index over the stemmed content words and the numbers of title and
// lead — the weight of the features both items have divided by the weight
// of the features either has — where numbers weigh most and title words a
// little more than lead words. Two corrections follow, because reports of
// the same kind on different days differ mostly in their numbers: when both
// items carry numbers, the result is multiplied by the square root of the
// Jaccard index of their number sets; when both titles carry numbers and
// share none, it is multiplied by numberConflictFactor.
//
// Language, source and time are not considered; Index.Match applies those
// rules.
func Similarity(a, b wiredesk.Item) float64 {
	return similarity(features(a.Title, a.Summary), features(b.Title, b.Summary))
}

func similarity(a, b []feature) float64 {
	return similarityTo(summarize(a), a, b)
}

// classWeight4 is classWeight in quarters, so that sums of weights are
// exact integers (every classWeight is a multiple of 1/4).
var classWeight4 = func() (w [4]uint32) {
	for c, f := range classWeight {
		w[c] = uint32(f * 4)
	}
	return w
}()

// classCounts packs, per class, 1 for a number in the low 32 bits and 1 for
// a title number in the high 32 bits, so one addition counts both.
var classCounts = [4]uint64{classLeadNum: 1, classTitleNum: 1 | 1<<32}

// sharedTable packs, per pair of classes (a<<2 | b) of one hash in both
// items, what the pair adds: in sharedWeight the larger weight (low 32
// bits) and the smaller (high 32 bits), in sharedCounts a shared number
// (low) and a shared title number (high).
var sharedWeight, sharedCounts = func() (w, n [16]uint64) {
	for ca := range 4 {
		for cb := range 4 {
			wa, wb := uint64(classWeight4[ca]), uint64(classWeight4[cb])
			w[ca<<2|cb] = max(wa, wb) | min(wa, wb)<<32
			if ca&2 != 0 && cb&2 != 0 {
				n[ca<<2|cb] |= 1
			}
			if ca == classTitleNum && cb == classTitleNum {
				n[ca<<2|cb] |= 1 << 32
			}
		}
	}
	return w, n
}()

// featureTotals is what similarity needs of one side beyond the merge: the
// weight of all its features in quarters and its counts of numbers and of
// title numbers.
type featureTotals struct {
	weight          uint64
	nums, titleNums int
}

// summarize returns the totals of fs.
func summarize(fs []feature) featureTotals {
	var w, n uint64
	for _, f := range fs {
		w += uint64(classWeight4[f&3])
		n += classCounts[f&3]
	}
	return featureTotals{weight: w, nums: int(uint32(n)), titleNums: int(n >> 32)}
}

// similarityTo is similarity(a, b) with the totals of a computed once by
// the caller. The shared weight and the union are sums of quarters, exact
// in integers, so the result is the same float64 as summing the weights.
func similarityTo(ta featureTotals, a, b []feature) float64 {
	tb := summarize(b)
	// One merge over the two sorted arrays: only the hashes both have
	// matter, everything else is in the totals.
	var w, n uint64
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		fa, fb := a[i], b[j]
		ha, hb := fa>>2, fb>>2
		if ha == hb {
			k := (fa&3)<<2 | fb&3
			w += sharedWeight[k]
			n += sharedCounts[k]
		}
		i += b2i(ha <= hb)
		j += b2i(hb <= ha)
	}
	inter := w & (1<<32 - 1)
	union := ta.weight + tb.weight - w>>32
	if union == 0 {
		return 0
	}
	numsShared, titleNumsShared := int(uint32(n)), int(n>>32)
	s := float64(inter) / float64(union)
	if ta.nums > 0 && tb.nums > 0 {
		s *= math.Sqrt(2 * float64(numsShared) / float64(ta.nums+tb.nums))
	}
	if ta.titleNums > 0 && tb.titleNums > 0 && titleNumsShared == 0 {
		s *= numberConflictFactor
	}
	return s
}

// stemHash reduces a normalised word to the key the comparison uses and
// returns the key's hash30; it reports false for stop words. Counts written
// as words become numbers. Numbers are kept whole. Russian words are cut to
// a five-letter prefix (after dropping a final vowel from short ones), so
// that inflected forms meet: "доллара", "доллар" → "долла"; "Москвы",
// "Москве" → "москв". English words lose a plural or verb ending and are
// cut to seven letters. w may be modified.
func stemHash(w []byte, number bool) (h uint32, isNumber, ok bool) {
	if number {
		return hash30(w), true, true
	}
	switch n := lexicon[string(w)]; {
	case n > 0:
		return hash30(numberText[n]), true, true
	case n < 0:
		return 0, false, false // a stop word
	}
	n := utf8.RuneCount(w)
	if n < 2 {
		return 0, false, false
	}
	if first, _ := utf8.DecodeRune(w); 'а' <= first && first <= 'я' || unicode.Is(unicode.Cyrillic, first) {
		const keep = 5
		if n > keep {
			return hash30(prefixRunes(w, keep)), false, true
		}
		if n >= 4 {
			if last, size := utf8.DecodeLastRune(w); isRussianVowel(last) {
				return hash30(w[:len(w)-size]), false, true
			}
		}
		return hash30(w), false, true
	}
	if n > 4 {
		for _, suf := range [...]string{"ies", "ing", "ed", "es", "s"} {
			if len(w) > len(suf)+2 && string(w[len(w)-len(suf):]) == suf && (suf != "s" || w[len(w)-2] != 's') {
				w = w[:len(w)-len(suf)]
				if suf == "ies" {
					w = append(w, 'y')
				}
				break
			}
		}
	}
	const keepLatin = 7
	if utf8.RuneCount(w) > keepLatin {
		w = prefixRunes(w, keepLatin)
	}
	return hash30(w), false, true
}

func prefixRunes(s []byte, n int) []byte {
	for i, k := 0, 0; k < len(s); i++ {
		if i == n {
			return s[:k]
		}
		_, size := utf8.DecodeRune(s[k:])
		k += size
	}
	return s
}

func isRussianVowel(r rune) bool {
	switch r {
	case 'а', 'е', 'и', 'о', 'у', 'ы', 'э', 'ю', 'я', 'й', 'ь':
		return true
	}
	return false
}

// lexicon is numberWords and stopWords in one map, for one lookup per
// word: a number word maps to its index in numberText, a stop word to -1.
var lexicon, numberText = func() (map[string]int8, []string) {
	m := map[string]int8{}
	for w := range stopWords {
		m[w] = -1
	}
	text := []string{""}
	for w, n := range numberWords {
		i := slices.Index(text, n)
		if i < 0 {
			i = len(text)
			text = append(text, n)
		}
		m[w] = int8(i) // a number word wins over a stop word, as in stem
	}
	return m, text
}()

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
