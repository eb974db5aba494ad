// Package aggregator turns configured sources into stored items and stories.
//
// A Poller polls one source: it fetches (aggregator/fetch) with conditional
// GET and per-host politeness (aggregator/schedule), decodes and parses
// (aggregator/parse, which normalises with aggregator/normalize), assigns
// new items to cross-wire stories (aggregator/cluster) and saves the poll in
// one storage transaction. RunOnce polls every source once (the cron pass);
// Scheduler keeps polling each source on its own schedule (the daemon).
//
// The aggregator reaches storage only through the small Store interface it
// declares here; *storage.DB satisfies it.
package aggregator
