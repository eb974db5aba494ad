package schedule_test

import (
	"fmt"
	"time"

	"github.com/wiredesk/wiredesk/aggregator/schedule"
)

func ExamplePolicy() {
	p := schedule.Policy{
		MinInterval: time.Minute,
		MaxInterval: 6 * time.Hour,
		MaxBackoff:  time.Hour,
		Jitter:      0.1,
		Rand:        func() float64 { return 0.5 }, // no jitter offset, for the example
	}
	now := time.Date(2026, 1, 2, 12, 0, 0, 0, time.UTC)
	// Configured every 5 minutes, but the feed's <ttl> says 15.
	interval := p.Interval(5*time.Minute, 15*time.Minute)
	fmt.Println("interval:", interval)
	fmt.Println("after success:", p.NextAfterSuccess(now, interval).Format("15:04"))
	for failures := 1; failures <= 4; failures++ {
		fmt.Printf("after failure %d: %s\n", failures, p.NextAfterFailure(now, interval, failures, time.Time{}).Format("15:04"))
	}
	// A 429 asking for two hours wins over the backoff.
	fmt.Println("after 429:", p.NextAfterFailure(now, interval, 1, now.Add(2*time.Hour)).Format("15:04"))
	// Output:
	// interval: 15m0s
	// after success: 12:15
	// after failure 1: 12:15
	// after failure 2: 12:30
	// after failure 3: 13:00
	// after failure 4: 13:00
	// after 429: 14:00
}
