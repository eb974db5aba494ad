package schedule

import (
	"testing"
	"time"
)

func TestFastLane(t *testing.T) {
	for _, tt := range []struct {
		name       string
		p          Policy
		configured time.Duration
		hint       time.Duration
		want       time.Duration
	}{
		{"default min 1m lowered", Policy{}, 15 * time.Second, 0, 15 * time.Second},
		{"configured min lowered", Policy{MinInterval: 2 * time.Minute}, 20 * time.Second, 0, 20 * time.Second},
		{"never below the fast lane", Policy{}, time.Second, 0, 15 * time.Second},
		{"a lower min stays", Policy{MinInterval: 5 * time.Second}, 5 * time.Second, 0, 5 * time.Second},
		{"the feed's ttl still bounds it", Policy{}, 15 * time.Second, 5 * time.Minute, 5 * time.Minute},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.FastLane(15*time.Second).Interval(tt.configured, tt.hint); got != tt.want {
				t.Errorf("FastLane(15s).Interval(%v, %v) = %v; want %v", tt.configured, tt.hint, got, tt.want)
			}
		})
	}
	if got := (Policy{}).Interval(15*time.Second, 0); got != time.Minute {
		t.Errorf("a source outside the fast lane polls every %v; want min_interval 1m", got)
	}
}
