package alert

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wiredesk/wiredesk"
)

// memOutbox is an in-memory Outbox.
type memOutbox struct {
	mu      sync.Mutex
	pending map[string][]wiredesk.Alert // by channel, in order
	dead    []wiredesk.Alert
	acked   []string
	seq     uint64
}

func newMemOutbox(alerts ...wiredesk.Alert) *memOutbox {
	o := &memOutbox{pending: map[string][]wiredesk.Alert{}}
	for _, a := range alerts {
		o.seq++
		a.Seq = o.seq
		o.pending[a.Channel] = append(o.pending[a.Channel], a)
	}
	return o
}

func (o *memOutbox) PendingAlerts(_ context.Context, channel string, limit int) ([]wiredesk.Alert, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := slices.Clone(o.pending[channel])
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (o *memOutbox) remove(a wiredesk.Alert) bool {
	q := o.pending[a.Channel]
	i := slices.IndexFunc(q, func(b wiredesk.Alert) bool { return b.Seq == a.Seq })
	if i < 0 {
		return false
	}
	o.pending[a.Channel] = slices.Delete(q, i, i+1)
	return true
}

func (o *memOutbox) AckAlert(_ context.Context, a wiredesk.Alert) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.remove(a)
	o.acked = append(o.acked, a.ID)
	return nil
}

func (o *memOutbox) RetryAlert(_ context.Context, a wiredesk.Alert) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	q := o.pending[a.Channel]
	i := slices.IndexFunc(q, func(b wiredesk.Alert) bool { return b.Seq == a.Seq })
	if i < 0 {
		return errors.New("gone")
	}
	q[i] = a
	return nil
}

func (o *memOutbox) DeadAlert(_ context.Context, a wiredesk.Alert) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.remove(a) {
		return errors.New("gone")
	}
	o.dead = append(o.dead, a)
	return nil
}

// scripted is a Sender that answers with errs in turn (nil when they run
// out) and records what it was sent.
type scripted struct {
	mu   sync.Mutex
	errs []error
	sent []string // alert ids, one per attempt
}

func (s *scripted) Send(_ context.Context, a wiredesk.Alert, _ Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent = append(s.sent, a.ID)
	if len(s.errs) == 0 {
		return nil
	}
	err := s.errs[0]
	s.errs = s.errs[1:]
	return err
}

func testAlert(channel, id string) wiredesk.Alert {
	return wiredesk.Alert{ID: id, Kind: wiredesk.AlertNew, Channel: channel, Rule: "r", Title: "МОЛНИЯ"}
}

// clock is a settable time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Failures are retried with exponential backoff under the same
// idempotency key, until the channel takes the alert.
func TestRetryWithBackoff(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: now}
	out := newMemOutbox(testAlert("hook", "a1"))
	s := &scripted{errs: []error{
		&SendError{Channel: "hook", Status: 503, Err: errors.New("busy")},
		&SendError{Channel: "hook", Status: 503, Err: errors.New("busy")},
		&SendError{Channel: "hook", Status: 429, RetryAfter: time.Minute, Err: errors.New("slow down")},
	}}
	c := Channel{Name: "hook", Sender: s, MaxAttempts: 5, Backoff: time.Second, MaxBackoff: time.Hour}
	d := &Deliverer{Outbox: out, Channels: []Channel{c}, Now: clk.now}
	lim := limiter(c)

	waits := []time.Duration{time.Second, 2 * time.Second, time.Minute} // the 429's Retry-After beats 4s
	for i, want := range waits {
		_, tried, err := d.pass(ctx, c, lim)
		if err != nil || tried != 1 {
			t.Fatalf("pass %d: tried %d, %v", i+1, tried, err)
		}
		q, _ := out.PendingAlerts(ctx, "hook", 0)
		if len(q) != 1 || q[0].Attempts != i+1 || q[0].NextAttempt.Sub(clk.now()) != want || q[0].LastError == "" {
			t.Fatalf("after failure %d: %+v; want attempt %d due in %v", i+1, q, i+1, want)
		}
		// Not due yet: nothing is tried, and pass says when it is due.
		next, tried, _ := d.pass(ctx, c, lim)
		if tried != 0 || !next.Equal(q[0].NextAttempt) {
			t.Fatalf("before it is due: tried %d, next %v; want 0 and %v", tried, next, q[0].NextAttempt)
		}
		clk.add(want)
	}
	if _, tried, err := d.pass(ctx, c, lim); err != nil || tried != 1 {
		t.Fatalf("last pass: tried %d, %v", tried, err)
	}
	if len(out.acked) != 1 || len(out.pending["hook"]) != 0 {
		t.Errorf("acked %v, pending %v; want a1 delivered", out.acked, out.pending["hook"])
	}
	if want := []string{"a1", "a1", "a1", "a1"}; !slices.Equal(s.sent, want) {
		t.Errorf("sent %v; want %v (one key through every retry)", s.sent, want)
	}
}

func TestDeadLetters(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: now}
	transient := &SendError{Channel: "hook", Status: 500, Err: errors.New("down")}
	out := newMemOutbox(testAlert("hook", "tries-out"), testAlert("hook", "refused"))
	s := &scripted{errs: []error{transient, &SendError{Channel: "hook", Status: 404, Permanent: true, Err: errors.New("no such hook")}, transient}}
	c := Channel{Name: "hook", Sender: s, MaxAttempts: 2, Backoff: time.Second}
	var outcomes []Outcome
	d := &Deliverer{Outbox: out, Channels: []Channel{c}, Now: clk.now, Observe: func(_ string, o Outcome) { outcomes = append(outcomes, o) }}
	d.pass(ctx, c, limiter(c)) // tries-out: 500, retry; refused: 404, dead at once
	clk.add(time.Hour)
	d.pass(ctx, c, limiter(c)) // tries-out: 500 again, out of attempts
	slices.SortFunc(out.dead, func(a, b wiredesk.Alert) int { return cmp.Compare(a.ID, b.ID) })
	if len(out.dead) != 2 || out.dead[0].ID != "refused" || out.dead[0].Attempts != 1 || out.dead[1].ID != "tries-out" || out.dead[1].Attempts != 2 {
		t.Errorf("dead letters %+v; want refused after 1 attempt and tries-out after 2", out.dead)
	}
	if want := []Outcome{Retried, Dead, Dead}; !slices.Equal(outcomes, want) {
		t.Errorf("outcomes %v; want %v", outcomes, want)
	}
	if len(out.pending["hook"]) != 0 || len(out.acked) != 0 {
		t.Errorf("pending %v, acked %v; want none", out.pending["hook"], out.acked)
	}
}

// The rate limit holds alerts back: with a burst of 2 and one a minute,
// a pass whose context ends within the minute sends two of three.
func TestRateLimit(t *testing.T) {
	out := newMemOutbox(testAlert("hook", "1"), testAlert("hook", "2"), testAlert("hook", "3"))
	s := &scripted{}
	c := Channel{Name: "hook", Sender: s, PerMinute: 1, Burst: 2}
	lim := limiter(c)
	if lim.Burst() != 2 || lim.Limit() != 1.0/60 {
		t.Fatalf("limiter = %v/s burst %d; want 1/60 burst 2", lim.Limit(), lim.Burst())
	}
	d := &Deliverer{Outbox: out, Channels: []Channel{c}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, tried, err := d.pass(ctx, c, lim)
	if tried != 2 || err == nil {
		t.Errorf("pass tried %d, %v; want 2 and the limiter's refusal to wait past the deadline", tried, err)
	}
	if !slices.Equal(s.sent, []string{"1", "2"}) || len(out.pending["hook"]) != 1 {
		t.Errorf("sent %v, pending %d; want 1 and 2 sent, 3 waiting", s.sent, len(out.pending["hook"]))
	}
}

// blocking is a Sender that holds every send until released.
type blocking struct {
	started chan string
	release chan struct{}
}

func (b *blocking) Send(ctx context.Context, a wiredesk.Alert, _ Message) error {
	b.started <- a.ID
	select {
	case <-b.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// notifying is a Sender that reports each delivery.
type notifying chan string

func (n notifying) Send(_ context.Context, a wiredesk.Alert, _ Message) error {
	n <- a.ID
	return nil
}

// A channel that hangs holds up only itself: the other channel's alerts
// go out meanwhile, and a stopped Deliverer leaves the hung alert queued.
func TestSlowChannelBlocksOnlyItself(t *testing.T) {
	out := newMemOutbox(testAlert("slow", "s1"), testAlert("fast", "f1"), testAlert("fast", "f2"))
	slow := &blocking{started: make(chan string, 1), release: make(chan struct{})}
	fast := make(notifying, 2)
	d := &Deliverer{Outbox: out, Channels: []Channel{
		{Name: "slow", Sender: slow, Timeout: time.Hour},
		{Name: "fast", Sender: fast},
	}}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { d.Run(ctx) })
	if id := <-slow.started; id != "s1" {
		t.Fatalf("slow channel started %s", id)
	}
	got := []string{<-fast, <-fast}
	if !slices.Equal(got, []string{"f1", "f2"}) {
		t.Errorf("fast channel delivered %v while slow hung; want f1, f2", got)
	}
	cancel()
	wg.Wait()
	if q := out.pending["slow"]; len(q) != 1 || q[0].Attempts != 0 {
		t.Errorf("slow queue after stop = %+v; want s1 still queued, no attempt counted", q)
	}
}

// Wake makes an idle worker look at its queue at once.
func TestWake(t *testing.T) {
	out := newMemOutbox()
	fast := make(notifying, 1)
	d := &Deliverer{Outbox: out, Channels: []Channel{{Name: "fast", Sender: fast}}}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	wg.Go(func() { d.Run(ctx) })
	out.mu.Lock()
	out.pending["fast"] = []wiredesk.Alert{testAlert("fast", "w1")}
	out.mu.Unlock()
	d.Wake()
	if id := <-fast; id != "w1" {
		t.Errorf("delivered %s; want w1", id)
	}
}

// Drain sends what is due and returns; what fails stays for later.
func TestDrain(t *testing.T) {
	out := newMemOutbox(testAlert("a", "a1"), testAlert("a", "a2"), testAlert("b", "b1"))
	bad := &scripted{errs: []error{&SendError{Channel: "b", Status: 503, Err: errors.New("busy")}}}
	good := &scripted{}
	d := &Deliverer{Outbox: out, Channels: []Channel{{Name: "a", Sender: good}, {Name: "b", Sender: bad, Backoff: time.Minute}}}
	d.Drain(context.Background())
	if !slices.Equal(good.sent, []string{"a1", "a2"}) || len(out.pending["a"]) != 0 {
		t.Errorf("a sent %v; want a1, a2 and an empty queue", good.sent)
	}
	if q := out.pending["b"]; len(q) != 1 || q[0].Attempts != 1 {
		t.Errorf("b queue %+v; want b1 waiting after one attempt", q)
	}
}
