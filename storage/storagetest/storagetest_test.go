package storagetest_test

import (
	"context"
	"testing"

	"github.com/wiredesk/wiredesk"
	"github.com/wiredesk/wiredesk/storage"
	"github.com/wiredesk/wiredesk/storage/storagetest"
)

func TestOpen(t *testing.T) {
	ctx := context.Background()
	var db *storage.DB
	// Cleanups run last-registered first, so this one runs after Open's.
	t.Cleanup(func() {
		if db == nil {
			return // Open failed and said so
		}
		if _, err := db.SourceStates(ctx); err == nil {
			t.Error("database still open after the test's cleanup")
		}
	})
	db = storagetest.Open(t)
	r := wiredesk.FetchResult{State: wiredesk.SourceState{SourceID: "tass"}, Items: []wiredesk.Item{{Key: "guid:1", Hash: "h"}}}
	if st, err := db.SaveFetch(ctx, r); err != nil || st.New != 1 {
		t.Fatalf("SaveFetch on a storagetest database = %+v, %v; want 1 new", st, err)
	}
}
