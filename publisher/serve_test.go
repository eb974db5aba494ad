package publisher

import (
	"compress/gzip"
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wiredesk/wiredesk/publisher/render"
)

func TestHandlerHeaders(t *testing.T) {
	p, _, _ := newTestPublisher(t, 12) // limit 3: 9 older entries, with archive pages when enabled
	h := p.Handler()
	tests := []struct {
		path, contentType, cacheControl, contains string
	}{
		{"/feeds/central-asia.rss", "application/rss+xml; charset=utf-8", "public, max-age=120", "Kazakhstan story 1"},
		{"/feeds/central-asia.atom", "application/atom+xml; charset=utf-8", "public, max-age=120", "Kazakhstan story 1"},
		{"/feeds/central-asia.json", "application/feed+json; charset=utf-8", "public, max-age=120", "Kazakhstan story 1"},
		{"/feeds/everything.rss", "application/rss+xml; charset=utf-8", "public, max-age=120", "Radio story"},
		{"/feeds.opml", "text/x-opml; charset=utf-8", "public, max-age=120", "Central Asia wire"},
		{"/", "text/html; charset=utf-8", "public, max-age=120", "Central Asia wire"},
		{"/feeds/central-asia.html", "text/html; charset=utf-8", "public, max-age=120", "Kazakhstan story 1"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp := get(t, h, "GET", tt.path)
			b := body(t, resp)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d; want 200", resp.StatusCode)
			}
			for k, want := range map[string]string{"Content-Type": tt.contentType, "Cache-Control": tt.cacheControl,
				"Vary": "Accept-Encoding", "Last-Modified": curateNow.Format(http.TimeFormat)} {
				if got := resp.Header.Get(k); got != want {
					t.Errorf("%s = %q; want %q", k, got, want)
				}
			}
			if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q; want nosniff", got)
			}
			// The HTML pages load nothing but their inline style; the
			// feeds need no policy (a browser does not run them).
			csp := resp.Header.Get("Content-Security-Policy")
			if html := strings.HasPrefix(tt.contentType, "text/html"); html != strings.Contains(csp, "default-src 'none'") ||
				html && strings.Contains(csp, "script-src") {
				t.Errorf("Content-Security-Policy = %q for %s", csp, tt.contentType)
			}
			if etag := resp.Header.Get("Etag"); !strings.HasPrefix(etag, `"`) || !strings.HasSuffix(etag, `"`) || len(etag) < 10 {
				t.Errorf("ETag = %q; want a strong entity tag", etag)
			}
			if got, want := resp.Header.Get("Content-Length"), len(b); got != strconv.Itoa(want) {
				t.Errorf("Content-Length = %s; want %d", got, want)
			}
			if !strings.Contains(b, tt.contains) {
				t.Errorf("body lacks %q", tt.contains)
			}
		})
	}
}

func TestConditionalRequests(t *testing.T) {
	p, _, _ := newTestPublisher(t, 2)
	h := p.Handler()
	const path = "/feeds/central-asia.atom"
	first := get(t, h, "GET", path)
	etag := first.Header.Get("Etag")
	lastMod := first.Header.Get("Last-Modified")
	tests := []struct {
		name   string
		header []string
		want   int
	}{
		{"no validators", nil, 200},
		{"If-None-Match exact", []string{"If-None-Match", etag}, 304},
		{"If-None-Match weak", []string{"If-None-Match", "W/" + etag}, 304},
		{"If-None-Match list", []string{"If-None-Match", `"x", ` + etag + `, "y"`}, 304},
		{"If-None-Match two headers", []string{"If-None-Match", `"x"`, "If-None-Match", etag}, 304},
		{"If-None-Match star", []string{"If-None-Match", "*"}, 304},
		{"If-None-Match other", []string{"If-None-Match", `"other"`}, 200},
		{"If-None-Match malformed", []string{"If-None-Match", `other`}, 200},
		{"If-Modified-Since equal", []string{"If-Modified-Since", lastMod}, 304},
		{"If-Modified-Since later", []string{"If-Modified-Since", curateNow.Add(time.Hour).Format(http.TimeFormat)}, 304},
		{"If-Modified-Since earlier", []string{"If-Modified-Since", curateNow.Add(-time.Second).Format(http.TimeFormat)}, 200},
		{"If-Modified-Since garbage", []string{"If-Modified-Since", "yesterday"}, 200},
		{"If-None-Match wins over If-Modified-Since", []string{"If-None-Match", `"other"`, "If-Modified-Since", lastMod}, 200},
		{"gzip ETag does not match identity", []string{"If-None-Match", strings.TrimSuffix(etag, `"`) + `-gzip"`}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := get(t, h, "GET", path, tt.header...)
			b := body(t, resp)
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d; want %d", resp.StatusCode, tt.want)
			}
			if resp.Header.Get("Etag") != etag {
				t.Errorf("ETag = %q; want %q", resp.Header.Get("Etag"), etag)
			}
			if tt.want == 304 {
				if b != "" {
					t.Errorf("304 with a body of %d bytes", len(b))
				}
				if resp.Header.Get("Cache-Control") == "" || resp.Header.Get("Last-Modified") == "" {
					t.Errorf("304 without Cache-Control or Last-Modified: %v", resp.Header)
				}
			}
		})
	}
}

func TestHEAD(t *testing.T) {
	p, _, _ := newTestPublisher(t, 2)
	h := p.Handler()
	for _, enc := range []string{"", "gzip"} {
		g := get(t, h, "GET", "/feeds/central-asia.rss", "Accept-Encoding", enc)
		gb := body(t, g)
		resp := get(t, h, "HEAD", "/feeds/central-asia.rss", "Accept-Encoding", enc)
		if b := body(t, resp); resp.StatusCode != 200 || b != "" {
			t.Errorf("HEAD (Accept-Encoding %q): status %d, body %d bytes; want 200 and no body", enc, resp.StatusCode, len(b))
		}
		for _, k := range []string{"Content-Type", "Content-Length", "Etag", "Content-Encoding"} {
			if resp.Header.Get(k) != g.Header.Get(k) {
				t.Errorf("HEAD %s = %q; GET has %q", k, resp.Header.Get(k), g.Header.Get(k))
			}
		}
		if got := resp.Header.Get("Content-Length"); got != strconv.Itoa(len(gb)) {
			t.Errorf("HEAD Content-Length %s; GET body is %d bytes", got, len(gb))
		}
	}
}

func TestGzip(t *testing.T) {
	p, _, _ := newTestPublisher(t, 5)
	h := p.Handler()
	for _, path := range []string{"/feeds/central-asia.rss", "/feeds/everything.json", "/feeds.opml", "/"} {
		t.Run(path, func(t *testing.T) {
			plain := get(t, h, "GET", path)
			plainBody := body(t, plain)
			zipped := get(t, h, "GET", path, "Accept-Encoding", "br, gzip;q=0.8")
			if got := zipped.Header.Get("Content-Encoding"); got != "gzip" {
				t.Fatalf("Content-Encoding = %q; want gzip", got)
			}
			if got := zipped.Header.Get("Vary"); got != "Accept-Encoding" {
				t.Errorf("Vary = %q; want Accept-Encoding", got)
			}
			zr, err := gzip.NewReader(zipped.Body)
			if err != nil {
				t.Fatalf("gzip reader: %v", err)
			}
			unzipped, err := io.ReadAll(zr)
			if err != nil {
				t.Fatalf("gunzip: %v", err)
			}
			if string(unzipped) != plainBody {
				t.Errorf("gunzipped body differs from the plain body")
			}
			gzTag := zipped.Header.Get("Etag")
			if gzTag == plain.Header.Get("Etag") {
				t.Errorf("gzip variant has the identity ETag %q", gzTag)
			}
			if resp := get(t, h, "GET", path, "Accept-Encoding", "gzip", "If-None-Match", gzTag); resp.StatusCode != 304 {
				t.Errorf("If-None-Match with the gzip ETag: status %d; want 304", resp.StatusCode)
			}
		})
	}
	for _, tt := range []struct {
		accept string
		gzip   bool
	}{
		{"", false}, {"gzip", true}, {"GZIP", true}, {"x-gzip", true}, {"deflate, br", false}, {"*", true},
		{"gzip;q=0", false}, {"gzip; q=0.0, *", false}, {"*;q=0", false}, {"identity, *;q=0.5", true}, {"deflate,gzip", true},
	} {
		if got := acceptsGzip([]string{tt.accept}); got != tt.gzip {
			t.Errorf("acceptsGzip(%q) = %v; want %v", tt.accept, got, tt.gzip)
		}
	}
}

func TestNotFound(t *testing.T) {
	p, _, _ := newTestPublisher(t, 2)
	h := p.Handler()
	for _, path := range []string{"/feeds/nope.rss", "/feeds/central-asia.xml", "/feeds/central-asia", "/feeds/central-asia/archive/1.atom",
		"/feeds/central-asia/archive/0.atom", "/nope"} {
		resp := get(t, h, "GET", path)
		b := body(t, resp)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d; want 404", path, resp.StatusCode)
		}
		if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") || len(b) == 0 || len(b) > 200 {
			t.Errorf("%s: 404 with Content-Type %q and %d bytes; want a short text body", path, resp.Header.Get("Content-Type"), len(b))
		}
	}
	if resp := get(t, h, "POST", "/feeds/central-asia.rss"); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: status %d; want 405", resp.StatusCode)
	}
}

func TestServiceUnavailableBeforeRefresh(t *testing.T) {
	p := New(&fakeReader{}, testOptions(&clock{t: curateNow}))
	defer p.Close()
	resp := get(t, p.Handler(), "GET", "/feeds/central-asia.rss")
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("before Refresh: status %d, Retry-After %q; want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

func TestIndexPage(t *testing.T) {
	clk := &clock{t: curateNow}
	opt := testOptions(clk)
	opt.Feeds[1].Title = `Everything <script>alert(1)</script>`
	p := New(&fakeReader{stories: testStories(1)}, opt)
	defer p.Close()
	if _, err := p.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	b := body(t, get(t, p.Handler(), "GET", "/"))
	for _, f := range []string{"central-asia", "everything"} {
		for _, format := range render.Formats() {
			url := testBase + "/feeds/" + f + "." + string(format)
			link := `<link rel="alternate" type="` + mediaType(format) + `"`
			if !strings.Contains(b, link) || !strings.Contains(b, `href="`+url+`"`) {
				t.Errorf("index lacks the autodiscovery link %s … %s", link, url)
			}
		}
	}
	for _, want := range []string{"Central Asia wire", "Kazakhstan &amp; friends", "All the wires", testBase + "/feeds.opml",
		"Everything &lt;script&gt;"} {
		if !strings.Contains(b, want) {
			t.Errorf("index lacks %q", want)
		}
	}
	if strings.Contains(b, "<script>") {
		t.Errorf("index page holds an unescaped <script>")
	}
}

func TestOPMLListsEveryFeed(t *testing.T) {
	p, _, _ := newTestPublisher(t, 1)
	var doc struct {
		Outlines []struct {
			Text   string `xml:"text,attr"`
			XMLURL string `xml:"xmlUrl,attr"`
		} `xml:"body>outline"`
	}
	if err := xml.Unmarshal([]byte(body(t, get(t, p.Handler(), "GET", "/feeds.opml"))), &doc); err != nil {
		t.Fatalf("parse OPML: %v", err)
	}
	var got []string
	for _, o := range doc.Outlines {
		got = append(got, o.Text+" "+o.XMLURL)
	}
	want := []string{"Central Asia wire " + testBase + "/feeds/central-asia.rss", "Everything " + testBase + "/feeds/everything.rss"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("OPML outlines = %q; want %q", got, want)
	}
}

// benchFeed returns a Publisher whose central-asia feed holds 50 entries
// with some body text, and that feed's prepared bytes.
func benchFeed(b *testing.B) (*Publisher, []byte) {
	clk := &clock{t: curateNow}
	opt := testOptions(clk)
	opt.Feeds[0].Limit = 50
	sts := testStories(50)
	for i := range sts {
		sts[i].Items[0].Summary = strings.Repeat("Astana said the talks went well. ", 10)
		sts[i].Items[0].Link = "https://interfax.example/news/" + sts[i].ID
	}
	p := New(&fakeReader{stories: sts}, opt)
	b.Cleanup(func() { p.Close() })
	if _, err := p.Refresh(context.Background()); err != nil {
		b.Fatal(err)
	}
	return p, p.site.Load().docs["/feeds/central-asia.rss"].body
}

// BenchmarkServe compares the handler with a bare handler that writes the
// same bytes from memory and sets only Content-Type. Run with
//
//	go test -run '^$' -bench Serve -benchmem ./publisher/
func BenchmarkServe(b *testing.B) {
	p, feed := benchFeed(b)
	h := p.Handler()
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		_, _ = w.Write(feed)
	})
	etag := get(&testing.T{}, h, "GET", "/feeds/central-asia.rss").Header.Get("Etag")
	cases := []struct {
		name   string
		h      http.Handler
		header http.Header
	}{
		{"bare", bare, http.Header{}},
		{"plain", h, http.Header{}},
		{"gzip", h, http.Header{"Accept-Encoding": {"gzip, deflate, br"}}},
		{"304", h, http.Header{"If-None-Match": {etag}}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			req := httptest.NewRequest("GET", "/feeds/central-asia.rss", nil)
			req.Header = c.header
			w := &discardWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				c.h.ServeHTTP(w, req)
			}
			b.SetBytes(int64(w.n))
		})
	}
}

// discardWriter is a minimal ResponseWriter, so the benchmark measures the
// handlers rather than a recorder's copying.
type discardWriter struct {
	h      http.Header
	status int
	n      int
}

func (w *discardWriter) Header() http.Header { return w.h }
func (w *discardWriter) WriteHeader(s int)   { w.status = s }
func (w *discardWriter) Write(b []byte) (int, error) {
	w.n = len(b)
	return len(b), nil
}

// BenchmarkServeHTTP is BenchmarkServe over a loopback connection with
// net/http on both ends, the way a reader meets the handler.
func BenchmarkServeHTTP(b *testing.B) {
	p, feed := benchFeed(b)
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		_, _ = w.Write(feed)
	})
	for _, c := range []struct {
		name string
		h    http.Handler
	}{{"bare", bare}, {"plain", p.Handler()}} {
		b.Run(c.name, func(b *testing.B) {
			srv := httptest.NewServer(c.h)
			defer srv.Close()
			client := srv.Client()
			url := srv.URL + "/feeds/central-asia.rss"
			b.ReportAllocs()
			for b.Loop() {
				resp, err := client.Get(url)
				if err != nil {
					b.Fatal(err)
				}
				n, _ := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if n != int64(len(feed)) {
					b.Fatalf("read %d bytes; want %d", n, len(feed))
				}
			}
		})
	}
}
