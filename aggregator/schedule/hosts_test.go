package schedule

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// fakeClock is a clock that moves only when the test calls Advance.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers map[*fakeTimer]bool
}

type fakeTimer struct {
	at time.Time
	c  chan time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), timers: map[*fakeTimer]bool{}}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) (<-chan time.Time, func() bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{at: c.now.Add(d), c: make(chan time.Time, 1)}
	if d <= 0 {
		t.c <- c.now
		return t.c, func() bool { return false }
	}
	c.timers[t] = true
	return t.c, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		pending := c.timers[t]
		delete(c.timers, t)
		return pending
	}
}

// Advance moves the clock and fires the timers that are due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	for t := range c.timers {
		if !t.at.After(c.now) {
			t.c <- c.now
			delete(c.timers, t)
		}
	}
}

// waitTimers waits until n timers are pending, i.e. n goroutines sleep.
// It fails the test after a generous real-time limit; it asserts no timing.
func (c *fakeClock) waitTimers(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c.mu.Lock()
		got := len(c.timers)
		c.mu.Unlock()
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d timers pending; want %d", got, n)
		}
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
}

// acquirer runs Acquire calls in goroutines and reports, in order of
// return, which call returned and the fake time at which it did.
type acquirer struct {
	t     *testing.T
	h     *Hosts
	clock *fakeClock
	done  chan result
	wg    sync.WaitGroup
}

type result struct {
	name    string
	at      time.Time
	err     error
	release func()
}

func newAcquirer(t *testing.T, h *Hosts, c *fakeClock) *acquirer {
	a := &acquirer{t: t, h: h, clock: c, done: make(chan result, 100)}
	t.Cleanup(a.wg.Wait)
	return a
}

func (a *acquirer) start(ctx context.Context, name, host string) {
	a.wg.Go(func() {
		release, err := a.h.Acquire(ctx, host)
		a.done <- result{name: name, at: a.clock.Now(), err: err, release: release}
	})
}

// next waits for the next Acquire to return.
func (a *acquirer) next() result {
	a.t.Helper()
	select {
	case r := <-a.done:
		return r
	case <-time.After(10 * time.Second):
		a.t.Fatal("no Acquire returned")
		return result{}
	}
}

// none checks that no Acquire has returned.
func (a *acquirer) none() {
	a.t.Helper()
	select {
	case r := <-a.done:
		a.t.Fatalf("Acquire %s returned (err %v); want it still blocked", r.name, r.err)
	default:
	}
}

func TestHostsSpacing(t *testing.T) {
	clock := newFakeClock()
	t0 := clock.Now()
	h := newHosts(10, time.Second, clock)
	a := newAcquirer(t, h, clock)

	for i := range 3 {
		a.start(t.Context(), fmt.Sprint("a", i), "a.example")
	}
	a.start(t.Context(), "b0", "b.example")
	// One request to each host starts at once; the other two to a.example
	// sleep until their turn.
	first := map[string]bool{}
	for range 2 {
		r := a.next()
		if r.err != nil || !r.at.Equal(t0) {
			t.Fatalf("Acquire %s = %v at t0+%v; want nil at t0", r.name, r.err, r.at.Sub(t0))
		}
		first[r.name[:1]] = true
		r.release()
	}
	if !first["a"] || !first["b"] {
		t.Fatalf("first Acquires returned for hosts %v; want one of each", first)
	}
	clock.waitTimers(t, 2)
	a.none()
	for i := 1; i <= 2; i++ {
		clock.Advance(time.Second - time.Nanosecond)
		clock.waitTimers(t, 3-i) // nothing fires early
		a.none()
		clock.Advance(time.Nanosecond)
		r := a.next()
		if want := t0.Add(time.Duration(i) * time.Second); r.err != nil || !r.at.Equal(want) {
			t.Errorf("Acquire %s = %v at t0+%v; want nil at t0+%v", r.name, r.err, r.at.Sub(t0), want.Sub(t0))
		}
		r.release()
		clock.waitTimers(t, 2-i)
		a.none()
	}
}

func TestHostsPause(t *testing.T) {
	clock := newFakeClock()
	t0 := clock.Now()
	h := newHosts(2, 0, clock)
	a := newAcquirer(t, h, clock)

	h.Pause("a.example", t0.Add(time.Minute))
	h.Pause("a.example", t0.Add(30*time.Second)) // never shortens
	a.start(t.Context(), "a", "a.example")
	a.start(t.Context(), "other host", "b.example")
	if r := a.next(); r.name != "other host" || r.err != nil {
		t.Fatalf("first Acquire to return = %s, %v; want other host, nil", r.name, r.err)
	}
	clock.waitTimers(t, 1)
	a.none()
	clock.Advance(40 * time.Second)
	h.Pause("a.example", t0.Add(2*time.Minute)) // extended while waiting
	clock.Advance(20 * time.Second)
	clock.waitTimers(t, 1) // slept through the first pause, waits again
	a.none()
	clock.Advance(time.Minute)
	r := a.next()
	if want := t0.Add(2 * time.Minute); r.err != nil || !r.at.Equal(want) {
		t.Errorf("Acquire = %v at t0+%v; want nil at t0+%v", r.err, r.at.Sub(t0), want.Sub(t0))
	}
	r.release()

	// A pause on one host leaves every other host alone, and an empty
	// host (file://) is never limited.
	h.Pause("c.example", t0.Add(time.Hour))
	h.Pause("", t0.Add(time.Hour))
	for _, host := range []string{"d.example", ""} {
		release, err := h.Acquire(t.Context(), host)
		if err != nil {
			t.Fatalf("Acquire(%q) = %v; want nil", host, err)
		}
		release()
	}
}

func TestHostsCancel(t *testing.T) {
	tests := []struct {
		name  string
		block func(h *Hosts, clock *fakeClock) // makes the next Acquire to a.example wait
		// timers is how many timers the waiting Acquire sets (0 when it
		// waits on a slot).
		timers int
	}{
		{"waiting for a slot", func(h *Hosts, _ *fakeClock) {
			if _, err := h.Acquire(context.Background(), "a.example"); err != nil {
				panic(err)
			}
		}, 0},
		{"waiting for a pause", func(h *Hosts, clock *fakeClock) {
			h.Pause("a.example", clock.Now().Add(time.Hour))
		}, 1},
		{"waiting for spacing", func(h *Hosts, _ *fakeClock) {
			release, err := h.Acquire(context.Background(), "a.example")
			if err != nil {
				panic(err)
			}
			release()
		}, 1},
	}
	for _, tt := range tests {
		// In a synctest bubble, synctest.Wait returns once the waiter is
		// blocked in Acquire, so the cancel below always meets a waiting
		// Acquire (a sleep here only made that likely).
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				clock := newFakeClock()
				h := newHosts(1, time.Minute, clock)
				a := newAcquirer(t, h, clock)
				tt.block(h, clock)
				ctx, cancel := context.WithCancel(t.Context())
				a.start(ctx, "waiter", "a.example")
				clock.waitTimers(t, tt.timers)
				synctest.Wait()
				a.none()
				cancel()
				r := a.next()
				if !errors.Is(r.err, context.Canceled) || r.release != nil {
					t.Errorf("Acquire after cancel = %v, release %v; want context.Canceled, nil", r.err, r.release != nil)
				}
				clock.waitTimers(t, 0)
				h.mu.Lock()
				users := h.hosts["a.example"].users
				h.mu.Unlock()
				if want := map[bool]int{true: 1, false: 0}[tt.timers == 0]; users != want {
					t.Errorf("a.example has %d users after the cancelled Acquire; want %d", users, want)
				}
			})
		})
	}

	t.Run("already cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		for _, host := range []string{"a.example", ""} {
			if _, err := NewHosts(1, 0).Acquire(ctx, host); !errors.Is(err, context.Canceled) {
				t.Errorf("Acquire(%q) with a cancelled ctx = %v; want context.Canceled", host, err)
			}
		}
	})

	t.Run("cancelled turn goes to the next", func(t *testing.T) {
		clock := newFakeClock()
		t0 := clock.Now()
		h := newHosts(5, time.Minute, clock)
		a := newAcquirer(t, h, clock)
		a.start(t.Context(), "first", "a.example")
		a.next().release()
		ctx, cancel := context.WithCancel(t.Context())
		a.start(ctx, "cancelled", "a.example")
		clock.waitTimers(t, 1)
		cancel()
		if r := a.next(); !errors.Is(r.err, context.Canceled) {
			t.Fatalf("cancelled Acquire = %v; want context.Canceled", r.err)
		}
		a.start(t.Context(), "third", "a.example")
		clock.waitTimers(t, 1)
		clock.Advance(time.Minute)
		r := a.next()
		if want := t0.Add(time.Minute); r.err != nil || !r.at.Equal(want) {
			t.Errorf("Acquire after a cancelled one = %v at t0+%v; want nil at t0+%v", r.err, r.at.Sub(t0), want.Sub(t0))
		}
		r.release()
	})
}

func TestHostsPerHostLimit(t *testing.T) {
	const perHost, goroutines, rounds = 3, 40, 25
	hostNames := []string{"a.example", "b.example"}
	h := NewHosts(perHost, 0)
	var inFlight, maxInFlight [2]atomic.Int32
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			i := g % len(hostNames)
			for range rounds {
				release, err := h.Acquire(t.Context(), hostNames[i])
				if err != nil {
					t.Error(err)
					return
				}
				n := inFlight[i].Add(1)
				for {
					m := maxInFlight[i].Load()
					if n <= m || maxInFlight[i].CompareAndSwap(m, n) {
						break
					}
				}
				runtime.Gosched()
				inFlight[i].Add(-1)
				release()
				release() // a second call does nothing
			}
		})
	}
	wg.Wait()
	for i, name := range hostNames {
		if got := maxInFlight[i].Load(); got > perHost || got < 1 {
			t.Errorf("%s: at most %d in flight; want 1..%d", name, got, perHost)
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for name, e := range h.hosts {
		if e.users != 0 || len(e.slots) != 0 {
			t.Errorf("%s after all releases: %d users, %d slots taken; want 0, 0", name, e.users, len(e.slots))
		}
	}
}

func TestHostsForgetIdleHosts(t *testing.T) {
	clock := newFakeClock()
	t0 := clock.Now()
	h := newHosts(2, 10*time.Second, clock)
	for i := range 100 {
		release, err := h.Acquire(t.Context(), fmt.Sprintf("h%d.example", i))
		if err != nil {
			t.Fatal(err)
		}
		release()
	}
	held, err := h.Acquire(t.Context(), "held.example")
	if err != nil {
		t.Fatal(err)
	}
	h.Pause("paused.example", t0.Add(time.Hour))

	count := func() int {
		h.mu.Lock()
		defer h.mu.Unlock()
		return len(h.hosts)
	}
	if got := count(); got != 102 {
		t.Fatalf("%d hosts remembered; want 102", got)
	}
	clock.Advance(sweepEvery)
	release, err := h.Acquire(t.Context(), "new.example")
	if err != nil {
		t.Fatal(err)
	}
	release()
	// The idle hosts are gone; the held one, the paused one and the new
	// one stay.
	if got := count(); got != 3 {
		t.Errorf("%d hosts remembered after a sweep; want 3", got)
	}
	held()
	clock.Advance(time.Hour)
	if release, err = h.Acquire(t.Context(), "new.example"); err != nil {
		t.Fatal(err)
	}
	release()
	if got := count(); got != 1 {
		t.Errorf("%d hosts remembered after the pause ended; want 1", got)
	}
}

func BenchmarkHostsAcquire(b *testing.B) {
	h := NewHosts(4, 0)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			release, err := h.Acquire(context.Background(), "a.example")
			if err != nil {
				b.Fatal(err)
			}
			release()
		}
	})
}
