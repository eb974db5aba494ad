package publisher

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wiredesk/wiredesk"
)

const testBase = "http://wire.example"

// fakeReader is an in-memory Reader whose stories a test can change.
type fakeReader struct {
	mu      sync.Mutex
	stories []wiredesk.Story
	err     error
	calls   int
	links   map[string]string // SourceLinks
}

func (f *fakeReader) SourceLinks(context.Context) (map[string]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.links, nil
}

func (f *fakeReader) RecentStories(ctx context.Context, since time.Time) ([]wiredesk.Story, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.err != nil {
		return nil, f.err
	}
	var out []wiredesk.Story
	for _, st := range f.stories {
		if !storyDate(st).Before(since) {
			out = append(out, st)
		}
	}
	return out, nil
}

func (f *fakeReader) add(sts ...wiredesk.Story) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stories = append(f.stories, sts...)
}

// clock is a settable Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func testFeeds() []wiredesk.Feed {
	return []wiredesk.Feed{
		{Slug: "central-asia", Title: "Central Asia wire", Description: "Kazakhstan & friends",
			Sources: []string{"interfax", "tass"}, Include: []string{"Kazakh*"}, Exclude: []string{"sport"},
			Limit: 3, Cluster: true},
		{Slug: "everything", Title: "Everything", Description: "All the wires", Cluster: true},
	}
}

func testOptions(clk *clock) Options {
	var srcs []wiredesk.Source
	for _, id := range []string{"interfax", "tass", "rferl"} {
		src := testSources()[id]
		src.URL = "https://" + id + ".example/rss"
		srcs = append(srcs, src)
	}
	return Options{
		BaseURL:   testBase + "/",
		Generator: "wiredesk test",
		Title:     "Test desk",
		Sources:   srcs,
		Feeds:     testFeeds(),
		Now:       clk.Now,
		HubRetry:  time.Millisecond,
	}
}

// testStories returns n stories from interfax about Kazakhstan, one an hour
// back from curateNow, with ids k1 (newest) … kn.
func testStories(n int) []wiredesk.Story {
	var out []wiredesk.Story
	for i := 1; i <= n; i++ {
		out = append(out, story(fmt.Sprintf("k%d", i), "interfax", fmt.Sprintf("Kazakhstan story %d", i), time.Duration(i)*time.Hour))
	}
	return out
}

// newTestPublisher returns a refreshed Publisher over n Kazakhstan stories
// and one sport and one RFE/RL story.
func newTestPublisher(t *testing.T, n int) (*Publisher, *fakeReader, *clock) {
	t.Helper()
	clk := &clock{t: curateNow}
	r := &fakeReader{stories: testStories(n)}
	r.add(story("sp", "tass", "Kazakhstan sport", 30*time.Minute),
		story("rf", "rferl", "Radio story", 90*time.Minute))
	p := New(r, testOptions(clk))
	t.Cleanup(func() { p.Close() })
	if _, err := p.Refresh(context.Background()); err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	return p, r, clk
}

// get serves one request and returns the recorded response.
func get(t *testing.T, h http.Handler, method, path string, header ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return string(b)
}

func TestRefreshReportsChangesAndKeepsValidators(t *testing.T) {
	clk := &clock{t: curateNow}
	r := &fakeReader{stories: testStories(2)}
	p := New(r, testOptions(clk))
	defer p.Close()
	ctx := context.Background()

	changed, err := p.Refresh(ctx)
	if err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	if want := []string{"central-asia", "everything"}; !slices.Equal(changed, want) {
		t.Errorf("first Refresh changed %v; want %v", changed, want)
	}
	h := p.Handler()
	before := map[string]*http.Response{}
	for _, path := range []string{"/feeds/central-asia.rss", "/feeds/everything.atom", "/feeds.opml", "/"} {
		before[path] = get(t, h, "GET", path)
	}

	clk.Advance(time.Hour)
	changed, err = p.Refresh(ctx)
	if err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	if len(changed) != 0 {
		t.Errorf("Refresh without new stories changed %v; want none", changed)
	}
	for path, b := range before {
		a := get(t, h, "GET", path)
		for _, k := range []string{"Etag", "Last-Modified"} {
			if a.Header.Get(k) != b.Header.Get(k) {
				t.Errorf("%s: %s = %q after an idle Refresh; want %q", path, k, a.Header.Get(k), b.Header.Get(k))
			}
		}
	}

	// A radio story reaches only the feed of everything.
	r.add(story("rf", "rferl", "Radio story", 10*time.Minute))
	clk.Advance(time.Hour)
	changed, err = p.Refresh(ctx)
	if err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	if want := []string{"everything"}; !slices.Equal(changed, want) {
		t.Errorf("Refresh after a radio story changed %v; want %v", changed, want)
	}
	if a, b := get(t, h, "GET", "/feeds/central-asia.rss"), before["/feeds/central-asia.rss"]; a.Header.Get("Etag") != b.Header.Get("Etag") {
		t.Errorf("central-asia ETag changed to %q; want %q kept", a.Header.Get("Etag"), b.Header.Get("Etag"))
	}
	a, b := get(t, h, "GET", "/feeds/everything.atom"), before["/feeds/everything.atom"]
	if a.Header.Get("Etag") == b.Header.Get("Etag") {
		t.Errorf("everything.atom ETag stayed %q after a new story", a.Header.Get("Etag"))
	}
	if got, want := a.Header.Get("Last-Modified"), clk.Now().Format(http.TimeFormat); got != want {
		t.Errorf("everything.atom Last-Modified = %q; want %q", got, want)
	}
	if !strings.Contains(body(t, a), "Radio story") {
		t.Errorf("everything.atom lacks the new story")
	}
}

func TestRefreshReadError(t *testing.T) {
	p, r, _ := newTestPublisher(t, 2)
	r.err = errors.New("disk on fire")
	_, err := p.Refresh(context.Background())
	if err == nil || !strings.Contains(err.Error(), "read stories: disk on fire") {
		t.Errorf("Refresh error = %v; want it to wrap the read error", err)
	}
	if resp := get(t, p.Handler(), "GET", "/feeds/central-asia.rss"); resp.StatusCode != http.StatusOK {
		t.Errorf("after a failed Refresh the old feed answers %d; want 200", resp.StatusCode)
	}
}

func TestRefreshBadRulesKeepsOtherFeeds(t *testing.T) {
	clk := &clock{t: curateNow}
	opt := testOptions(clk)
	opt.Feeds = append(opt.Feeds, wiredesk.Feed{Slug: "broken", Include: []string{"/(/"}, Cluster: true})
	p := New(&fakeReader{stories: testStories(1)}, opt)
	defer p.Close()
	changed, err := p.Refresh(context.Background())
	if err == nil || !strings.Contains(err.Error(), "feed broken: include") {
		t.Errorf("Refresh error = %v; want the broken feed's compile error", err)
	}
	if want := []string{"central-asia", "everything"}; !slices.Equal(changed, want) {
		t.Errorf("changed = %v; want %v", changed, want)
	}
	if resp := get(t, p.Handler(), "GET", "/feeds/broken.rss"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("broken feed answers %d; want 404", resp.StatusCode)
	}
}

func TestReconfigure(t *testing.T) {
	p, _, clk := newTestPublisher(t, 2)
	opt := testOptions(clk)
	opt.Feeds = append(opt.Feeds, wiredesk.Feed{Slug: "radio", Title: "Radio", Sources: []string{"rferl"}, Cluster: true})
	p.Reconfigure(opt)
	h := p.Handler()
	if resp := get(t, h, "GET", "/feeds/radio.rss"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("new feed answers %d before Refresh; want 404", resp.StatusCode)
	}
	changed, err := p.Refresh(context.Background())
	if err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	if want := []string{"radio"}; !slices.Equal(changed, want) {
		t.Errorf("changed = %v; want %v", changed, want)
	}
	resp := get(t, h, "GET", "/feeds/radio.rss")
	if b := body(t, resp); resp.StatusCode != http.StatusOK || !strings.Contains(b, "Radio story") {
		t.Errorf("radio feed answers %d without the radio story", resp.StatusCode)
	}
}

func TestPreview(t *testing.T) {
	p, _, _ := newTestPublisher(t, 5)
	ctx := context.Background()
	if _, err := p.Preview(ctx, "nope", time.Time{}); !errors.Is(err, wiredesk.ErrNotFound) {
		t.Errorf("Preview of an unknown feed: %v; want ErrNotFound", err)
	}
	ds, err := p.Preview(ctx, "central-asia", time.Time{})
	if err != nil {
		t.Fatalf("Preview: %v", err)
	}
	got := map[string]string{}
	for _, d := range ds {
		got[d.Story.ID] = d.Reason
	}
	want := map[string]string{"k1": "", "k2": "", "k3": "", "k4": "beyond limit 3", "k5": "beyond limit 3",
		"sp": "excluded by 'sport'", "rf": "source rferl not in feed"}
	for id, w := range want {
		if g, ok := got[id]; !ok || g != w {
			t.Errorf("story %s: reason %q; want %q", id, g, w)
		}
	}
	ds, err = p.Preview(ctx, "central-asia", curateNow.Add(-150*time.Minute))
	if err != nil {
		t.Fatalf("Preview: %v", err)
	}
	if len(ds) != 4 { // k1, k2, sp, rf
		t.Errorf("Preview since 2h30m ago judged %d stories; want 4", len(ds))
	}
}

// TestRefreshNamesLanguagesInFeedLanguage renders one story of English and
// Russian wires, with an editor's decision, into a Russian feed and an
// English one: the also links name the languages in each feed's language
// (the English feed's taken from its first source), and the decision is in
// every format: in full in JSON Feed, as a category in RSS and Atom, and as
// wd:decision there too only with Options.DecisionElements.
func TestRefreshNamesLanguagesInFeedLanguage(t *testing.T) {
	clk := &clock{t: curateNow}
	st := story("s1", "rferl", "Kazakhstan border deal", time.Hour, withLanguage("en"))
	ru := story("x", "interfax", "Казахстан и Киргизия", 50*time.Minute)
	ru.Items[0].Link = "https://interfax.example/1"
	ru.Items[0].StoryID = "s1"
	st.Items = append(st.Items, ru.Items[0])
	st.Decisions = []wiredesk.StoryDecision{{Kind: wiredesk.DecisionMerge, From: "interfax/x", To: "s1", At: curateNow, By: "anna"}}
	opt := testOptions(clk)
	opt.Feeds = []wiredesk.Feed{
		{Slug: "ru", Language: "ru", Also: "Также:", Cluster: true},
		{Slug: "en", Sources: []string{"rferl"}, Cluster: true},
	}
	p := New(&fakeReader{stories: []wiredesk.Story{st}}, opt)
	t.Cleanup(func() { p.Close() })
	if _, err := p.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	h := p.Handler()
	for _, tt := range []struct{ path, want string }{
		{"/feeds/ru.json", `Также: <a href=\"https://interfax.example/1\">Interfax</a> (рус.)</p>`},
		{"/feeds/en.json", `Also: <a href=\"https://interfax.example/1\">Interfax</a> (Russian)</p>`},
		{"/feeds/en.json", `With reporting by RFE/RL and Interfax`},
		{"/feeds/en.json", `"decisions": [`},
		{"/feeds/en.json", `"from": "tag:wire.example,2026:story/interfax/x"`},
		{"/feeds/en.rss", `<category domain="https://github.com/wiredesk/wiredesk/ns/1.0/decision">merge</category>`},
		{"/feeds/en.atom", `hreflang="ru" title="Interfax"`},
		{"/feeds/en.atom", `<category term="merge" scheme="https://github.com/wiredesk/wiredesk/ns/1.0/decision"`},
	} {
		if b := body(t, get(t, h, http.MethodGet, tt.path)); !strings.Contains(b, tt.want) {
			t.Errorf("%s lacks %q:\n%s", tt.path, tt.want, b)
		}
	}
	for _, path := range []string{"/feeds/en.rss", "/feeds/en.atom"} {
		if b := body(t, get(t, h, http.MethodGet, path)); strings.Contains(b, "wd:decision") || strings.Contains(b, "anna") {
			t.Errorf("%s publishes wd:decision or the editor's name without decision_elements:\n%s", path, b)
		}
	}

	opt.DecisionElements = true
	p2 := New(&fakeReader{stories: []wiredesk.Story{st}}, opt)
	t.Cleanup(func() { p2.Close() })
	if _, err := p2.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ path, want string }{
		{"/feeds/en.rss", `<wd:decision kind="merge" from="tag:wire.example,2026:story/interfax/x" to="tag:wire.example,2026:story/s1"`},
		{"/feeds/en.atom", `<wd:decision kind="merge"`},
	} {
		if b := body(t, get(t, p2.Handler(), http.MethodGet, tt.path)); !strings.Contains(b, tt.want) {
			t.Errorf("with DecisionElements, %s lacks %q:\n%s", tt.path, tt.want, b)
		}
	}
}
