package publisher

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// testHub is an httptest WebSub hub that records publish pings and answers
// with the statuses it is given, in turn (200 once they run out).
type testHub struct {
	*httptest.Server
	mu       sync.Mutex
	statuses []int
	pings    []string // hub.url of every request, successful or not
	ok       []string // hub.url of the successful ones
	bad      []string // problems with a request
	block    chan struct{}
}

func newTestHub(t *testing.T, statuses ...int) *testHub {
	h := &testHub{statuses: statuses}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h.block != nil {
			select {
			case <-h.block:
			case <-r.Context().Done():
				return
			}
		}
		h.mu.Lock()
		defer h.mu.Unlock()
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
			h.bad = append(h.bad, r.Method+" "+r.Header.Get("Content-Type"))
		}
		if err := r.ParseForm(); err != nil || r.PostForm.Get("hub.mode") != "publish" {
			h.bad = append(h.bad, "form "+r.PostForm.Encode())
		}
		u := r.PostForm.Get("hub.url")
		h.pings = append(h.pings, u)
		status := http.StatusNoContent
		if len(h.statuses) > 0 {
			status, h.statuses = h.statuses[0], h.statuses[1:]
		}
		if status < 300 {
			h.ok = append(h.ok, u)
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *testHub) snapshot() (pings, ok, bad []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.pings), slices.Sorted(slices.Values(h.ok)), slices.Clone(h.bad)
}

func waitPings(t *testing.T, p *Publisher) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.Wait(ctx); err != nil {
		t.Fatalf("Wait: %v", err)
	}
}

func TestWebSubPingsChangedFeeds(t *testing.T) {
	hub := newTestHub(t)
	clk := &clock{t: curateNow}
	opt := testOptions(clk)
	opt.Hub = hub.URL + "/publish"
	r := &fakeReader{stories: testStories(2)}
	p := New(r, opt)
	defer p.Close()
	ctx := context.Background()

	if _, err := p.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	waitPings(t, p)
	if pings, _, _ := hub.snapshot(); len(pings) != 0 {
		t.Errorf("first Refresh pinged %q; want nothing", pings)
	}
	rss := body(t, get(t, p.Handler(), "GET", "/feeds/central-asia.rss"))
	if !strings.Contains(rss, `rel="hub"`) || !strings.Contains(rss, opt.Hub) {
		t.Errorf("RSS lacks the rel=hub link to %s", opt.Hub)
	}

	r.add(story("rf", "rferl", "Radio story", 10*time.Minute))
	if _, err := p.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	waitPings(t, p)
	_, ok, bad := hub.snapshot()
	want := []string{testBase + "/feeds/everything.atom", testBase + "/feeds/everything.json", testBase + "/feeds/everything.rss"}
	if !slices.Equal(ok, want) {
		t.Errorf("hub was pinged for %q; want %q", ok, want)
	}
	if len(bad) > 0 {
		t.Errorf("malformed pings: %q", bad)
	}
}

func TestWebSubRetriesFailingHub(t *testing.T) {
	hub := newTestHub(t, http.StatusServiceUnavailable, http.StatusTooManyRequests, http.StatusBadGateway)
	hub.block = make(chan struct{})
	clk := &clock{t: curateNow}
	opt := testOptions(clk)
	opt.Hub = hub.URL
	opt.Feeds = opt.Feeds[:1]
	r := &fakeReader{stories: testStories(1)}
	p := New(r, opt)
	defer p.Close()
	ctx := context.Background()
	if _, err := p.Refresh(ctx); err != nil {
		t.Fatal(err)
	}

	// The hub hangs: Refresh must still return, and again.
	r.add(story("k0", "interfax", "Kazakhstan story 0", 10*time.Minute))
	changed, err := p.Refresh(ctx)
	if err != nil || !slices.Equal(changed, []string{"central-asia"}) {
		t.Fatalf("Refresh = %v, %v; want [central-asia]", changed, err)
	}
	r.add(story("k00", "interfax", "Kazakhstan story 00", 5*time.Minute))
	if _, err := p.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	close(hub.block)
	waitPings(t, p)

	pings, ok, _ := hub.snapshot()
	want := []string{testBase + "/feeds/central-asia.atom", testBase + "/feeds/central-asia.json", testBase + "/feeds/central-asia.rss"}
	// Each URL succeeds in the end (some twice: they changed again while
	// their first ping was in flight); the three failures were retried.
	if got := slices.Compact(slices.Clone(ok)); !slices.Equal(got, want) {
		t.Errorf("successful pings for %q; want %q", got, want)
	}
	if len(pings) != len(ok)+3 {
		t.Errorf("%d pings with %d successes; want 3 failures retried", len(pings), len(ok))
	}
}

func TestWebSubGivesUp(t *testing.T) {
	statuses := make([]int, 20)
	for i := range statuses {
		statuses[i] = http.StatusInternalServerError
	}
	statuses[0] = http.StatusNotFound // not retried
	hub := newTestHub(t, statuses...)
	p := New(&fakeReader{}, Options{BaseURL: testBase, Hub: hub.URL, HubRetry: time.Millisecond})
	defer p.Close()
	p.hub.publish(hub.URL, []string{"http://x/a"})
	waitPings(t, p)
	p.hub.publish(hub.URL, []string{"http://x/b"})
	waitPings(t, p)
	pings, ok, _ := hub.snapshot()
	if len(ok) != 0 || slices.Index(pings, "http://x/b") < 0 {
		t.Fatalf("pings %q, ok %q", pings, ok)
	}
	var a, b int
	for _, u := range pings {
		switch u {
		case "http://x/a":
			a++
		case "http://x/b":
			b++
		}
	}
	if a != 1 || b != maxPingAttempts {
		t.Errorf("404 hub pinged %d times, 500 hub %d times; want 1 and %d", a, b, maxPingAttempts)
	}
}

func TestWebSubCloseStopsRetries(t *testing.T) {
	statuses := make([]int, 10)
	for i := range statuses {
		statuses[i] = http.StatusServiceUnavailable
	}
	hub := newTestHub(t, statuses...)
	p := New(&fakeReader{}, Options{BaseURL: testBase, Hub: hub.URL, HubRetry: time.Hour})
	p.hub.publish(hub.URL, []string{"http://x/a"})
	done := make(chan struct{})
	go func() {
		defer close(done)
		// Wait for the first failure, then Close during the hour-long backoff.
		for {
			if pings, _, _ := hub.snapshot(); len(pings) > 0 {
				break
			}
			time.Sleep(time.Millisecond)
		}
		p.Close()
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not end a ping waiting to retry")
	}
	p.hub.publish(hub.URL, []string{"http://x/b"}) // ignored after Close
	if pings, _, _ := hub.snapshot(); len(pings) != 1 {
		t.Errorf("pings after Close: %q; want the first only", pings)
	}
}

func TestExportPingsWhatItWrites(t *testing.T) {
	hub := newTestHub(t)
	clk := &clock{t: curateNow}
	opt := testOptions(clk)
	opt.Hub = hub.URL
	opt.Feeds = opt.Feeds[:1]
	p := New(&fakeReader{stories: testStories(1)}, opt)
	defer p.Close()
	dir := t.TempDir()
	if _, err := p.Export(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	waitPings(t, p)
	_, ok, _ := hub.snapshot()
	want := []string{testBase + "/feeds/central-asia.atom", testBase + "/feeds/central-asia.json", testBase + "/feeds/central-asia.rss"}
	if !slices.Equal(ok, want) {
		t.Errorf("Export pinged %q; want %q", ok, want)
	}
	// A second process exporting the same bytes announces nothing.
	p2 := New(&fakeReader{stories: testStories(1)}, opt)
	defer p2.Close()
	if _, err := p2.Export(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	waitPings(t, p2)
	if pings, _, _ := hub.snapshot(); len(pings) != 3 {
		t.Errorf("unchanged export pinged again: %q", pings)
	}
}
