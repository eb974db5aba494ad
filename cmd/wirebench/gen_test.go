package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/wiredesk/wiredesk"
	"github.com/wiredesk/wiredesk/aggregator/cluster"
	"github.com/wiredesk/wiredesk/aggregator/parse"
)

var testBase = time.Date(2026, 5, 12, 9, 30, 0, 0, time.UTC)

func testGenerator(sources int) *Generator {
	return &Generator{Seed: 7, Sources: sources, Items: 50, Base: testBase}
}

func TestGeneratorDeterministic(t *testing.T) {
	g1, g2 := testGenerator(100), testGenerator(100)
	other := testGenerator(100)
	other.Seed = 8
	for _, i := range []int{0, 1, 57, 99} {
		a, b := g1.Feed(i), g2.Feed(i)
		if !bytes.Equal(a.Body, b.Body) || a.ETag != b.ETag || a.ContentType != b.ContentType {
			t.Errorf("feed %d differs between two generators with the same seed", i)
		}
		if c := other.Feed(i); bytes.Equal(a.Body, c.Body) {
			t.Errorf("feed %d is the same for seeds 7 and 8", i)
		}
	}
	if bytes.Equal(g1.Feed(1).Body, g1.Feed(2).Body) {
		t.Error("feeds 1 and 2 are identical")
	}
}

func TestGeneratorShares(t *testing.T) {
	const n = 2000 // Spec only: cheap
	g := testGenerator(n)
	var cp, cpHeader, ru int
	formats := map[Format]int{}
	for i := range n {
		s := g.Spec(i)
		formats[s.Format]++
		if s.Lang == "ru" {
			ru++
		}
		if s.Charset == charset1251 {
			cp++
			if !s.InProlog {
				cpHeader++
			}
			if s.Lang != "ru" {
				t.Errorf("source %d: windows-1251 with language %q", i, s.Lang)
			}
		}
		if s.Target < minFeedBytes || s.Target > maxFeedBytes {
			t.Errorf("source %d: target %d outside [%d, %d]", i, s.Target, minFeedBytes, maxFeedBytes)
		}
	}
	share := func(k int) float64 { return float64(k) / n }
	checks := []struct {
		name   string
		got    float64
		lo, hi float64
	}{
		{"windows-1251", share(cp), 0.27, 0.33},
		{"windows-1251 named only in Content-Type", share(cpHeader), 0.12, 0.18},
		{"Cyrillic", share(ru), 0.56, 0.64},
		{"RSS 2.0", share(formats[FormatRSS2]), 0.41, 0.49},
		{"Atom", share(formats[FormatAtom]), 0.31, 0.39},
		{"RDF", share(formats[FormatRDF]), 0.17, 0.23},
	}
	for _, c := range checks {
		if c.got < c.lo || c.got > c.hi {
			t.Errorf("share of %s = %.3f; want in [%.2f, %.2f]", c.name, c.got, c.lo, c.hi)
		}
	}
}

// variant names a feed's format and charset handling.
func variant(s Spec) string {
	v := s.Format.String() + "/" + s.Charset
	if s.Charset == charset1251 && !s.InProlog {
		v += "/header-only"
	}
	return v
}

// sampleSources picks, among the first 300 sources, per sources of every
// variant (format × charset × where the charset is named).
func sampleSources(g *Generator, per int) []int {
	count := map[string]int{}
	var idx []int
	for i := range 300 {
		v := variant(g.Spec(i))
		if count[v] < per {
			count[v]++
			idx = append(idx, i)
		}
	}
	return idx
}

func TestGeneratedFeedsParse(t *testing.T) {
	g := testGenerator(300)
	per := 2
	if testing.Short() {
		per = 1
	}
	seen := map[string]bool{}
	for _, i := range sampleSources(g, per) {
		f := g.Feed(i)
		v := variant(f.Spec)
		seen[v] = true
		t.Run(SourceID(i)+"-"+strings.ReplaceAll(v, "/", "-"), func(t *testing.T) {
			if len(f.Body) < minFeedBytes || len(f.Body) > maxFeedBytes {
				t.Errorf("size = %d; want in [%d, %d]", len(f.Body), minFeedBytes, maxFeedBytes)
			}
			if got := utf8.Valid(f.Body); got == (f.Charset == charset1251) {
				t.Errorf("utf8.Valid(body) = %v for charset %s", got, f.Charset)
			}
			if f.Charset == charset1251 && !f.InProlog && !strings.Contains(f.ContentType, "windows-1251") {
				t.Errorf("Content-Type %q does not name windows-1251", f.ContentType)
			}
			// gofeed, after the decode step the baseline gives it.
			body, err := toUTF8(f.Body, f.Spec)
			if err != nil {
				t.Fatal(err)
			}
			n, err := parseCount(body)
			if err != nil {
				t.Fatalf("gofeed: %v", err)
			}
			if n != g.Items {
				t.Errorf("gofeed found %d items; want %d", n, g.Items)
			}
			// wiredesk's own parser on the raw wire bytes and header.
			res, err := parse.Parse(f.Body, f.ContentType, parse.Options{SourceID: SourceID(i), Now: testBase})
			if err != nil {
				t.Fatalf("parse.Parse: %v", err)
			}
			if len(res.Items) != g.Items {
				t.Fatalf("parse.Parse found %d items; want %d", len(res.Items), g.Items)
			}
			if res.Encoding.Charset != f.Charset {
				t.Errorf("parse.Parse charset = %q; want %q", res.Encoding.Charset, f.Charset)
			}
			title := res.Items[0].Title
			if cyr := strings.ContainsFunc(title, func(r rune) bool { return r >= 'А' && r <= 'я' }); cyr != (f.Lang == "ru") {
				t.Errorf("first title %q: Cyrillic = %v; want %v (lang %s)", title, cyr, f.Lang == "ru", f.Lang)
			}
		})
	}
	for _, f := range []string{"rss2", "atom", "rdf"} {
		for _, c := range []string{"/utf-8", "/windows-1251", "/windows-1251/header-only"} {
			if !seen[f+c] {
				t.Errorf("the first 300 sources have no %s%s feed", f, c)
			}
		}
	}
}

func TestWireConditional(t *testing.T) {
	g := testGenerator(3)
	w, err := writeWire(context.Background(), g, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.start(); err != nil {
		t.Fatal(err)
	}
	defer w.close()
	want := g.Feed(1)
	tests := []struct {
		name   string
		header http.Header
		status int
	}{
		{"unconditional", nil, http.StatusOK},
		{"etag matches", http.Header{"If-None-Match": {want.ETag}}, http.StatusNotModified},
		{"weak etag matches", http.Header{"If-None-Match": {`"x", W/` + want.ETag}}, http.StatusNotModified},
		{"etag differs", http.Header{"If-None-Match": {`"other"`}}, http.StatusOK},
		{"not modified since", http.Header{"If-Modified-Since": {want.LastModified}}, http.StatusNotModified},
		{"modified since", http.Header{"If-Modified-Since": {testBase.Add(-time.Hour).Format(http.TimeFormat)}}, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, w.url(1), nil)
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.header {
				req.Header[k] = v
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d; want %d", resp.StatusCode, tt.status)
			}
			if got := resp.Header.Get("ETag"); got != want.ETag {
				t.Errorf("ETag = %q; want %q", got, want.ETag)
			}
			if tt.status == http.StatusOK {
				if !bytes.Equal(body, want.Body) {
					t.Errorf("body differs from the generated feed (%d bytes; want %d)", len(body), len(want.Body))
				}
				if got := resp.Header.Get("Content-Type"); got != want.ContentType {
					t.Errorf("Content-Type = %q; want %q", got, want.ContentType)
				}
			}
		})
	}
	if got := w.url(5); !strings.HasSuffix(got, "/feeds/5.xml") {
		t.Errorf("url(5) = %q", got)
	}
}

func TestConfigParses(t *testing.T) {
	g := testGenerator(3)
	dir := t.TempDir()
	w, err := writeWire(context.Background(), g, dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.start(); err != nil {
		t.Fatal(err)
	}
	defer w.close()
	for _, conc := range []int{0, 8} {
		cfg, err := loadConfig(w, dir, "http://127.0.0.1:1", conc)
		if err != nil {
			t.Fatalf("concurrency %d: %v", conc, err)
		}
		if len(cfg.Sources) != 3 || len(cfg.Feeds) != 1 {
			t.Fatalf("concurrency %d: %d sources, %d feeds; want 3, 1", conc, len(cfg.Sources), len(cfg.Feeds))
		}
		if cfg.Poll.PerHost < cfg.Poll.Concurrency || cfg.Poll.HostDelay != 0 {
			t.Errorf("concurrency %d: per_host %d, host_delay %s; want per_host ≥ concurrency %d and no delay",
				conc, cfg.Poll.PerHost, cfg.Poll.HostDelay, cfg.Poll.Concurrency)
		}
		if conc > 0 && cfg.Poll.Concurrency != conc {
			t.Errorf("concurrency = %d; want %d", cfg.Poll.Concurrency, conc)
		}
		if cfg.Sources[2].URL != w.url(2) || cfg.Sources[2].Language != g.Spec(2).Lang {
			t.Errorf("source 2 = %s %s; want %s %s", cfg.Sources[2].URL, cfg.Sources[2].Language, w.url(2), g.Spec(2).Lang)
		}
	}
}

// meanSimilarity is the mean cluster.Similarity over pairs of items from
// different groups (sources).
func meanSimilarity(groups [][]wiredesk.Item) float64 {
	var n int
	var sum float64
	for a := range groups {
		for b := a + 1; b < len(groups); b++ {
			for _, x := range groups[a] {
				for _, y := range groups[b] {
					sum += cluster.Similarity(x, y)
					n++
				}
			}
		}
	}
	return sum / float64(n)
}

// TestGeneratedSimilarity keeps the synthetic text about as alike between
// unrelated items as real wire text: the cluster index's candidate count,
// and so the ingest's cost, depends on it.
func TestGeneratedSimilarity(t *testing.T) {
	real := map[string][]string{
		"ru": {"newsru.com.windows-1251.xml", "aviaport.ru.yandex.windows-1251.xml", "oren.ru.yandex.windows-1251.xml", "linux.org.ru.xml", "vedomosti.ru.noprolog.xml"},
		"en": {"bbc.news.frontpage.xml", "livemint.news.xml", "huffpost.canada.xml", "nbcnewyork.xml"},
	}
	g := testGenerator(300)
	for lang, files := range real {
		t.Run(lang, func(t *testing.T) {
			var realItems, synth [][]wiredesk.Item
			for _, f := range files {
				b, err := os.ReadFile(filepath.Join("testdata", "corpus", f))
				if err != nil {
					t.Fatal(err)
				}
				r, err := parse.Parse(b, "", parse.Options{SourceID: f})
				if err != nil {
					t.Fatalf("%s: %v", f, err)
				}
				realItems = append(realItems, r.Items)
			}
			for i := 0; i < 60 && len(synth) < 5; i++ {
				if g.Spec(i).Lang != lang {
					continue
				}
				f := g.Feed(i)
				r, err := parse.Parse(f.Body, f.ContentType, parse.Options{SourceID: SourceID(i)})
				if err != nil {
					t.Fatal(err)
				}
				synth = append(synth, r.Items[:30])
			}
			got, want := meanSimilarity(synth), meanSimilarity(realItems)
			if got < want/2 || got > want*2 {
				t.Errorf("mean similarity of unrelated synthetic items = %.4f; want within 2× of the real feeds' %.4f", got, want)
			}
		})
	}
}
