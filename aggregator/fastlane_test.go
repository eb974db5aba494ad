package aggregator_test

import (
	"testing"
	"time"
)

// An urgent source is polled as often as its interval says, down to 15s,
// below the policy's one-minute minimum; another source is not.
func TestFastLaneNextDue(t *testing.T) {
	for _, tt := range []struct {
		name     string
		urgent   bool
		interval time.Duration
		want     time.Duration
	}{
		{"urgent at 15s", true, 15 * time.Second, 15 * time.Second},
		{"urgent at 30s", true, 30 * time.Second, 30 * time.Second},
		{"not urgent: min_interval", false, 15 * time.Second, time.Minute},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := newWire(t)
			w.feed("/f.xml", `"v1"`, rss("Wire", "", numbered(2, time.Now())...))
			c := newClock()
			p, db := newPoller(t, c)
			src := source("wire", w.URL+"/f.xml")
			src.Urgent, src.Interval = tt.urgent, tt.interval
			mustPoll(t, p, src)
			if got := state(t, db, "wire").NextDue.Sub(c.Now()); got != tt.want {
				t.Errorf("next poll in %v; want %v", got, tt.want)
			}
		})
	}
}
