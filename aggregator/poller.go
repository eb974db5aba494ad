package aggregator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/wiredesk/wiredesk"
	"github.com/wiredesk/wiredesk/aggregator/cluster"
	"github.com/wiredesk/wiredesk/aggregator/fetch"
	"github.com/wiredesk/wiredesk/aggregator/parse"
	"github.com/wiredesk/wiredesk/aggregator/schedule"
)

// Store is what the aggregator needs from storage. *storage.DB satisfies it.
// SaveFetch must save the items and the state of one poll in one
// transaction and set the state's LastNewItem when an item is new, as
// storage.DB.SaveFetch documents.
type Store interface {
	SourceState(ctx context.Context, id string) (wiredesk.SourceState, error)
	SaveState(ctx context.Context, st wiredesk.SourceState) error
	SaveFetch(ctx context.Context, r wiredesk.FetchResult) (wiredesk.SaveStats, error)
}

// Fetcher downloads one feed. *fetch.Client satisfies it.
type Fetcher interface {
	Fetch(ctx context.Context, r fetch.Request) (*fetch.Response, error)
}

// Observer receives every poll result, e.g. to update metrics. It must not
// block.
type Observer interface {
	ObservePoll(src wiredesk.Source, r Result)
}

// Outcome is the result of one poll, as printed by `wiredesk once`.
type Outcome string

// Poll outcomes.
const (
	OutcomeOK          Outcome = "ok"
	OutcomeNotModified Outcome = "not-modified"
	OutcomeError       Outcome = "error"
	OutcomeSkipped     Outcome = "skipped"  // backing off or rate limited; not fetched
	OutcomeDisabled    Outcome = "disabled" // 410 Gone earlier; not fetched
)

// Result reports one poll of one source.
type Result struct {
	SourceID  string
	Outcome   Outcome
	Status    int // HTTP status; 0 when none
	Items     int // items in the document
	New       int
	Updated   int
	Bytes     int64 // body bytes after decompression
	Duration  time.Duration
	NextDue   time.Time
	Err       error // nil unless Outcome is OutcomeError
	NewItems  []wiredesk.Item
	Encoding  string
	FeedTitle string
}

// Poller polls sources. Its fields are its dependencies; set them before
// the first Poll and do not change them afterwards.
type Poller struct {
	Fetch    Fetcher
	Store    Store
	Cluster  *cluster.Index // nil: every new item starts its own story
	Policy   schedule.Policy
	Hosts    *schedule.Hosts // nil: no per-host limits
	Log      *slog.Logger
	Now      func() time.Time
	Observer Observer // optional
	Limits   Limits   // bounds of one poll; zero: none
	// Alerts, when set, chooses the alerts for each new item; storage
	// queues them in the transaction that saves the item (see
	// wiredesk.FetchResult.Alerts). It runs under the database's writer
	// lock and must be quick and must not call the store.
	Alerts func(it wiredesk.Item, story []wiredesk.Item) []wiredesk.Alert

	// pauseMu guards pauses: the hosts a 429 paused, so that a cron pass
	// skips their other sources instead of waiting out the pause.
	pauseMu sync.Mutex
	pauses  map[string]*hostPause

	// saveMu serialises "match against the cluster index, save, index the
	// new items" so two sources saving the same event at once cannot both
	// start a story. bbolt serialises writers anyway, so this costs nothing.
	saveMu sync.Mutex
}

func (p *Poller) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *Poller) log() *slog.Logger {
	if p.Log != nil {
		return p.Log
	}
	return slog.New(slog.DiscardHandler)
}

// Poll fetches, parses and stores one source. Errors of the source itself
// (network, HTTP status, a broken feed) are reported in Result.Err and
// recorded in the source state; every stored item stays. The returned error
// is non-nil only when the state could not be read or written (storage
// failure) or ctx was cancelled.
func (p *Poller) Poll(ctx context.Context, src wiredesk.Source) (Result, error) {
	return p.pollGated(ctx, src, nil, false, nil)
}

// gate hands out one of a caller's global slots (fetches in flight); the
// returned func gives it back.
type gate func(ctx context.Context) (release func(), err error)

// pollGated is Poll for a caller with a global limit: it takes the source's
// host slot first and only then a global slot from global (nil: none), so a
// source waiting on a busy or paused host does not hold a global slot that
// sources of other hosts could use. With skipPaused (a cron pass), a source
// whose host a 429 paused is skipped rather than waiting out the pause.
func (p *Poller) pollGated(ctx context.Context, src wiredesk.Source, global gate, skipPaused bool, tk *passTicket) (Result, error) {
	res, err := p.poll(ctx, src, global, skipPaused, tk)
	if p.Observer != nil {
		p.Observer.ObservePoll(src, res)
	}
	return res, err
}

// errHostPaused is returned by acquire when the host was paused while a
// cron pass waited for it.
var errHostPaused = errors.New("host paused")

// acquire takes the host slot, then the global slot. releaseHost is to be
// called when the request is done, releaseGlobal when the poll is. With
// skipPaused it gives up with errHostPaused when the host is or gets
// paused.
func (p *Poller) acquire(ctx context.Context, src wiredesk.Source, global gate, skipPaused bool) (releaseHost, releaseGlobal func(), err error) {
	releaseHost, releaseGlobal = func() {}, func() {}
	if p.Hosts != nil {
		hctx := ctx
		if skipPaused {
			paused, _ := p.pausedSignal(hostOf(src.URL))
			var cancel context.CancelFunc
			hctx, cancel = context.WithCancel(ctx)
			defer cancel()
			go func() {
				select {
				case <-paused:
					cancel()
				case <-hctx.Done():
				}
			}()
		}
		if releaseHost, err = p.Hosts.Acquire(hctx, hostOf(src.URL)); err != nil {
			if ctx.Err() == nil && hctx.Err() != nil {
				return nil, nil, errHostPaused
			}
			return nil, nil, err
		}
	}
	if global != nil {
		if releaseGlobal, err = global(ctx); err != nil {
			releaseHost()
			return nil, nil, err
		}
	}
	return releaseHost, releaseGlobal, nil
}

// poll is one poll of src: read its state, wait for its host and global
// slots, fetch, then record a failure, a 304 or a new body.
func (p *Poller) poll(ctx context.Context, src wiredesk.Source, global gate, skipPaused bool, tk *passTicket) (Result, error) {
	defer tk.leave()
	start := p.now()
	res := Result{SourceID: src.ID}
	st, err := p.Store.SourceState(ctx, src.ID)
	if err != nil {
		return res, fmt.Errorf("source %s: read state: %w", src.ID, err)
	}
	st.SourceID = src.ID
	if st.State == wiredesk.StateDisabled && st.GoneURL == src.URL {
		res.Outcome = OutcomeDisabled
		res.Err = fmt.Errorf("source %s: disabled after 410 Gone; change its url to poll again", src.ID)
		return res, nil
	}

	if skipPaused && p.Hosts != nil {
		if _, until := p.pausedSignal(hostOf(src.URL)); until.After(p.now()) {
			return p.skipHost(res, until), nil
		}
	}
	releaseHost, releaseGlobal, err := p.acquire(ctx, src, global, skipPaused)
	if errors.Is(err, errHostPaused) {
		_, until := p.pausedSignal(hostOf(src.URL))
		return p.skipHost(res, until), nil
	}
	if err != nil {
		return res, fmt.Errorf("source %s: %w", src.ID, err)
	}
	releaseGlobal = sync.OnceFunc(releaseGlobal)
	defer releaseGlobal()

	if st.GoneURL != "" && st.GoneURL != src.URL {
		st.GoneURL = ""
	}
	resp, ferr := p.Fetch.Fetch(ctx, request(src, st))
	if ferr == nil {
		releaseHost() // the request is done; parsing and saving need no host slot
	} else {
		defer releaseHost() // after fail has paused the host on a 429
	}
	st.LastAttempt = p.now()
	if ferr != nil {
		if ctx.Err() != nil {
			// Shutting down: not the source's fault; leave its state alone.
			return res, ctx.Err()
		}
		return p.fail(ctx, src, st, res, start, ferr)
	}
	res.Status = resp.Status
	st.LastStatus = resp.Status
	if resp.MovedTo != "" {
		st.MovedTo = resp.MovedTo
	}
	if resp.Status == http.StatusNotModified {
		return p.notModified(ctx, src, st, res, resp, start)
	}
	return p.store(ctx, src, st, res, resp, start, tk, releaseGlobal)
}

// request is the fetch of src every poll sends: its headers and
// credentials, and the validators of the last good body in st (none in a
// zero state: a full fetch).
func request(src wiredesk.Source, st wiredesk.SourceState) fetch.Request {
	return fetch.Request{
		URL:          src.URL,
		ETag:         st.ETag,
		LastModified: st.LastModified,
		Header:       src.Headers,
		Username:     src.Username,
		Password:     src.Password,
	}
}

// parseOptions are the options every parse of src's body uses. Relative
// links resolve against where the body came from, without credentials
// (linkBase).
func parseOptions(src wiredesk.Source, resp *fetch.Response, now time.Time) parse.Options {
	return parse.Options{
		SourceID:         src.ID,
		FeedURL:          linkBase(resp.FinalURL, src.URL),
		Language:         src.Language,
		Encoding:         src.Encoding,
		FallbackEncoding: src.FallbackEncoding,
		Timezone:         src.Timezone,
		Now:              now,
	}
}

// notModified records a 304: the source is fine and nothing is parsed.
func (p *Poller) notModified(ctx context.Context, src wiredesk.Source, st wiredesk.SourceState, res Result, resp *fetch.Response, start time.Time) (Result, error) {
	if resp.MaxAge > st.FeedInterval {
		// The body, and so its ttl, is unchanged: only max-age can raise
		// the hint.
		st.FeedInterval = resp.MaxAge
	}
	p.succeed(&st, src, st.LastAttempt)
	st.State = wiredesk.StateNotModified
	res.Outcome = OutcomeNotModified
	res.NextDue = st.NextDue
	res.Duration = p.now().Sub(start)
	if err := p.Store.SaveState(ctx, st); err != nil {
		return res, fmt.Errorf("source %s: save state: %w", src.ID, err)
	}
	p.log().Debug("polled", "source", src.ID, "status", resp.Status, "duration_ms", res.Duration.Milliseconds())
	return res, nil
}

// store parses a full body, bounds it by the poll limits and saves its
// items with the source's new state (a broken body is a failure).
// releaseGlobal gives back the fetch slot; a pass does that before waiting
// for its other sources.
func (p *Poller) store(ctx context.Context, src wiredesk.Source, st wiredesk.SourceState, res Result, resp *fetch.Response, start time.Time, tk *passTicket, releaseGlobal func()) (Result, error) {
	res.Bytes = int64(len(resp.Body))
	parsed, perr := parse.Parse(resp.Body, resp.ContentType, parseOptions(src, resp, st.LastAttempt))
	if perr != nil {
		// A broken body must not be remembered as "seen": keep the
		// validators of the last good body, so the next poll fetches the
		// new one again in full. (perr already says "parse ...".)
		return p.fail(ctx, src, st, res, start, perr)
	}
	st.ETag, st.LastModified = resp.ETag, resp.LastModified
	st.FeedTitle, st.FeedLink = parsed.Title, parsed.Link
	st.Hub, st.Self = parsed.Hub, parsed.Self
	st.Encoding = parsed.Encoding.Charset + " (" + parsed.Encoding.Reason + ")"
	// A full body states the feed's current hints; one that dropped or
	// lowered its ttl lowers the interval again.
	st.FeedInterval = max(parsed.Interval, resp.MaxAge)
	p.succeed(&st, src, st.LastAttempt)
	st.State = wiredesk.StateOK
	res.Items = len(parsed.Items)
	res.Encoding = st.Encoding
	res.FeedTitle = parsed.Title

	items, dropped := p.Limits.apply(parsed.Items)
	if dropped > 0 {
		p.log().Warn("document over the poll limits; kept the newest items", "source", src.ID,
			"items", len(parsed.Items), "kept", len(items), "max_items", p.Limits.MaxItems)
	}
	// Neither resp nor parsed is used past this point, so a poll waiting in
	// a pass holds its items only, not its body and parsed document.
	if tk != nil {
		// A pass waits here for its other sources; the fetch slot is not
		// needed for that, and holding it could starve the sources waited
		// for. Outside a pass the slot is held to the end of the save, so
		// at most [poll] concurrency documents are in memory at once.
		releaseGlobal()
	}
	assign, err := tk.arrive(ctx, items)
	if err != nil {
		return res, fmt.Errorf("source %s: %w", src.ID, err)
	}
	stats, err := p.save(ctx, st, items, assign)
	if err != nil {
		return res, fmt.Errorf("source %s: save: %w", src.ID, err)
	}
	res.Outcome = OutcomeOK
	res.New, res.Updated, res.NewItems = stats.New, stats.Updated, stats.NewItems
	res.NextDue = st.NextDue
	res.Duration = p.now().Sub(start)
	p.log().Info("polled", "source", src.ID, "status", res.Status, "items", res.Items,
		"new", res.New, "updated", res.Updated, "bytes", res.Bytes, "duration_ms", res.Duration.Milliseconds())
	return res, nil
}

// Probe fetches and parses src once the way a poll does — the same
// request (headers, credentials), the same per-host limits (Hosts) and the
// same parse options (a link base without credentials) — but sends no
// validators, reads and stores nothing, and keeps every item (the poll
// limits bound what is stored, not what is looked at). `wiredesk check
// -fetch` and `wiredesk fetch` use it, so that they show what a poll gets.
func (p *Poller) Probe(ctx context.Context, src wiredesk.Source) (*fetch.Response, *parse.Result, error) {
	releaseHost, _, err := p.acquire(ctx, src, nil, false)
	if err != nil {
		return nil, nil, fmt.Errorf("source %s: %w", src.ID, err)
	}
	resp, err := p.Fetch.Fetch(ctx, request(src, wiredesk.SourceState{}))
	releaseHost()
	if err != nil {
		return nil, nil, err
	}
	parsed, err := parse.Parse(resp.Body, resp.ContentType, parseOptions(src, resp, p.now()))
	if err != nil {
		return resp, nil, err
	}
	return resp, parsed, nil
}

// save writes one poll in one transaction and indexes its new items for
// clustering. assign holds the stories a pass chose for its items (nil
// outside a pass); other items are matched one by one, oldest first.
func (p *Poller) save(ctx context.Context, st wiredesk.SourceState, items []wiredesk.Item, assign map[string]string) (wiredesk.SaveStats, error) {
	var keyed []passItem
	if p.Cluster != nil && assign == nil {
		// Outside a pass the source is its own: its keys are computed here,
		// before the lock, in parallel with other sources' polls.
		keyed = withKeys(p.Cluster, items)
	}
	p.saveMu.Lock()
	defer p.saveMu.Unlock()
	if keyed != nil {
		assign = matchInOrder(p.Cluster, keyed)
	}
	r := wiredesk.FetchResult{State: st, Items: items, Alerts: p.Alerts}
	if p.Cluster != nil {
		r.Assign = func(it wiredesk.Item) string {
			if sid, ok := assign[it.ID]; ok {
				return sid
			}
			id, _ := p.Cluster.Match(it)
			return id
		}
	}
	// SaveFetch also sets st.LastNewItem when an item is new, in the same
	// transaction.
	stats, err := p.Store.SaveFetch(ctx, r)
	if p.Cluster != nil {
		fresh := make(map[string]bool, len(stats.NewItems))
		for _, it := range stats.NewItems {
			p.Cluster.Add(it)
			fresh[it.ID] = true
		}
		// The pass indexed every item it matched; one that turned out to
		// be stored already (and older than the index), or that a failed
		// save did not store, leaves again.
		for _, it := range items {
			if _, ok := assign[it.ID]; ok && !fresh[it.ID] {
				p.Cluster.Remove(it.ID)
			}
		}
	}
	if err != nil {
		return stats, err
	}
	return stats, nil
}

func (p *Poller) succeed(st *wiredesk.SourceState, src wiredesk.Source, now time.Time) {
	st.LastSuccess = now
	st.LastError = ""
	st.Failures = 0
	st.NextDue = p.Policy.NextAfterSuccess(now, p.interval(src, *st))
}

// interval is how often src is polled: its interval within the policy's
// bounds, lowered to wiredesk.FastLaneInterval for an urgent source.
func (p *Poller) interval(src wiredesk.Source, st wiredesk.SourceState) time.Duration {
	pol := p.Policy
	if src.Urgent {
		pol = pol.FastLane(wiredesk.FastLaneInterval)
	}
	return pol.Interval(src.Interval, st.FeedInterval)
}

func (p *Poller) fail(ctx context.Context, src wiredesk.Source, st wiredesk.SourceState, res Result, start time.Time, ferr error) (Result, error) {
	now := st.LastAttempt
	st.Failures++
	st.LastError = oneLine(ferr.Error())
	var retryAfter time.Time
	var fe *fetch.FetchError
	if errors.As(ferr, &fe) {
		st.LastStatus = fe.Status
		res.Status = fe.Status
		retryAfter = fe.RetryAfter
	}
	interval := p.interval(src, st)
	st.NextDue = p.Policy.NextAfterFailure(now, interval, st.Failures, retryAfter)
	st.State = wiredesk.StateError
	if st.Failures > 1 || !retryAfter.IsZero() {
		st.State = wiredesk.StateBackoff
	}
	switch {
	case errors.Is(ferr, fetch.ErrGone):
		st.State = wiredesk.StateDisabled
		st.GoneURL = src.URL
	case fe != nil && fe.Status == http.StatusTooManyRequests && p.Hosts != nil:
		// A 429 speaks for the whole host: delay its other sources too.
		p.Hosts.Pause(hostOf(src.URL), st.NextDue)
		p.notePause(hostOf(src.URL), st.NextDue)
	}
	res.Outcome = OutcomeError
	res.Err = fmt.Errorf("source %s: %w", src.ID, ferr)
	res.NextDue = st.NextDue
	res.Duration = p.now().Sub(start)
	p.log().Warn("poll failed", "source", src.ID, "status", st.LastStatus, "failures", st.Failures,
		"next_due", st.NextDue.Format(time.RFC3339), "error", st.LastError)
	if err := p.Store.SaveState(ctx, st); err != nil {
		return res, fmt.Errorf("source %s: save state: %w", src.ID, err)
	}
	return res, nil
}

// hostPause records a 429's pause of one host for cron passes; ch is
// closed when the host gets paused.
type hostPause struct {
	until  time.Time
	ch     chan struct{}
	closed bool
}

// pausedSignal returns a channel that is closed when host gets paused,
// and the end of the host's latest pause (zero when never paused).
func (p *Poller) pausedSignal(host string) (<-chan struct{}, time.Time) {
	p.pauseMu.Lock()
	defer p.pauseMu.Unlock()
	e := p.pauses[host]
	if e == nil {
		if p.pauses == nil {
			p.pauses = map[string]*hostPause{}
		}
		e = &hostPause{ch: make(chan struct{})}
		p.pauses[host] = e
	}
	if e.closed && !e.until.After(p.now()) {
		e.ch, e.closed = make(chan struct{}), false // the pause is over
	}
	return e.ch, e.until
}

// notePause records that host is paused until until and wakes the cron
// pass's sources waiting for it.
func (p *Poller) notePause(host string, until time.Time) {
	if host == "" {
		return
	}
	p.pausedSignal(host) // make the entry
	p.pauseMu.Lock()
	defer p.pauseMu.Unlock()
	e := p.pauses[host]
	if until.After(e.until) {
		e.until = until
	}
	if !e.closed {
		close(e.ch)
		e.closed = true
	}
}

// skipHost is the result of a cron pass's source whose host is paused.
func (p *Poller) skipHost(res Result, until time.Time) Result {
	res.Outcome = OutcomeSkipped
	res.NextDue = until
	p.log().Info("skipped: host rate limited", "source", res.SourceID, "until", until.Format(time.RFC3339))
	return res
}

// linkBase is the URL relative item links resolve against: where the feed
// was finally fetched from, without userinfo or query, so a credential in
// a source URL can never travel into a published link.
func linkBase(final, configured string) string {
	raw := final
	if raw == "" {
		raw = configured
	}
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	u.User = nil
	u.RawQuery = ""
	u.ForceQuery = false
	return u.String()
}

// hostOf returns the host a URL's requests go to ("" for file:// URLs, so
// local files share no politeness limits with anything).
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "file" {
		return ""
	}
	return strings.ToLower(u.Host)
}

// maxErrorBytes bounds the error text kept in SourceState.LastError.
const maxErrorBytes = 300

// oneLine collapses s to one line of at most maxErrorBytes bytes plus an
// ellipsis, cut at a character boundary so that a Cyrillic (or any
// multi-byte) error text never ends in half a character.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= maxErrorBytes {
		return s
	}
	cut := maxErrorBytes
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
