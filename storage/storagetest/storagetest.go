// Package storagetest opens throwaway wiredesk databases for tests, after
// bbolt's btesting helpers. It is for tests only.
package storagetest

import (
	"path/filepath"
	"testing"

	"github.com/wiredesk/wiredesk/storage"
)

// Open creates an empty read-write database in a fresh temporary
// directory and closes it when the test ends. It fails the test if the
// database cannot be opened or closed.
func Open(tb testing.TB) *storage.DB {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "wiredesk.db")
	db, err := storage.Open(path, storage.Options{Command: "test"})
	if err != nil {
		tb.Fatalf("storagetest.Open: %v", err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("storagetest: close %s: %v", path, err)
		}
	})
	return db
}
