package aggregator

import (
	"context"
	"testing"
	"time"
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
