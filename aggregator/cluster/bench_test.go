package cluster

import (
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wiredesk/wiredesk"
)

// corpus generates synthetic but wire-like items: a dateline, an 8-word
// title and a 35-word lead drawn from a Zipf-distributed vocabulary of
// 60,000 invented Russian or English stems (the most frequent one is in
// about 3% of items, like "президент" in a Russian wire after stop words),
// some numbers, 50 sources, 70% Russian and 30% English, spread over 36
// hours. It is deterministic.
type corpus struct {
	r     *rand.Rand
	zipf  *rand.Zipf
	ru    []string
	en    []string
	start time.Time
}

func newCorpus(seed uint64) *corpus {
	r := rand.New(rand.NewPCG(seed, 42))
	c := &corpus{r: r, zipf: rand.NewZipf(r, 1.07, 200, 59_999), start: t0}
	// Stems are distinct in their first five letters (the part Similarity
	// keeps), as real words mostly are: a consonant-vowel pattern numbers
	// the word, a random ending inflects it.
	ruC, ruV := []rune("бвгдзклмнпрстфхцчшщж"), []rune("аеиоуыя")
	enC, enV := []rune("bcdfghjklmnpqrstvwxz"), []rune("aeiouy")
	ruEnd := strings.Fields("а ы ой ов ами ие ий ого ому ться ла ли ет ют ение ости")
	enEnd := strings.Fields("s ed ing er ion al ly es")
	word := func(k int, cons, vow []rune, end []string) string {
		var b []rune
		for i := range 5 {
			if i%2 == 0 {
				b = append(b, cons[k%len(cons)])
				k /= len(cons)
			} else {
				b = append(b, vow[k%len(vow)])
				k /= len(vow)
			}
		}
		w := string(b)
		if r.IntN(2) == 0 {
			w += end[r.IntN(len(end))]
		}
		return w
	}
	for k := range 60_000 {
		c.ru = append(c.ru, word(k, ruC, ruV, ruEnd))
		c.en = append(c.en, word(k, enC, enV, enEnd))
	}
	return c
}

func (c *corpus) sentence(vocab []string, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		if c.r.IntN(12) == 0 {
			b.WriteString(strconv.Itoa(c.r.IntN(1000)))
			continue
		}
		b.WriteString(vocab[c.zipf.Uint64()])
	}
	return b.String()
}

// item returns the i-th synthetic item, its story its own.
func (c *corpus) item(i int) wiredesk.Item {
	lang, vocab, dateline := "ru", c.ru, "МОСКВА, 12 мая. /ТАСС/. "
	if c.r.IntN(10) < 3 {
		lang, vocab, dateline = "en", c.en, "WASHINGTON (Reuters) - "
	}
	id := "src" + strconv.Itoa(c.r.IntN(50)) + "/" + strconv.Itoa(i)
	return wiredesk.Item{
		ID: id, SourceID: id[:strings.IndexByte(id, '/')], Language: lang, StoryID: "story-" + id,
		Published: c.start.Add(time.Duration(c.r.Int64N(int64(36 * time.Hour)))),
		Title:     c.sentence(vocab, 8),
		Summary:   dateline + c.sentence(vocab, 35) + ".",
	}
}

// buildIndex indexes n synthetic items and returns the index, the items'
// generator and the heap bytes per indexed item.
func buildIndex(tb testing.TB, n int) (*Index, *corpus, float64) {
	tb.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	c := newCorpus(1)
	x := New(Options{})
	for i := range n {
		x.Add(c.item(i))
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if x.Len() != n {
		tb.Fatalf("Len = %d; want %d", x.Len(), n)
	}
	return x, c, float64(after.HeapAlloc-before.HeapAlloc) / float64(n)
}

// BenchmarkMatch matches one new item against an index of 1,000,000 items
// (built once, before the timer starts). Items/s is the implied rate.
func BenchmarkMatch(b *testing.B) {
	const n = 1_000_000
	x, c, perItem := buildIndex(b, n)
	// One query in four is another wire's version of an indexed item (its
	// title words reversed, the last sentence of its lead dropped); the rest
	// are new events.
	queries := make([]wiredesk.Item, 4096)
	for i := range queries {
		q := c.item(n + i)
		if i%4 == 0 {
			x.Add(q)
			f := strings.Fields(q.Title)
			slices.Reverse(f)
			q.Title = strings.Join(f, " ")
			q.Summary = q.Summary[:strings.LastIndexByte(q.Summary[:len(q.Summary)-1], ' ')]
			q.ID, q.StoryID = "", ""
		}
		q.SourceID = "new-wire"
		queries[i] = q
	}
	matched, paraphrases := 0, 0
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	i := 0
	for b.Loop() {
		if _, ok := x.Match(queries[i%len(queries)]); ok {
			matched++
		}
		if i%4 == 0 {
			paraphrases++
		}
		i++
	}
	cpu := cpuTime() - cpu0
	b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "items/s")
	// On a shared machine wall time overstates the cost; process CPU time
	// per Match (including the GC's) does not.
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(i), "cpu-ns/op")
	b.ReportMetric(perItem, "heapB/item")
	b.Logf("index of %d items: %.0f heap bytes per item; %d of %d queries matched (%d are paraphrases of indexed items)",
		n, perItem, matched, i, paraphrases)
}

// BenchmarkUnsure lists the near stories of indexed items, as the desk's
// unsure list does for every item of the last day, in an index of 100,000
// items of which one in four has another wire's version indexed.
func BenchmarkUnsure(b *testing.B) {
	const n = 100_000
	x, c, _ := buildIndex(b, n)
	queries := make([]wiredesk.Item, 4096)
	for i := range queries {
		q := c.item(n + i)
		x.Add(q)
		if i%4 == 0 {
			v := q
			v.Title = strings.ToUpper(v.Title[:1]) + v.Title[1:]
			v.Summary = v.Summary[:strings.LastIndexByte(v.Summary[:len(v.Summary)-1], ' ')]
			v.ID, v.StoryID, v.SourceID = v.ID+"/v", v.StoryID+"/v", "other-wire"
			x.Add(v)
		}
		queries[i] = q
	}
	listed := 0
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		listed += len(x.Unsure(queries[i%len(queries)], 0.5))
		i++
	}
	b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "items/s")
	b.ReportMetric(float64(listed)/float64(i), "stories/item")
}

// BenchmarkAdd adds new items to an index that already holds 100,000.
func BenchmarkAdd(b *testing.B) {
	x, c, _ := buildIndex(b, 100_000)
	pool := make([]wiredesk.Item, 4096)
	for i := range pool {
		pool[i] = c.item(100_000 + i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		it := pool[i%len(pool)]
		it.ID = strconv.Itoa(i) // a new ID each time, so every Add indexes
		x.Add(it)
		i++
	}
	b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "items/s")
}

func TestSyntheticCorpusIsRealistic(t *testing.T) {
	// Guard the benchmark's premise: no content word is in much more than
	// a few percent of items, as in a real wire after stop words.
	c := newCorpus(1)
	lx := defaultLexicon()
	df := map[uint32]int{}
	const n = 5000
	for i := range n {
		it := c.item(i)
		for _, k := range keys(it.Title, it.Summary, lx) {
			if k.kind() == kindWord {
				df[slot(k)]++
			}
		}
	}
	top := 0
	for _, v := range df {
		top = max(top, v)
	}
	if frac := float64(top) / n; frac > 0.10 || frac < 0.01 {
		t.Errorf("most frequent stem is in %.1f%% of items; want 1%%..10%%", 100*frac)
	}
}

// BenchmarkKeys measures the text side of Match and Add alone:
// normalising, tokenising, stemming and looking up the words of the title
// and lead of one item. Half the items are synthetic, half real.
func BenchmarkKeys(b *testing.B) {
	c := newCorpus(1)
	real, err := loadRealSet("testdata/real/day-2025-11-06")
	if err != nil {
		b.Fatal(err)
	}
	var items []wiredesk.Item
	for _, it := range real {
		items = append(items, it.Item, c.item(len(items)))
	}
	lx := defaultLexicon()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		it := &items[i%len(items)]
		_ = keys(it.Title, it.Summary, lx)
		i++
	}
}
