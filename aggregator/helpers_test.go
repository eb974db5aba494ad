package aggregator_test

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wiredesk/wiredesk"
	"github.com/wiredesk/wiredesk/aggregator"
	"github.com/wiredesk/wiredesk/aggregator/fetch"
	"github.com/wiredesk/wiredesk/aggregator/schedule"
	"github.com/wiredesk/wiredesk/storage"
	"github.com/wiredesk/wiredesk/storage/storagetest"
)

// wire is an httptest server standing in for a news wire: one handler per
// path, counting hits and requests in flight.
type wire struct {
	*httptest.Server

	mu          sync.Mutex
	handlers    map[string]http.HandlerFunc
	hits        map[string]int
	inFlight    int
	maxInFlight int
	lastHeader  map[string]http.Header
}

func newWire(t testing.TB) *wire {
	t.Helper()
	w := &wire{
		handlers:   map[string]http.HandlerFunc{},
		hits:       map[string]int{},
		lastHeader: map[string]http.Header{},
	}
	w.Server = httptest.NewServer(http.HandlerFunc(w.serve))
	t.Cleanup(w.Close)
	return w
}

func (w *wire) serve(rw http.ResponseWriter, r *http.Request) {
	w.mu.Lock()
	h := w.handlers[r.URL.Path]
	w.hits[r.URL.Path]++
	w.lastHeader[r.URL.Path] = r.Header.Clone()
	w.inFlight++
	w.maxInFlight = max(w.maxInFlight, w.inFlight)
	w.mu.Unlock()
	defer func() {
		w.mu.Lock()
		w.inFlight--
		w.mu.Unlock()
	}()
	if h == nil {
		http.NotFound(rw, r)
		return
	}
	h(rw, r)
}

// handle sets (or replaces) the handler of path.
func (w *wire) handle(path string, h http.HandlerFunc) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.handlers[path] = h
}

// feed serves body as an RSS feed at path with the given ETag (none when
// empty), answering a matching If-None-Match with 304.
func (w *wire) feed(path, etag string, body []byte) {
	w.handle(path, func(rw http.ResponseWriter, r *http.Request) {
		if etag != "" {
			rw.Header().Set("ETag", etag)
			if r.Header.Get("If-None-Match") == etag {
				rw.WriteHeader(http.StatusNotModified)
				return
			}
		}
		rw.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		rw.Write(body)
	})
}

// status answers every request to path with code and the given headers.
func (w *wire) status(path string, code int, header ...string) {
	w.handle(path, func(rw http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			rw.Header().Set(header[i], header[i+1])
		}
		rw.WriteHeader(code)
	})
}

func (w *wire) hitsOf(path string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.hits[path]
}

func (w *wire) header(path string) http.Header {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.lastHeader[path]
}

func (w *wire) maxConcurrent() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.maxInFlight
}

// entry is one RSS item of a test feed.
type entry struct {
	GUID, Link, Title, Desc, Date string
}

// rss renders an RSS 2.0 feed; channelExtra is inserted into <channel> as
// is (e.g. "<ttl>60</ttl>").
func rss(title, channelExtra string, items ...entry) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n" + `<rss version="2.0"><channel>`)
	fmt.Fprintf(&b, "<title>%s</title><link>https://wire.example/</link>%s\n", html.EscapeString(title), channelExtra)
	for _, it := range items {
		b.WriteString("<item>")
		if it.GUID != "" {
			fmt.Fprintf(&b, `<guid isPermaLink="false">%s</guid>`, html.EscapeString(it.GUID))
		}
		if it.Link != "" {
			fmt.Fprintf(&b, "<link>%s</link>", html.EscapeString(it.Link))
		}
		fmt.Fprintf(&b, "<title>%s</title>", html.EscapeString(it.Title))
		if it.Desc != "" {
			fmt.Fprintf(&b, "<description>%s</description>", html.EscapeString(it.Desc))
		}
		if it.Date != "" {
			fmt.Fprintf(&b, "<pubDate>%s</pubDate>", it.Date)
		}
		b.WriteString("</item>\n")
	}
	b.WriteString("</channel></rss>\n")
	return []byte(b.String())
}

// numbered returns n distinct entries dated at t minus a minute each.
func numbered(n int, t time.Time) []entry {
	items := make([]entry, n)
	for i := range items {
		items[i] = entry{
			GUID:  fmt.Sprintf("urn:wire:%d", i),
			Link:  fmt.Sprintf("https://wire.example/news/%d", i),
			Title: fmt.Sprintf("Item %d of the wire", i),
			Desc:  fmt.Sprintf("Body of item %d, with enough words to be a lead.", i),
			Date:  t.Add(-time.Duration(i) * time.Minute).Format(time.RFC1123Z),
		}
	}
	return items
}

// clock is an injectable clock that moves only when told to. It starts at
// the real time (rounded) because fetch reads Retry-After seconds against
// the real clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now().UTC().Truncate(time.Second)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// policy has ±10% jitter with a Rand that always lands in the middle, so
// due times are exact.
func policy() schedule.Policy {
	return schedule.Policy{Jitter: 0.1, Rand: func() float64 { return 0.5 }}
}

// newPoller returns a Poller on a fresh temporary database with the clock
// injected, and the database.
func newPoller(t testing.TB, c *clock) (*aggregator.Poller, *storage.DB) {
	t.Helper()
	db := storagetest.Open(t)
	p := &aggregator.Poller{
		Fetch:  fetch.New(fetch.Options{Timeout: 10 * time.Second}),
		Store:  db,
		Policy: policy(),
	}
	if c != nil {
		p.Now = c.Now
	}
	return p, db
}

func source(id, url string) wiredesk.Source {
	return wiredesk.Source{ID: id, Name: id, URL: url, Interval: 5 * time.Minute, Enabled: true}
}

func mustPoll(t *testing.T, p *aggregator.Poller, src wiredesk.Source) aggregator.Result {
	t.Helper()
	res, err := p.Poll(context.Background(), src)
	if err != nil {
		t.Fatalf("Poll(%s) error = %v", src.ID, err)
	}
	return res
}

func state(t *testing.T, db aggregator.Store, id string) wiredesk.SourceState {
	t.Helper()
	st, err := db.SourceState(context.Background(), id)
	if err != nil {
		t.Fatalf("SourceState(%s): %v", id, err)
	}
	return st
}

func items(t *testing.T, db *storage.DB, sourceID string) map[string]wiredesk.Item {
	t.Helper()
	list, err := db.Items(context.Background(), storage.ItemQuery{SourceID: sourceID})
	if err != nil {
		t.Fatalf("Items(%s): %v", sourceID, err)
	}
	m := map[string]wiredesk.Item{}
	for _, it := range list {
		m[it.Title] = it
	}
	if len(m) != len(list) {
		t.Fatalf("Items(%s): %d items but %d distinct titles", sourceID, len(list), len(m))
	}
	return m
}

// countingStore wraps a Store, counting writes and failing on demand.
type countingStore struct {
	aggregator.Store

	mu                     sync.Mutex
	saveFetches, saveState int
	failRead, failFetch    error
	failState              error
	// failFetchOf fails SaveFetch with failFetch for this source only.
	failFetchOf string
}

func (s *countingStore) SourceState(ctx context.Context, id string) (wiredesk.SourceState, error) {
	s.mu.Lock()
	err := s.failRead
	s.mu.Unlock()
	if err != nil {
		return wiredesk.SourceState{}, err
	}
	return s.Store.SourceState(ctx, id)
}

func (s *countingStore) SaveState(ctx context.Context, st wiredesk.SourceState) error {
	s.mu.Lock()
	s.saveState++
	err := s.failState
	s.mu.Unlock()
	if err != nil {
		return err
	}
	return s.Store.SaveState(ctx, st)
}

func (s *countingStore) SaveFetch(ctx context.Context, r wiredesk.FetchResult) (wiredesk.SaveStats, error) {
	s.mu.Lock()
	s.saveFetches++
	err := s.failFetch
	if s.failFetchOf != "" && s.failFetchOf != r.State.SourceID {
		err = nil
	}
	s.mu.Unlock()
	if err != nil {
		return wiredesk.SaveStats{}, err
	}
	return s.Store.SaveFetch(ctx, r)
}

func (s *countingStore) writes() (fetches, states int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.saveFetches, s.saveState
}

// countingFetcher wraps a Fetcher and counts fetches in flight per URL, as
// the poller sees them.
type countingFetcher struct {
	aggregator.Fetcher
	// hold, when set, is called inside each fetch before the real one; it
	// may block to keep the fetch in flight.
	hold func(ctx context.Context, url string, n int)

	mu       sync.Mutex
	calls    map[string]int
	done     map[string]int
	inFlight map[string]int
	maxPer   int
}

func newCountingFetcher(f aggregator.Fetcher) *countingFetcher {
	return &countingFetcher{Fetcher: f, calls: map[string]int{}, done: map[string]int{}, inFlight: map[string]int{}}
}

func (f *countingFetcher) Fetch(ctx context.Context, r fetch.Request) (*fetch.Response, error) {
	f.mu.Lock()
	f.calls[r.URL]++
	n := f.calls[r.URL]
	f.inFlight[r.URL]++
	f.maxPer = max(f.maxPer, f.inFlight[r.URL])
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.inFlight[r.URL]--
		f.done[r.URL]++
		f.mu.Unlock()
	}()
	if f.hold != nil {
		f.hold(ctx, r.URL, n)
	}
	return f.Fetcher.Fetch(ctx, r)
}

func (f *countingFetcher) count(url string) (calls, done int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[url], f.done[url]
}

func (f *countingFetcher) total() (inFlight, maxPerURL int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, n := range f.inFlight {
		inFlight += n
	}
	return inFlight, f.maxPer
}

// eventually polls cond until it holds or ten seconds pass. It asserts
// nothing about how long it took.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

var errDisk = errors.New("disk on fire")
