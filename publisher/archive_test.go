package publisher

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wiredesk/wiredesk/publisher/render"
)

func TestPlanArchive(t *testing.T) {
	entries := func(ids ...int) []render.Entry {
		var out []render.Entry
		for _, id := range ids {
			out = append(out, render.Entry{ID: fmt.Sprint(id)})
		}
		return out
	}
	ids := func(es []render.Entry) string {
		var s []string
		for _, e := range es {
			s = append(s, e.ID)
		}
		return strings.Join(s, ",")
	}
	// Overflow is newest first: 9 is the newest, 1 the oldest.
	tests := []struct {
		name     string
		overflow []render.Entry
		size     int
		pages    []string
		extra    string
	}{
		{"disabled", entries(3, 2, 1), 0, nil, ""},
		{"nothing", nil, 3, nil, ""},
		{"less than a page", entries(2, 1), 3, nil, "2,1"},
		{"exactly a page", entries(3, 2, 1), 3, []string{"3,2,1"}, ""},
		{"pages and a rest", entries(8, 7, 6, 5, 4, 3, 2, 1), 3, []string{"3,2,1", "6,5,4"}, "8,7"},
		{"pages of one", entries(2, 1), 1, []string{"1", "2"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := planArchive(tt.overflow, tt.size)
			var pages []string
			for _, p := range plan.pages {
				pages = append(pages, ids(p))
			}
			if !slices.Equal(pages, tt.pages) {
				t.Errorf("pages = %q; want %q", pages, tt.pages)
			}
			if got := ids(plan.extra); got != tt.extra {
				t.Errorf("extra = %q; want %q", got, tt.extra)
			}
		})
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
	opt.ArchiveSize = 3
	r := &fakeReader{stories: testStories(11)} // limit 3: k1-k3 live, k4-k11 older
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
	archive := func(n int) string { return fmt.Sprintf("%s/feeds/central-asia/archive/%d.atom", testBase, n) }
	liveURL := testBase + "/feeds/central-asia.atom"

	// Older entries k4…k11 (8): pages of 3 from the oldest are
	// {k11,k10,k9} and {k8,k7,k6}; k5 and k4 stay live.
	live, _ := fetch("/feeds/central-asia.atom")
	if got, want := live.titles(), []string{"1", "2", "3", "4", "5"}; !slices.Equal(got, want) {
		t.Errorf("live Atom entries %v; want %v", got, want)
	}
	if got := live.link("prev-archive"); got != archive(2) {
		t.Errorf("live prev-archive = %q; want %q", got, archive(2))
	}
	if live.Archive != nil {
		t.Errorf("live feed is marked fh:archive")
	}
	rss := body(t, get(t, h, "GET", "/feeds/central-asia.rss"))
	if n := strings.Count(rss, "<item>"); n != 3 {
		t.Errorf("live RSS has %d items; want the limit 3", n)
	}

	for _, tt := range []struct {
		n      int
		titles []string
		prev   string
	}{
		{2, []string{"6", "7", "8"}, archive(1)},
		{1, []string{"9", "10", "11"}, ""},
	} {
		page, resp := fetch(fmt.Sprintf("/feeds/central-asia/archive/%d.atom", tt.n))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("archive %d: status %d", tt.n, resp.StatusCode)
		}
		if got := page.titles(); !slices.Equal(got, tt.titles) {
			t.Errorf("archive %d entries %v; want %v", tt.n, got, tt.titles)
		}
		if got := page.link("prev-archive"); got != tt.prev {
			t.Errorf("archive %d prev-archive = %q; want %q", tt.n, got, tt.prev)
		}
		if got := page.link("current"); got != liveURL {
			t.Errorf("archive %d current = %q; want %q", tt.n, got, liveURL)
		}
		if got := page.link("self"); got != archive(tt.n) {
			t.Errorf("archive %d self = %q; want %q", tt.n, got, archive(tt.n))
		}
		if page.Archive == nil {
			t.Errorf("archive %d lacks fh:archive", tt.n)
		}
		if got := resp.Header.Get("Cache-Control"); !strings.Contains(got, "immutable") {
			t.Errorf("archive %d Cache-Control = %q; want immutable", tt.n, got)
		}
		if got := resp.Header.Get("Content-Type"); got != render.ContentType(render.Atom) {
			t.Errorf("archive %d Content-Type = %q", tt.n, got)
		}
	}
	if _, resp := fetch("/feeds/central-asia/archive/3.atom"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("archive 3: status %d; want 404", resp.StatusCode)
	}

	// A new story pushes k3 out of the live limit; k3, k4 and k5 then fill
	// page 3, and pages 1 and 2 keep their bytes.
	_, p1 := fetch("/feeds/central-asia/archive/1.atom")
	_, p2 := fetch("/feeds/central-asia/archive/2.atom")
	r.add(story("k0", "interfax", "Kazakhstan story 0", 30*time.Minute))
	clk.Advance(time.Hour)
	if _, err := p.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	page3, resp := fetch("/feeds/central-asia/archive/3.atom")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("archive 3 after a new story: status %d", resp.StatusCode)
	}
	if got, want := page3.titles(), []string{"3", "4", "5"}; !slices.Equal(got, want) {
		t.Errorf("archive 3 entries %v; want %v", got, want)
	}
	for n, before := range map[int]*http.Response{1: p1, 2: p2} {
		_, after := fetch(fmt.Sprintf("/feeds/central-asia/archive/%d.atom", n))
		if after.Header.Get("Etag") != before.Header.Get("Etag") || after.Header.Get("Last-Modified") != before.Header.Get("Last-Modified") {
			t.Errorf("archive %d changed after a new story", n)
		}
	}
	live, _ = fetch("/feeds/central-asia.atom")
	if got, want := live.titles(), []string{"0", "1", "2"}; !slices.Equal(got, want) {
		t.Errorf("live Atom entries %v; want %v", got, want)
	}
	if got := live.link("prev-archive"); got != archive(3) {
		t.Errorf("live prev-archive = %q; want %q", got, archive(3))
	}
}
