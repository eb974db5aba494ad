package cluster

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var updateStems = flag.Bool("update-stems", false, "rewrite testdata/stems.golden from the current stemmers (TestStemsOfRecord)")

// TestStemsOfRecord stems every word of the real sets, events.txt and the
// lexicon tables and compares with testdata/stems.golden, which lists each
// word whose stem is not the word itself. The file of record was written
// by github.com/kljensen/snowball, the stemmer this package used before
// the Snowball project's generated code (stem.go): a stem that changes
// moves keys, and with them decisions the model was fitted on, so a change
// of stemmer must show here word by word.
func TestStemsOfRecord(t *testing.T) {
	words := stemTestWords(t)
	var got bytes.Buffer
	for _, w := range words {
		s := stemEnglish(w)
		if isCyrillic(w) {
			s = stemRussian(w)
		}
		if s != w {
			fmt.Fprintf(&got, "%s\t%s\n", w, s)
		}
	}
	path := filepath.Join("testdata", "stems.golden")
	if *updateStems {
		if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update-stems to write it)", err)
	}
	if bytes.Equal(got.Bytes(), want) {
		return
	}
	wantStem := stemMap(string(want))
	gotStem := stemMap(got.String())
	n := 0
	for _, w := range words {
		g, ok := gotStem[w]
		if !ok {
			g = w
		}
		x, ok := wantStem[w]
		if !ok {
			x = w
		}
		if g != x {
			if n++; n <= 20 {
				t.Errorf("stem of %q is %q, want %q", w, g, x)
			}
		}
	}
	t.Errorf("%d of %d words stem differently from testdata/stems.golden (or it lists words no set holds)", n, len(words))
}

func stemMap(s string) map[string]string {
	m := map[string]string{}
	for line := range strings.Lines(s) {
		w, st, _ := strings.Cut(strings.TrimSuffix(line, "\n"), "\t")
		m[w] = st
	}
	return m
}

// stemTestWords returns, sorted, the distinct words of three letters or
// more that the tokenizer reads in the real sets' items, in events.txt and
// in the lexicon tables.
func stemTestWords(t *testing.T) []string {
	var texts []string
	dirs, err := filepath.Glob(filepath.Join("testdata", "real", "*", "sources.tsv"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no real sets in testdata/real: %v", err)
	}
	for _, d := range dirs {
		items, err := loadRealSet(filepath.Dir(d))
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			texts = append(texts, it.Title, it.Summary)
		}
	}
	for _, it := range loadEventsSet(t) {
		texts = append(texts, it.Title, it.Summary)
	}
	tables, err := lexiconFiles.ReadDir("lexicon")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range tables {
		b, err := lexiconFiles.ReadFile("lexicon/" + f.Name())
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, strings.NewReplacer(",", " ", "\t", " ").Replace(string(b)))
	}
	seen := map[string]bool{}
	for _, s := range texts {
		for line := range strings.Lines(s) {
			var tk tokenizer
			tk.init(line, "")
			for tk.next() {
				if w := string(tk.word()); !tk.number && len([]rune(w)) >= 3 {
					seen[w] = true
				}
			}
		}
	}
	words := make([]string, 0, len(seen))
	for w := range seen {
		words = append(words, w)
	}
	slices.Sort(words)
	return words
}
