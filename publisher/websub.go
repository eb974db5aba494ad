package publisher

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/wiredesk/wiredesk"
)

// WebSub publishing.
//
// After a feed changes, the hub is asked to fetch it: a POST of
// hub.mode=publish&hub.url=FEED_URL (form-encoded), the convention hubs
// such as Google's PubSubHubbub and websub.rocks accept. Each URL is pinged
// in its own goroutine, at most maxPingsInFlight at a time; a failure
// (network error, 5xx, 429) is retried after HubRetry, doubling up to
// maxPingAttempts attempts, then logged and dropped. A 4xx other than 429
// is not retried. A URL already waiting for its ping is not queued twice;
// if it changes again while its ping is in flight, it is pinged once more.
// Nothing here ever blocks Refresh.

const (
	maxPingAttempts  = 5
	maxPingsInFlight = 4
	pingTimeout      = 30 * time.Second
)

// pinger owns the goroutines that ping the hub.
type pinger struct {
	client *http.Client
	log    *slog.Logger
	retry  time.Duration
	sem    chan struct{}

	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	pending map[string]bool // URL → changed again while in flight
	closed  bool
	wg      sync.WaitGroup
	idle    chan struct{} // closed when pending becomes empty; nil when idle
}

func newPinger(client *http.Client, log *slog.Logger, retry time.Duration) *pinger {
	ctx, cancel := context.WithCancel(context.Background())
	return &pinger{client: client, log: log, retry: retry, sem: make(chan struct{}, maxPingsInFlight),
		ctx: ctx, cancel: cancel, pending: map[string]bool{}}
}

// publish queues a ping of hub for each URL and returns at once.
func (p *pinger) publish(hub string, urls []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	for _, u := range urls {
		if _, ok := p.pending[u]; ok {
			p.pending[u] = true
			continue
		}
		p.pending[u] = false
		if p.idle == nil {
			p.idle = make(chan struct{})
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.run(hub, u)
		}()
	}
}

// run pings hub for u until it succeeds, gives up or the pinger closes,
// and again while u changed during the ping.
func (p *pinger) run(hub, u string) {
	for {
		p.pingWithRetry(hub, u)
		p.mu.Lock()
		again := p.pending[u] && !p.closed
		if again {
			p.pending[u] = false
			p.mu.Unlock()
			continue
		}
		delete(p.pending, u)
		if len(p.pending) == 0 && p.idle != nil {
			close(p.idle)
			p.idle = nil
		}
		p.mu.Unlock()
		return
	}
}

func (p *pinger) pingWithRetry(hub, u string) {
	log := p.log.With("hub", wiredesk.RedactURL(hub), "feed", u)
	delay := p.retry
	for attempt := 1; ; attempt++ {
		select {
		case p.sem <- struct{}{}:
		case <-p.ctx.Done():
			return
		}
		retry, err := p.ping(hub, u)
		<-p.sem
		if err == nil {
			log.Debug("websub ping", "attempts", attempt)
			return
		}
		if !retry || attempt == maxPingAttempts {
			log.Error("websub ping failed; giving up", "attempts", attempt, "error", err)
			return
		}
		log.Warn("websub ping failed; will retry", "attempt", attempt, "retry_in_ms", delay.Milliseconds(), "error", err)
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-p.ctx.Done():
			t.Stop()
			return
		}
		delay *= 2
	}
}

// ping sends one publish request. retry reports whether a failure is worth
// retrying.
func (p *pinger) ping(hub, u string) (retry bool, err error) {
	ctx, cancel := context.WithTimeout(p.ctx, pingTimeout)
	defer cancel()
	form := url.Values{"hub.mode": {"publish"}, "hub.url": {u}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hub, strings.NewReader(form.Encode()))
	if err != nil {
		return false, fmt.Errorf("websub hub %s: %w", wiredesk.RedactURL(hub), err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := p.client.Do(req)
	if err != nil {
		// url.Error includes the URL, which may carry credentials.
		return true, fmt.Errorf("websub hub %s: %w", wiredesk.RedactURL(hub), unwrapURLError(err))
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return false, nil
	}
	retry = resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests
	return retry, fmt.Errorf("websub hub %s: status %s", wiredesk.RedactURL(hub), resp.Status)
}

func unwrapURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

// wait returns when no ping is pending, or with ctx's error.
func (p *pinger) wait(ctx context.Context) error {
	p.mu.Lock()
	idle := p.idle
	p.mu.Unlock()
	if idle == nil {
		return nil
	}
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait for websub pings: %w", ctx.Err())
	}
}

// close cancels pending retries and in-flight pings and waits for their
// goroutines to end. Later publishes are ignored.
func (p *pinger) close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.cancel()
	p.wg.Wait()
}
