package alert

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/wiredesk/wiredesk"
)

// Outbox is what delivery needs from storage. *storage.DB satisfies it.
type Outbox interface {
	PendingAlerts(ctx context.Context, channel string, limit int) ([]wiredesk.Alert, error)
	AckAlert(ctx context.Context, a wiredesk.Alert) error
	RetryAlert(ctx context.Context, a wiredesk.Alert) error
	DeadAlert(ctx context.Context, a wiredesk.Alert) error
}

// Channel is one configured channel: how to send and how hard to try.
type Channel struct {
	Name        string
	Sender      Sender
	PerMinute   int           // rate limit; 0: none
	Burst       int           // sent at once before the rate applies; 0: 1
	Timeout     time.Duration // one attempt; 0: 10s
	MaxAttempts int           // attempts before a dead letter; 0: 8
	Backoff     time.Duration // wait after the first failure, doubled per attempt; 0: 5s
	MaxBackoff  time.Duration // longest wait; 0: 1h
}

// Deliverer sends the outbox. Run starts one worker per channel, so a
// slow or failing channel holds up only its own queue; polling and
// publishing never wait for it, since they only queue.
type Deliverer struct {
	Outbox   Outbox
	Channels []Channel
	Names    map[string]string // source id → name, for messages
	Log      *slog.Logger
	Now      func() time.Time // nil: time.Now
	// Observe, when set, is called after every attempt (metrics).
	Observe func(channel string, outcome Outcome)

	once  sync.Once
	wakes map[string]chan struct{}
}

// Outcome is what one delivery attempt came to.
type Outcome string

// Delivery outcomes.
const (
	Delivered Outcome = "delivered"
	Retried   Outcome = "retried"
	Dead      Outcome = "dead"
)

// batch is the most alerts a worker reads from the outbox at once.
const batch = 64

func (d *Deliverer) init() {
	d.once.Do(func() {
		d.wakes = make(map[string]chan struct{}, len(d.Channels))
		for _, c := range d.Channels {
			d.wakes[c.Name] = make(chan struct{}, 1)
		}
	})
}

func (d *Deliverer) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d *Deliverer) log() *slog.Logger {
	if d.Log != nil {
		return d.Log
	}
	return slog.New(slog.DiscardHandler)
}

// Wake tells every worker to look at its queue now (after a poll queued
// alerts). It never blocks.
func (d *Deliverer) Wake() {
	d.init()
	for _, w := range d.wakes {
		select {
		case w <- struct{}{}:
		default:
		}
	}
}

// Run delivers until ctx is cancelled; it returns when every worker has.
func (d *Deliverer) Run(ctx context.Context) {
	d.init()
	var wg sync.WaitGroup
	for _, c := range d.Channels {
		wg.Go(func() { d.worker(ctx, c, d.wakes[c.Name]) })
	}
	wg.Wait()
}

// Drain delivers what is due until every channel's queue holds nothing due
// or ctx is done (`wiredesk once` gives it a time limit); the rest stays
// queued for the next run. Channels drain in parallel.
func (d *Deliverer) Drain(ctx context.Context) {
	d.init()
	var wg sync.WaitGroup
	for _, c := range d.Channels {
		lim := limiter(c)
		wg.Go(func() {
			for ctx.Err() == nil {
				_, sent, err := d.pass(ctx, c, lim)
				if err != nil || sent == 0 {
					return
				}
			}
		})
	}
	wg.Wait()
}

func limiter(c Channel) *rate.Limiter {
	if c.PerMinute <= 0 {
		return rate.NewLimiter(rate.Inf, 1)
	}
	return rate.NewLimiter(rate.Limit(float64(c.PerMinute)/60), max(c.Burst, 1))
}

// idle is how long a worker with nothing due waits for a Wake before it
// looks at its queue anyway (alerts queued by another process, such as
// `wiredesk alerts test` or a `once` run, are only seen then).
const idle = 30 * time.Second

// worker delivers channel c's queue until ctx is cancelled.
func (d *Deliverer) worker(ctx context.Context, c Channel, wake <-chan struct{}) {
	lim := limiter(c)
	for {
		next, _, err := d.pass(ctx, c, lim)
		if ctx.Err() != nil {
			return
		}
		wait := idle
		if err != nil {
			d.log().Error("alert outbox", "channel", c.Name, "error", err)
		} else if !next.IsZero() {
			wait = min(max(next.Sub(d.now()), 0), idle)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// pass tries every alert of c's queue that is due, in order. It returns
// when the earliest alert not yet due is due (zero: none waits) and how
// many it tried.
func (d *Deliverer) pass(ctx context.Context, c Channel, lim *rate.Limiter) (next time.Time, tried int, err error) {
	pending, err := d.Outbox.PendingAlerts(ctx, c.Name, batch)
	if err != nil {
		return time.Time{}, 0, err
	}
	for _, a := range pending {
		if now := d.now(); a.NextAttempt.After(now) {
			if next.IsZero() || a.NextAttempt.Before(next) {
				next = a.NextAttempt
			}
			continue
		}
		if err := lim.Wait(ctx); err != nil {
			return next, tried, err
		}
		tried++
		if err := d.attempt(ctx, c, a); err != nil {
			return next, tried, err
		}
	}
	if len(pending) == batch && tried > 0 {
		next = d.now() // more may wait behind this batch
	}
	return next, tried, nil
}

// attempt sends a once and records the outcome in the outbox; the error
// is a storage error (or ctx's).
func (d *Deliverer) attempt(ctx context.Context, c Channel, a wiredesk.Alert) error {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	sctx, cancel := context.WithTimeout(ctx, timeout)
	start := d.now()
	err := c.Sender.Send(sctx, a, Render(a, d.Names))
	cancel()
	log := d.log().With("channel", c.Name, "alert", a.ID, "rule", a.Rule)
	if err == nil {
		log.Info("alert delivered", "kind", string(a.Kind), "attempt", a.Attempts+1,
			"latency_ms", d.now().Sub(a.Queued).Milliseconds(), "duration_ms", d.now().Sub(start).Milliseconds())
		d.observe(c.Name, Delivered)
		return d.Outbox.AckAlert(ctx, a)
	}
	if ctx.Err() != nil {
		return ctx.Err() // stopping: the alert stays queued as it was
	}
	a.Attempts++
	a.LastError = err.Error()
	var se *SendError
	permanent := errors.As(err, &se) && se.Permanent
	maxAttempts := c.MaxAttempts
	if maxAttempts <= 0 {
		maxAttempts = 8
	}
	if permanent || a.Attempts >= maxAttempts {
		log.Error("alert dead-lettered", "attempts", a.Attempts, "error", err)
		d.observe(c.Name, Dead)
		return d.Outbox.DeadAlert(ctx, a)
	}
	wait := Backoff(c.Backoff, c.MaxBackoff, a.Attempts)
	if se != nil && se.RetryAfter > wait {
		wait = se.RetryAfter
	}
	a.NextAttempt = d.now().Add(wait)
	log.Warn("alert delivery failed; will retry", "attempts", a.Attempts, "retry_in_ms", wait.Milliseconds(), "error", err)
	d.observe(c.Name, Retried)
	return d.Outbox.RetryAlert(ctx, a)
}

func (d *Deliverer) observe(channel string, o Outcome) {
	if d.Observe != nil {
		d.Observe(channel, o)
	}
}

// Backoff is the wait after the n-th failed attempt (n ≥ 1): base doubled
// n-1 times, at most limit. Zero base or limit mean 5s and 1h.
func Backoff(base, limit time.Duration, n int) time.Duration {
	if base <= 0 {
		base = 5 * time.Second
	}
	if limit <= 0 {
		limit = time.Hour
	}
	d := base
	for i := 1; i < n && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}
