package wiring

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wiredesk/wiredesk"
	"github.com/wiredesk/wiredesk/aggregator/cluster"
)

func TestSharedWords(t *testing.T) {
	tests := []struct {
		name string
		in   []cluster.SharedWord
		want []string
	}{
		{"none", nil, []string{}},
		{"rarest first, ties as written",
			[]cluster.SharedWord{{A: "ukraine", B: "украины", DF: 35}, {A: "kupyansk", B: "купянск", DF: 3}, {A: "week", B: "неделю", DF: 9}, {A: "liberated", B: "освобожден", DF: 3}},
			[]string{"kupyansk / купянск", "liberated / освобожден", "week / неделю", "ukraine / украины"}},
		{"one spelling when both wrote it alike, whatever the case",
			[]cluster.SharedWord{{A: "Jolie", B: "jolie", DF: 7}},
			[]string{"Jolie"}},
		{"each once: two keys of one word",
			[]cluster.SharedWord{{A: "купянск", B: "kupyansk", DF: 3}, {A: "купянск", B: "kupyansk", DF: 3}},
			[]string{"купянск / kupyansk"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sharedWords(tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("sharedWords = %q; want %q", got, tt.want)
			}
		})
	}
}

// TestDeskIndexExplainShared checks that the desk's evidence carries the
// index's shared words, across languages, for the Unsure page and
// `story unsure` to show.
func TestDeskIndexExplainShared(t *testing.T) {
	at := time.Date(2025, 11, 6, 9, 0, 0, 0, time.UTC)
	a := wiredesk.Item{ID: "rt/1", SourceID: "rt", Language: "en", Published: at,
		Title: "Kupyansk to be fully liberated within a week, Gerasimov says"}
	b := wiredesk.Item{ID: "ria/1", SourceID: "ria", Language: "ru", Published: at.Add(-time.Hour),
		Title: "Герасимов: Купянск будет полностью освобожден в течение недели"}
	x := cluster.New(cluster.Options{})
	x.Add(b)
	ev := DeskIndex{x}.Explain(a, b)
	t.Logf("shared: %q", ev.Shared)
	if len(ev.Shared) == 0 {
		t.Fatalf("no shared words; evidence:\n%s", ev.Text)
	}
	for _, w := range []string{"Kupyansk", "Gerasimov"} {
		if !slices.ContainsFunc(ev.Shared, func(s string) bool { return strings.HasPrefix(s, w+" / ") }) {
			t.Errorf("shared %q lacks %s", ev.Shared, w)
		}
	}
}
