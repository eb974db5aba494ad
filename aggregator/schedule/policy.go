package schedule

import (
	"math"
	"math/rand/v2"
	"time"
)

// Defaults used for zero fields of Policy and a zero configured interval.
const (
	DefaultInterval      = 5 * time.Minute
	DefaultMinInterval   = time.Minute
	DefaultMaxInterval   = 24 * time.Hour
	DefaultMaxBackoff    = 6 * time.Hour
	DefaultMaxRetryAfter = 24 * time.Hour
	DefaultJitter        = 0.1
)

// Policy computes poll intervals and next due times. The zero value is
// usable: zero durations take the Default* values and Jitter 0 means no
// jitter. Its methods are pure apart from Rand.
type Policy struct {
	// MinInterval and MaxInterval bound every interval. If MinInterval is
	// larger than MaxInterval, MaxInterval wins.
	MinInterval, MaxInterval time.Duration
	// MaxBackoff caps the delay after failures. A delay is never capped
	// below the source's own interval, so a source polled daily does not
	// retry hourly because it failed.
	MaxBackoff time.Duration
	// MaxRetryAfter caps how far a server's Retry-After can push a source
	// out, so a bogus "come back in ten years" does not silence it.
	MaxRetryAfter time.Duration
	// Jitter spreads due times by ±Jitter of the delay (DefaultJitter is
	// 0.1, i.e. ±10%). It is clamped to [0, 1).
	Jitter float64
	// Rand returns a number in [0, 1); nil means math/rand/v2.Float64.
	// Tests inject a fixed value.
	Rand func() float64
}

func (p Policy) minInterval() time.Duration { return orDefault(p.MinInterval, DefaultMinInterval) }
func (p Policy) maxInterval() time.Duration { return orDefault(p.MaxInterval, DefaultMaxInterval) }
func (p Policy) maxBackoff() time.Duration  { return orDefault(p.MaxBackoff, DefaultMaxBackoff) }
func (p Policy) maxRetryAfter() time.Duration {
	return orDefault(p.MaxRetryAfter, DefaultMaxRetryAfter)
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// FastLane returns the policy of an urgent source: p with MinInterval
// lowered to min (wiredesk.FastLaneInterval) when it is higher.
func (p Policy) FastLane(min time.Duration) Policy {
	if p.minInterval() > min {
		p.MinInterval = min
	}
	return p
}

// Interval returns how often to poll a source configured with configured
// (0 means DefaultInterval) whose feed asks for feedHint (ttl,
// sy:updatePeriod or Cache-Control max-age; 0 when it says nothing). The
// hint is a lower bound: a feed asking for hourly polls is not polled every
// five minutes. The result is clamped to [MinInterval, MaxInterval].
func (p Policy) Interval(configured, feedHint time.Duration) time.Duration {
	d := configured
	if d <= 0 {
		d = DefaultInterval
	}
	d = max(d, feedHint)
	d = max(d, p.minInterval())
	return min(d, p.maxInterval())
}

// NextAfterSuccess returns when to poll again after a successful poll at
// now: now + interval ± Jitter.
func (p Policy) NextAfterSuccess(now time.Time, interval time.Duration) time.Time {
	return now.Add(p.jitter(interval))
}

// NextAfterFailure returns when to retry after the failures-th consecutive
// failure at now (failures < 1 counts as 1): interval·2^(failures-1) ±
// Jitter, at most max(MaxBackoff, interval). When the server sent a
// Retry-After (retryAfter not zero) later than that, retryAfter wins, up
// to now + MaxRetryAfter.
func (p Policy) NextAfterFailure(now time.Time, interval time.Duration, failures int, retryAfter time.Time) time.Time {
	if interval <= 0 {
		interval = p.Interval(0, 0)
	}
	limit := max(p.maxBackoff(), interval)
	d := interval
	for i := 1; i < failures && d < limit; i++ {
		if d > limit/2 {
			d = limit
			break
		}
		d *= 2
	}
	d = min(p.jitter(d), limit)
	next := now.Add(d)
	if !retryAfter.IsZero() {
		if limit := now.Add(p.maxRetryAfter()); retryAfter.After(limit) {
			retryAfter = limit
		}
		if retryAfter.After(next) {
			next = retryAfter
		}
	}
	return next
}

// jitter returns d scaled by a random factor in [1-Jitter, 1+Jitter).
func (p Policy) jitter(d time.Duration) time.Duration {
	j := min(max(p.Jitter, 0), 0.99)
	if j == 0 {
		return d
	}
	r := rand.Float64
	if p.Rand != nil {
		r = p.Rand
	}
	f := float64(d) * (1 + j*(2*r()-1))
	if f >= math.MaxInt64 {
		return math.MaxInt64
	}
	return time.Duration(f)
}
