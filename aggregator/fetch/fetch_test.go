package fetch

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wiredesk/wiredesk"
)

func mustFeed(tb testing.TB) []byte {
	tb.Helper()
	b, err := os.ReadFile("testdata/tagesschau.de.xml")
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// conditionalHandler serves body with fixed validators and answers 304 to
// a matching conditional request, counting the 304s.
func conditionalHandler(body []byte, etag, lastMod string, notModified *atomic.Int32) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if inm := r.Header.Get("If-None-Match"); inm != "" && inm == etag ||
			inm == "" && r.Header.Get("If-Modified-Since") == lastMod {
			if notModified != nil {
				notModified.Add(1)
			}
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", lastMod)
		w.Header().Set("Cache-Control", "public, max-age=300")
		w.Write(body)
	}
}

func TestFetchConditionalRoundTrip(t *testing.T) {
	body := mustFeed(t)
	const etag, lastMod = `"v1"`, "Mon, 02 Jan 2006 15:04:05 GMT"
	var n304 atomic.Int32
	var gotUA, gotAE atomic.Value
	h := conditionalHandler(body, etag, lastMod, &n304)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotUA.Store(r.Header.Get("User-Agent"))
		gotAE.Store(r.Header.Get("Accept-Encoding"))
		h(w, r)
	}))
	defer srv.Close()
	c := New(Options{UserAgent: "wiredesk-test/1"})

	first, err := c.Fetch(t.Context(), Request{URL: srv.URL + "/feed"})
	if err != nil {
		t.Fatalf("first Fetch: %v", err)
	}
	if first.Status != 200 || !bytes.Equal(first.Body, body) {
		t.Fatalf("first Fetch = status %d, %d bytes; want 200, %d bytes", first.Status, len(first.Body), len(body))
	}
	if first.ETag != etag || first.LastModified != lastMod {
		t.Errorf("validators = %q, %q; want %q, %q", first.ETag, first.LastModified, etag, lastMod)
	}
	if first.MaxAge != 5*time.Minute {
		t.Errorf("MaxAge = %v; want 5m", first.MaxAge)
	}
	if first.WireBytes != int64(len(body)) {
		t.Errorf("WireBytes = %d; want %d", first.WireBytes, len(body))
	}
	if first.FinalURL != srv.URL+"/feed" || first.MovedTo != "" {
		t.Errorf("FinalURL, MovedTo = %q, %q; want %q, \"\"", first.FinalURL, first.MovedTo, srv.URL+"/feed")
	}
	if !strings.HasPrefix(first.ContentType, "application/rss+xml") {
		t.Errorf("ContentType = %q; want application/rss+xml", first.ContentType)
	}
	if ua := gotUA.Load(); ua != "wiredesk-test/1" {
		t.Errorf("server saw User-Agent %q; want wiredesk-test/1", ua)
	}
	if ae := gotAE.Load(); ae != "gzip" {
		t.Errorf("server saw Accept-Encoding %q; want gzip", ae)
	}

	tests := []struct {
		name string
		req  Request
	}{
		{"etag", Request{ETag: first.ETag}},
		{"last-modified", Request{LastModified: first.LastModified}},
		{"both", Request{ETag: first.ETag, LastModified: first.LastModified}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.URL = srv.URL + "/feed"
			got, err := c.Fetch(t.Context(), tt.req)
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			if got.Status != http.StatusNotModified || got.Body != nil {
				t.Errorf("Fetch = status %d, body %d bytes; want 304, nil body", got.Status, len(got.Body))
			}
			if got.ETag != tt.req.ETag || got.LastModified != tt.req.LastModified {
				t.Errorf("304 validators = %q, %q; want the request's %q, %q", got.ETag, got.LastModified, tt.req.ETag, tt.req.LastModified)
			}
			if n := n304.Load(); n != int32(i+1) {
				t.Errorf("server sent %d 304s; want %d", n, i+1)
			}
		})
	}
}

func TestFetchStatusErrors(t *testing.T) {
	date := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name       string
		status     int
		retryAfter string
		wantErr    error
		// wantRetry returns the expected RetryAfter given the times just
		// before and after the fetch; zero means "none".
		wantRetry func(before, after time.Time) (lo, hi time.Time)
	}{
		{name: "429 seconds", status: 429, retryAfter: "120", wantErr: ErrRateLimited,
			wantRetry: func(b, a time.Time) (time.Time, time.Time) { return b.Add(120 * time.Second), a.Add(120 * time.Second) }},
		{name: "429 http-date", status: 429, retryAfter: date.Format(http.TimeFormat), wantErr: ErrRateLimited,
			wantRetry: func(time.Time, time.Time) (time.Time, time.Time) { return date, date }},
		{name: "429 without retry-after", status: 429, wantErr: ErrRateLimited},
		{name: "503 seconds", status: 503, retryAfter: "30", wantErr: ErrUnavailable,
			wantRetry: func(b, a time.Time) (time.Time, time.Time) { return b.Add(30 * time.Second), a.Add(30 * time.Second) }},
		{name: "503 garbage retry-after", status: 503, retryAfter: "soon", wantErr: ErrUnavailable},
		{name: "410", status: 410, wantErr: ErrGone},
		{name: "404", status: 404, wantErr: ErrStatus},
		{name: "500 ignores retry-after", status: 500, retryAfter: "60", wantErr: ErrStatus},
		{name: "304 without validators is still 304", status: 304},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.retryAfter != "" {
					w.Header().Set("Retry-After", tt.retryAfter)
				}
				w.WriteHeader(tt.status)
				fmt.Fprint(w, "go away")
			}))
			defer srv.Close()
			before := time.Now().Truncate(time.Second)
			resp, err := New(Options{}).Fetch(t.Context(), Request{URL: srv.URL + "/x"})
			after := time.Now().Add(time.Second)
			if tt.wantErr == nil {
				if err != nil || resp.Status != tt.status {
					t.Fatalf("Fetch = %v, %v; want status %d, nil error", resp, err, tt.status)
				}
				return
			}
			var fe *FetchError
			if !errors.As(err, &fe) {
				t.Fatalf("Fetch error = %v (%T); want *FetchError", err, err)
			}
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("Fetch error = %v; want it to wrap %v", err, tt.wantErr)
			}
			if fe.Status != tt.status {
				t.Errorf("FetchError.Status = %d; want %d", fe.Status, tt.status)
			}
			wantPrefix := fmt.Sprintf("GET %s/x: %d %s: ", srv.URL, tt.status, http.StatusText(tt.status))
			if !strings.HasPrefix(err.Error(), wantPrefix) {
				t.Errorf("error text %q; want prefix %q", err, wantPrefix)
			}
			if tt.wantRetry == nil {
				if !fe.RetryAfter.IsZero() {
					t.Errorf("RetryAfter = %v; want zero", fe.RetryAfter)
				}
				return
			}
			lo, hi := tt.wantRetry(before, after)
			if fe.RetryAfter.Before(lo) || fe.RetryAfter.After(hi) {
				t.Errorf("RetryAfter = %v; want within [%v, %v]", fe.RetryAfter, lo, hi)
			}
		})
	}
}

func TestFetchRedirects(t *testing.T) {
	// /hop/CODE/REST redirects with CODE to /REST; /feed answers 200.
	mux := http.NewServeMux()
	mux.HandleFunc("/hop/{code}/{rest...}", func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(r.PathValue("code"))
		http.Redirect(w, r, "/"+r.PathValue("rest"), code)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop?token=loop-secret-1", http.StatusFound)
	})
	mux.HandleFunc("/feed", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "<rss/>") })
	srv := httptest.NewServer(mux)
	defer srv.Close()

	tests := []struct {
		name      string
		path      string
		wantMoved string // path; "" for none
		wantErr   error
	}{
		{name: "301 recorded", path: "/hop/301/feed", wantMoved: "/feed"},
		{name: "308 recorded", path: "/hop/308/feed", wantMoved: "/feed"},
		{name: "301 then 308 recorded", path: "/hop/301/hop/308/feed", wantMoved: "/feed"},
		{name: "302 not recorded", path: "/hop/302/feed"},
		{name: "307 not recorded", path: "/hop/307/feed"},
		{name: "301 then 302 not recorded", path: "/hop/301/hop/302/feed"},
		{name: "302 then 301 not recorded", path: "/hop/302/hop/301/feed"},
		{name: "five hops allowed", path: "/hop/301/hop/301/hop/301/hop/301/hop/301/feed", wantMoved: "/feed"},
		{name: "six hops too many", path: "/hop/301/hop/301/hop/301/hop/301/hop/301/hop/301/feed", wantErr: ErrTooManyRedirects},
		{name: "loop", path: "/loop", wantErr: ErrTooManyRedirects},
	}
	c := New(Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := c.Fetch(t.Context(), Request{URL: srv.URL + tt.path})
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Fetch error = %v; want %v", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "loop-secret-1") {
					t.Errorf("error text %q shows a token from a Location header", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			if resp.FinalURL != srv.URL+"/feed" {
				t.Errorf("FinalURL = %q; want %q", resp.FinalURL, srv.URL+"/feed")
			}
			want := ""
			if tt.wantMoved != "" {
				want = srv.URL + tt.wantMoved
			}
			if resp.MovedTo != want {
				t.Errorf("MovedTo = %q; want %q", resp.MovedTo, want)
			}
		})
	}
}

func TestFetchRedirectToOtherHostDropsSourceHeaders(t *testing.T) {
	var gotKey atomic.Value
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotKey.Store(r.Header.Get("X-Api-Key"))
		fmt.Fprint(w, "<rss/>")
	}))
	defer other.Close()
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Api-Key") != "origin-key-123" {
			http.Error(w, "no key", http.StatusUnauthorized)
			return
		}
		http.Redirect(w, r, other.URL+"/feed", http.StatusFound)
	}))
	defer origin.Close()

	_, err := New(Options{}).Fetch(t.Context(), Request{
		URL:    origin.URL,
		Header: map[string]wiredesk.Secret{"X-Api-Key": "origin-key-123"},
	})
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	if got := gotKey.Load(); got != "" {
		t.Errorf("other host saw X-Api-Key %q; want none", got)
	}
}

func TestFetchTimeouts(t *testing.T) {
	done := make(chan struct{})
	defer close(done)
	trickle := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		for {
			if _, err := w.Write([]byte("<")); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-done:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}))
	defer trickle.Close()
	slowHeaders := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-done:
		}
	}))
	defer slowHeaders.Close()

	tests := []struct {
		name     string
		url      string
		opt      Options
		wantText string
	}{
		{"trickling body hits total timeout", trickle.URL, Options{Timeout: 200 * time.Millisecond}, "within 200ms"},
		{"slow headers hit header timeout", slowHeaders.URL, Options{HeaderTimeout: 100 * time.Millisecond}, "no response headers within 100ms"},
		{"slow headers, total timeout shorter", slowHeaders.URL, Options{Timeout: 100 * time.Millisecond, HeaderTimeout: time.Hour}, "within 100ms"},
		{"slow headers, injected transport", slowHeaders.URL, Options{HeaderTimeout: 100 * time.Millisecond, Transport: &http.Transport{}}, "no response headers within 100ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.opt).Fetch(t.Context(), Request{URL: tt.url})
			if !errors.Is(err, ErrTimeout) {
				t.Fatalf("Fetch error = %v; want ErrTimeout", err)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("error text %q; want it to contain %q", err, tt.wantText)
			}
		})
	}

	t.Run("caller cancels", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(50*time.Millisecond, cancel)
		_, err := New(Options{}).Fetch(ctx, Request{URL: slowHeaders.URL})
		if !errors.Is(err, context.Canceled) || errors.Is(err, ErrTimeout) {
			t.Errorf("Fetch error = %v; want context.Canceled, not ErrTimeout", err)
		}
	})
}

func TestFetchBodyLimit(t *testing.T) {
	over1MB := bytes.Repeat([]byte("x"), 1<<20+1)
	// announces a body just over the default limit and sends it in 1MB
	// pieces until the client hangs up.
	overDefault := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(DefaultMaxBody+1))
		for sent := 0; sent < DefaultMaxBody+1; sent += len(over1MB) - 1 {
			if _, err := w.Write(over1MB[:min(len(over1MB)-1, DefaultMaxBody+1-sent)]); err != nil {
				return
			}
		}
	}
	// A gzip bomb: eight gzip members of 1MB of zeros each, about 8KB on
	// the wire (gzip readers decompress concatenated members as one).
	var member bytes.Buffer
	zw := gzip.NewWriter(&member)
	zw.Write(make([]byte, 1<<20))
	zw.Close()
	bomb := bytes.Repeat(member.Bytes(), 8)
	small := []byte(strings.Repeat("<item/>", 300))
	var smallGz bytes.Buffer
	zw = gzip.NewWriter(&smallGz)
	zw.Write(small)
	zw.Close()

	serve := func(data []byte, gz, chunked bool) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if gz {
				w.Header().Set("Content-Encoding", "gzip")
			}
			if !chunked {
				w.Header().Set("Content-Length", strconv.Itoa(len(data)))
			}
			w.Write(data[:len(data)/2])
			w.(http.Flusher).Flush()
			w.Write(data[len(data)/2:])
		}
	}
	tests := []struct {
		name     string
		h        http.HandlerFunc
		opt      Options
		wantBody []byte
		wantWire int64
		wantText string // error text; "" for success
	}{
		{name: "plain over limit with length", h: overDefault, wantText: "body larger than 10MB"},
		{name: "plain over limit chunked", h: serve(over1MB, false, true), opt: Options{MaxBody: 1 << 20}, wantText: "body larger than 1MB"},
		{name: "gzip bomb", h: serve(bomb, true, false), opt: Options{MaxBody: 1 << 20}, wantText: "body larger than 1MB"},
		{name: "configured size in message", h: serve(small, false, true), opt: Options{MaxBody: 1536}, wantText: "body larger than 1.5KB"},
		{name: "exactly the limit", h: serve(small, false, true), opt: Options{MaxBody: int64(len(small))}, wantBody: small, wantWire: int64(len(small))},
		{name: "gzip within limit", h: serve(smallGz.Bytes(), true, false), wantBody: small, wantWire: int64(smallGz.Len())},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.h)
			defer srv.Close()
			resp, err := New(tt.opt).Fetch(t.Context(), Request{URL: srv.URL})
			if tt.wantText != "" {
				if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), tt.wantText) {
					t.Fatalf("Fetch error = %v; want ErrTooLarge saying %q", err, tt.wantText)
				}
				return
			}
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			if !bytes.Equal(resp.Body, tt.wantBody) {
				t.Errorf("Body = %d bytes; want %d", len(resp.Body), len(tt.wantBody))
			}
			if resp.WireBytes != tt.wantWire {
				t.Errorf("WireBytes = %d; want %d", resp.WireBytes, tt.wantWire)
			}
		})
	}
}

// errTransport fails every request with an error that quotes the request's
// secrets, as a careless lower layer might.
type errTransport struct{}

func (errTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	user, pass, _ := r.BasicAuth()
	return nil, fmt.Errorf("dial %s as %s:%s with key %s", r.URL, user, pass, r.Header.Get("X-Api-Key"))
}

func TestFetchErrorsHideSecrets(t *testing.T) {
	const (
		password  = "hunter2-password"
		apiKey    = "key-abc123xyz"
		urlPass   = "urlpass-9981"
		urlToken  = "tok-xyz-42"
		urlSecret = "http://desk:" + urlPass + "@%s/feed?token=" + urlToken + "&page=2"
	)
	secrets := []string{password, apiKey, urlPass, urlToken}
	var sawAuth, sawKey atomic.Bool
	status := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, p, _ := r.BasicAuth(); p == password {
			sawAuth.Store(true)
		}
		if r.Header.Get("X-Api-Key") == apiKey {
			sawKey.Store(true)
		}
		switch r.URL.Path {
		case "/loop":
			http.Redirect(w, r, r.URL.String(), http.StatusFound)
		case "/slow":
			<-r.Context().Done()
		default:
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer status.Close()
	host := strings.TrimPrefix(status.URL, "http://")
	closed := httptest.NewServer(http.NotFoundHandler())
	closedHost := strings.TrimPrefix(closed.URL, "http://")
	closed.Close()

	tests := []struct {
		name string
		url  string
		opt  Options
	}{
		{"status error", fmt.Sprintf(urlSecret, host), Options{}},
		{"redirect loop", "http://" + host + "/loop?token=" + urlToken, Options{}},
		{"header timeout", "http://desk:" + urlPass + "@" + host + "/slow?token=" + urlToken, Options{HeaderTimeout: 50 * time.Millisecond}},
		{"connection refused", fmt.Sprintf(urlSecret, closedHost), Options{}},
		{"transport quotes secrets", fmt.Sprintf(urlSecret, host), Options{Transport: errTransport{}}},
		{"invalid url", "http://desk:" + urlPass + "@host:port/?token=" + urlToken, Options{}},
		{"unsupported scheme", "ftp://desk:" + urlPass + "@host/?token=" + urlToken, Options{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.opt).Fetch(t.Context(), Request{
				URL:      tt.url,
				Username: "desk",
				Password: password,
				Header:   map[string]wiredesk.Secret{"X-Api-Key": apiKey},
			})
			if err == nil {
				t.Fatal("Fetch succeeded; want an error")
			}
			msg := err.Error()
			t.Log(msg)
			for _, s := range secrets {
				if strings.Contains(msg, s) || strings.Contains(msg, url.QueryEscape(s)) {
					t.Errorf("error text %q shows secret %q", msg, s)
				}
			}
		})
	}
	if !sawAuth.Load() || !sawKey.Load() {
		t.Errorf("server saw basic auth password: %v, X-Api-Key: %v; want both sent", sawAuth.Load(), sawKey.Load())
	}
}

func TestFetchUnsupported(t *testing.T) {
	tests := []struct {
		url     string
		wantErr error
	}{
		{"ftp://example.org/feed", ErrUnsupportedScheme},
		{"example.org/feed", ErrUnsupportedScheme},
		{"gopher://example.org/", ErrUnsupportedScheme},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			_, err := New(Options{}).Fetch(t.Context(), Request{URL: tt.url})
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("Fetch(%q) error = %v; want %v", tt.url, err, tt.wantErr)
			}
		})
	}
}

func TestFetchFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "feed.xml")
	body := mustFeed(t)
	if err := os.WriteFile(path, body, 0o644); err != nil {
		t.Fatal(err)
	}
	mod := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	if err := os.Chtimes(path, mod, mod); err != nil {
		t.Fatal(err)
	}
	u := (&url.URL{Scheme: "file", Path: filepath.ToSlash(path)}).String()
	c := New(Options{})

	first, err := c.Fetch(t.Context(), Request{URL: u})
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	if first.Status != 200 || !bytes.Equal(first.Body, body) {
		t.Fatalf("Fetch = status %d, %d bytes; want 200, %d bytes", first.Status, len(first.Body), len(body))
	}
	if want := "Tue, 04 Mar 2025 05:06:07 GMT"; first.LastModified != want {
		t.Errorf("LastModified = %q; want %q", first.LastModified, want)
	}
	if first.ETag == "" || first.WireBytes != int64(len(body)) {
		t.Errorf("ETag, WireBytes = %q, %d; want non-empty, %d", first.ETag, first.WireBytes, len(body))
	}

	tests := []struct {
		name       string
		req        Request
		wantStatus int
	}{
		{"etag matches", Request{ETag: first.ETag}, 304},
		{"last-modified matches", Request{LastModified: first.LastModified}, 304},
		{"last-modified later", Request{LastModified: mod.Add(time.Hour).Format(http.TimeFormat)}, 304},
		{"last-modified earlier", Request{LastModified: mod.Add(-time.Second).Format(http.TimeFormat)}, 200},
		{"etag differs", Request{ETag: `"other"`, LastModified: first.LastModified}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.URL = u
			got, err := c.Fetch(t.Context(), tt.req)
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			if got.Status != tt.wantStatus {
				t.Errorf("Status = %d; want %d", got.Status, tt.wantStatus)
			}
			if tt.wantStatus == 304 && got.Body != nil {
				t.Errorf("304 Body = %d bytes; want nil", len(got.Body))
			}
		})
	}

	t.Run("rewritten file is fetched again", func(t *testing.T) {
		later := mod.Add(time.Minute)
		if err := os.Chtimes(path, later, later); err != nil {
			t.Fatal(err)
		}
		got, err := c.Fetch(t.Context(), Request{URL: u, ETag: first.ETag, LastModified: first.LastModified})
		if err != nil {
			t.Fatalf("Fetch: %v", err)
		}
		if got.Status != 200 || got.ETag == first.ETag {
			t.Errorf("Fetch = status %d, ETag %q; want 200 and an ETag other than %q", got.Status, got.ETag, first.ETag)
		}
	})

	errTests := []struct {
		name     string
		url      string
		opt      Options
		wantErr  error
		wantText string
	}{
		{name: "too large", url: u, opt: Options{MaxBody: 1000}, wantErr: ErrTooLarge, wantText: "body larger than 1KB"},
		{name: "missing", url: u + ".missing", wantErr: os.ErrNotExist},
		{name: "relative", url: "file://testdata/tagesschau.de.xml", wantText: "absolute"},
		{name: "directory", url: (&url.URL{Scheme: "file", Path: filepath.ToSlash(dir)}).String(), wantText: "not a regular file"},
	}
	for _, tt := range errTests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.opt).Fetch(t.Context(), Request{URL: tt.url})
			if err == nil {
				t.Fatal("Fetch succeeded; want an error")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("Fetch error = %v; want %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("error text %q; want it to contain %q", err, tt.wantText)
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	tests := []struct {
		in     string
		want   time.Time
		wantOK bool
	}{
		{"120", now.Add(2 * time.Minute), true},
		{" 0 ", now, true},
		{"Wed, 21 Oct 2015 07:28:00 GMT", time.Date(2015, 10, 21, 7, 28, 0, 0, time.UTC), true},
		{"Sunday, 06-Nov-94 08:49:37 GMT", time.Date(1994, 11, 6, 8, 49, 37, 0, time.UTC), true},
		{"Sun Nov  6 08:49:37 1994", time.Date(1994, 11, 6, 8, 49, 37, 0, time.UTC), true},
		{"99999999999999999999999", now.Add(10 * 365 * 24 * time.Hour), true},
		{"", time.Time{}, false},
		{"-5", time.Time{}, false},
		{"1.5", time.Time{}, false},
		{"120s", time.Time{}, false},
		{"tomorrow", time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := ParseRetryAfter(tt.in, now)
			if ok != tt.wantOK || !got.Equal(tt.want) {
				t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"120", "0", "", "-1", "Wed, 21 Oct 2015 07:28:00 GMT", "Sunday, 06-Nov-94 08:49:37 GMT",
		"Sun Nov  6 08:49:37 1994", "99999999999999999999999", " 7 ", "1e3"} {
		f.Add(s)
	}
	now := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := ParseRetryAfter(s, now)
		if !ok {
			if !got.IsZero() {
				t.Errorf("ParseRetryAfter(%q) = %v, false; want the zero time", s, got)
			}
			return
		}
		v := strings.TrimSpace(s)
		if n, err := strconv.ParseUint(v, 10, 64); err == nil || errors.Is(err, strconv.ErrRange) {
			if got.Before(now) || got.After(now.Add(10*365*24*time.Hour)) {
				t.Errorf("ParseRetryAfter(%q) = %v; want within 10 years after %v (n=%d)", s, got, now, n)
			}
			return
		}
		want, err := http.ParseTime(v)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseRetryAfter(%q) = %v, true; http.ParseTime says %v, %v", s, got, want, err)
		}
	})
}

func TestFormatSize(t *testing.T) {
	tests := []struct {
		in   int64
		want string
	}{
		{10 << 20, "10MB"},
		{10_000_000, "10MB"},
		{1 << 30, "1GB"},
		{512 << 10, "512KB"},
		{1536, "1.5KB"},
		{3 << 19, "1.5MB"},
		{1000, "1KB"},
		{999, "999 bytes"},
		{1500, "1.5KB"},
		{0, "0 bytes"},
	}
	for _, tt := range tests {
		if got := formatSize(tt.in); got != tt.want {
			t.Errorf("formatSize(%d) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestMaxAge(t *testing.T) {
	tests := []struct {
		in   []string
		want time.Duration
	}{
		{nil, 0},
		{[]string{"max-age=600"}, 10 * time.Minute},
		{[]string{"public", "max-age=60, must-revalidate"}, time.Minute},
		{[]string{"max-age=600, no-cache"}, 0},
		{[]string{"no-store"}, 0},
		{[]string{"max-age=abc"}, 0},
		{[]string{"max-age=-5"}, 0},
		{[]string{`max-age="30"`}, 30 * time.Second},
	}
	for _, tt := range tests {
		if got := maxAge(tt.in); got != tt.want {
			t.Errorf("maxAge(%q) = %v; want %v", tt.in, got, tt.want)
		}
	}
}

func BenchmarkFetch(b *testing.B) {
	body := mustFeed(b)
	const etag, lastMod = `"v1"`, "Mon, 02 Jan 2006 15:04:05 GMT"
	srv := httptest.NewUnstartedServer(conditionalHandler(body, etag, lastMod, nil))
	var conns atomic.Int64
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	c := New(Options{})
	defer c.CloseIdleConnections()
	for _, bb := range []struct {
		name string
		req  Request
		want int
	}{
		{"200", Request{URL: srv.URL}, 200},
		{"304", Request{URL: srv.URL, ETag: etag}, 304},
	} {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			if bb.want == 200 {
				b.SetBytes(int64(len(body)))
			}
			before := conns.Load()
			for b.Loop() {
				resp, err := c.Fetch(context.Background(), bb.req)
				if err != nil || resp.Status != bb.want {
					b.Fatalf("Fetch = %v, %v; want status %d", resp, err, bb.want)
				}
			}
			b.ReportMetric(float64(conns.Load()-before), "new-conns")
		})
	}
}
