package aggregator

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wiredesk/wiredesk"
)

// TestPassMaxWait: polls that keep coming within the grace do not hold a
// group's items past maxWait after its first arrival.
func TestPassMaxWait(t *testing.T) {
	const polls = 1 << 20
	ps := newPass(nil, polls)
	ps.grace, ps.maxWait = time.Second, 50*time.Millisecond
	done := make(chan struct{})
	go func() {
		defer close(done)
		if _, err := ps.ticket().arrive(context.Background(), nil); err != nil {
			t.Error(err)
		}
	}()
	// The others leave a few milliseconds apart, well within the grace,
	// for up to ten seconds: only maxWait can end the group's wait.
	for i := 0; ; i++ {
		select {
		case <-done:
			ps.mu.Lock()
			left := ps.pending
			ps.mu.Unlock()
			if left == 0 {
				t.Fatal("the group waited for every poll")
			}
			return
		default:
		}
		if i == 2000 {
			t.Fatal("the first poll still waits after 2000 others came within the grace")
		}
		ps.ticket().leave()
		time.Sleep(5 * time.Millisecond)
	}
}

// TestSortByDate checks that sorting the items' indices gives the order
// of a stable sort of the items themselves, ties included.
func TestSortByDate(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	t0 := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	for n := range 60 {
		items := make([]passItem, n)
		for i := range items {
			it := wiredesk.Item{ID: fmt.Sprintf("i%d", r.IntN(5)), Title: fmt.Sprint(i)}
			if r.IntN(4) > 0 {
				it.Published = t0.Add(time.Duration(r.IntN(4)) * time.Minute)
			} else {
				it.FirstSeen = t0.Add(time.Duration(r.IntN(4)) * time.Minute)
			}
			items[i].it = it
		}
		want := slices.Clone(items)
		slices.SortStableFunc(want, func(a, b passItem) int {
			if c := a.it.Date().Compare(b.it.Date()); c != 0 {
				return c
			}
			return strings.Compare(a.it.ID, b.it.ID)
		})
		sortByDate(items)
		for i := range items {
			if items[i].it.Title != want[i].it.Title {
				t.Fatalf("%d items: item %d is %q; a stable sort puts %q there", n, i, items[i].it.Title, want[i].it.Title)
			}
		}
	}
}
