package aggregator

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/wiredesk/wiredesk"
)

// Summary totals a RunOnce pass.
type Summary struct {
	Sources  int
	OK       int // ok or not-modified
	Failed   int
	Skipped  int // backing off, rate limited or disabled
	New      int
	Updated  int
	Duration time.Duration
	Results  []Result // in completion order
}

// OnceOptions tunes RunOnce.
type OnceOptions struct {
	Concurrency int  // fetches in flight; default 16
	Force       bool // poll sources that are backing off too
	// OnResult is called as each source finishes, from the goroutine that
	// polled it; it must be safe for concurrent use.
	OnResult func(Result)
}

// RunOnce polls every enabled source once, concurrently, and returns when
// all are done or ctx is cancelled. Sources that are backing off (failing
// repeatedly, or told to wait by Retry-After) are skipped unless Force is
// set: a cron pass must be as polite as the daemon. Sources of a host that a
// 429 paused are skipped too, even with Force, so a pass never waits out a
// Retry-After; and a source waiting for its host holds none of the
// Concurrency slots. Source failures, a storage error while reading or
// saving one source's data (a full disk) included, are counted in the
// Summary; the error is non-nil only for a damaged database
// (wiredesk.ErrDamaged) or cancellation.
func (p *Poller) RunOnce(ctx context.Context, sources []wiredesk.Source, opt OnceOptions) (Summary, error) {
	start := p.now()
	conc := opt.Concurrency
	if conc <= 0 {
		conc = 16
	}
	if err := p.restorePauses(ctx, sources); err != nil {
		return Summary{}, err
	}
	var (
		mu      sync.Mutex
		sum     Summary
		firstEr error
		wg      sync.WaitGroup
	)
	// One goroutine per source, but at most conc polls past their host
	// slot: a source waiting on a busy or paused host holds no global slot.
	sem := make(chan struct{}, conc)
	global := func(ctx context.Context) (func(), error) {
		select {
		case sem <- struct{}{}:
			return func() { <-sem }, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	enabled := 0
	for _, src := range sources {
		if src.Enabled {
			enabled++
		}
	}
	var ps *pass
	if enabled <= maxPassSources {
		ps = newPass(p.Cluster, enabled)
	}
	for _, src := range sources {
		if !src.Enabled {
			continue
		}
		tk := ps.ticket()
		wg.Go(func() {
			defer tk.leave()
			r, err := p.pollOnce(ctx, src, opt.Force, global, tk)
			if sourceOnly(ctx, err) {
				// A storage error while saving one source (a full disk)
				// fails that source: the others' items are kept and the
				// pass goes on to render the feeds.
				p.log().Error("poll: storage error; source failed", "source", src.ID, "error", err)
				r.SourceID, r.Outcome, r.Err, err = src.ID, OutcomeError, err, nil
			}
			mu.Lock()
			if err != nil && firstEr == nil {
				firstEr = err
			}
			if err == nil {
				sum.add(r)
			}
			mu.Unlock()
			if err == nil && opt.OnResult != nil {
				opt.OnResult(r)
			}
		})
	}
	wg.Wait()
	sum.Duration = p.now().Sub(start)
	if firstEr == nil && ctx.Err() != nil {
		firstEr = ctx.Err()
	}
	return sum, firstEr
}

// restorePauses pauses again the hosts that a 429 paused in an earlier
// run (a cron pass, or the daemon before a restart), so their other
// sources are not asked before the host said they may be. The pause is
// stored with the state of the source that got the 429: its LastStatus
// and NextDue (the Retry-After).
func (p *Poller) restorePauses(ctx context.Context, sources []wiredesk.Source) error {
	if p.Hosts == nil {
		return nil
	}
	now := p.now()
	for _, src := range sources {
		if !src.Enabled || hostOf(src.URL) == "" {
			continue
		}
		st, err := p.Store.SourceState(ctx, src.ID)
		if err != nil {
			if sourceOnly(ctx, err) {
				continue // that source's own poll will report it
			}
			return fmt.Errorf("source %s: read state: %w", src.ID, err)
		}
		if st.LastStatus == http.StatusTooManyRequests && st.NextDue.After(now) {
			p.Hosts.Pause(hostOf(src.URL), st.NextDue)
			p.notePause(hostOf(src.URL), st.NextDue)
		}
	}
	return nil
}

// sourceOnly reports whether err, a storage error from polling one
// source, fails that source only. Cancellation stops the pass, and a
// damaged database fails it: the next source would meet the same damage.
func sourceOnly(ctx context.Context, err error) bool {
	return err != nil && ctx.Err() == nil && !errors.Is(err, wiredesk.ErrDamaged)
}

func (s *Summary) add(r Result) {
	s.Sources++
	switch r.Outcome {
	case OutcomeOK, OutcomeNotModified:
		s.OK++
	case OutcomeError:
		s.Failed++
	default:
		s.Skipped++
	}
	s.New += r.New
	s.Updated += r.Updated
	// The summary keeps one line per source, not the items: at 10,000
	// sources the new items' full texts were a gigabyte held to the end.
	r.NewItems = nil
	s.Results = append(s.Results, r)
}

func (p *Poller) pollOnce(ctx context.Context, src wiredesk.Source, force bool, global gate, tk *passTicket) (Result, error) {
	if !force {
		st, err := p.Store.SourceState(ctx, src.ID)
		if err != nil {
			return Result{SourceID: src.ID}, err
		}
		if st.Failures > 0 && st.NextDue.After(p.now()) && st.State != wiredesk.StateDisabled {
			r := Result{SourceID: src.ID, Outcome: OutcomeSkipped, NextDue: st.NextDue, Status: st.LastStatus}
			if p.Observer != nil {
				p.Observer.ObservePoll(src, r)
			}
			return r, nil
		}
	}
	return p.pollGated(ctx, src, global, true, tk)
}

// Scheduler keeps polling each source on its own schedule until its context
// is cancelled. Each source has one goroutine, and a restarted source's new
// goroutine waits for the old one to end, so a source is never fetched twice
// at once; a semaphore bounds fetches in flight, and the Poller's Hosts
// bound them per host (a source waiting for its host holds no global slot).
type Scheduler struct {
	Poller      *Poller
	Concurrency int
	// AfterPoll is called after every poll that stored something new or
	// updated (e.g. to re-render feeds). Optional; must not block long.
	AfterPoll func(Result)

	mu      sync.Mutex
	active  bool            // Run is running (until its goroutines ended)
	ctx     context.Context // Run's; every source goroutine derives from it
	running map[string]*job // nil once Run's ctx is done
	sem     chan struct{}
	wg      sync.WaitGroup
}

type job struct {
	src    wiredesk.Source
	cancel context.CancelFunc
	now    chan struct{}
	done   chan struct{} // closed when the job's goroutine returns
}

// Run polls sources until ctx is cancelled, then waits for in-flight polls
// to notice the cancellation and returns. Use Update to change the sources
// while it runs.
func (s *Scheduler) Run(ctx context.Context, sources []wiredesk.Source) error {
	s.mu.Lock()
	if s.active {
		s.mu.Unlock()
		return errors.New("scheduler already running")
	}
	conc := s.Concurrency
	if conc <= 0 {
		conc = 16
	}
	s.active = true
	s.ctx = ctx
	s.sem = make(chan struct{}, conc)
	s.running = map[string]*job{}
	s.mu.Unlock()

	if err := s.Poller.restorePauses(ctx, sources); err != nil {
		s.Poller.log().Error("restore host pauses", "error", err)
	}

	s.update(sources)
	<-ctx.Done()
	// No Update may start a goroutine once we wait for them.
	s.mu.Lock()
	s.running = nil
	s.mu.Unlock()
	s.wg.Wait()
	s.mu.Lock()
	s.active = false
	s.ctx = nil
	s.mu.Unlock()
	return nil
}

// Update replaces the source list (SIGHUP reload): removed sources stop,
// added ones start, changed ones restart with their new settings. Sources
// whose settings are unchanged keep their schedule. Update is a no-op
// unless Run is running, or when ctx is done; the sources run under Run's
// context, not ctx.
func (s *Scheduler) Update(ctx context.Context, sources []wiredesk.Source) {
	if ctx.Err() != nil {
		return
	}
	s.update(sources)
}

// PollNow asks every running source to poll at once (the admin "poll-now"
// call). It does not wait for the polls.
func (s *Scheduler) PollNow() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, j := range s.running {
		select {
		case j.now <- struct{}{}:
			n++
		default:
		}
	}
	return n
}

// PollSource asks the source id to poll at once (a WebSub notification);
// it reports whether the source is running. It does not wait.
func (s *Scheduler) PollSource(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.running[id]
	if !ok {
		return false
	}
	select {
	case j.now <- struct{}{}:
	default: // a poll is asked for already
	}
	return true
}

func (s *Scheduler) update(sources []wiredesk.Source) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running == nil || s.ctx.Err() != nil {
		return
	}
	want := map[string]wiredesk.Source{}
	for _, src := range sources {
		if src.Enabled {
			want[src.ID] = src
		}
	}
	stopped := map[string]*job{}
	for id, j := range s.running {
		if src, ok := want[id]; !ok || !sameSource(src, j.src) {
			j.cancel()
			delete(s.running, id)
			stopped[id] = j
		}
	}
	for id, src := range want {
		if _, ok := s.running[id]; ok {
			continue
		}
		jctx, cancel := context.WithCancel(s.ctx)
		j := &job{src: src, cancel: cancel, now: make(chan struct{}, 1), done: make(chan struct{})}
		s.running[id] = j
		prev := stopped[id]
		if prev != nil && prev.src.URL != src.URL {
			// A new URL is worth polling at once, not at the old URL's
			// next due time (or never, after a 410).
			j.now <- struct{}{}
		}
		s.wg.Go(func() {
			defer close(j.done)
			defer cancel()
			if prev != nil {
				// The old settings' poll may still be finishing.
				select {
				case <-prev.done:
				case <-jctx.Done():
					return
				}
			}
			s.loop(jctx, j)
		})
	}
}

func sameSource(a, b wiredesk.Source) bool {
	return a.URL == b.URL && a.Interval == b.Interval && a.Name == b.Name &&
		a.Encoding == b.Encoding && a.FallbackEncoding == b.FallbackEncoding &&
		a.Timezone.String() == b.Timezone.String() && a.Language == b.Language &&
		a.Username == b.Username && a.Password == b.Password &&
		slicesEqualMap(a.Headers, b.Headers) && slices.Equal(a.Tags, b.Tags) &&
		a.Rights == b.Rights && a.Priority == b.Priority && a.Urgent == b.Urgent
}

func slicesEqualMap(a, b map[string]wiredesk.Secret) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// loop polls one source whenever it is due.
func (s *Scheduler) loop(ctx context.Context, j *job) {
	p := s.Poller
	for {
		st, err := p.Store.SourceState(ctx, j.src.ID)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			p.log().Error("read source state", "source", j.src.ID, "error", err)
			st.NextDue = p.now().Add(time.Minute)
		}
		if st.State == wiredesk.StateDisabled && st.GoneURL == j.src.URL {
			// 410 Gone: wait for a config change (which restarts this loop).
			select {
			case <-ctx.Done():
				return
			case <-j.now:
				continue
			}
		}
		if wait := st.NextDue.Sub(p.now()); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-j.now:
				t.Stop()
			case <-t.C:
			}
		}
		res, err := p.pollGated(ctx, j.src, s.acquire, false, nil)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			p.log().Error("poll", "source", j.src.ID, "error", err)
			// Storage trouble: try again later rather than spin.
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Minute):
			}
			continue
		}
		if s.AfterPoll != nil && (res.New > 0 || res.Updated > 0) {
			s.AfterPoll(res)
		}
	}
}

// acquire takes a global slot.
func (s *Scheduler) acquire(ctx context.Context) (func(), error) {
	select {
	case s.sem <- struct{}{}:
		return func() { <-s.sem }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
