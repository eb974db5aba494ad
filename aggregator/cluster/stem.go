package cluster

import (
	"unicode/utf8"

	"github.com/blevesearch/snowballstem"
	"github.com/blevesearch/snowballstem/english"
	"github.com/blevesearch/snowballstem/russian"
)

// The stems are the Snowball project's own Russian and English algorithms,
// in the Go its compiler generates (github.com/blevesearch/snowballstem).
// They replaced github.com/kljensen/snowball, a hand port of the same
// algorithms that builds a []rune for every suffix it tries: on the
// benchmark's synthetic vocabulary it was a sixth of the ingest CPU, and
// the generated code is six times faster. Both give the same stem for
// every word of the corpus, the evaluation sets and the tables
// (TestStemsOfRecord) but two: a word of two letters, which the hand port
// leaves alone and so does stemWord (in news such a word is mostly an
// abbreviation — ЕС, ИИ, МО — not an inflected form), and a Russian word
// without a vowel that ends in ь, which Snowball proper leaves whole.

// stemRussian returns the Snowball stem of w, a lower-case Russian word.
func stemRussian(w string) string { return stemWord(w, russian.Stem) }

// stemEnglish returns the Snowball stem of w, a lower-case word in Latin
// letters.
func stemEnglish(w string) string { return stemWord(w, english.Stem) }

// stemWord runs the stemmer stem on w. Words of fewer than three letters
// are their own stem, and so is a word the stemmer would empty.
func stemWord(w string, stem func(*snowballstem.Env) bool) string {
	if utf8.RuneCountInString(w) < 3 {
		return w
	}
	env := snowballstem.NewEnv(w)
	stem(env)
	if s := env.Current(); s != "" {
		return s
	}
	return w
}
