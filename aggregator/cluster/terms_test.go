package cluster

import (
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode"

	"github.com/wiredesk/wiredesk"
)

// TestGivenNames checks that a capitalised word right before another
// capitalised word is a key but not a name, so that a report writing
// "Александр Овечкин" and one writing "Ovechkin" do not count the first name
// as a name the other lacks.
func TestGivenNames(t *testing.T) {
	lx := defaultLexicon()
	tests := []struct {
		title, lead string
		word        string // a word of the text
		name        bool   // whether its key is a name
	}{
		{"Goalie tries to steal the puck", "The forward Alexander Ovechkin scored", "alexander", false},
		{"Goalie tries to steal the puck", "The forward Alexander Ovechkin scored", "ovechkin", true},
		{"Рекорд", "Нападающий «Вашингтона» Александр Овечкин забросил", "александр", false},
		{"Рекорд", "Нападающий «Вашингтона» Александр Овечкин забросил", "вашингтона", true},
		{"Рекорд", "Нападающий «Вашингтона» Александр Овечкин забросил", "овечкин", true},
		// Punctuation between two names keeps both.
		{"Talks", "Officials from Kazakhstan, Kyrgyzstan met", "kazakhstan", true},
		// An acronym is a name, whatever follows it.
		{"Talks", "The head of NATO Mark Rutte said", "nato", true},
		{"Talks", "The head of NATO Mark Rutte said", "mark", false},
		{"Talks", "The head of NATO Mark Rutte said", "rutte", true},
	}
	for _, tt := range tests {
		ks := keys(tt.title, tt.lead, lx)
		want, _ := lx.appendKeys(nil, []byte(tt.word), false, false, false)
		if len(want) == 0 {
			t.Fatalf("%q gives no key", tt.word)
		}
		found := false
		for _, k := range ks {
			if slot(k) == slot(want[0]) {
				found = true
				if k.name() != tt.name {
					t.Errorf("%q in %q: name %v, want %v", tt.word, tt.lead, k.name(), tt.name)
				}
			}
		}
		if !found {
			t.Errorf("%q in %q: no key", tt.word, tt.lead)
		}
	}
}

// TestPhrases checks that two words in a row that a table writes with a
// hyphen meet the table's concept, inflected or not, and only when
// nothing but white space separates them.
func TestPhrases(t *testing.T) {
	lx := defaultLexicon()
	kndr, _ := lx.appendKeys(nil, []byte("кндр"), false, true, true)
	tests := []struct {
		title string
		want  bool
	}{
		{"North Korea launches a ballistic missile", true},
		{"Пуск ракеты из Северной Кореи", true},
		{"В Северную Корею прибыла делегация", true},
		{"Storm hits the north. Korea braces", false},
		{"South Korea launches a satellite", false},
	}
	for _, tt := range tests {
		found := false
		for _, k := range keys(tt.title, "", lx) {
			if slot(k) == slot(kndr[0]) {
				found = true
			}
		}
		if found != tt.want {
			t.Errorf("%q has the concept of КНДР: %v, want %v", tt.title, found, tt.want)
		}
	}
}

// TestNamesMeetAcrossScripts checks spellings of one name in the two
// scripts that share a key: surnames the Russian stemmer cuts short
// ("Косачев" → "косач") meet through their skeleton whatever their case,
// and a name of the tables whose stem another concept also claims
// ("медведев"/"медведь") meets through its written form.
func TestNamesMeetAcrossScripts(t *testing.T) {
	lx := defaultLexicon()
	for _, tt := range []struct{ ru, en string }{
		{"косачев", "kosachev"},   // not in the tables: skeletons
		{"косачевым", "kosachev"}, // instrumental
		{"рогова", "rogov"},       // genitive
		{"медведев", "medvedev"},  // the tables; "медвед" is also the bear's stem
		{"медведевым", "medvedev"},
		{"маск", "musk"}, // "маск" is also the mask's stem
		{"путина", "putin"},
	} {
		ka, _ := lx.appendKeys(nil, []byte(tt.ru), false, true, true)
		kb, _ := lx.appendKeys(nil, []byte(tt.en), false, true, true)
		shared := false
		for _, a := range ka {
			for _, b := range kb {
				shared = shared || slot(a) == slot(b)
			}
		}
		if !shared {
			t.Errorf("%s and %s share no key", tt.ru, tt.en)
		}
	}
}

func TestPackedTerm(t *testing.T) {
	if maxSkeleton >= 1<<(64-packSkeleton) {
		t.Fatalf("maxSkeleton %d does not fit the %d bits packedTerm gives skeletonLen", maxSkeleton, 64-packSkeleton)
	}
	tests := []term{
		{},
		{stop: true},
		{num: true, word: 1<<28 - 1},
		{word: 1<<28 - 1, cross: 1<<28 - 1, concept: true},
		{word: 0x0abcdef, cross: 0x1234567, skeletonLen: maxSkeleton},
		{word: 1, cross: 2, stop: true, num: true, concept: true, skeletonLen: 31},
	}
	for _, want := range tests {
		if got := want.pack().unpack(); got != want {
			t.Errorf("unpack(pack(%+v)) = %+v", want, got)
		}
	}
}

// TestTermCache checks that a cached term is the term computed afresh, on
// the real sets' words, and that a set keeps its most recently used
// words.
func TestTermCache(t *testing.T) {
	lx := defaultLexicon()
	for _, w := range realTokens(t) {
		want := lx.compute(w)
		for range 2 { // the second from the cache
			if got := lx.term([]byte(w)); got != want {
				t.Fatalf("term(%q) = %+v; want %+v", w, got, want)
			}
		}
	}

	var sh termShard
	// Hashes of one set: the same low bits.
	h := func(i int) uint64 { return uint64(i)<<40 | 7 }
	tm := func(i int) term { return term{word: uint32(i), cross: uint32(i) * 3} }
	for i := 1; i <= termWays; i++ {
		sh.put(h(i), tm(i))
	}
	if _, ok := sh.get(h(1)); !ok { // 1 is now the most recently used
		t.Fatal("word 1 missing from a set with room for it")
	}
	sh.put(h(termWays+1), tm(termWays+1)) // drops 2, the least recently used
	for i := 1; i <= termWays+1; i++ {
		got, ok := sh.get(h(i))
		if want := i != 2; ok != want {
			t.Errorf("word %d cached %v; want %v", i, ok, want)
		} else if ok && got != tm(i) {
			t.Errorf("word %d: %+v; want %+v", i, got, tm(i))
		}
	}
	if _, ok := sh.get(h(100)); ok {
		t.Error("a hash never put was found")
	}
	if _, ok := new(termShard).get(0); ok {
		t.Error("an empty shard found hash 0")
	}
}

// realTokens returns the distinct words the tokenizer finds in the copied
// real sets.
func realTokens(t *testing.T) []string {
	t.Helper()
	seen := map[string]bool{}
	var out []string
	for _, it := range realItems(t) {
		var tk tokenizer
		tk.init(it.Title, it.Summary+" "+it.Content)
		for tk.next() {
			if w := string(tk.word()); !seen[w] {
				seen[w] = true
				out = append(out, w)
			}
		}
	}
	return out
}

// realItems returns the items of the copied real sets, of
// testdata/events.txt and of the contest pairs.
func realItems(t *testing.T) []realItem {
	t.Helper()
	var items []realItem
	dirs, err := filepath.Glob(filepath.Join("testdata", "real", "*", "sources.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range dirs {
		set, err := loadRealSet(filepath.Dir(f))
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, set...)
	}
	items = append(items, loadEventsSet(t)...)
	for _, p := range loadTGPairs(t) {
		items = append(items, realItem{Item: p.a}, realItem{Item: p.b})
	}
	return items
}

// A word typed with letters of both scripts that look alike is read in the
// script of most of its letters, so it meets the word typed correctly.
func TestMixedScriptWordsMeetTheirSpelling(t *testing.T) {
	lx := defaultLexicon()
	for _, tc := range []struct{ mixed, clean string }{
		{"Cобрания сторонников", "Собрания сторонников"}, // Latin C
		{"Пpeзидeнт Сербии", "Президент Сербии"},         // Latin p, e
		{"Kpемль", "Кремль"},                                   // Latin K, p
		{"Rоsаtom signs a deal", "Rosatom signs a deal"},       // Cyrillic о, а
		{"the Мinistry of Defence", "the Ministry of Defence"}, // Cyrillic М
	} {
		got, want := keys(tc.mixed, "", lx), keys(tc.clean, "", lx)
		if !slices.Equal(got, want) {
			t.Errorf("keys(%q) = %v, want those of %q: %v", tc.mixed, got, tc.clean, want)
		}
	}
}

// TestInitialismsMeetTheCountry checks that "U.S." and "U.K." in
// American style are the country, not two one-letter words.
func TestInitialismsMeetTheCountry(t *testing.T) {
	lx := defaultLexicon()
	for _, tc := range []struct{ en, ru string }{
		{"U.S. Navy seizes weapons", "США"},
		{"U.K. lockdown", "Великобритания"},
	} {
		ke, kr := keys(tc.en, "", lx), keys(tc.ru, "", lx)
		if !slices.ContainsFunc(ke, func(k key) bool { return slot(k) == slot(kr[0]) }) {
			t.Errorf("keys of %q lack the concept of %q", tc.en, tc.ru)
		}
	}
}

// keysOneByOne is keys as it was before it read the words first: each
// word becomes its keys as the tokenizer gives it.
func keysOneByOne(title, summary string, lx *lexicon) []key {
	kw := keyWriter{lx: lx, ks: make([]key, 0, 96)}
	var tk tokenizer
	tk.init(title, summary)
	for tk.nextKept() {
		t := tk.token()
		kw.add(tk.word(), &t)
	}
	return dedupeKeys(kw.ks)
}

// TestKeysReadWordsFirst checks that keys, which reads an item's words
// before it looks them up, gives the keys of reading them one by one, on
// every item of the real sets and a few made to reach the lead's limit.
func TestKeysReadWordsFirst(t *testing.T) {
	lx := defaultLexicon()
	items := realItems(t)
	long := strings.Repeat("Word us US США 12,5 Ivan Petrov said ", 30)
	items = append(items, realItem{Item: wiredesk.Item{Title: long, Summary: long}},
		realItem{Item: wiredesk.Item{Title: "Пун // " + long, Summary: long}})
	for _, it := range items {
		got, want := keys(it.Title, it.Summary, lx), keysOneByOne(it.Title, it.Summary, lx)
		if !slices.Equal(got, want) {
			t.Fatalf("keys(%q, %q) = %v; one by one %v", it.Title, it.Summary, got, want)
		}
	}
}

// TestTermCacheConcurrent reads and writes one set of the word cache from
// several goroutines: every term found must be its hash's (run with
// -race).
func TestTermCacheConcurrent(t *testing.T) {
	var sh termShard
	h := func(i int) uint64 { return uint64(i)<<40 | 7 }
	tm := func(i int) term { return term{word: uint32(i), cross: uint32(i)*3 + 1} }
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for n := range 20000 {
				i := 1 + (n*(g+1))%(2*termWays)
				if got, ok := sh.get(h(i)); ok && got != tm(i) {
					t.Errorf("word %d: %+v; want %+v", i, got, tm(i))
					return
				}
				sh.put(h(i), tm(i))
			}
		})
	}
	wg.Wait()
}

// TestIsUpper checks isUpper against unicode.IsUpper on every rune.
func TestIsUpper(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if isUpper(r) != unicode.IsUpper(r) {
			t.Fatalf("isUpper(%U) = %v", r, isUpper(r))
		}
	}
}
