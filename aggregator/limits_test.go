package aggregator

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/wiredesk/wiredesk"
)

func TestCutText(t *testing.T) {
	tests := []struct {
		name string
		in   string
		n    int
		want string
	}{
		{"fits", "Astana", 6, "Astana"},
		{"no limit", strings.Repeat("x", 100), 0, strings.Repeat("x", 100)},
		{"ASCII", "abcdefghij", 8, "abcde…"},
		// "Токаев" is two bytes a letter: 9 bytes leave 6 for text, three letters.
		{"Cyrillic at a boundary", "Токаев", 9, "Ток…"},
		// 10 bytes leave 7: the eighth byte would split "а", so 6.
		{"Cyrillic inside a letter", "Токаев", 10, "Ток…"},
		{"limit below the ellipsis", "Токаев", 2, "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cutText(tt.in, tt.n)
			if got != tt.want {
				t.Errorf("cutText(%q, %d) = %q; want %q", tt.in, tt.n, got, tt.want)
			}
			if !utf8.ValidString(got) {
				t.Errorf("cutText(%q, %d) = %q is not valid UTF-8", tt.in, tt.n, got)
			}
		})
	}
}

func TestCutHTML(t *testing.T) {
	tests := []struct {
		name string
		in   string
		n    int
		want string
	}{
		{"fits", "<p>Астана</p>", 100, "<p>Астана</p>"},
		{"inside text", "<p>abcdefghijkl</p>", 13, "<p>abcdefg…"},
		{"inside a tag", `<p>ab</p><a href="https://x.example/">x</a>`, 20, "<p>ab</p>…"},
		{"inside an entity", "<p>a &amp; b</p>", 12, "<p>a …"},
		{"after an entity", "<p>a &amp; b and more</p>", 15, "<p>a &amp; b…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cutHTML(tt.in, tt.n)
			if got != tt.want {
				t.Errorf("cutHTML(%q, %d) = %q; want %q", tt.in, tt.n, got, tt.want)
			}
			if len(got) > max(tt.n, len(ellipsis)) {
				t.Errorf("cutHTML(%q, %d) = %d bytes; want at most %d", tt.in, tt.n, len(got), tt.n)
			}
		})
	}
}

// TestLimitsApply checks that a flood keeps the newest items, in document
// order, and that texts and hostile identity keys are bounded.
func TestLimitsApply(t *testing.T) {
	base := time.Date(2025, 6, 10, 12, 0, 0, 0, time.UTC)
	item := func(key string, ageMin int) wiredesk.Item {
		return wiredesk.Item{Key: key, Title: "t " + key, Published: base.Add(-time.Duration(ageMin) * time.Minute)}
	}
	tests := []struct {
		name        string
		lim         Limits
		in          []wiredesk.Item
		wantKeys    []string
		wantDropped int
	}{
		{
			name:     "under the limit: all, unchanged order",
			lim:      Limits{MaxItems: 5},
			in:       []wiredesk.Item{item("a", 3), item("b", 1), item("c", 2)},
			wantKeys: []string{"a", "b", "c"},
		},
		{
			name:        "over the limit: the newest, in document order",
			lim:         Limits{MaxItems: 2},
			in:          []wiredesk.Item{item("old", 30), item("new", 1), item("oldest", 60), item("newer", 5)},
			wantKeys:    []string{"new", "newer"},
			wantDropped: 2,
		},
		{
			name:        "ties keep the earlier item",
			lim:         Limits{MaxItems: 1},
			in:          []wiredesk.Item{item("first", 1), item("second", 1)},
			wantKeys:    []string{"first"},
			wantDropped: 1,
		},
		{
			name:        "an identity key bbolt would refuse is dropped",
			lim:         Limits{},
			in:          []wiredesk.Item{item("ok", 1), item(strings.Repeat("g", maxKeyBytes+1), 1)},
			wantKeys:    []string{"ok"},
			wantDropped: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := slices.Clone(tt.in)
			got, dropped := tt.lim.apply(in)
			var keys []string
			for _, it := range got {
				keys = append(keys, it.Key)
			}
			if !slices.Equal(keys, tt.wantKeys) || dropped != tt.wantDropped {
				t.Errorf("apply = %q, dropped %d; want %q, dropped %d", keys, dropped, tt.wantKeys, tt.wantDropped)
			}
			if !slices.EqualFunc(in, tt.in, func(a, b wiredesk.Item) bool { return a.Key == b.Key }) {
				t.Errorf("apply reordered its input")
			}
		})
	}

	t.Run("texts are cut", func(t *testing.T) {
		it := wiredesk.Item{Key: "k", Title: strings.Repeat("Т", 5<<20), Summary: strings.Repeat("s", 100), Content: "<p>" + strings.Repeat("c", 100) + "</p>"}
		got, _ := Limits{MaxTitle: 2000, MaxSummary: 50, MaxContent: 60}.apply([]wiredesk.Item{it})
		for _, f := range []struct {
			name string
			s    string
			max  int
		}{{"title", got[0].Title, 2000}, {"summary", got[0].Summary, 50}, {"content", got[0].Content, 60}} {
			if len(f.s) > f.max || !strings.HasSuffix(f.s, ellipsis) || !utf8.ValidString(f.s) {
				t.Errorf("%s: %d bytes, ends %q; want at most %d valid bytes ending in …", f.name, len(f.s), f.s[max(0, len(f.s)-8):], f.max)
			}
		}
	})
}

// BenchmarkLimitsFlood measures selecting the newest 500 of a 185,000-item
// flood, the case of issue 11.
func BenchmarkLimitsFlood(b *testing.B) {
	base := time.Date(2025, 6, 10, 12, 0, 0, 0, time.UTC)
	items := make([]wiredesk.Item, 185_000)
	for i := range items {
		items[i] = wiredesk.Item{Key: fmt.Sprint(i), Title: "x", Published: base.Add(time.Duration(i*7919%185_000) * time.Second)}
	}
	for b.Loop() {
		Limits{MaxItems: 500, MaxTitle: 2000}.apply(items)
	}
}
