package publisher

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wiredesk/wiredesk"
)

var update = flag.Bool("update", false, "rewrite golden files")

// pageStories are the stories of the reading page tests: a story two
// wires carried (with a link each), one with a hostile headline and
// summary, and one headline without a link.
func pageStories() []wiredesk.Story {
	two := story("k1", "interfax", "Казахстан: выборы назначены", time.Hour,
		withSummary("Президент подписал указ."), withLanguage("ru"), func(it *wiredesk.Item) { it.Link = "https://interfax.example/1" })
	tass := two.Items[0]
	tass.ID, tass.SourceID, tass.Title, tass.Link = "tass/k1", "tass", "Выборы в Казахстане", "https://tass.example/1?a=1&b=2"
	tass.Published = tass.Published.Add(10 * time.Minute)
	two.Items = append(two.Items, tass)
	two.Updated = tass.Published
	hostile := story("k2", "rferl", `Kazakh <script>alert(1)</script> <img src=x onerror=alert(2)>`, 2*time.Hour,
		withSummary(`"quoted" & <b>bold</b>`), func(it *wiredesk.Item) { it.Link = "javascript:alert(3)" })
	plain := story("k3", "tass", "Kazakhstan headline only", 3*time.Hour)
	return []wiredesk.Story{two, hostile, plain}
}

func newPagePublisher(t *testing.T) *Publisher {
	t.Helper()
	clk := &clock{t: curateNow}
	opt := testOptions(clk)
	for i := range opt.Sources {
		opt.Sources[i].Rights = wiredesk.RightsFull
	}
	p := New(&fakeReader{stories: pageStories()}, opt)
	t.Cleanup(func() { p.Close() })
	if _, err := p.Refresh(context.Background()); err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	return p
}

// TestReadingPagesGolden compares the index and a feed's reading page with
// testdata/page/*.golden.html; -update rewrites them.
func TestReadingPagesGolden(t *testing.T) {
	h := newPagePublisher(t).Handler()
	tests := []struct{ name, path string }{
		{"index", "/"},
		{"central-asia", "/feeds/central-asia.html"},
		{"everything", "/feeds/everything.html"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := get(t, h, "GET", tt.path)
			if resp.StatusCode != 200 {
				t.Fatalf("GET %s: %s", tt.path, resp.Status)
			}
			if got, want := resp.Header.Get("Content-Type"), "text/html; charset=utf-8"; got != want {
				t.Errorf("Content-Type = %q; want %q", got, want)
			}
			got := body(t, resp)
			golden := filepath.Join("testdata", "page", tt.name+".golden.html")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs from %s; run go test -update and review the diff\n%s", tt.path, golden, got)
			}
		})
	}
}

// TestReadingPagesEscapeWireText checks, independently of the golden
// files, that a hostile headline and link reach the pages as text only.
func TestReadingPagesEscapeWireText(t *testing.T) {
	h := newPagePublisher(t).Handler()
	for _, path := range []string{"/", "/feeds/everything.html"} {
		got := body(t, get(t, h, "GET", path))
		for _, bad := range []string{"<script>", "<img", "javascript:", "ZgotmplZ", "<b>bold"} {
			if strings.Contains(got, bad) {
				t.Errorf("%s contains %q unescaped", path, bad)
			}
		}
		if !strings.Contains(got, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("%s does not show the hostile headline as text", path)
		}
	}
}

// TestReadingPageAutodiscovery checks that a feed's page names its three
// documents with the media types feed readers look for.
func TestReadingPageAutodiscovery(t *testing.T) {
	got := body(t, get(t, newPagePublisher(t).Handler(), "GET", "/feeds/central-asia.html"))
	for _, want := range []string{
		`<link rel="alternate" type="application/rss+xml" title="Central Asia wire (RSS)" href="http://wire.example/feeds/central-asia.rss">`,
		`<link rel="alternate" type="application/atom+xml" title="Central Asia wire (Atom)" href="http://wire.example/feeds/central-asia.atom">`,
		`<link rel="alternate" type="application/feed+json" title="Central Asia wire (JSON Feed)" href="http://wire.example/feeds/central-asia.json">`,
		`<meta name="viewport" content="width=device-width, initial-scale=1">`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("central-asia.html lacks %s", want)
		}
	}
}
