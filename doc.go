// Package wiredesk holds the vocabulary of the wire desk: sources, items,
// stories, curated feed definitions and the sentinel errors shared by every
// other package. It does no I/O and imports only the standard library.
//
// The packages around it each own one job:
//
//	config      TOML loading and validation → []Source, []Feed
//	storage     the bbolt file
//	aggregator  fetch, decode, parse, normalise, dedupe, cluster, schedule
//	publisher   curation, rendering, HTTP and static export
//	desk        editors' decisions on stories (merge, split, dismiss), why and unsure
//
// cmd/wiredesk wires them together.
package wiredesk
