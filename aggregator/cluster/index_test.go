package cluster

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wiredesk/wiredesk"
)

var t0 = time.Date(2024, 5, 12, 9, 0, 0, 0, time.UTC)

// wire returns an item of one event as src files it, at t0+at.
func wire(id, src, lang, story string, at time.Duration) wiredesk.Item {
	return wiredesk.Item{
		ID: id, SourceID: src, Language: lang, StoryID: story, Published: t0.Add(at),
		Title:   "Путин и Эрдоган провели переговоры в Кремле",
		Summary: "МОСКВА, 12 мая. /ТАСС/. Президент России Владимир Путин и президент Турции Реджеп Тайип Эрдоган провели в Кремле переговоры о поставках газа и АЭС Аккую.",
	}
}

func TestMatch(t *testing.T) {
	paraphrase := wiredesk.Item{
		ID: "ria/1", SourceID: "ria", Language: "ru", Published: t0.Add(time.Hour),
		Title:   "Эрдоган прибыл в Кремль на переговоры с Путиным",
		Summary: "МОСКВА, 12 мая - РИА Новости. Турецкий лидер Реджеп Тайип Эрдоган прибыл в Кремль на переговоры с Владимиром Путиным о газе и АЭС Аккую.",
	}
	unrelated := wiredesk.Item{
		ID: "ria/2", SourceID: "ria", Language: "ru", Published: t0.Add(time.Hour),
		Title:   "Два человека погибли при пожаре в жилом доме в Марьине",
		Summary: "Пожар произошел в квартире на девятом этаже, эвакуированы 40 жильцов.",
	}
	english := wiredesk.Item{
		ID: "rferl/1", SourceID: "rferl", Language: "en", Published: t0.Add(2 * time.Hour),
		Title:   "Erdogan holds talks with Putin in the Kremlin",
		Summary: "MOSCOW -- Turkish President Recep Tayyip Erdogan and Russian President Vladimir Putin held talks in the Kremlin on gas supplies and the Akkuyu nuclear power plant.",
	}
	tests := []struct {
		name    string
		indexed []wiredesk.Item
		opt     Options
		item    wiredesk.Item
		want    string // "" for no match
	}{
		{"paraphrase from another wire joins", []wiredesk.Item{wire("tass/1", "tass", "ru", "S1", 0)}, Options{}, paraphrase, "S1"},
		{"unrelated text starts a story", []wiredesk.Item{wire("tass/1", "tass", "ru", "S1", 0)}, Options{}, unrelated, ""},
		{"the same source needs more", []wiredesk.Item{wire("ria/0", "ria", "ru", "S1", 0)}, Options{Threshold: 0.76}, paraphrase, ""},
		{"an English report joins a Russian one", []wiredesk.Item{wire("tass/1", "tass", "ru", "S1", 0)}, Options{}, english, "S1"},
		{"a mislabelled language is read from the text", []wiredesk.Item{wire("tass/1", "tass", "en", "S1", 0)}, Options{}, paraphrase, "S1"},
		{"outside the window", []wiredesk.Item{wire("tass/1", "tass", "ru", "S1", -37*time.Hour)}, Options{}, paraphrase, ""},
		{"inside a custom window", []wiredesk.Item{wire("tass/1", "tass", "ru", "S1", -30*time.Hour)}, Options{Window: 48 * time.Hour}, paraphrase, "S1"},
		{"outside a custom window", []wiredesk.Item{wire("tass/1", "tass", "ru", "S1", -3*time.Hour)}, Options{Window: time.Hour}, paraphrase, ""},
		{"window counts forward too", []wiredesk.Item{wire("tass/1", "tass", "ru", "S1", 40*time.Hour)}, Options{}, paraphrase, ""},
		{"a high threshold refuses the paraphrase", []wiredesk.Item{wire("tass/1", "tass", "ru", "S1", 0)}, Options{Threshold: 0.99999}, paraphrase, ""},
		{"of equally likely stories the earliest wins", []wiredesk.Item{
			wire("interfax/1", "interfax", "ru", "LATE", 30*time.Minute),
			wire("tass/1", "tass", "ru", "EARLY", 30*time.Minute),
		}, Options{}, paraphrase, "EARLY"},
		{"same canonical link joins whatever the text", []wiredesk.Item{
			func() wiredesk.Item {
				w := wire("tass/1", "tass", "ru", "S1", 0)
				w.Link = "https://example.org/a"
				return w
			}(),
		}, Options{}, func() wiredesk.Item { u := unrelated; u.Link = "https://example.org/a"; return u }(), "S1"},
		{"empty index", nil, Options{}, paraphrase, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := New(tt.opt)
			for _, it := range tt.indexed {
				x.Add(it)
			}
			got, ok := x.Match(tt.item)
			if ok != (tt.want != "") || got != tt.want {
				t.Errorf("Match = %q, %v; want %q, %v", got, ok, tt.want, tt.want != "")
			}
		})
	}
}

func TestAddEvictLen(t *testing.T) {
	x := New(Options{})
	x.Add(wire("tass/1", "tass", "ru", "S1", 0))
	x.Add(wire("tass/1", "tass", "ru", "S1", 0)) // same ID: no-op
	x.Add(wire("", "tass", "ru", "S1", 0))       // no ID: ignored
	x.Add(wire("tass/2", "tass", "ru", "", 0))   // no story: ignored
	if got := x.Len(); got != 1 {
		t.Fatalf("Len after duplicate adds = %d; want 1", got)
	}
	for i := range 9 {
		x.Add(wire(fmt.Sprintf("interfax/%d", i), "interfax", "ru", fmt.Sprintf("S%d", i+2), time.Duration(i+1)*time.Hour))
	}
	if got := x.Len(); got != 10 {
		t.Fatalf("Len = %d; want 10", got)
	}
	if got := x.Evict(t0); got != 0 {
		t.Errorf("Evict(t0) = %d; want 0 (nothing is older)", got)
	}
	// Drop tass/1 (t0) and interfax/0..4 (t0+1h..5h): 6 items; that also
	// compacts (6 dead ≥ 4 live).
	if got := x.Evict(t0.Add(5*time.Hour + time.Minute)); got != 6 {
		t.Errorf("Evict = %d; want 6", got)
	}
	if got := x.Len(); got != 4 {
		t.Errorf("Len after Evict = %d; want 4", got)
	}
	// The evicted TASS item no longer matches; a remaining Interfax one does.
	p := wire("ria/1", "ria", "ru", "", 5*time.Hour)
	if got, ok := x.Match(p); !ok || got != "S7" {
		t.Errorf("Match after Evict = %q, %v; want the earliest remaining story S7", got, ok)
	}
	// An evicted ID may be added again.
	x.Add(wire("tass/1", "tass", "ru", "S1", 0))
	if got := x.Len(); got != 5 {
		t.Errorf("Len after re-adding an evicted item = %d; want 5", got)
	}
	if got, ok := x.Match(p); !ok || got != "S7" {
		t.Errorf("Match = %q, %v; want S7 (nearer in time than the re-added S1)", got, ok)
	}
	if got := x.Evict(t0.Add(100 * time.Hour)); got != 5 {
		t.Errorf("Evict(all) = %d; want 5", got)
	}
	if got := x.Len(); got != 0 {
		t.Errorf("Len = %d; want 0", got)
	}
	if _, ok := x.Match(p); ok {
		t.Errorf("Match on an emptied index found a story")
	}
}

func TestConcurrentUse(t *testing.T) {
	x := New(Options{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 200 {
				src := fmt.Sprintf("src%d", w)
				it := wire(fmt.Sprintf("%s/%d", src, i), src, "ru", fmt.Sprintf("S%d-%d", w, i), time.Duration(i)*time.Minute)
				x.Match(it)
				x.Add(it)
				if i%50 == 49 {
					x.Evict(t0.Add(time.Duration(i-20) * time.Minute))
				}
			}
		})
	}
	wg.Wait()
	if n := x.Len(); n <= 0 || n > 800 {
		t.Errorf("Len = %d after concurrent use; want 1..800", n)
	}
}

func TestDeterministic(t *testing.T) {
	// The same sequence gives the same stories, whatever the map order.
	run := func() []string {
		x := New(Options{})
		var got []string
		for i := range 30 {
			src := []string{"tass", "ria", "interfax"}[i%3]
			it := wire(fmt.Sprintf("%s/%d", src, i), src, "ru", "", time.Duration(i)*time.Minute)
			id, ok := x.Match(it)
			if !ok {
				id = fmt.Sprintf("new-%d", i)
			}
			it.StoryID = id
			x.Add(it)
			got = append(got, id)
		}
		return got
	}
	first := run()
	for range 5 {
		if got := run(); !slices.Equal(got, first) {
			t.Fatalf("stories differ between runs: %v vs %v", got, first)
		}
	}
	if first[1] != "new-0" || first[0] != "new-0" {
		t.Errorf("second item joined %q; want the first story new-0", first[1])
	}
}

// TestCandidatesOfEachLanguage checks that reports in another language
// stay among a Match's candidates when more items of the new item's own
// language share more of its words: those share word keys as well as
// concepts, and would otherwise fill every place.
func TestCandidatesOfEachLanguage(t *testing.T) {
	x := New(Options{})
	for i := range maxCandidates + 4 {
		x.Add(wiredesk.Item{
			ID: fmt.Sprintf("en/%d", i), SourceID: fmt.Sprintf("en%d", i), Language: "en", StoryID: fmt.Sprintf("E%d", i),
			Published: t0.Add(time.Duration(i) * time.Minute),
			Title:     "Erdogan holds talks with Putin in the Kremlin on Akkuyu",
			Summary:   "Turkish President Recep Tayyip Erdogan held talks on gas supplies and the Akkuyu plant.",
		})
	}
	ru := wire("tass/1", "tass", "ru", "R", 0)
	x.Add(ru)
	q := wiredesk.Item{
		ID: "rferl/1", SourceID: "rferl", Language: "en", Published: t0.Add(time.Hour),
		Title:   "Erdogan holds talks with Putin in the Kremlin on Akkuyu",
		Summary: "Turkish President Recep Tayyip Erdogan held talks on gas supplies and the Akkuyu plant.",
	}
	ks := keys(q.Title, q.Summary, x.lx)
	x.mu.RLock()
	defer x.mu.RUnlock()
	query := query{keys: ks, unix: unixOf(q), item: hash64(q.ID), source: x.lookup(q.SourceID), lang: x.lookup(itemLanguage(q))}
	x.prepare(&query)
	cands := x.candidates(&query)
	if !slices.ContainsFunc(cands, func(c int32) bool { return x.entries[c].id == hash64(ru.ID) }) {
		t.Errorf("the Russian report is not among the %d candidates", len(cands))
	}
	if len(cands) > 2*maxCandidates {
		t.Errorf("%d candidates; want at most %d", len(cands), 2*maxCandidates)
	}
}

func TestItemLanguage(t *testing.T) {
	for _, tt := range []struct {
		lang, title, want string
	}{
		{"en-US", "Tajik leader opens third turbine at giant Rogun dam", "en"},
		{"en_GB", "Tajik leader opens third turbine at giant Rogun dam", "en"},
		{"EN", "Tajik leader opens third turbine at giant Rogun dam", "en"},
		{"en", "Рахмон открыл третий агрегат Рогунской ГЭС", "ru"},
		{"ru-RU", "Tajik leader opens third turbine at giant Rogun dam", "en"},
		{"de-AT", "Tadschikischer Präsident eröffnet dritte Turbine", "de"},
		{"", "Tajik leader opens third turbine", ""},
	} {
		if got := itemLanguage(wiredesk.Item{Language: tt.lang, Title: tt.title}); got != tt.want {
			t.Errorf("itemLanguage(%q, %q) = %q; want %q", tt.lang, tt.title, got, tt.want)
		}
	}
}
