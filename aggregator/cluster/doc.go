// Package cluster decides which story a newly stored item joins: the story
// of an item from another wire, in the same language and within a time
// window, that has the same canonical link or near-duplicate text.
//
// The text comparison (Normalize, Similarity) reads the title and the first
// ~400 runes of the summary, removes wire datelines ("МОСКВА, 12 мая.
// /ТАСС/."), stems Russian and English words lightly and compares weighted
// word sets. An Index keeps the items of the window in memory and finds
// candidates through MinHash signatures with LSH banding, so a Match does not
// scan the window; each candidate is confirmed with Similarity against the
// threshold.
//
// Per indexed item an Index keeps about 580 bytes (a 48-byte entry, a
// 32-byte probe for the candidate scan, its 16-band MinHash signature and
// features back to back in one arena, posting lists and posting-table
// slots); a Match looks at no more than 16×8 candidates whatever the size of
// the index, and reads the posting slots, probes and records of all of them
// in batches so that their cache misses overlap. BenchmarkMatch measures
// both on a million items: about 48–54 µs of CPU per Match (18–21k items/s;
// 52–81 µs, median 67, before the batching and the one-pass tokenizer,
// binaries alternated in one session; 51.0–51.7 µs in two runs after the
// integer similarity merge, against 54–58 µs for the version before it in
// the same session) on a shared 2-core machine, 283 B and 2 allocations per
// Match.
//
// The package is pure and deterministic: it does no I/O, keeps no clock and
// never changes a stored item. Storing items and stories, and publishing
// them, is left to storage, aggregator and publisher.
package cluster
