// Package storage keeps wiredesk's state in one bbolt file: source states,
// items with their identity and time indexes, stories with theirs, and the
// editors' decisions that merged or split stories (MergeStories,
// SplitItem: the one way an item changes story once stored). It
// owns the bucket layout, key and value encoding, transactions, schema
// migrations, retention pruning, compaction and the single-writer lock
// (with a holder file that says who holds it).
//
// It decides nothing about what an item is or which story it joins: the
// aggregator normalises items and, through wiredesk.FetchResult.Assign,
// clusters them; the publisher reads stories and items back. Both reach
// this package through small interfaces of their own, which *DB satisfies.
//
// One process opens the file read-write at a time (bbolt's exclusive
// flock); read-only opens share the lock with each other but not with a
// writer. Every read copies its values out of the transaction, so returned
// items and stories stay valid and may be changed by the caller.
package storage
