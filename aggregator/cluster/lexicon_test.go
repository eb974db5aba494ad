package cluster

import (
	"bufio"
	"bytes"
	"regexp"
	"strings"
	"testing"
)

var (
	lexID      = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	lexRussian = regexp.MustCompile(`^[а-я][а-я-]*$`)
	lexEnglish = regexp.MustCompile(`^[a-z][a-z-]*$`)
)

// TestLexiconTables checks the format lexicon/README.md promises: three
// columns, ids unique within a table, lowercase Cyrillic and ASCII words,
// no word in two lines of a table.
func TestLexiconTables(t *testing.T) {
	entries, err := lexiconFiles.ReadDir("lexicon")
	if err != nil {
		t.Fatal(err)
	}
	tables := 0
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".tsv") {
			continue
		}
		tables++
		data, err := lexiconFiles.ReadFile("lexicon/" + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		ids, words := map[string]int{}, map[string]int{}
		sc := bufio.NewScanner(bytes.NewReader(data))
		for line := 1; sc.Scan(); line++ {
			cols := strings.Split(sc.Text(), "\t")
			if len(cols) != 3 {
				t.Errorf("%s:%d: %d columns; want 3", e.Name(), line, len(cols))
				continue
			}
			if !lexID.MatchString(cols[0]) {
				t.Errorf("%s:%d: id %q", e.Name(), line, cols[0])
			}
			if prev, dup := ids[cols[0]]; dup {
				t.Errorf("%s:%d: id %q also on line %d", e.Name(), line, cols[0], prev)
			}
			ids[cols[0]] = line
			for c, re := range map[int]*regexp.Regexp{1: lexRussian, 2: lexEnglish} {
				if strings.TrimSpace(cols[c]) == "" {
					t.Errorf("%s:%d: column %d is empty", e.Name(), line, c+1)
				}
				for _, w := range strings.Split(cols[c], ",") {
					if !re.MatchString(w) {
						t.Errorf("%s:%d: column %d word %q", e.Name(), line, c+1, w)
					}
					k := string(rune('0'+c)) + w
					if prev, dup := words[k]; dup && prev != line {
						t.Errorf("%s:%d: %q also on line %d", e.Name(), line, w, prev)
					}
					words[k] = line
				}
			}
		}
	}
	if tables < 4 {
		t.Errorf("%d lexicon tables; want the 4 of lexicon/README.md", tables)
	}
}

// TestVerbFormsMeetTheLemma checks that the forms headlines use meet the
// infinitive a table lists: without russianVerbForms "сдались" and
// "сдаться" have different stems and no concept in common.
func TestVerbFormsMeetTheLemma(t *testing.T) {
	lx := defaultLexicon()
	for _, tc := range []struct{ form, english string }{
		{"сдались", "surrender"},
		{"сдался", "surrender"},
		{"одобрила", "approve"},
		{"одобрят", "approve"},
		{"ратифицировал", "ratify"},
		{"ратифицирует", "ratify"},
		{"подписали", "sign"},
		{"погибли", "perish"},
		{"нашли", "find"},
		{"ввели", "impose"},
		{"введены", "impose"},
		{"освобождены", "liberate"},
		{"запрещена", "ban"},
		{"объявлена", "announce"},
		{"осужден", "convict"},
		{"убиты", "killed"},
		{"пресекли", "thwart"},
		{"выросли", "rise"},
	} {
		checkSameConcept(t, lx, tc.form, tc.english)
	}
	if got := russianVerbForms("выборы"); got != nil {
		t.Errorf("russianVerbForms(выборы) = %q, want none: not an infinitive", got)
	}
}

// TestFleetingVowelFormsMeetTheLemma checks that the forms of nouns in
// -ец and -анин, whose stems the lemma's stem does not reach ("украинец"
// → "украинец", "украинцы" → "украинц"), still get the lemma's concept.
func TestFleetingVowelFormsMeetTheLemma(t *testing.T) {
	lx := defaultLexicon()
	for _, tc := range []struct{ form, english string }{
		{"украинцы", "Ukrainians"},
		{"украинцев", "Ukrainian"},
		{"китайцы", "Chinese"},
		{"американцам", "American"},
		{"россияне", "Russians"},
		{"граждан", "citizens"},
		{"беженцев", "refugees"},
	} {
		checkSameConcept(t, lx, tc.form, tc.english)
	}
}

// checkSameConcept fails t unless the Russian word ru has a concept and
// the English word en has the same.
func checkSameConcept(t *testing.T, lx *lexicon, ru, en string) {
	t.Helper()
	cr, ok := lx.concept(ru, stemRussian(ru), true)
	if !ok {
		t.Errorf("%q: no concept", ru)
		return
	}
	w := strings.ToLower(en)
	if ce, _ := lx.concept(w, stemEnglish(w), false); cr != ce {
		t.Errorf("%q is %q, %q is %q: want one concept", ru, cr, en, ce)
	}
}

// TestAmbiguousStemsMeetByForm checks that a word whose stem two lines
// claim ("визит" and "виза" both stem to "виз") still gets the concept of
// the line whose word or inflected form it is, and that forms two lines
// share get none.
func TestAmbiguousStemsMeetByForm(t *testing.T) {
	lx := defaultLexicon()
	for _, tc := range []struct{ form, english string }{
		{"визы", "visa"},
		{"виза", "visas"},
		{"визам", "visa"},
		{"визит", "visit"},
		{"визита", "visit"},
	} {
		checkSameConcept(t, lx, tc.form, tc.english)
	}
	// "почты" is a form of "почти" (almost) as russianForms writes it, and
	// of "почта" (mail): it belongs to neither.
	if c, ok := lx.concept("почты", stemRussian("почты"), true); ok {
		t.Errorf("почты is %q; want no concept (two lines' form)", c)
	}
}
