package publisher

import (
	"context"
	"encoding/xml"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wiredesk/wiredesk"

	"github.com/wiredesk/wiredesk/publisher/render"
)

func TestPlanArchive(t *testing.T) {
	// Periods of 3h from the Unix epoch; curateNow (12:00 UTC) starts one.
	const period = 3 * time.Hour
	at := func(h int) time.Time { return curateNow.Add(-time.Duration(h) * time.Hour) }
	entries := func(picked int, hours ...int) []archived {
		var out []archived
		for i, h := range hours {
			out = append(out, archived{entry: render.Entry{ID: fmt.Sprint(h)}, created: at(h), picked: i < picked})
		}
		return out
	}
	page := func(h int) int64 { return pageOf(at(h), period) }
	show := func(plan archivePlan) (pages []string, extra string) {
		for _, p := range plan.pages {
			var ids []string
			for _, e := range p.entries {
				ids = append(ids, e.ID)
			}
			pages = append(pages, fmt.Sprintf("%d:%s", p.n-page(1), strings.Join(ids, ",")))
		}
		var ids []string
		for _, e := range plan.extra {
			ids = append(ids, e.ID)
		}
		return pages, strings.Join(ids, ",")
	}
	// Hours back from now, newest first; pages are shown relative to the
	// page of 1h ago (0), so -1 is the period before.
	tests := []struct {
		name    string
		es      []archived
		now     time.Time
		horizon time.Time
		period  time.Duration
		pages   []string
		extra   string
	}{
		{"disabled", entries(0, 1, 4), curateNow, at(100), 0, nil, ""},
		{"all live: no page yet", entries(3, 1, 2, 4), curateNow, at(100), period, nil, ""},
		{"a page once one entry leaves the limit, with its live entries too", entries(2, 1, 2, 4, 5, 13), curateNow, at(100), period, []string{"-4:13", "-1:4,5"}, ""},
		{"whole period published even if only its oldest left", entries(1, 1, 2, 3, 13), curateNow, at(100), period, []string{"-4:13", "0:1,2,3"}, ""},
		{"open period stays live", entries(1, -1, 0, 4, 13), curateNow.Add(2 * time.Hour), at(100), period, []string{"-4:13", "-1:4"}, "0"},
		{"period begun before the horizon is withdrawn", entries(0, 1, 4, 7, 8), curateNow, at(7), period, []string{"-1:4", "0:1"}, ""},
		// A lone page would link no other page (the W3C validator's
		// "Archive incomplete"): its entries beyond the limit stay live.
		{"a lone page waits in the live feed", entries(2, 1, 2, 4, 5), curateNow, at(100), period, nil, "4,5"},
		{"a lone page beside an open period", entries(1, -1, 0, 4), curateNow.Add(2 * time.Hour), at(100), period, nil, "0,4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pages, extra := show(planArchive(tt.es, tt.now, tt.horizon, tt.period))
			if !slices.Equal(pages, tt.pages) {
				t.Errorf("pages = %q; want %q", pages, tt.pages)
			}
			if extra != tt.extra {
				t.Errorf("extra = %q; want %q", extra, tt.extra)
			}
		})
	}
	if got, want := pageOf(time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC), 24*time.Hour), int64(20523); got != want {
		t.Errorf("page of 2026-03-10 = %d; want %d (days since 1970, from 1)", got, want)
	}
}

// atomDoc is what the archive test reads back from an Atom document.
type atomDoc struct {
	Archive *struct{} `xml:"http://purl.org/syndication/history/1.0 archive"`
	Links   []struct {
		Rel  string `xml:"rel,attr"`
		Href string `xml:"href,attr"`
	} `xml:"link"`
	Entries []struct {
		Title string `xml:"title"`
	} `xml:"entry"`
}

func (d atomDoc) link(rel string) string {
	for _, l := range d.Links {
		if l.Rel == rel {
			return l.Href
		}
	}
	return ""
}

func (d atomDoc) titles() []string {
	var out []string
	for _, e := range d.Entries {
		out = append(out, strings.TrimPrefix(e.Title, "Kazakhstan story "))
	}
	return out
}

func TestArchives(t *testing.T) {
	clk := &clock{t: curateNow}
	opt := testOptions(clk)
	opt.ArchivePeriod = 3 * time.Hour
	r := &fakeReader{stories: testStories(11)} // hourly back from 11:00; limit 3: k1-k3 live
	p := New(r, opt)
	defer p.Close()
	if _, err := p.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	h := p.Handler()
	fetch := func(path string) (atomDoc, *http.Response) {
		t.Helper()
		resp := get(t, h, "GET", path)
		var d atomDoc
		if resp.StatusCode == http.StatusOK {
			if err := xml.Unmarshal([]byte(body(t, resp)), &d); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
		}
		return d, resp
	}
	// Page numbers relative to the period 09:00-12:00, which holds k1-k3.
	n0 := pageOf(curateNow.Add(-time.Hour), opt.ArchivePeriod)
	path := func(rel int64) string { return fmt.Sprintf("/feeds/central-asia/archive/%d.atom", n0+rel) }
	archive := func(rel int64) string { return testBase + path(rel) }
	liveURL := testBase + "/feeds/central-asia.atom"

	// k1-k3 (09:00-11:00) are all live: their page is not published yet.
	// k4-k6, k7-k9 and k10-k11 fill the three periods before it.
	live, _ := fetch("/feeds/central-asia.atom")
	if got, want := live.titles(), []string{"1", "2", "3"}; !slices.Equal(got, want) {
		t.Errorf("live Atom entries %v; want %v", got, want)
	}
	if got := live.link("prev-archive"); got != archive(-1) {
		t.Errorf("live prev-archive = %q; want %q", got, archive(-1))
	}
	if live.Archive != nil {
		t.Errorf("live feed is marked fh:archive")
	}
	rss := body(t, get(t, h, "GET", "/feeds/central-asia.rss"))
	if n := strings.Count(rss, "<item>"); n != 3 {
		t.Errorf("live RSS has %d items; want the limit 3", n)
	}

	for _, tt := range []struct {
		rel        int64
		titles     []string
		prev, next string
	}{
		{-1, []string{"4", "5", "6"}, archive(-2), ""},
		{-2, []string{"7", "8", "9"}, archive(-3), archive(-1)},
		{-3, []string{"10", "11"}, "", archive(-2)},
	} {
		page, resp := fetch(path(tt.rel))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("archive %d: status %d", n0+tt.rel, resp.StatusCode)
		}
		if got := page.titles(); !slices.Equal(got, tt.titles) {
			t.Errorf("archive %d entries %v; want %v", n0+tt.rel, got, tt.titles)
		}
		if got := page.link("prev-archive"); got != tt.prev {
			t.Errorf("archive %d prev-archive = %q; want %q", n0+tt.rel, got, tt.prev)
		}
		if got := page.link("current"); got != liveURL {
			t.Errorf("archive %d current = %q; want %q", n0+tt.rel, got, liveURL)
		}
		if got := page.link("self"); got != archive(tt.rel) {
			t.Errorf("archive %d self = %q; want %q", n0+tt.rel, got, archive(tt.rel))
		}
		if page.Archive == nil {
			t.Errorf("archive %d lacks fh:archive", n0+tt.rel)
		}
		if got := page.link("next-archive"); got != tt.next {
			t.Errorf("archive %d next-archive = %q; want %q", n0+tt.rel, got, tt.next)
		}
		// The newest page will gain a next-archive link; the others are
		// final.
		if got := resp.Header.Get("Cache-Control"); strings.Contains(got, "immutable") != (tt.next != "") {
			t.Errorf("archive %d Cache-Control = %q; want immutable only for a page with next-archive", n0+tt.rel, got)
		}
		if got := resp.Header.Get("Content-Type"); got != render.ContentType(render.Atom) {
			t.Errorf("archive %d Content-Type = %q", n0+tt.rel, got)
		}
	}
	if _, resp := fetch(path(0)); resp.StatusCode != http.StatusNotFound {
		t.Errorf("archive %d (all live): status %d; want 404", n0, resp.StatusCode)
	}

	// A new story (11:30) pushes k3 out of the live limit: the page of
	// 09:00-12:00 appears with all of k0-k3, the page before it gains its
	// next-archive link, and the older pages keep their bytes.
	before := map[int64]string{}
	for _, rel := range []int64{-2, -3} {
		before[rel] = get(t, h, "GET", path(rel)).Header.Get("Etag")
	}
	beforeNewest := body(t, get(t, h, "GET", path(-1)))
	r.add(story("k0", "interfax", "Kazakhstan story 0", 30*time.Minute))
	clk.Advance(time.Hour)
	if _, err := p.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	page0, resp := fetch(path(0))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("archive %d after a new story: status %d", n0, resp.StatusCode)
	}
	if got, want := page0.titles(), []string{"0", "1", "2", "3"}; !slices.Equal(got, want) {
		t.Errorf("archive %d entries %v; want %v", n0, got, want)
	}
	for rel, etag := range before {
		if got := get(t, h, "GET", path(rel)).Header.Get("Etag"); got != etag {
			t.Errorf("archive %d changed after a new story", n0+rel)
		}
	}
	if page0.link("next-archive") != "" || page0.link("prev-archive") != archive(-1) {
		t.Errorf("new newest page: prev-archive %q, next-archive %q; want %q and none",
			page0.link("prev-archive"), page0.link("next-archive"), archive(-1))
	}
	afterNewest := body(t, get(t, h, "GET", path(-1)))
	if want := `rel="next-archive" type="application/atom+xml" href="` + archive(0) + `"`; !strings.Contains(afterNewest, want) {
		t.Errorf("archive %d after a new page lacks %s", n0-1, want)
	}
	if withoutLink(afterNewest, "next-archive") != beforeNewest {
		t.Errorf("archive %d changed beyond its next-archive link:\n%s\nwant:\n%s", n0-1, afterNewest, beforeNewest)
	}
	live, _ = fetch("/feeds/central-asia.atom")
	if got, want := live.titles(), []string{"0", "1", "2"}; !slices.Equal(got, want) {
		t.Errorf("live Atom entries %v; want %v", got, want)
	}
	if got := live.link("prev-archive"); got != archive(0) {
		t.Errorf("live prev-archive = %q; want %q", got, archive(0))
	}
}

// TestArchivesSurviveRetention deletes the oldest stories as storage
// retention does and checks that every page not reached by the deletion
// keeps its number and its bytes, and that the page retention reached is
// withdrawn rather than served with entries missing. Pages counted from
// the oldest entry (the old design) renumber here. The one byte change
// allowed: the page that becomes the oldest loses its prev-archive link to
// the withdrawn page.
func TestArchivesSurviveRetention(t *testing.T) {
	clk := &clock{t: curateNow}
	opt := testOptions(clk)
	opt.ArchivePeriod = 3 * time.Hour
	opt.Retention = 12 * time.Hour
	r := &fakeReader{stories: testStories(20)} // k1 11:00 … k20 16:00 the day before
	p := New(r, opt)
	defer p.Close()
	ctx := context.Background()
	if _, err := p.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	h := p.Handler()
	pages := func() map[string]string {
		out := map[string]string{}
		for _, path := range p.site.Load().paths {
			if strings.Contains(path, "/central-asia/archive/") {
				out[path] = body(t, get(t, h, "GET", path))
			}
		}
		return out
	}
	first := pages()
	// Horizon 00:00: the periods from 00:00, 03:00 and 06:00 are published
	// (09:00-12:00 is all live); the older ones began before the horizon.
	if len(first) != 3 {
		t.Fatalf("%d archive pages before retention; want 3: %v", len(first), slices.Sorted(maps.Keys(first)))
	}

	// Three hours later retention (12h) has deleted every story first
	// seen before 03:00.
	clk.Advance(3 * time.Hour)
	cutoff := clk.Now().Add(-opt.Retention)
	r.mu.Lock()
	r.stories = slices.DeleteFunc(r.stories, func(st wiredesk.Story) bool { return st.Created.Before(cutoff) })
	r.mu.Unlock()
	if _, err := p.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	second := pages()
	oldest := archivePath("central-asia", pageOf(curateNow.Add(-12*time.Hour), opt.ArchivePeriod))
	for path, b := range first {
		got, ok := second[path]
		switch {
		case path == oldest && ok:
			t.Errorf("%s (00:00-03:00, reached by retention) is still published", path)
		case path != oldest && !ok:
			t.Errorf("%s disappeared after retention", path)
		case path != oldest && got != b && withoutPrevArchive(got) != withoutPrevArchive(b):
			t.Errorf("%s changed after retention:\n%s\nwant:\n%s", path, got, b)
		case got != b && !strings.Contains(b, archivePath("central-asia", pageOf(curateNow.Add(-12*time.Hour), opt.ArchivePeriod))):
			t.Errorf("%s lost a prev-archive link to a page still published", path)
		}
	}
	for path := range second {
		if _, ok := first[path]; !ok {
			t.Errorf("new page %s after retention; want none", path)
		}
	}
}

// withoutPrevArchive drops an Atom document's rel="prev-archive" link line.
func withoutPrevArchive(doc string) string { return withoutLink(doc, "prev-archive") }

// withoutLink drops an Atom document's link lines of relation rel.
func withoutLink(doc, rel string) string {
	var keep []string
	for _, line := range strings.Split(doc, "\n") {
		if !strings.Contains(line, `rel="`+rel+`"`) {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n")
}
