package storage_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/wiredesk/wiredesk"
	"github.com/wiredesk/wiredesk/storage"
	"github.com/wiredesk/wiredesk/storage/storagetest"
)

func TestEachItemOrderAndLimit(t *testing.T) {
	ctx := context.Background()
	db := storagetest.Open(t)
	for i := range 5 {
		mustSave(t, db, poll(t0.Add(time.Duration(i)*time.Minute), "tass", item("tass", i, "h")))
	}
	walk := func(q storageItemQuery, oldestFirst bool) []string {
		t.Helper()
		var got []string
		err := db.EachItem(ctx, q.q(), oldestFirst, func(it wiredesk.Item) error {
			got = append(got, it.GUID)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	tests := []struct {
		name        string
		q           storageItemQuery
		oldestFirst bool
		want        []string
	}{
		{"newest first", storageItemQuery{}, false, []string{"tass-4", "tass-3", "tass-2", "tass-1", "tass-0"}},
		{"oldest first", storageItemQuery{}, true, []string{"tass-0", "tass-1", "tass-2", "tass-3", "tass-4"}},
		{"oldest first since", storageItemQuery{since: t0.Add(2 * time.Minute)}, true, []string{"tass-2", "tass-3", "tass-4"}},
		{"newest first limit", storageItemQuery{limit: 2}, false, []string{"tass-4", "tass-3"}},
		{"oldest first limit", storageItemQuery{limit: 2}, true, []string{"tass-0", "tass-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := walk(tt.q, tt.oldestFirst); !slices.Equal(got, tt.want) {
				t.Errorf("EachItem = %v; want %v", got, tt.want)
			}
		})
	}
	boom := errors.New("boom")
	n := 0
	err := db.EachItem(ctx, storageItemQuery{}.q(), true, func(wiredesk.Item) error { n++; return boom })
	if !errors.Is(err, boom) || n != 1 {
		t.Errorf("EachItem with a failing fn: err %v after %d calls; want boom after 1", err, n)
	}
}

type storageItemQuery struct {
	since time.Time
	limit int
}

func (q storageItemQuery) q() storage.ItemQuery {
	return storage.ItemQuery{Since: q.since, Limit: q.limit}
}
