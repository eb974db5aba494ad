package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/wiredesk/wiredesk"
)

// fakeConfig is a ConfigEditor with a revision, wire text that is
// hostile, and a record of the saves.
type fakeConfig struct {
	mu     sync.Mutex
	rev    int
	saves  []ConfigChange
	probes int // test fetches and previews
}

// Probes returns how many test fetches and previews were asked for.
func (f *fakeConfig) Probes() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.probes
}

func (f *fakeConfig) Sources(context.Context) ([]SourceHealth, int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return []SourceHealth{{ID: "tass", Name: "TASS " + hostile, URL: "https://tass.example/rss", Enabled: true, State: "ok", LastError: hostile}}, f.rev, nil
}

func (f *fakeConfig) FeedList(context.Context) ([]FeedEntry, int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return []FeedEntry{{Slug: "central-asia", Title: "Central " + hostile}}, f.rev, nil
}

func (f *fakeConfig) Table(_ context.Context, kind, key string) (TableEdit, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if key == "nope" {
		return TableEdit{}, fmt.Errorf("%s %q: %w", kind, key, wiredesk.ErrNotFound)
	}
	return TableEdit{Kind: kind, Key: key, Text: "id = \"" + key + "\"\nname = \"" + hostile + "\"\n", Revision: f.rev, Enabled: true}, nil
}

func (f *fakeConfig) Save(_ context.Context, ch ConfigChange) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if ch.Revision != f.rev {
		return fmt.Errorf("%w (revision %d, saved by anna)", ErrStale, f.rev)
	}
	if strings.Contains(ch.Table, "hunter2") {
		return &Problems{{Key: "password", Msg: "write it as a ${VAR} reference (value not shown)"}}
	}
	f.rev++
	f.saves = append(f.saves, ch)
	return nil
}

func (f *fakeConfig) Saves() []ConfigChange {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]ConfigChange(nil), f.saves...)
}

func (f *fakeConfig) TestFetch(context.Context, string, string) (FetchReport, error) {
	f.mu.Lock()
	f.probes++
	f.mu.Unlock()
	return FetchReport{URL: "https://kabar.example/rss", Title: "Kabar " + hostile, Charset: "windows-1251", CharsetReason: "detected: reads as words",
		HTTPStatus: 200, Items: []FetchItem{{ID: "kabar/1", Title: "Item " + hostile}}}, nil
}

func (f *fakeConfig) PreviewFeed(_ context.Context, _, table string) ([]FeedDecision, error) {
	f.mu.Lock()
	f.probes++
	f.mu.Unlock()
	return []FeedDecision{
		{StoryID: "a", Title: "In " + hostile, Picked: true},
		{StoryID: "b", Title: "Out " + hostile, Reason: "excluded by 'Rogun'"},
	}, nil
}

// TestConfigPagesRoles: viewers see the sources and feeds, without edit
// controls; only admins open the editors or change anything.
func TestConfigPagesRoles(t *testing.T) {
	td := newTestDesk(t, false)
	for _, who := range []struct {
		name  string
		admin bool
	}{{"vera", false}, {"anna", false}, {"olga", true}} {
		c := td.browser(t)
		_, csrf := td.signIn(t, c, who.name, who.name+"-password-1")
		for _, page := range []string{"/desk/sources", "/desk/feeds"} {
			resp, body := fetch(t, c, "GET", td.srv.URL+page, nil)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s GET %s: %s", who.name, page, resp.Status)
			}
			if strings.Contains(body, "<script>alert(1)") || !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
				t.Errorf("%s: the hostile text is not escaped on %s", who.name, page)
			}
			if got := strings.Contains(body, "/desk/source?id=tass") || strings.Contains(body, "/desk/feed-rules?slug="); got != who.admin {
				t.Errorf("%s on %s: edit links shown %v; want %v", who.name, page, got, who.admin)
			}
		}
		resp, _ := fetch(t, c, "GET", td.srv.URL+"/desk/source?id=tass", nil)
		if want := map[bool]int{true: 200, false: 403}[who.admin]; resp.StatusCode != want {
			t.Errorf("%s opens the source editor: %s; want %d", who.name, resp.Status, want)
		}
		before := len(td.config.Saves())
		resp, _ = fetch(t, c, "POST", td.srv.URL+"/desk/source/disable", url.Values{"csrf": {csrf}, "key": {"tass"}, "revision": {fmt.Sprint(td.config.rev)}})
		if !who.admin && (resp.StatusCode != http.StatusForbidden || len(td.config.Saves()) != before) {
			t.Errorf("%s disables a source: %s, saves %d→%d; want 403 and nothing saved", who.name, resp.Status, before, len(td.config.Saves()))
		}
		if who.admin && resp.StatusCode != http.StatusSeeOther {
			t.Errorf("admin disables a source: %s; want 303", resp.Status)
		}
	}
	// Without the CSRF token even an admin changes nothing.
	c := td.browser(t)
	td.signIn(t, c, "olga", "olga-password-1")
	before := len(td.config.Saves())
	resp, _ := fetch(t, c, "POST", td.srv.URL+"/desk/feed-rules/delete", url.Values{"key": {"central-asia"}, "revision": {fmt.Sprint(td.config.rev)}})
	if resp.StatusCode != http.StatusForbidden || len(td.config.Saves()) != before {
		t.Errorf("a CSRF-less delete: %s; want 403 and nothing saved", resp.Status)
	}
}

// TestConfigSaveConflictAndProblems: the second of two editors saving over
// the same revision is told and keeps their text; a refused table shows
// its problems by key.
func TestConfigSaveConflictAndProblems(t *testing.T) {
	td := newTestDesk(t, false)
	c := td.browser(t)
	_, csrf := td.signIn(t, c, "olga", "olga-password-1")
	form := func(table string, rev int) url.Values {
		return url.Values{"csrf": {csrf}, "key": {"central-asia"}, "table": {table}, "revision": {fmt.Sprint(rev)}}
	}
	if resp, _ := fetch(t, c, "POST", td.srv.URL+"/desk/feed-rules/save", form(`slug = "central-asia"`, 0)); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("first save: %s", resp.Status)
	}
	resp, body := fetch(t, c, "POST", td.srv.URL+"/desk/feed-rules/save", form("slug = \"central-asia\"\n# my second edit", 0))
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "Not saved") || !strings.Contains(body, "saved by anna") || !strings.Contains(body, "# my second edit") {
		t.Errorf("a save over a stale revision: %s\n%s\nwant 409 saying so, with the editor's text kept", resp.Status, body)
	}
	if n := len(td.config.Saves()); n != 1 {
		t.Errorf("%d saves; want 1", n)
	}
	resp, body = fetch(t, c, "POST", td.srv.URL+"/desk/source/save", url.Values{"csrf": {csrf}, "key": {"tass"}, "table": {`password = "hunter2"`}, "revision": {"1"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="problems"`) || !strings.Contains(body, "<code>password</code>") {
		t.Errorf("a refused table: %s\n%s\nwant 422 with the problem by key", resp.Status, body)
	}
}

// TestConfigTestFetchAndPreview: the test fetch and the rules preview show
// wire text as text.
func TestConfigTestFetchAndPreview(t *testing.T) {
	td := newTestDesk(t, false)
	c := td.browser(t)
	_, csrf := td.signIn(t, c, "olga", "olga-password-1")
	_, body := fetch(t, c, "POST", td.srv.URL+"/desk/source/test", url.Values{"csrf": {csrf}, "table": {`id = "kabar"`}})
	for _, want := range []string{`id="fetch-report"`, "windows-1251", "detected: reads as words", "Item &lt;script&gt;"} {
		if !strings.Contains(body, want) {
			t.Errorf("the test fetch page lacks %q", want)
		}
	}
	_, body = fetch(t, c, "POST", td.srv.URL+"/desk/feed-rules/preview", url.Values{"csrf": {csrf}, "key": {"central-asia"}, "table": {`slug = "central-asia"`}})
	for _, want := range []string{`id="preview-in"`, "In &lt;script&gt;", "excluded by &#39;Rogun&#39;", "Out &lt;script&gt;"} {
		if !strings.Contains(body, want) {
			t.Errorf("the preview page lacks %q", want)
		}
	}
	for _, page := range []string{"/desk/source/test", "/desk/feed-rules/preview"} {
		if _, body := fetch(t, c, "POST", td.srv.URL+page, url.Values{"csrf": {csrf}, "table": {`x = 1`}}); strings.Contains(body, "<script>alert(1)") {
			t.Errorf("%s runs the hostile text", page)
		}
	}
}
