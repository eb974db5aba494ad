package storage_test

import (
	"context"
	"errors"
	"testing"

	"github.com/wiredesk/wiredesk"
	"github.com/wiredesk/wiredesk/storage"
	"github.com/wiredesk/wiredesk/storage/storagetest"
)

// A large poll is saved in chunks: every item lands once, the state with
// the last chunk.
func TestSaveFetchChunks(t *testing.T) {
	ctx := context.Background()
	for _, chunk := range []int{1, 3, 10, 11} {
		db := storagetest.Open(t)
		storage.SetSaveChunk(db, chunk)
		var items []wiredesk.Item
		for i := range 10 {
			items = append(items, item("tass", i, "h"))
		}
		st := mustSave(t, db, poll(t0, "tass", items...))
		if st.New != 10 || len(st.NewItems) != 10 {
			t.Errorf("chunk %d: New = %d, NewItems = %d; want 10, 10", chunk, st.New, len(st.NewItems))
		}
		state, err := db.SourceState(ctx, "tass")
		if err != nil {
			t.Fatal(err)
		}
		if !state.LastNewItem.Equal(t0) || state.LastStatus != 200 {
			t.Errorf("chunk %d: state %+v; want LastNewItem %v and status 200", chunk, state, t0)
		}
		if err := storage.Check(db); err != nil {
			t.Errorf("chunk %d: %v", chunk, err)
		}
	}
}

// Cancelling ctx mid-save (shutdown) stops between chunks: what was
// committed stays, the state is not written, and the next poll stores the
// rest once.
func TestSaveFetchCancelBetweenChunks(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db := storagetest.Open(t)
	storage.SetSaveChunk(db, 4)
	var items []wiredesk.Item
	for i := range 10 {
		items = append(items, item("tass", i, "h"))
	}
	r := poll(t0, "tass", items...)
	assigned := 0
	r.Assign = func(wiredesk.Item) string {
		assigned++
		if assigned == 4 { // the last item of the first chunk
			cancel()
		}
		return ""
	}
	_, err := db.SaveFetch(ctx, r)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("SaveFetch with ctx cancelled mid-save: %v; want context.Canceled", err)
	}
	if assigned != 4 {
		t.Errorf("Assign called %d times; want 4 (nothing after the cancelled chunk)", assigned)
	}
	counts, err := db.ItemCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if counts["tass"] != 4 {
		t.Errorf("%d items stored; want the 4 of the first chunk", counts["tass"])
	}
	state, err := db.SourceState(context.Background(), "tass")
	if err != nil {
		t.Fatal(err)
	}
	if state.State != wiredesk.StateNew {
		t.Errorf("state %q written although the save was cut short; want it unwritten", state.State)
	}

	r.Assign = nil
	st := mustSave(t, db, r)
	if st.New != 6 || st.Unchanged != 4 {
		t.Errorf("second save: New %d, Unchanged %d; want 6 and 4", st.New, st.Unchanged)
	}
	if err := storage.Check(db); err != nil {
		t.Error(err)
	}
}
