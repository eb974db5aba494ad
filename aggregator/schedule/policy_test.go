package schedule

import (
	"fmt"
	"testing"
	"time"
)

func fixed(r float64) func() float64 { return func() float64 { return r } }

// almostOne is the largest value Rand may return.
const almostOne = 1 - 1e-12

func TestInterval(t *testing.T) {
	p := Policy{MinInterval: time.Minute, MaxInterval: 6 * time.Hour}
	tests := []struct {
		name             string
		p                Policy
		configured, hint time.Duration
		want             time.Duration
	}{
		{"configured only", p, 5 * time.Minute, 0, 5 * time.Minute},
		{"hint raises the interval", p, 5 * time.Minute, time.Hour, time.Hour},
		{"hint never lowers it", p, 30 * time.Minute, 10 * time.Minute, 30 * time.Minute},
		{"below minimum", p, 10 * time.Second, 0, time.Minute},
		{"hint above maximum", p, 5 * time.Minute, 7 * 24 * time.Hour, 6 * time.Hour},
		{"configured above maximum", p, 12 * time.Hour, 0, 6 * time.Hour},
		{"zero configured means default", p, 0, 0, DefaultInterval},
		{"zero configured with hint", p, 0, 2 * time.Hour, 2 * time.Hour},
		{"zero policy uses defaults: min", Policy{}, time.Second, 0, DefaultMinInterval},
		{"zero policy uses defaults: max", Policy{}, 0, 30 * 24 * time.Hour, DefaultMaxInterval},
		{"min above max: max wins", Policy{MinInterval: 2 * time.Hour, MaxInterval: time.Hour}, 5 * time.Minute, 0, time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.Interval(tt.configured, tt.hint); got != tt.want {
				t.Errorf("Interval(%v, %v) = %v; want %v", tt.configured, tt.hint, got, tt.want)
			}
		})
	}
}

func TestNextAfterSuccess(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name string
		p    Policy
		want time.Duration
	}{
		{"middle of the jitter", Policy{Jitter: 0.1, Rand: fixed(0.5)}, 10 * time.Minute},
		{"lowest", Policy{Jitter: 0.1, Rand: fixed(0)}, 9 * time.Minute},
		{"highest", Policy{Jitter: 0.1, Rand: fixed(0.75)}, 10*time.Minute + 30*time.Second},
		{"no jitter ignores Rand", Policy{Rand: fixed(0)}, 10 * time.Minute},
		{"negative jitter is none", Policy{Jitter: -1, Rand: fixed(0)}, 10 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.NextAfterSuccess(now, 10*time.Minute).Sub(now); got != tt.want {
				t.Errorf("NextAfterSuccess(now, 10m) = now+%v; want now+%v", got, tt.want)
			}
		})
	}
	t.Run("default rand stays in bounds", func(t *testing.T) {
		p := Policy{Jitter: 0.1}
		for range 1000 {
			got := p.NextAfterSuccess(now, 10*time.Minute).Sub(now)
			if got < 9*time.Minute || got >= 11*time.Minute {
				t.Fatalf("NextAfterSuccess(now, 10m) = now+%v; want within [9m, 11m)", got)
			}
		}
	})
}

func TestNextAfterFailureBackoff(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	const interval = time.Minute
	maxBackoff := 30 * time.Minute
	wantBase := []time.Duration{1, 2, 4, 8, 16, 30, 30, 30} // minutes, failures 1..8
	for _, r := range []float64{0, 0.5, almostOne} {
		p := Policy{MaxBackoff: maxBackoff, Jitter: 0.1, Rand: fixed(r)}
		for i, base := range wantBase {
			failures := i + 1
			t.Run(fmt.Sprintf("rand=%v/failures=%d", r, failures), func(t *testing.T) {
				got := p.NextAfterFailure(now, interval, failures, time.Time{}).Sub(now)
				b := base * time.Minute
				lo, hi := time.Duration(float64(b)*0.9), min(time.Duration(float64(b)*1.1), maxBackoff)
				if got < lo || got > hi {
					t.Errorf("NextAfterFailure(failures=%d) = now+%v; want within [%v, %v]", failures, got, lo, hi)
				}
				if r == 0.5 && got != b {
					t.Errorf("NextAfterFailure(failures=%d) with no jitter offset = now+%v; want now+%v", failures, got, b)
				}
			})
		}
	}

	tests := []struct {
		name     string
		p        Policy
		interval time.Duration
		failures int
		want     time.Duration
	}{
		{"zero failures count as one", Policy{}, interval, 0, interval},
		{"huge failure count does not overflow", Policy{}, interval, 1 << 30, DefaultMaxBackoff},
		{"huge cap does not overflow", Policy{MaxBackoff: 1<<63 - 1, Jitter: 0.1, Rand: fixed(almostOne)}, time.Hour, 200, 1<<63 - 1},
		{"cap never below the interval", Policy{MaxBackoff: time.Hour}, 12 * time.Hour, 3, 12 * time.Hour},
		{"zero interval uses the default", Policy{}, 0, 2, 2 * DefaultInterval},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.p.NextAfterFailure(now, tt.interval, tt.failures, time.Time{}).Sub(now)
			if tt.want == 1<<63-1 {
				if got <= 0 {
					t.Errorf("NextAfterFailure = now+%v; want far in the future", got)
				}
				return
			}
			if got != tt.want {
				t.Errorf("NextAfterFailure(%v, %d) = now+%v; want now+%v", tt.interval, tt.failures, got, tt.want)
			}
		})
	}
}

func TestNextAfterFailureRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	p := Policy{MaxBackoff: time.Hour, Jitter: 0.1, Rand: fixed(0.5)}
	tests := []struct {
		name       string
		failures   int
		retryAfter time.Time
		want       time.Time
	}{
		{"later retry-after wins", 1, now.Add(2 * time.Hour), now.Add(2 * time.Hour)},
		{"later retry-after beats the backoff cap", 10, now.Add(3 * time.Hour), now.Add(3 * time.Hour)},
		{"earlier retry-after loses", 3, now.Add(time.Minute), now.Add(20 * time.Minute)},
		{"past retry-after loses", 1, now.Add(-time.Hour), now.Add(5 * time.Minute)},
		{"absurd retry-after capped", 1, now.Add(10 * 365 * 24 * time.Hour), now.Add(DefaultMaxRetryAfter)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := p.NextAfterFailure(now, 5*time.Minute, tt.failures, tt.retryAfter)
			if !got.Equal(tt.want) {
				t.Errorf("NextAfterFailure(failures=%d, retryAfter=now+%v) = now+%v; want now+%v",
					tt.failures, tt.retryAfter.Sub(now), got.Sub(now), tt.want.Sub(now))
			}
		})
	}
}
