package aggregator_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/wiredesk/wiredesk"
	"github.com/wiredesk/wiredesk/aggregator"
	"github.com/wiredesk/wiredesk/aggregator/fetch"
	"github.com/wiredesk/wiredesk/aggregator/schedule"
)

// RunOnce counts each source once, skips backing-off sources unless
// forced and never polls disabled ones.
func TestRunOnce(t *testing.T) {
	c := newClock()
	p, db := newPoller(t, c)
	w := newWire(t)
	w.feed("/ok", "", rss("OK", "", numbered(2, c.Now())...))
	w.status("/bad", http.StatusInternalServerError)
	w.status("/resting", http.StatusInternalServerError)
	w.feed("/off", "", rss("Off", "", numbered(2, c.Now())...))
	off := source("off", w.URL+"/off")
	off.Enabled = false
	sources := []wiredesk.Source{source("ok", w.URL+"/ok"), source("bad", w.URL+"/bad"), source("resting", w.URL+"/resting"), off}
	resting := wiredesk.SourceState{SourceID: "resting", State: wiredesk.StateBackoff, Failures: 2, NextDue: c.Now().Add(time.Hour)}
	if err := db.SaveState(context.Background(), resting); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name                     string
		force                    bool
		ok, failed, skipped, new int
		restingHits              int
	}{
		{name: "polite", ok: 1, failed: 1, skipped: 1, new: 2, restingHits: 0},
		{name: "force", force: true, ok: 1, failed: 2, skipped: 0, new: 0, restingHits: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			seen := map[string]int{}
			sum, err := p.RunOnce(context.Background(), sources, aggregator.OnceOptions{
				Concurrency: 2,
				Force:       tt.force,
				OnResult: func(r aggregator.Result) {
					mu.Lock()
					seen[r.SourceID]++
					mu.Unlock()
				},
			})
			if err != nil {
				t.Fatalf("RunOnce error = %v", err)
			}
			if sum.Sources != 3 || sum.OK != tt.ok || sum.Failed != tt.failed || sum.Skipped != tt.skipped || sum.New != tt.new || len(sum.Results) != 3 {
				t.Errorf("summary sources %d ok %d failed %d skipped %d new %d results %d; want 3 %d %d %d %d 3",
					sum.Sources, sum.OK, sum.Failed, sum.Skipped, sum.New, len(sum.Results), tt.ok, tt.failed, tt.skipped, tt.new)
			}
			for _, id := range []string{"ok", "bad", "resting"} {
				if seen[id] != 1 {
					t.Errorf("OnResult for %s called %d times; want 1", id, seen[id])
				}
			}
			if seen["off"] != 0 || w.hitsOf("/off") != 0 {
				t.Errorf("disabled source reported %d times, fetched %d times; want 0 and 0", seen["off"], w.hitsOf("/off"))
			}
			if n := w.hitsOf("/resting"); n != tt.restingHits {
				t.Errorf("backing-off source fetched %d times in total; want %d", n, tt.restingHits)
			}
		})
	}
}

// RunOnce never has more than Concurrency fetches in flight.
func TestRunOnceConcurrency(t *testing.T) {
	for _, conc := range []int{1, 3} {
		t.Run(fmt.Sprint(conc), func(t *testing.T) {
			c := newClock()
			p, _ := newPoller(t, c)
			w := newWire(t)
			body := rss("Wire", "", numbered(1, c.Now())...)
			var sources []wiredesk.Source
			for i := range 12 {
				path := fmt.Sprintf("/%d", i)
				w.handle(path, func(rw http.ResponseWriter, r *http.Request) {
					time.Sleep(5 * time.Millisecond) // let polls overlap if they may
					rw.Write(body)
				})
				sources = append(sources, source(fmt.Sprintf("s%d", i), w.URL+path))
			}
			sum, err := p.RunOnce(context.Background(), sources, aggregator.OnceOptions{Concurrency: conc})
			if err != nil || sum.OK != 12 {
				t.Fatalf("RunOnce = %d ok, %v; want 12 ok", sum.OK, err)
			}
			if got := w.maxConcurrent(); got > conc {
				t.Errorf("requests in flight at most %d; want at most %d", got, conc)
			}
		})
	}
}

// A source waiting for its paused host holds no global slot: with one
// slot, a source of another host is still polled.
func TestRunOnceWaitingHostHoldsNoSlot(t *testing.T) {
	c := newClock()
	p, _ := newPoller(t, c)
	p.Hosts = schedule.NewHosts(1, 0)
	paused, open := newWire(t), newWire(t)
	paused.feed("/feed", "", rss("Paused", "", numbered(1, c.Now())...))
	open.feed("/feed", "", rss("Open", "", numbered(1, c.Now())...))
	p.Hosts.Pause(paused.Listener.Addr().String(), time.Now().Add(time.Hour))
	sources := []wiredesk.Source{source("paused", paused.URL+"/feed"), source("open", open.URL+"/feed")}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := make(chan aggregator.Result, 2)
	done := make(chan error, 1)
	go func() {
		_, err := p.RunOnce(ctx, sources, aggregator.OnceOptions{Concurrency: 1, OnResult: func(r aggregator.Result) { got <- r }})
		done <- err
	}()
	select {
	case r := <-got:
		if r.SourceID != "open" || r.Outcome != aggregator.OutcomeOK {
			t.Errorf("first result = %s %s; want open ok", r.SourceID, r.Outcome)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the open host's source was never polled: the waiting source holds the only slot")
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("RunOnce after cancel = %v; want context.Canceled", err)
	}
	if n := paused.hitsOf("/feed"); n != 0 {
		t.Errorf("paused host fetched %d times; want 0", n)
	}
}

// A storage error while saving one source (a full disk) fails that source
// only: the others are saved and counted, and RunOnce returns no error. A
// damaged database, which every source would meet, stops the pass.
func TestRunOnceStorageFailure(t *testing.T) {
	errFull := fmt.Errorf("write wiredesk.db: %w", syscall.ENOSPC)
	tests := []struct {
		name       string
		store      func(db aggregator.Store) *countingStore
		wantErr    error // nil: the pass goes on
		wantFailed int
	}{
		{"disk full saving one source", func(db aggregator.Store) *countingStore {
			return &countingStore{Store: db, failFetch: errFull, failFetchOf: "flood"}
		}, nil, 1},
		{"state unreadable", func(db aggregator.Store) *countingStore {
			return &countingStore{Store: db, failRead: errDisk}
		}, nil, 3},
		{"database damaged", func(db aggregator.Store) *countingStore {
			return &countingStore{Store: db, failRead: fmt.Errorf("read: %w", wiredesk.ErrDamaged)}
		}, wiredesk.ErrDamaged, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClock()
			p, db := newPoller(t, c)
			p.Store = tt.store(db)
			w := newWire(t)
			w.feed("/feed", "", rss("Wire", "", numbered(1, c.Now())...))
			sources := []wiredesk.Source{source("a", w.URL+"/feed?a"), source("b", w.URL+"/feed?b"), source("flood", w.URL+"/feed?flood")}
			sum, err := p.RunOnce(context.Background(), sources, aggregator.OnceOptions{})
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("RunOnce error = %v; want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("RunOnce error = %v; want the failure counted per source", err)
			}
			if sum.Failed != tt.wantFailed || sum.OK != 3-tt.wantFailed {
				t.Errorf("summary: %d ok, %d failed; want %d ok, %d failed", sum.OK, sum.Failed, 3-tt.wantFailed, tt.wantFailed)
			}
			for _, r := range sum.Results {
				if r.Outcome == aggregator.OutcomeError && r.Err == nil {
					t.Errorf("%s failed without an error", r.SourceID)
				}
			}
			if tt.wantFailed == 1 && len(items(t, db, "a")) != 1 {
				t.Errorf("source a's item not stored beside the failing source")
			}
		})
	}
}

// scheduler runs s in the background; stop cancels it and fails the test
// unless Run returns.
func scheduler(t *testing.T, s *aggregator.Scheduler, sources []wiredesk.Source) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, sources) }()
	stopped := false
	stop = func() {
		t.Helper()
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run = %v; want nil", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not return after its context was cancelled")
		}
	}
	t.Cleanup(stop)
	return stop
}

// schedPoller is a Poller on real time with tiny intervals allowed, whose
// fetches are counted.
func schedPoller(t *testing.T) (*aggregator.Poller, *countingFetcher) {
	p, _ := newPoller(t, nil)
	p.Policy.MinInterval = time.Millisecond
	f := newCountingFetcher(p.Fetch)
	p.Fetch = f
	return p, f
}

// The scheduler polls each source again after its interval, one fetch of
// a source at a time, and leaves nothing running after Run returns.
func TestSchedulerRepolls(t *testing.T) {
	p, f := schedPoller(t)
	w := newWire(t)
	var sources []wiredesk.Source
	for _, id := range []string{"a", "b", "c"} {
		w.handle("/"+id, func(rw http.ResponseWriter, r *http.Request) {
			time.Sleep(time.Millisecond)
			rw.Write(rss(id, "", numbered(2, time.Now())...))
		})
		src := source(id, w.URL+"/"+id)
		src.Interval = 5 * time.Millisecond
		sources = append(sources, src)
	}
	var obs observer
	p.Observer = &obs
	s := &aggregator.Scheduler{Poller: p, Concurrency: 2}
	stop := scheduler(t, s, sources)
	for _, src := range sources {
		eventually(t, src.ID+" polled three times", func() bool { _, done := f.count(src.URL); return done >= 3 })
	}
	stop()

	inFlight, maxPer := f.total()
	if inFlight != 0 || maxPer != 1 {
		t.Errorf("after Run: %d fetches in flight, at most %d of one source at once; want 0 and 1", inFlight, maxPer)
	}
	if got := s.PollNow(); got != 0 {
		t.Errorf("PollNow after Run = %d; want 0 sources running", got)
	}
	if got := w.maxConcurrent(); got > 2 {
		t.Errorf("requests in flight at most %d; want at most the concurrency 2", got)
	}
}

type observer struct {
	mu sync.Mutex
	n  int
}

func (o *observer) ObservePoll(wiredesk.Source, aggregator.Result) {
	o.mu.Lock()
	o.n++
	o.mu.Unlock()
}

func (o *observer) count() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.n
}

// memFetcher answers every URL with a small RSS document from memory, so
// that a scheduler under testing/synctest has no network I/O (which is
// never "durably blocked") and fake time can run. hold, when set, is called
// first and may block.
type memFetcher struct {
	hold func(ctx context.Context, url string, n int)

	mu    sync.Mutex
	calls map[string]int
	done  map[string]int
}

func (f *memFetcher) Fetch(ctx context.Context, r fetch.Request) (*fetch.Response, error) {
	f.mu.Lock()
	if f.calls == nil {
		f.calls, f.done = map[string]int{}, map[string]int{}
	}
	f.calls[r.URL]++
	n := f.calls[r.URL]
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.done[r.URL]++
		f.mu.Unlock()
	}()
	if f.hold != nil {
		f.hold(ctx, r.URL, n)
	}
	body := rss(r.URL, "", numbered(1, time.Now())...)
	return &fetch.Response{Status: http.StatusOK, Body: body, ContentType: "application/rss+xml", FinalURL: r.URL}, nil
}

func (f *memFetcher) count(url string) (calls, done int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[url], f.done[url]
}

// synctestPoller is a Poller whose fetches come from memory, for tests in a
// synctest bubble (its clock is the bubble's).
func synctestPoller(t *testing.T, f aggregator.Fetcher) *aggregator.Poller {
	p, _ := newPoller(t, nil)
	p.Policy.MinInterval = time.Millisecond
	p.Fetch = f
	return p
}

// Once Run has returned, no source loop is left to poll: in fake time a
// second passes after Run returns (two hundred 5 ms intervals) and nothing
// is polled. Without synctest this needed a real sleep that proved little.
func TestSchedulerNoPollAfterRun(t *testing.T) {
	p := synctestPoller(t, &memFetcher{})
	var obs observer
	p.Observer = &obs
	synctest.Test(t, func(t *testing.T) {
		var sources []wiredesk.Source
		for _, id := range []string{"a", "b", "c"} {
			src := source(id, "http://wire.test/"+id)
			src.Interval = 5 * time.Millisecond
			sources = append(sources, src)
		}
		s := &aggregator.Scheduler{Poller: p, Concurrency: 2}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx, sources) }()
		time.Sleep(20 * time.Millisecond)
		synctest.Wait()
		if obs.count() < 3 {
			t.Fatalf("polls in 20 ms of 5 ms intervals: %d; want at least 3", obs.count())
		}
		cancel()
		stopRun(t, done)
		n := obs.count()
		time.Sleep(time.Second)
		synctest.Wait()
		if got := obs.count() - n; got != 0 {
			t.Errorf("polls after Run returned: %d; want none", got)
		}
	})
}

// A source restarted by Update while its poll is still running is not
// fetched again until that poll ends. In a synctest bubble, synctest.Wait
// returns once every goroutine is blocked: a wrong second fetch would have
// started (and ended) by then, so its absence is proven, not hoped for.
func TestSchedulerNeverTwoFetchesOfOneSource(t *testing.T) {
	f := &memFetcher{}
	p := synctestPoller(t, f)
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		// The first fetch finishes only when the test says so, whatever its
		// context: it stands for a poll busy in a storage write.
		f.hold = func(ctx context.Context, url string, n int) {
			if n == 1 {
				<-release
			}
		}
		src := source("a", "http://wire.test/a")
		src.Interval = time.Hour
		s := &aggregator.Scheduler{Poller: p}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx, []wiredesk.Source{src}) }()
		synctest.Wait()
		if n, _ := f.count(src.URL); n != 1 {
			t.Fatalf("fetches before Update: %d; want 1 (held)", n)
		}

		renamed := src
		renamed.Name = "A renamed"
		s.Update(context.Background(), []wiredesk.Source{renamed})
		synctest.Wait()
		if n, _ := f.count(src.URL); n != 1 {
			t.Errorf("fetches started while the first was in flight: %d; want 1", n)
		}
		close(release)
		synctest.Wait()
		if _, done := f.count(src.URL); done != 2 {
			t.Errorf("fetches done after the first ended: %d; want 2 (the restarted source polls)", done)
		}
		cancel()
		stopRun(t, done)
	})
}

// stopRun checks, inside a synctest bubble and after Run's context was
// cancelled, that Run has returned nil once every goroutine is blocked:
// a loop that ignored the cancellation would keep Run waiting for it.
func stopRun(t *testing.T, done <-chan error) {
	t.Helper()
	synctest.Wait()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run = %v; want nil", err)
		}
	default:
		t.Fatal("Run did not return after its context was cancelled")
	}
}

// Update starts added sources, stops removed ones and restarts changed
// ones; its context does not outlive Run's.
func TestSchedulerUpdate(t *testing.T) {
	p, f := schedPoller(t)
	w := newWire(t)
	for _, path := range []string{"/a", "/a2", "/b", "/c"} {
		w.handle(path, func(rw http.ResponseWriter, r *http.Request) {
			rw.Write(rss(path, "", numbered(1, time.Now())...))
		})
	}
	tiny := func(id, path string) wiredesk.Source {
		s := source(id, w.URL+path)
		s.Interval = 5 * time.Millisecond
		return s
	}
	s := &aggregator.Scheduler{Poller: p}
	stop := scheduler(t, s, []wiredesk.Source{tiny("a", "/a"), tiny("b", "/b")})
	eventually(t, "a and b polled", func() bool { return w.hitsOf("/a") >= 2 && w.hitsOf("/b") >= 2 })

	// A context that is never cancelled: the sources must still stop with
	// Run's.
	s.Update(context.Background(), []wiredesk.Source{tiny("a", "/a2"), tiny("c", "/c")})
	aHits, bHits := w.hitsOf("/a"), w.hitsOf("/b")
	eventually(t, "a at its new URL and c polled", func() bool { return w.hitsOf("/a2") >= 3 && w.hitsOf("/c") >= 3 })
	// A fetch already on its way when Update ran may still arrive.
	if w.hitsOf("/a") > aHits+1 || w.hitsOf("/b") > bHits+1 {
		t.Errorf("after Update: old URL of a fetched %d more times, removed b %d more times; want at most one in flight each",
			w.hitsOf("/a")-aHits, w.hitsOf("/b")-bHits)
	}
	stop()
	if inFlight, maxPer := f.total(); inFlight != 0 || maxPer != 1 {
		t.Errorf("after Run: %d fetches in flight, at most %d of one source at once; want 0 and 1", inFlight, maxPer)
	}
}

// PollNow polls every running source at once, however far off its next
// poll is.
func TestSchedulerPollNow(t *testing.T) {
	p, _ := schedPoller(t)
	w := newWire(t)
	var sources []wiredesk.Source
	for _, id := range []string{"a", "b"} {
		w.feed("/"+id, "", rss(id, "", numbered(1, time.Now())...))
		src := source(id, w.URL+"/"+id)
		src.Interval = time.Hour
		sources = append(sources, src)
	}
	var obs observer
	p.Observer = &obs
	s := &aggregator.Scheduler{Poller: p}
	scheduler(t, s, sources)
	eventually(t, "the first polls", func() bool { return obs.count() == 2 })
	if n := s.PollNow(); n != 2 {
		t.Errorf("PollNow = %d; want 2", n)
	}
	eventually(t, "the polls asked for", func() bool { return w.hitsOf("/a") == 2 && w.hitsOf("/b") == 2 })
}

// A source waiting for its paused host holds no global slot in the
// scheduler either.
func TestSchedulerWaitingHostHoldsNoSlot(t *testing.T) {
	p, _ := schedPoller(t)
	p.Hosts = schedule.NewHosts(1, 0)
	paused, open := newWire(t), newWire(t)
	paused.feed("/feed", "", rss("Paused", "", numbered(1, time.Now())...))
	open.feed("/feed", "", rss("Open", "", numbered(1, time.Now())...))
	p.Hosts.Pause(paused.Listener.Addr().String(), time.Now().Add(time.Hour))
	s := &aggregator.Scheduler{Poller: p, Concurrency: 1}
	stop := scheduler(t, s, []wiredesk.Source{source("paused", paused.URL+"/feed"), source("open", open.URL+"/feed")})
	eventually(t, "the open host's source", func() bool { return open.hitsOf("/feed") == 1 })
	stop()
	if n := paused.hitsOf("/feed"); n != 0 {
		t.Errorf("paused host fetched %d times; want 0", n)
	}
}

// Run refuses to run twice at once.
func TestSchedulerRunTwice(t *testing.T) {
	p, f := schedPoller(t)
	w := newWire(t)
	w.feed("/a", "", rss("A", "", numbered(1, time.Now())...))
	src := source("a", w.URL+"/a")
	s := &aggregator.Scheduler{Poller: p}
	stop := scheduler(t, s, []wiredesk.Source{src})
	eventually(t, "Run to poll", func() bool { _, done := f.count(src.URL); return done == 1 })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Run(ctx, nil); err == nil {
		t.Error("second Run while the first runs = nil; want an error")
	}
	stop()
}

// A 429 in a cron pass skips the other sources of that host instead of
// waiting out the pause; other hosts are polled.
func TestRunOnceSkipsRateLimitedHost(t *testing.T) {
	c := newClock()
	p, db := newPoller(t, c)
	p.Hosts = schedule.NewHosts(1, 0)
	limited, other := newWire(t), newWire(t)
	var mu sync.Mutex
	first := true
	body := rss("Wire", "", numbered(1, c.Now())...)
	var sources []wiredesk.Source
	for _, id := range []string{"a", "b", "c", "d"} {
		limited.handle("/"+id, func(rw http.ResponseWriter, r *http.Request) {
			mu.Lock()
			was := first
			first = false
			mu.Unlock()
			if was {
				rw.Header().Set("Retry-After", "3600")
				rw.WriteHeader(http.StatusTooManyRequests)
				return
			}
			rw.Write(body)
		})
		sources = append(sources, source(id, limited.URL+"/"+id))
	}
	other.feed("/feed", "", body)
	sources = append(sources, source("other", other.URL+"/feed"))

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sum, err := p.RunOnce(ctx, sources, aggregator.OnceOptions{Concurrency: 4})
	if err != nil {
		t.Fatalf("RunOnce = %v", err)
	}
	if sum.OK != 1 || sum.Failed != 1 || sum.Skipped != 3 {
		t.Errorf("summary ok %d failed %d skipped %d; want 1 1 3", sum.OK, sum.Failed, sum.Skipped)
	}
	requests := 0
	var limitedID string
	for _, id := range []string{"a", "b", "c", "d"} {
		requests += limited.hitsOf("/" + id)
		if limited.hitsOf("/"+id) == 1 {
			limitedID = id
		}
	}
	if requests != 1 {
		t.Errorf("requests to the rate-limited host = %d; want 1", requests)
	}
	due := state(t, db, limitedID).NextDue
	for _, r := range sum.Results {
		if r.Outcome == aggregator.OutcomeSkipped && !r.NextDue.Equal(due) {
			t.Errorf("skipped %s next due %v; want the host's pause end %v", r.SourceID, r.NextDue, due)
		}
		if r.SourceID == "other" && r.Outcome != aggregator.OutcomeOK {
			t.Errorf("source of another host = %s; want ok", r.Outcome)
		}
	}
}

// A 429's host pause outlives the run: the next cron pass (a new Poller
// on the same database) skips the host's other sources until the pause
// ends, then polls them.
func TestRunOnceHostPauseSurvivesRuns(t *testing.T) {
	c := newClock()
	p, db := newPoller(t, c)
	p.Hosts = schedule.NewHosts(1, 0)
	limited := newWire(t)
	body := rss("Wire", "", numbered(1, c.Now())...)
	// The wire refuses once, then answers: polled again after the pause, a
	// must not pause the host anew (which would skip b by the order the
	// two polls happen to take the host's one slot).
	var refused atomic.Bool
	limited.handle("/a", func(rw http.ResponseWriter, r *http.Request) {
		if refused.CompareAndSwap(false, true) {
			rw.Header().Set("Retry-After", "3600")
			rw.WriteHeader(http.StatusTooManyRequests)
			return
		}
		rw.Write(body)
	})
	limited.feed("/b", "", body)
	a, b := source("a", limited.URL+"/a"), source("b", limited.URL+"/b")
	if sum, err := p.RunOnce(context.Background(), []wiredesk.Source{a}, aggregator.OnceOptions{}); err != nil || sum.Failed != 1 {
		t.Fatalf("first pass: %+v, %v; want source a failed with 429", sum, err)
	}

	due := state(t, db, "a").NextDue
	tests := []struct {
		name string
		at   time.Time
		want aggregator.Outcome
	}{
		{"within the Retry-After", due.Add(-time.Minute), aggregator.OutcomeSkipped},
		{"after it", due.Add(time.Minute), aggregator.OutcomeOK},
	}
	for _, tt := range tests {
		c.Set(tt.at)
		next, _ := newPoller(t, c)
		next.Store, next.Hosts = db, schedule.NewHosts(1, 0)
		sum, err := next.RunOnce(context.Background(), []wiredesk.Source{a, b}, aggregator.OnceOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range sum.Results {
			if r.SourceID == "b" && r.Outcome != tt.want {
				t.Errorf("%s: source b on the paused host = %s; want %s", tt.name, r.Outcome, tt.want)
			}
		}
	}
	if n := limited.hitsOf("/b"); n != 1 {
		t.Errorf("source b fetched %d times; want once, after the pause", n)
	}
}

// A source whose URL changes on reload is polled at its new URL at once,
// not at the old URL's next due time.
func TestSchedulerURLChangePollsAtOnce(t *testing.T) {
	p, _ := schedPoller(t)
	w := newWire(t)
	w.feed("/old", "", rss("Old", "", numbered(1, time.Now())...))
	w.feed("/new", "", rss("New", "", numbered(1, time.Now())...))
	src := source("a", w.URL+"/old")
	src.Interval = time.Hour
	s := &aggregator.Scheduler{Poller: p}
	stop := scheduler(t, s, []wiredesk.Source{src})
	eventually(t, "the first poll", func() bool { return w.hitsOf("/old") == 1 })
	moved := src
	moved.URL = w.URL + "/new"
	s.Update(context.Background(), []wiredesk.Source{moved})
	eventually(t, "the new URL polled without waiting an hour", func() bool { return w.hitsOf("/new") == 1 })
	stop()
}

// PollSource polls one source at once and leaves the others alone.
func TestSchedulerPollSource(t *testing.T) {
	p, _ := schedPoller(t)
	w := newWire(t)
	var sources []wiredesk.Source
	for _, id := range []string{"a", "b"} {
		w.feed("/"+id, "", rss(id, "", numbered(1, time.Now())...))
		src := source(id, w.URL+"/"+id)
		src.Interval = time.Hour
		sources = append(sources, src)
	}
	var obs observer
	p.Observer = &obs
	s := &aggregator.Scheduler{Poller: p}
	scheduler(t, s, sources)
	eventually(t, "the first polls", func() bool { return obs.count() == 2 })
	if !s.PollSource("a") || s.PollSource("nope") {
		t.Error("PollSource: want true for a running source, false for an unknown one")
	}
	eventually(t, "the poll asked for", func() bool { return w.hitsOf("/a") == 2 })
	if n := w.hitsOf("/b"); n != 1 {
		t.Errorf("b fetched %d times; want 1", n)
	}
}

// Probe (check -fetch, fetch) sends what a poll sends — credentials and
// headers — and parses as a poll does, with relative links resolved against
// a base without the credentials or query of the source URL; it reads and
// stores nothing (the Poller has no Store) and sends no validators.
func TestProbe(t *testing.T) {
	w := newWire(t)
	w.handle("/feed", func(rw http.ResponseWriter, r *http.Request) {
		user, pass, _ := r.BasicAuth()
		if user != "desk" || pass != "s3cret" || r.Header.Get("X-Api-Key") != "k3y" {
			rw.WriteHeader(http.StatusUnauthorized)
			return
		}
		if r.Header.Get("If-None-Match") != "" || r.Header.Get("If-Modified-Since") != "" {
			t.Errorf("Probe sent validators: %v", r.Header)
		}
		rw.Write(rss("Wire", "", entry{GUID: "1", Link: "news/1.html", Title: "One"}))
	})
	u := strings.Replace(w.URL, "http://", "http://desk:s3cret@", 1) + "/feed?apikey=secret"
	src := source("w", u)
	src.Headers = map[string]wiredesk.Secret{"X-Api-Key": "k3y"}
	p := &aggregator.Poller{Fetch: fetch.New(fetch.Options{Timeout: 10 * time.Second}), Hosts: schedule.NewHosts(1, 0)}
	resp, res, err := p.Probe(context.Background(), src)
	if err != nil {
		t.Fatalf("Probe: %v", err)
	}
	if resp.Status != http.StatusOK || len(res.Items) != 1 {
		t.Fatalf("Probe = status %d, %d items; want 200 and 1", resp.Status, len(res.Items))
	}
	if got, want := res.Items[0].Link, w.URL+"/news/1.html"; got != want {
		t.Errorf("item link = %q; want %q (no credentials, no query)", got, want)
	}
}

// Probe waits for its host's slot like a poll: a check of many sources of
// one wire keeps to [poll] per_host.
func TestProbeKeepsHostLimit(t *testing.T) {
	f := &memFetcher{}
	synctest.Test(t, func(t *testing.T) {
		hosts := schedule.NewHosts(1, 0)
		p := &aggregator.Poller{Fetch: f, Hosts: hosts}
		release, err := hosts.Acquire(context.Background(), "wire.test")
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() {
			_, _, err := p.Probe(context.Background(), source("a", "http://wire.test/a"))
			done <- err
		}()
		synctest.Wait()
		if n, _ := f.count("http://wire.test/a"); n != 0 {
			t.Errorf("Probe fetched while its host's only slot was taken")
		}
		release()
		if err := <-done; err != nil {
			t.Fatalf("Probe: %v", err)
		}
		if n, _ := f.count("http://wire.test/a"); n != 1 {
			t.Errorf("fetches after the slot was free: %d; want 1", n)
		}
	})
}
