package cluster

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var (
	lexiconReport = flag.String("lexicon-report", "", "directory to write the lexicon report to (TestLexiconReport)")
	lexiconFeeds  = flag.String("lexicon-feeds", "", "comma-separated RSS 2.0 files read besides the tune sets (TestLexiconReport)")
)

// TestLexiconReport writes what a lexicon editor works from (see
// lexicon/README.md, "Keeping the tables"):
//
//   - uncovered-ru.tsv, uncovered-en.tsv: the words of the tune sets (and of
//     any -lexicon-feeds) that get no concept, by stem, with their document
//     frequency, the share of their occurrences written with a capital
//     inside a sentence (names) and their commonest forms;
//
//   - collisions.tsv: the stems that two concepts claim, which the loader
//     drops from both;
//
//   - lost.tsv: the table words that, for that reason, have no concept.
//
//     go test ./aggregator/cluster -run TestLexiconReport -lexicon-report /tmp/lex
//
// Only the tune sets are read: the held-out ones judge the tables.
func TestLexiconReport(t *testing.T) {
	if *lexiconReport == "" {
		t.Skip("no -lexicon-report")
	}
	var docs [][2]string
	for _, set := range tuneSets {
		items, err := loadRealSet(filepath.Join("testdata", "real", set))
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			docs = append(docs, [2]string{it.Title, it.Summary})
		}
	}
	if *lexiconFeeds != "" {
		for _, path := range strings.Split(*lexiconFeeds, ",") {
			items, err := readAnyRSS(path)
			if err != nil {
				t.Fatal(err)
			}
			docs = append(docs, items...)
		}
	}
	lx := defaultLexicon()
	for lang, rows := range uncoveredWords(docs, lx) {
		writeReport(t, "uncovered-"+lang+".tsv", rows)
	}
	collisions, lost := lexiconCollisions(t, lx)
	writeReport(t, "collisions.tsv", collisions)
	writeReport(t, "lost.tsv", lost)
}

// uncoveredWords counts, by language and stem, the words of docs (title,
// summary) that get a word key and no concept, read as keys reads them.
func uncoveredWords(docs [][2]string, lx *lexicon) map[string][]string {
	type stat struct {
		df, n, caps int
		forms       map[string]int
	}
	stats := map[[2]string]*stat{}
	for _, d := range docs {
		seen := map[[2]string]bool{}
		var tk tokenizer
		tk.init(d[0], d[1])
		for tk.nextKept() {
			if tk.number {
				continue
			}
			w := string(tk.word())
			if t := lx.term(tk.word()); t.stop || t.num || t.concept {
				continue
			}
			k := [2]string{"en", stemEnglish(w)}
			if isCyrillic(w) {
				k = [2]string{"ru", stemRussian(w)}
			}
			s := stats[k]
			if s == nil {
				s = &stat{forms: map[string]int{}}
				stats[k] = s
			}
			s.n++
			s.forms[w]++
			if tk.capital {
				s.caps++
			}
			if !seen[k] {
				seen[k] = true
				s.df++
			}
		}
	}
	keys := make([][2]string, 0, len(stats))
	for k := range stats {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b [2]string) int {
		if d := stats[b].df - stats[a].df; d != 0 {
			return d
		}
		return strings.Compare(a[1], b[1])
	})
	out := map[string][]string{}
	for _, k := range keys {
		s := stats[k]
		forms := make([]string, 0, len(s.forms))
		for f := range s.forms {
			forms = append(forms, f)
		}
		slices.SortFunc(forms, func(a, b string) int {
			if d := s.forms[b] - s.forms[a]; d != 0 {
				return d
			}
			return strings.Compare(a, b)
		})
		out[k[0]] = append(out[k[0]], fmt.Sprintf("%d\t%s\t%d%%\t%s", s.df, k[1], 100*s.caps/s.n, strings.Join(forms[:min(len(forms), 6)], ",")))
	}
	return out
}

// lexiconCollisions returns the stems two (merged) concepts claim, with the
// words behind them, and the table words that have no concept.
func lexiconCollisions(t *testing.T, lx *lexicon) (collisions, lost []string) {
	concepts, err := readConcepts(lexiconFiles)
	if err != nil {
		t.Fatal(err)
	}
	root := mergeConcepts(concepts)
	words := tableWords(t)
	if len(words) != len(concepts) {
		t.Fatalf("%d table lines, %d concepts", len(words), len(concepts))
	}
	claims := map[string][]string{}
	for i := range concepts {
		id := concepts[root(i)].id
		for lang, ws := range words[i] {
			for _, w := range ws {
				stem, cyr := stemEnglish(w), lang == 0
				if cyr {
					stem = stemRussian(w)
				}
				k := [2]string{"en", "ru"}[boolIndex(cyr)] + ":" + stem
				claims[k] = append(claims[k], id+" "+w)
				if _, ok := lx.concept(w, stem, cyr); !ok {
					lost = append(lost, concepts[i].id+"\t"+w)
				}
			}
		}
	}
	for stem, who := range claims {
		ids := map[string]bool{}
		for _, w := range who {
			ids[strings.Fields(w)[0]] = true
		}
		if len(ids) > 1 {
			collisions = append(collisions, stem+"\t"+strings.Join(who, ", "))
		}
	}
	slices.Sort(collisions)
	slices.Sort(lost)
	return collisions, lost
}

func boolIndex(b bool) int {
	if b {
		return 1
	}
	return 0
}

// tableWords returns the Russian and English words of every table line,
// in the order readConcepts reads them.
func tableWords(t *testing.T) [][2][]string {
	entries, err := lexiconFiles.ReadDir("lexicon")
	if err != nil {
		t.Fatal(err)
	}
	var out [][2][]string
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".tsv") {
			continue
		}
		data, err := lexiconFiles.ReadFile("lexicon/" + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		for line := range strings.Lines(string(data)) {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			cols := strings.Split(line, "\t")
			out = append(out, [2][]string{splitWords(cols[1]), splitWords(cols[2])})
		}
	}
	return out
}

// readAnyRSS reads the title and description of the items of an RSS 2.0
// file in any encoding its prolog declares.
func readAnyRSS(path string) ([][2]string, error) {
	items, err := decodeRSS(path, false)
	if err != nil {
		return nil, err
	}
	var out [][2]string
	for _, it := range items {
		out = append(out, [2]string{plainText(it.Title), plainText(it.Description)})
	}
	return out, nil
}

func writeReport(t *testing.T, name string, rows []string) {
	path := filepath.Join(*lexiconReport, name)
	if err := os.WriteFile(path, []byte(strings.Join(rows, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %d rows", path, len(rows))
}
