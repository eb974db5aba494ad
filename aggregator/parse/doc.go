// Package parse turns the bytes of one fetched feed into wiredesk items.
//
// Parse runs three steps. Decode settles the charset once (forced source
// encoding, BOM, UTF-16/32 byte pattern, valid or slightly damaged UTF-8,
// XML prolog, HTTP charset and source fallback unless the bytes contradict
// them, statistical detection of Russian and Western code pages in
// detect.go, windows-1252) and hands gofeed UTF-8 bytes
// whose prolog says so: gofeed honours only the prolog, so a wire that
// names its charset only in the HTTP header would otherwise fail with
// "invalid UTF-8", and wrapping the body in a charset reader would make
// gofeed decode it a second time. gofeed then parses RSS 0.9x/1.0/2.0,
// Atom 0.3/1.0 and JSON Feed 1.0/1.1. Finally the translate step
// (translate.go, gofeed's Translator idea) builds wiredesk.Item values:
// plain-text titles and summaries, sanitised content (yandex:full-text
// first), canonical links, dates re-parsed from the raw strings in the
// source's time zone, and identity keys per docs/DESIGN.md "Identity rules".
//
// The package does no I/O: fetching is package fetch's job, text and URL
// normalisation is package normalize's, and storing, deduplicating across
// polls and clustering are left to the aggregator, storage and cluster.
package parse
