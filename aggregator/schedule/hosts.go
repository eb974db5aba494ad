package schedule

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// sweepEvery is how often Acquire forgets idle hosts.
const sweepEvery = time.Minute

// Hosts keeps requests to each host polite: at most perHost in flight, at
// least spacing between the starts of two requests, and no request while
// the host is paused (after a 429). It is safe for concurrent use.
//
// Memory stays bounded by the hosts in use: a host nobody holds or waits
// for, whose spacing has elapsed and whose pause is over, is forgotten
// within a minute, and a fresh entry behaves exactly like the old one.
type Hosts struct {
	perHost int
	spacing time.Duration
	clock   clock

	mu        sync.Mutex
	hosts     map[string]*host
	lastSweep time.Time
}

type host struct {
	slots     chan struct{} // one token per request in flight
	lim       *rate.Limiter // spacing between request starts
	pause     time.Time     // no request starts before this
	users     int           // goroutines holding or waiting for a slot
	lastStart time.Time
}

// NewHosts returns a Hosts allowing perHost requests in flight per host
// (values below 1 mean 1) whose starts are at least spacing apart (0: no
// spacing).
func NewHosts(perHost int, spacing time.Duration) *Hosts {
	return newHosts(perHost, spacing, realClock{})
}

func newHosts(perHost int, spacing time.Duration, c clock) *Hosts {
	return &Hosts{
		perHost: max(perHost, 1),
		spacing: max(spacing, 0),
		clock:   c,
		hosts:   map[string]*host{},
	}
}

// Acquire blocks until a request to host may start: fewer than perHost are
// in flight, spacing has passed since the last request to host started,
// and any pause is over. It returns a release func to call when the
// request is done (calling it again does nothing), or ctx's error.
//
// The empty host (a file:// URL) has no limits.
func (h *Hosts) Acquire(ctx context.Context, hostname string) (release func(), err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if hostname == "" {
		return func() {}, nil
	}
	e := h.enter(hostname)
	held := false
	defer func() {
		if err != nil {
			if held {
				<-e.slots
			}
			h.leave(e)
		}
	}()

	select {
	case e.slots <- struct{}{}:
		held = true
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	for {
		// The clock is read and the limiter reserved under h.mu, so
		// reservations are made in time order.
		h.mu.Lock()
		now := h.clock.Now()
		if now.Before(e.pause) {
			wait := e.pause.Sub(now)
			h.mu.Unlock()
			if err := h.sleep(ctx, wait); err != nil {
				return nil, err
			}
			continue
		}
		r := e.lim.ReserveN(now, 1)
		d := r.DelayFrom(now)
		if d <= 0 {
			e.lastStart = now
			h.mu.Unlock()
			break
		}
		h.mu.Unlock()
		if err := h.sleep(ctx, d); err != nil {
			h.mu.Lock()
			r.CancelAt(h.clock.Now()) // hand our turn back to the others
			h.mu.Unlock()
			return nil, err
		}
		h.mu.Lock()
		now = h.clock.Now()
		if now.Before(e.pause) { // paused while we waited: wait again
			h.mu.Unlock()
			continue
		}
		e.lastStart = now
		h.mu.Unlock()
		break
	}

	var once sync.Once
	return func() {
		once.Do(func() {
			<-e.slots
			h.leave(e)
		})
	}, nil
}

// Pause stops new requests to host from starting before until, e.g. after
// a 429 with Retry-After. Requests in flight are not affected. A pause is
// only ever extended, never shortened.
func (h *Hosts) Pause(hostname string, until time.Time) {
	if hostname == "" {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	e := h.entry(hostname)
	if until.After(e.pause) {
		e.pause = until
	}
}

// enter returns the host's entry, counting the caller as its user.
func (h *Hosts) enter(hostname string) *host {
	h.mu.Lock()
	defer h.mu.Unlock()
	if now := h.clock.Now(); now.Sub(h.lastSweep) >= sweepEvery {
		h.sweep(now)
		h.lastSweep = now
	}
	e := h.entry(hostname)
	e.users++
	return e
}

func (h *Hosts) leave(e *host) {
	h.mu.Lock()
	e.users--
	h.mu.Unlock()
}

// entry returns the host's entry, creating it. h.mu must be held.
func (h *Hosts) entry(hostname string) *host {
	e := h.hosts[hostname]
	if e == nil {
		limit := rate.Inf
		if h.spacing > 0 {
			limit = rate.Every(h.spacing)
		}
		e = &host{
			slots: make(chan struct{}, h.perHost),
			lim:   rate.NewLimiter(limit, 1),
		}
		h.hosts[hostname] = e
	}
	return e
}

// sweep forgets hosts whose state a fresh entry would reproduce: no users,
// no pause in force, spacing elapsed since the last start. h.mu must be
// held.
func (h *Hosts) sweep(now time.Time) {
	for name, e := range h.hosts {
		if e.users == 0 && !now.Before(e.pause) && now.Sub(e.lastStart) >= h.spacing {
			delete(h.hosts, name)
		}
	}
}

// sleep waits for d or until ctx is done.
func (h *Hosts) sleep(ctx context.Context, d time.Duration) error {
	c, stop := h.clock.After(d)
	defer stop()
	select {
	case <-c:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// clock is the time source of Hosts; tests use a fake one.
type clock interface {
	Now() time.Time
	// After is time.NewTimer(d).C with its Stop func.
	After(d time.Duration) (<-chan time.Time, func() bool)
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) After(d time.Duration) (<-chan time.Time, func() bool) {
	t := time.NewTimer(d)
	return t.C, t.Stop
}
