package publisher

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/wiredesk/wiredesk"
)

var curateNow = time.Date(2024, 3, 10, 12, 0, 0, 0, time.UTC)

func testSources() map[string]wiredesk.Source {
	return map[string]wiredesk.Source{
		"interfax": {ID: "interfax", Name: "Interfax", Language: "ru", Tags: []string{"wire", "russia"}, Interval: 2 * time.Minute},
		"tass":     {ID: "tass", Name: "TASS", Language: "ru", Tags: []string{"wire"}, Interval: 5 * time.Minute},
		"rferl":    {ID: "rferl", Name: "RFE/RL", Language: "en", Tags: []string{"radio"}, Interval: 10 * time.Minute},
	}
}

// item builds a one-item story; age is how long before curateNow it was
// published.
func story(id, source, title string, age time.Duration, mods ...func(*wiredesk.Item)) wiredesk.Story {
	it := wiredesk.Item{ID: source + "/" + id, SourceID: source, Title: title, Published: curateNow.Add(-age), FirstSeen: curateNow.Add(-age), StoryID: id}
	for _, m := range mods {
		m(&it)
	}
	return wiredesk.Story{ID: id, Created: it.FirstSeen, Items: []wiredesk.Item{it}}
}

func withSummary(s string) func(*wiredesk.Item) { return func(it *wiredesk.Item) { it.Summary = s } }
func withCategories(c ...string) func(*wiredesk.Item) {
	return func(it *wiredesk.Item) { it.Categories = c }
}
func withLanguage(l string) func(*wiredesk.Item) { return func(it *wiredesk.Item) { it.Language = l } }

func TestCurate(t *testing.T) {
	type want struct {
		picked  []string          // story ids picked, in order
		reasons map[string]string // story id → drop reason
	}
	tests := []struct {
		name    string
		spec    wiredesk.Feed
		stories []wiredesk.Story
		want    want
	}{
		{
			name: "whole words",
			spec: wiredesk.Feed{Include: []string{"Nazarbaev"}},
			stories: []wiredesk.Story{
				story("a", "interfax", "Nazarbaev met the minister", time.Hour),
				story("b", "interfax", "Dariga Nazarbaeva speaks", 2*time.Hour),
				story("c", "interfax", "Talks", 3*time.Hour, withSummary("…said nazarbaev.")),
			},
			want: want{picked: []string{"a", "c"}, reasons: map[string]string{"b": "no include pattern matched"}},
		},
		{
			name: "Cyrillic whole words, any case",
			spec: wiredesk.Feed{Include: []string{"назарбаев"}},
			stories: []wiredesk.Story{
				story("a", "interfax", "НАЗАРБАЕВ встретился с министром", time.Hour),
				story("b", "interfax", "Дарига Назарбаева выступила", 2*time.Hour),
				story("c", "interfax", "Сказал Назарбаев.", 3*time.Hour),
				story("d", "interfax", "Переназарбаев", 4*time.Hour),
			},
			want: want{picked: []string{"a", "c"}, reasons: map[string]string{"b": "no include pattern matched", "d": "no include pattern matched"}},
		},
		{
			name: "phrase",
			spec: wiredesk.Feed{Include: []string{"Central Asia"}},
			stories: []wiredesk.Story{
				story("a", "interfax", "Drought in Central  Asia", time.Hour),
				story("b", "interfax", "Central Asian markets", 2*time.Hour),
			},
			want: want{picked: []string{"a"}, reasons: map[string]string{"b": "no include pattern matched"}},
		},
		{
			name: "wildcards",
			spec: wiredesk.Feed{Include: []string{"Kazakh*", "*stan", "Кыргыз*"}},
			stories: []wiredesk.Story{
				story("a", "interfax", "Kazakhstan votes", time.Hour),
				story("b", "interfax", "Kazakhs vote", 2*time.Hour),
				story("c", "interfax", "Uzbekistan votes", 3*time.Hour),
				story("d", "interfax", "Кыргызстан голосует", 4*time.Hour),
				story("e", "interfax", "Anti-Kazakh sentiment", 5*time.Hour),
				story("f", "interfax", "Stanford study", 6*time.Hour),
				story("g", "interfax", "Turkmen gas", 7*time.Hour),
			},
			want: want{picked: []string{"a", "b", "c", "d", "e"}, reasons: map[string]string{
				"f": "no include pattern matched", "g": "no include pattern matched"}},
		},
		{
			name: "regex",
			spec: wiredesk.Feed{Include: []string{`/astana|nur-?sultan/`}},
			stories: []wiredesk.Story{
				story("a", "interfax", "Flights to ASTANA resume", time.Hour),
				story("b", "interfax", "Nursultan airport", 2*time.Hour),
				story("c", "interfax", "Almaty airport", 3*time.Hour),
			},
			want: want{picked: []string{"a", "b"}, reasons: map[string]string{"c": "no include pattern matched"}},
		},
		{
			name: "categories are matched",
			spec: wiredesk.Feed{Include: []string{"economy"}},
			stories: []wiredesk.Story{
				story("a", "interfax", "Tenge falls", time.Hour, withCategories("Politics", "Economy")),
				story("b", "interfax", "Tenge falls", 2*time.Hour, withCategories("Politics")),
			},
			want: want{picked: []string{"a"}, reasons: map[string]string{"b": "no include pattern matched"}},
		},
		{
			name: "exclude wins",
			spec: wiredesk.Feed{Include: []string{"Kazakh*"}, Exclude: []string{"sport", "/футбол/"}},
			stories: []wiredesk.Story{
				story("a", "interfax", "Kazakhstan wins gold", time.Hour, withCategories("Sport")),
				story("b", "interfax", "Kazakhstan economy", 2*time.Hour),
				story("c", "interfax", "Kazakh футболисты", 3*time.Hour),
				story("d", "interfax", "Sporting news", 4*time.Hour),
			},
			want: want{picked: []string{"b"}, reasons: map[string]string{
				"a": "excluded by 'sport'", "c": "excluded by '/футбол/'", "d": "no include pattern matched"}},
		},
		{
			name: "sources",
			spec: wiredesk.Feed{Sources: []string{"interfax"}},
			stories: []wiredesk.Story{
				story("a", "interfax", "One", time.Hour),
				story("b", "tass", "Two", 2*time.Hour),
			},
			want: want{picked: []string{"a"}, reasons: map[string]string{"b": "source tass not in feed"}},
		},
		{
			name: "tags",
			spec: wiredesk.Feed{Tags: []string{"Wire"}},
			stories: []wiredesk.Story{
				story("a", "interfax", "One", time.Hour),
				story("b", "tass", "Two", 2*time.Hour),
				story("c", "rferl", "Three", 3*time.Hour),
			},
			want: want{picked: []string{"a", "b"}, reasons: map[string]string{"c": "source rferl not in feed"}},
		},
		{
			name: "sources or tags",
			spec: wiredesk.Feed{Sources: []string{"rferl"}, Tags: []string{"russia"}},
			stories: []wiredesk.Story{
				story("a", "interfax", "One", time.Hour),
				story("b", "tass", "Two", 2*time.Hour),
				story("c", "rferl", "Three", 3*time.Hour),
			},
			want: want{picked: []string{"a", "c"}, reasons: map[string]string{"b": "source tass not in feed"}},
		},
		{
			name: "all configured sources",
			spec: wiredesk.Feed{},
			stories: []wiredesk.Story{
				story("a", "interfax", "One", time.Hour),
				story("b", "gone", "Two", 2*time.Hour),
			},
			want: want{picked: []string{"a"}, reasons: map[string]string{"b": "source gone not configured"}},
		},
		{
			name: "languages",
			spec: wiredesk.Feed{Languages: []string{"ru"}},
			stories: []wiredesk.Story{
				story("a", "interfax", "Один", time.Hour),
				story("b", "rferl", "Two", 2*time.Hour),
				story("c", "rferl", "Три", 3*time.Hour, withLanguage("ru-RU")),
				story("d", "interfax", "Four", 4*time.Hour, withLanguage("en")),
			},
			want: want{picked: []string{"a", "c"}, reasons: map[string]string{
				"b": "language en not in [ru]", "d": "language en not in [ru]"}},
		},
		{
			name: "max_age",
			spec: wiredesk.Feed{MaxAge: 48 * time.Hour},
			stories: []wiredesk.Story{
				story("a", "interfax", "Fresh", 47*time.Hour),
				story("b", "interfax", "Stale", 49*time.Hour),
			},
			want: want{picked: []string{"a"}, reasons: map[string]string{"b": "older than max_age 48h"}},
		},
		{
			name: "limit keeps the newest",
			spec: wiredesk.Feed{Limit: 2, Exclude: []string{"sport"}},
			stories: []wiredesk.Story{
				story("old", "interfax", "Old", 3*time.Hour),
				story("new", "interfax", "New", time.Hour),
				story("mid", "interfax", "Mid", 2*time.Hour),
				story("sp", "interfax", "Sport", 30*time.Minute),
				story("older", "interfax", "Older", 4*time.Hour),
			},
			want: want{picked: []string{"new", "mid"}, reasons: map[string]string{
				"old": "beyond limit 2", "older": "beyond limit 2", "sp": "excluded by 'sport'"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.spec.Slug = "test"
			tt.spec.Cluster = true
			ds := Curate(tt.spec, tt.stories, testSources(), curateNow)
			if len(ds) != len(tt.stories) {
				t.Fatalf("Curate returned %d decisions; want %d", len(ds), len(tt.stories))
			}
			var picked []string
			reasons := map[string]string{}
			for i, d := range ds {
				if d.Picked {
					if i != len(picked) {
						t.Errorf("picked story %s at position %d, after a dropped one", d.Story.ID, i)
					}
					picked = append(picked, d.Story.ID)
					if d.Reason != "" {
						t.Errorf("picked story %s has reason %q", d.Story.ID, d.Reason)
					}
					continue
				}
				reasons[d.Story.ID] = d.Reason
			}
			if !slices.Equal(picked, tt.want.picked) {
				t.Errorf("picked %v; want %v", picked, tt.want.picked)
			}
			for id, got := range reasons {
				if want, ok := tt.want.reasons[id]; !ok || got != want {
					t.Errorf("story %s dropped with %q; want %q", id, got, want)
				}
			}
		})
	}
}

func TestCurateStoryWithSeveralItems(t *testing.T) {
	st := story("s1", "interfax", "Kazakhstan football final", time.Hour, withCategories("sport"))
	tass := story("x", "tass", "Kazakhstan final", 50*time.Minute).Items[0]
	rferl := story("y", "rferl", "Kazakhstan final", 40*time.Minute).Items[0]
	st.Items = append(st.Items, tass, rferl)
	spec := wiredesk.Feed{Slug: "ca", Sources: []string{"interfax", "tass"}, Include: []string{"Kazakh*"}, Exclude: []string{"sport"}, Cluster: true}

	ds := Curate(spec, []wiredesk.Story{st}, testSources(), curateNow)
	if len(ds) != 1 {
		t.Fatalf("got %d decisions; want 1", len(ds))
	}
	d := ds[0]
	if !d.Picked {
		t.Errorf("story not picked (%q); want picked because the TASS item passes", d.Reason)
	}
	if want := []bool{false, true, false}; !slices.Equal(d.Eligible, want) {
		t.Errorf("Eligible = %v; want %v", d.Eligible, want)
	}
	if want := []string{"excluded by 'sport'", "", "source rferl not in feed"}; !slices.Equal(d.ItemReasons, want) {
		t.Errorf("ItemReasons = %q; want %q", d.ItemReasons, want)
	}

	spec.Sources = []string{"interfax"}
	d = Curate(spec, []wiredesk.Story{st}, testSources(), curateNow)[0]
	if want := "excluded by 'sport'; source tass not in feed; source rferl not in feed"; d.Picked || d.Reason != want {
		t.Errorf("Picked = %v, Reason = %q; want dropped with %q", d.Picked, d.Reason, want)
	}
}

func TestCurateUnclustered(t *testing.T) {
	st := story("s1", "interfax", "Kazakhstan", 2*time.Hour)
	second := story("x", "tass", "Kazakhstan too", time.Hour).Items[0]
	third := story("y", "tass", "Sport in Kazakhstan", 30*time.Minute).Items[0]
	st.Items = append(st.Items, second, third)
	spec := wiredesk.Feed{Slug: "items", Exclude: []string{"sport"}, Cluster: false}

	ds := Curate(spec, []wiredesk.Story{st}, testSources(), curateNow)
	var got []string
	for _, d := range ds {
		if len(d.Story.Items) != 1 {
			t.Fatalf("decision for %s has %d items; want 1", d.Story.ID, len(d.Story.Items))
		}
		got = append(got, fmt.Sprintf("%s:%v:%s", d.Story.ID, d.Picked, d.Reason))
	}
	want := []string{"tass/x:true:", "interfax/s1:true:", "tass/y:false:excluded by 'sport'"}
	if !slices.Equal(got, want) {
		t.Errorf("decisions = %q; want %q", got, want)
	}
}

// A wire that floods must not push the others out of a feed of several
// wires: max_per_source caps the live entries each source leads.
func TestCurateMaxPerSource(t *testing.T) {
	flood := func(n int) []wiredesk.Story {
		var out []wiredesk.Story
		for i := range n {
			out = append(out, story(fmt.Sprintf("f%02d", i), "interfax", "Flood", time.Duration(i+1)*time.Minute))
		}
		return out
	}
	others := []wiredesk.Story{
		story("t1", "tass", "Older TASS report", 3*time.Hour),
		story("r1", "rferl", "Older RFE/RL report", 4*time.Hour),
	}
	tests := []struct {
		name        string
		limit, cap  int
		wantPicked  []string // ids, newest first
		wantDropped map[string]string
	}{
		{
			name: "no cap: the flood fills the feed", limit: 4, cap: 0,
			wantPicked:  []string{"f00", "f01", "f02", "f03"},
			wantDropped: map[string]string{"t1": "beyond limit 4", "r1": "beyond limit 4"},
		},
		{
			name: "cap 2: the others keep their place", limit: 4, cap: 2,
			wantPicked:  []string{"f00", "f01", "t1", "r1"},
			wantDropped: map[string]string{"f02": "beyond max_per_source 2 for interfax", "f09": "beyond max_per_source 2 for interfax"},
		},
		{
			name: "the limit still applies", limit: 3, cap: 2,
			wantPicked:  []string{"f00", "f01", "t1"},
			wantDropped: map[string]string{"r1": "beyond limit 3"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := wiredesk.Feed{Slug: "all", Limit: tt.limit, MaxPerSource: tt.cap, Cluster: true}
			ds := Curate(spec, append(flood(10), others...), testSources(), curateNow)
			var picked []string
			reasons := map[string]string{}
			for _, d := range ds {
				if d.Picked {
					picked = append(picked, d.Story.ID)
				}
				reasons[d.Story.ID] = d.Reason
			}
			if !slices.Equal(picked, tt.wantPicked) {
				t.Errorf("picked %q; want %q", picked, tt.wantPicked)
			}
			for id, want := range tt.wantDropped {
				if got := reasons[id]; got != want {
					t.Errorf("story %s: reason %q; want %q", id, got, want)
				}
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name string
		spec wiredesk.Feed
		want string
	}{
		{"bad regex", wiredesk.Feed{Slug: "f", Include: []string{"/(unclosed/"}}, `feed f: include: pattern "/(unclosed/"`},
		{"empty", wiredesk.Feed{Slug: "f", Exclude: []string{" "}}, `feed f: exclude: pattern " ": empty`},
		{"empty regex", wiredesk.Feed{Slug: "f", Exclude: []string{"//"}}, `feed f: exclude: pattern "//": empty regular expression`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compile(tt.spec)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("Compile error = %v; want prefix %q", err, tt.want)
			}
			ds := Curate(tt.spec, []wiredesk.Story{story("a", "tass", "x", time.Hour)}, nil, curateNow)
			if ds[0].Picked || !strings.HasPrefix(ds[0].Reason, "invalid rules: ") {
				t.Errorf("Curate with bad rules: Picked = %v, Reason = %q; want dropped as invalid", ds[0].Picked, ds[0].Reason)
			}
		})
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// FuzzPattern checks what a pattern promises, for any pattern and text:
// a word pattern always compiles, matches its own words written in a
// sentence in any case, and a pattern matches the same text whether it stands in the
// title, the summary or a category. Word patterns ignore case.
func FuzzPattern(f *testing.F) {
	for _, s := range []string{"Nazarbaev", "Kazakh*", "/a|b/", "Central Asia", "*", "назарбаев", "Central\u00a0Asia", "a+b (c)"} {
		f.Add(s, "Nazarbaev met Kazakh leaders in Central Asia")
	}
	f.Fuzz(func(t *testing.T, pat, text string) {
		if !utf8.ValidString(pat) || !utf8.ValidString(text) {
			return // config files are UTF-8 (the TOML decoder refuses the rest)
		}
		trimmed := strings.TrimSpace(pat)
		regex := len(trimmed) >= 2 && strings.HasPrefix(trimmed, "/") && strings.HasSuffix(trimmed, "/")
		ps, err := compilePatterns([]string{pat})
		if err != nil {
			if !regex && trimmed != "" {
				t.Fatalf("word pattern %q: %v; want it to compile (its text is quoted)", pat, err)
			}
			return
		}
		_, inTitle := match(ps, wiredesk.Item{Title: text})
		_, inSummary := match(ps, wiredesk.Item{Summary: text})
		_, inCategory := match(ps, wiredesk.Item{Categories: []string{text}})
		if inTitle != inSummary || inTitle != inCategory {
			t.Errorf("pattern %q on %q: title %v, summary %v, category %v; want the same", pat, text, inTitle, inSummary, inCategory)
		}
		if regex {
			return
		}
		// The pattern's own words, '*' matching nothing, between spaces.
		own := " " + strings.Join(strings.Fields(strings.ReplaceAll(trimmed, "*", "")), " ") + " "
		if strings.TrimSpace(own) == "" {
			return // a pattern of stars and spaces only
		}
		if _, ok := match(ps, wiredesk.Item{Title: own}); !ok {
			t.Errorf("word pattern %q does not match its own words %q", pat, own)
		}
		// Case does not matter (checked on ASCII, where upper case is one
		// letter's other case; Unicode has letters like ı whose upper case
		// folds elsewhere).
		if upper := strings.ToUpper(own); isASCII(own) {
			if _, ok := match(ps, wiredesk.Item{Title: upper}); !ok {
				t.Errorf("word pattern %q does not match its own words in upper case %q", pat, upper)
			}
		}
	})
}

// TestCurateMarks checks that an editor's marks change what a feed
// publishes: a spike (from this feed or all) drops the story, a spike
// from another feed does not, a live pin puts the story first and an
// expired one does not, and a headline override is the entry's title.
func TestCurateMarks(t *testing.T) {
	spec := wiredesk.Feed{Slug: "central-asia", Cluster: true}
	mark := func(st wiredesk.Story, m wiredesk.StoryMarks) wiredesk.Story { st.Marks = m; return st }
	tests := []struct {
		name       string
		marks      wiredesk.StoryMarks
		wantPicked []string
		wantReason string // of k3
	}{
		{"none", wiredesk.StoryMarks{}, []string{"k1", "k2", "k3"}, ""},
		{"spiked here", wiredesk.StoryMarks{Spiked: []string{"central-asia"}, By: "anna"}, []string{"k1", "k2"}, "spiked by anna"},
		{"spiked everywhere", wiredesk.StoryMarks{SpikedAll: true}, []string{"k1", "k2"}, "spiked by an editor"},
		{"spiked elsewhere", wiredesk.StoryMarks{Spiked: []string{"other"}}, []string{"k1", "k2", "k3"}, ""},
		{"pinned", wiredesk.StoryMarks{Pins: map[string]time.Time{"central-asia": curateNow.Add(time.Hour)}}, []string{"k3", "k1", "k2"}, ""},
		{"pin expired", wiredesk.StoryMarks{Pins: map[string]time.Time{"central-asia": curateNow}}, []string{"k1", "k2", "k3"}, ""},
		{"pinned elsewhere", wiredesk.StoryMarks{Pins: map[string]time.Time{"other": curateNow.Add(time.Hour)}}, []string{"k1", "k2", "k3"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sts := testStories(3)
			sts[2] = mark(sts[2], tt.marks)
			var picked []string
			reason := ""
			for _, d := range Curate(spec, sts, testSources(), curateNow) {
				if d.Picked {
					picked = append(picked, d.Story.ID)
				}
				if d.Story.ID == "k3" {
					reason = d.Reason
				}
			}
			if !slices.Equal(picked, tt.wantPicked) {
				t.Errorf("picked %v; want %v", picked, tt.wantPicked)
			}
			if reason != tt.wantReason {
				t.Errorf("k3 reason %q; want %q", reason, tt.wantReason)
			}
		})
	}
}

func TestHeadlineOverride(t *testing.T) {
	for _, cluster := range []bool{true, false} {
		spec := wiredesk.Feed{Slug: "f", Cluster: cluster}
		st := story("k1", "interfax", "Machine headline", time.Hour)
		st.Marks.Headline = "Editor's headline"
		st.Marks.At = curateNow
		ds := Curate(spec, []wiredesk.Story{st}, testSources(), curateNow)
		e := entryOf(spec, ds[0], EntryContext{BaseURL: testBase, Sources: testSources()})
		if e.Title != "Editor's headline" {
			t.Errorf("cluster %v: entry title %q; want the editor's headline", cluster, e.Title)
		}
		if !e.Updated.Equal(curateNow) {
			t.Errorf("cluster %v: entry updated %v; want the headline's time %v", cluster, e.Updated, curateNow)
		}
	}
}
