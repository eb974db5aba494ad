// Package schedule decides when to poll a source next and keeps the
// poller polite to each host. It does no I/O of its own.
//
// Policy is pure arithmetic: the interval between polls (the configured
// interval, raised to the feed's own ttl / sy:updatePeriod / max-age and
// clamped), the next due time after a success (with jitter, so sources
// configured alike drift apart) and after a failure (exponential backoff
// with jitter, capped, and never earlier than the server's Retry-After).
//
// Hosts bounds the requests to one host: at most perHost in flight, a
// minimum spacing between request starts, and a host-wide pause after a 429.
//
// The global limit on fetches in flight is the caller's: the aggregator's
// Scheduler and RunOnce run polls in a bounded worker pool. Acquire a host
// slot before a global one, so that sources waiting on a paused or busy host
// do not hold global slots that other hosts could use.
package schedule
