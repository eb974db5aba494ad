package cluster

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wiredesk/wiredesk"
)

// Explain names the same-source margin apart from the threshold, so that
// `story why` and `story unsure` can say why two items of one wire need
// more than the configured threshold.
func TestExplainSameSourceMargin(t *testing.T) {
	x := New(Options{Threshold: 0.7})
	a := wire("tass/2", "tass", "ru", "", time.Hour)
	tests := []struct {
		name          string
		other         string // the other item's source
		wantThreshold float64
		wantMargin    float64
		wantNeeds     string
	}{
		{"two wires", "interfax", 0.7, 0, "(needs 0.70: "},
		{"one wire", "tass", 0.7 + sameSourceMargin, sameSourceMargin,
			fmt.Sprintf("(needs %.2f, 0.70 plus %.2f for two items of one wire: ", 0.7+sameSourceMargin, sameSourceMargin)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := x.Explain(a, wire(tt.other+"/1", tt.other, "ru", "", 0))
			if ev.Threshold != tt.wantThreshold || ev.SameSourceMargin != tt.wantMargin {
				t.Errorf("threshold %v, margin %v; want %v, %v", ev.Threshold, ev.SameSourceMargin, tt.wantThreshold, tt.wantMargin)
			}
			if got := ev.String(); !strings.Contains(got, tt.wantNeeds) {
				t.Errorf("String() = %q; want it to contain %q", got, tt.wantNeeds)
			}
		})
	}
}

// Explain lists the title words one item has and the other lacks, rarest
// first: what tells an announcement from its outcome, or a detention from
// a sentence. A word that gave a shared key is not listed, nor, across
// languages, a word that could not meet the other language.
func TestExplainOnlyWords(t *testing.T) {
	item := func(id, src, lang, title, summary string, at time.Duration) wiredesk.Item {
		return wiredesk.Item{ID: id, SourceID: src, Language: lang, Published: t0.Add(at), Title: title, Summary: summary}
	}
	words := func(ws []Word) []string {
		out := []string{}
		for _, w := range ws {
			out = append(out, w.Text)
		}
		return out
	}
	tests := []struct {
		name         string
		a, b         wiredesk.Item
		onlyA, onlyB []string
	}{
		{"detained against sentenced",
			item("tass/1", "tass", "ru", "Суд приговорил бывшего замглавы Минтранса к 9 годам колонии", "", 6*time.Hour),
			item("interfax/1", "interfax", "ru", "В Москве задержан бывший замглавы Минтранса", "", 0),
			[]string{"Суд", "приговорил", "9", "годам", "колонии"}, []string{"Москве", "задержан"}},
		{"a title word the other has in its lead is shared",
			item("tass/2", "tass", "ru", "Задержан бывший замглавы Минтранса", "", time.Hour),
			item("interfax/2", "interfax", "ru", "Бывший замглавы Минтранса", "Его задержали в Москве.", 0),
			[]string{}, []string{}},
		{"across languages: a word with no concept says nothing",
			item("rt/1", "rt", "en", "Kupyansk to be liberated within a week, Gerasimov says", "", time.Hour),
			item("ria/1", "ria", "ru", "Герасимов: Купянск освободят за неделю, заявил генерал", "", 0),
			[]string{}, []string{"генерал"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := New(Options{})
			x.Add(tt.b)
			ev := x.Explain(tt.a, tt.b)
			if tt.onlyA != nil && !slices.Equal(sorted(words(ev.OnlyA)), sorted(tt.onlyA)) {
				t.Errorf("OnlyA = %q; want %q\n%s", words(ev.OnlyA), tt.onlyA, ev)
			}
			if tt.onlyB != nil && !slices.Equal(sorted(words(ev.OnlyB)), sorted(tt.onlyB)) {
				t.Errorf("OnlyB = %q; want %q\n%s", words(ev.OnlyB), tt.onlyB, ev)
			}
			for _, side := range [][]Word{ev.OnlyA, ev.OnlyB} {
				if !slices.IsSortedFunc(side, func(a, b Word) int { return a.DF - b.DF }) {
					t.Errorf("not rarest first: %v", side)
				}
				for _, w := range side {
					if ev.Cross && w.Kind == "word" {
						t.Errorf("across languages %q (a word without a concept) is listed", w.Text)
					}
				}
			}
			for _, s := range ev.Shared {
				if slices.Contains(words(ev.OnlyA), s.A) || slices.Contains(words(ev.OnlyB), s.B) {
					t.Errorf("shared %s / %s is listed as one side's only", s.A, s.B)
				}
			}
		})
	}
}

func sorted(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }

// The words Explain names are written as the items wrote them, not as the
// tokenizer reads them: an editor reads "Jolie’s" and "foreign-funded",
// not "jolies" and "foreignfunded".
func TestExplainWordsAsWritten(t *testing.T) {
	a := wiredesk.Item{ID: "rt/1", SourceID: "rt", Language: "en", Published: t0.Add(time.Hour),
		Title: "Angelina Jolie’s bodyguard conscripted in Ukraine (VIDEO)", Summary: "Kyiv's foreign-funded groups, the U.S. says."}
	b := wiredesk.Item{ID: "tass/1", SourceID: "tass", Language: "en", Published: t0,
		Title: "Jolie's driver detained", Summary: "WASHINGTON, May 12. /TASS/. The U.S. and Foreign-Funded NGOs."}
	x := New(Options{})
	x.Add(b)
	ev := x.Explain(a, b)
	want := map[string]string{"Jolie’s": "Jolie's", "foreign-funded": "Foreign-Funded", "US": "US"}
	for _, s := range ev.Shared {
		if w, ok := want[s.A]; ok && s.B == w {
			delete(want, s.A)
		}
	}
	if len(want) > 0 {
		t.Errorf("shared words lack %v as written:\n%s", want, ev)
	}
	for _, tt := range []struct{ s, want string }{
		{"Алма-Ата.", "Алма-Ата"},
		{"(VIDEO)", "VIDEO"},
		{"92,51%", "92,51"},
		{"—Jolie’s", "Jolie’s"},
	} {
		// The tokenizer's end of the word: before the trailing punctuation.
		end := len(strings.TrimRightFunc(tt.s, func(r rune) bool { return !isLetter(r) && !isDigit(r) }))
		if got := surfaceBefore(tt.s, end); got != tt.want {
			t.Errorf("surfaceBefore(%q, %d) = %q; want %q", tt.s, end, got, tt.want)
		}
	}
}
