package storage

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/wiredesk/wiredesk"
)

func TestNextSaveChunk(t *testing.T) {
	for _, tc := range []struct {
		n    int
		held time.Duration
		want int
	}{
		{256, time.Millisecond, 512},
		{256, saveTxBudget/2 - 1, 512},
		{256, saveTxBudget / 2, 256},
		{256, saveTxBudget, 256},
		{256, saveTxBudget + 1, 128},
		{maxSaveChunk, 0, maxSaveChunk},
		{maxSaveChunk/2 + 1, 0, maxSaveChunk},
		{minSaveChunk, time.Second, minSaveChunk},
		{minSaveChunk + 1, time.Second, minSaveChunk},
	} {
		if got := nextSaveChunk(tc.n, tc.held); got != tc.want {
			t.Errorf("nextSaveChunk(%d, %v) = %d; want %d", tc.n, tc.held, got, tc.want)
		}
	}
}

// A large poll with adaptive chunks: the first transaction takes
// DefaultSaveChunk items, each next one the size nextSaveChunk gives for
// the one before, and every item lands once.
func TestSaveFetchAdaptiveChunks(t *testing.T) {
	d, err := Open(filepath.Join(t.TempDir(), "t.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	type tx struct {
		n    int
		held time.Duration
	}
	var txs []tx
	d.afterSaveTx = func(n int, held time.Duration) { txs = append(txs, tx{n, held}) }
	const total = 3000
	r := wiredesk.FetchResult{State: wiredesk.SourceState{SourceID: "tass"}}
	for i := range total {
		r.Items = append(r.Items, wiredesk.Item{Key: fmt.Sprint("guid:", i), Hash: "h"})
	}
	st, err := d.SaveFetch(context.Background(), r)
	if err != nil || st.New != total {
		t.Fatalf("SaveFetch = %d new, %v; want %d", st.New, err, total)
	}
	sum := 0
	for i, x := range txs {
		sum += x.n
		switch {
		case i == 0 && x.n != DefaultSaveChunk:
			t.Errorf("first transaction of %d items; want %d", x.n, DefaultSaveChunk)
		case i > 0 && i < len(txs)-1 && x.n != nextSaveChunk(txs[i-1].n, txs[i-1].held):
			t.Errorf("transaction %d of %d items after %d items in %v; want %d", i, x.n, txs[i-1].n, txs[i-1].held, nextSaveChunk(txs[i-1].n, txs[i-1].held))
		}
	}
	if sum != total {
		t.Errorf("transactions wrote %d items; want %d", sum, total)
	}
	t.Logf("transactions: %v", txs)
	if err := Check(d); err != nil {
		t.Error(err)
	}
}
