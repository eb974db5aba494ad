package storage

// SetPruneChunk sets the most items Prune deletes per transaction and a
// function called after each of its transactions commits.
func SetPruneChunk(d *DB, n int, afterTx func()) {
	d.pruneChunk = n
	d.afterPruneTx = afterTx
}
