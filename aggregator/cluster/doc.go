// Package cluster decides which story a newly stored item joins: the story
// of an earlier item, of any wire and in Russian or English, that probably
// reports the same event.
//
// Each item is reduced to keys (terms.go): a concept of the lexicon tables
// for a word either language shares with the other (lexicon/), otherwise
// the word's stem and, for names, its consonant skeleton, which meets the
// other script's spelling (translit.go); numbers are keys of their own.
// An Index keeps the items of the window in memory — per item its keys,
// time, source, language and story, no text — with each key's document
// frequency and the items of its rare keys. A Match gathers the items that
// share a rare key with the new one, scores the best of them with a
// logistic model over a pair's features (probability.go, model.go, fitted
// on real labelled wire days by `make cluster-model`), and joins the most
// probable story that reaches the threshold with enough support over all
// its members. Explain gives the evidence behind one comparison; Unsure
// lists the stories an item did not join whose best member still scores at
// least a floor against it, for an editor to look at (unsure.go).
//
// testdata/README.md has the data, how every choice was made and the
// measured precision and recall; BenchmarkMatch measures a Match against a
// million indexed items (BENCHMARKS.md).
//
// The package is pure and deterministic: it does no I/O, keeps no clock and
// never changes a stored item. Storing items and stories, and publishing
// them, is left to storage, aggregator and publisher.
package cluster
