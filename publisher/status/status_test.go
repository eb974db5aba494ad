package status

import (
	"context"
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wiredesk/wiredesk"
)

type fakeReader struct {
	states map[string]wiredesk.SourceState
	items  []wiredesk.Item
}

func (f fakeReader) SourceStates(context.Context) (map[string]wiredesk.SourceState, error) {
	return f.states, nil
}

func (f fakeReader) RecentItems(_ context.Context, since time.Time) ([]wiredesk.Item, error) {
	var out []wiredesk.Item
	for _, it := range f.items {
		if !it.FirstSeen.Before(since) {
			out = append(out, it)
		}
	}
	return out, nil
}

var now = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

// fixture: interfax publishes hourly and is fine; tass published hourly
// until 10 hours ago (silent); rferl fails with a 503; ap is disabled in
// config; a source with credentials in its URL.
func fixture() *Page {
	var items []wiredesk.Item
	for h := 1; h <= 48; h++ {
		items = append(items, wiredesk.Item{SourceID: "interfax", FirstSeen: now.Add(-time.Duration(h) * time.Hour)})
	}
	for h := 10; h <= 60; h++ {
		items = append(items, wiredesk.Item{SourceID: "tass", FirstSeen: now.Add(-time.Duration(h) * time.Hour)})
	}
	states := map[string]wiredesk.SourceState{
		"interfax": {SourceID: "interfax", State: wiredesk.StateOK, LastStatus: 200, LastSuccess: now.Add(-2 * time.Minute), NextDue: now.Add(3 * time.Minute),
			Encoding: "windows-1251 (detected from the bytes, letters in plausible words: windows-1251 606/610, x-mac-cyrillic 505/602, koi8-r 95/610)"},
		"tass":  {SourceID: "tass", State: wiredesk.StateNotModified, LastStatus: 304, LastSuccess: now.Add(-time.Minute)},
		"rferl": {SourceID: "rferl", State: wiredesk.StateBackoff, LastStatus: 503, Failures: 3, LastError: "GET https://www.rferl.org/feed: 503 Service Unavailable", NextDue: now.Add(40 * time.Minute)},
	}
	sources := []wiredesk.Source{
		{ID: "interfax", Name: "Interfax", URL: "https://www.interfax.ru/rss.asp", Enabled: true},
		{ID: "tass", Name: "TASS", URL: "https://desk:hunter2@tass.example/rss?token=s3cret", Enabled: true},
		{ID: "rferl", Name: "RFE/RL", URL: "https://www.rferl.org/feed", Enabled: true},
		{ID: "ap", Name: "AP", URL: "https://apnews.example/rss", Enabled: false},
	}
	return &Page{
		Reader:  fakeReader{states: states, items: items},
		Sources: func() []wiredesk.Source { return sources },
		Now:     func() time.Time { return now },
		Version: "test",
	}
}

func TestBuild(t *testing.T) {
	v, err := fixture().Build(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]Row{}
	var order []string
	for _, r := range v.Rows {
		byID[r.ID] = r
		order = append(order, r.ID)
	}
	if got, want := strings.Join(order, ","), "rferl,tass,interfax,ap"; got != want {
		t.Errorf("row order = %s; want %s (problems first)", got, want)
	}
	tests := []struct {
		id          string
		last24h     int
		silent      bool
		state       wiredesk.State
		perDayToday int
	}{
		{"interfax", 23, false, wiredesk.StateOK, 23},
		{"tass", 14, true, wiredesk.StateNotModified, 14},
		{"rferl", 0, false, wiredesk.StateBackoff, 0},
		{"ap", 0, false, wiredesk.StateDisabled, 0},
	}
	for _, tt := range tests {
		r := byID[tt.id]
		if r.Last24h != tt.last24h || r.Silent != tt.silent || r.State != tt.state || r.PerDay[Days-1] != tt.perDayToday {
			t.Errorf("%s: last24h=%d silent=%v state=%s today=%d; want %d %v %s %d",
				tt.id, r.Last24h, r.Silent, r.State, r.PerDay[Days-1], tt.last24h, tt.silent, tt.state, tt.perDayToday)
		}
	}
	if got := byID["interfax"].PerDay[Days-2]; got != 24 {
		t.Errorf("interfax yesterday = %d; want 24", got)
	}
	if v.Problems != 2 {
		t.Errorf("Problems = %d; want 2 (rferl backoff, tass silent)", v.Problems)
	}
}

func TestUsualGap(t *testing.T) {
	mk := func(hours ...int) []time.Time {
		var ts []time.Time
		for _, h := range hours {
			ts = append(ts, now.Add(-time.Duration(h)*time.Hour))
		}
		return ts
	}
	tests := []struct {
		name  string
		times []time.Time
		want  time.Duration
	}{
		{"too few", mk(1, 2, 3), 0},
		{"hourly", mk(1, 2, 3, 4, 5), time.Hour},
		{"median ignores one long gap", mk(1, 2, 3, 4, 30), time.Hour},
		{"unsorted input", mk(5, 1, 3, 2, 4), time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := usualGap(tt.times); got != tt.want {
				t.Errorf("usualGap = %v; want %v", got, tt.want)
			}
		})
	}
}

func TestServeHTTPNoSecrets(t *testing.T) {
	rec := httptest.NewRecorder()
	fixture().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/status", nil))
	body := rec.Body.String()
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("status %d, content-type %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	for _, secret := range []string{"hunter2", "s3cret"} {
		if strings.Contains(body, secret) {
			t.Errorf("status page shows secret %q", secret)
		}
	}
	for _, want := range []string{`id="source-rferl"`, `data-silent="true"`, "503 Service Unavailable", "2 need attention", `name="viewport"`,
		"charset windows-1251 (detected from the bytes, letters in plausible words: windows-1251 606/610"} {
		if !strings.Contains(body, want) {
			t.Errorf("status page lacks %q", want)
		}
	}
	if strings.Contains(body, "<script") {
		t.Error("status page must not need JavaScript")
	}
}

// TestChromium loads the page in headless Chromium (Debian's chromium,
// installed by .ci/run), checks the DOM it rendered and saves a phone-sized
// screenshot in a temp folder.
func TestChromium(t *testing.T) {
	bin := chromium()
	if bin == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium not installed; .ci/run installs it")
		}
		t.Skip("chromium not installed (apt-get install chromium)")
	}
	srv := httptest.NewServer(fixture())
	defer srv.Close()
	dir := t.TempDir()
	args := func(extra ...string) []string {
		return append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
			"--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
			"--user-data-dir=" + filepath.Join(dir, "profile")}, extra...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, args("--dump-dom", srv.URL+"/status")...).Output()
	if err != nil {
		t.Fatalf("chromium --dump-dom: %v", err)
	}
	dom := string(out)
	for _, want := range []string{`<tr id="source-rferl" data-state="backoff">`, `data-silent="true"`, `<span class="state st-ok">ok</span>`, "2 need attention"} {
		if !strings.Contains(dom, want) {
			t.Errorf("rendered DOM lacks %q", want)
		}
	}
	shot := filepath.Join(dir, "status-phone.png")
	cmd := exec.CommandContext(ctx, bin, args("--window-size=390,1200", "--screenshot="+shot, srv.URL+"/status")...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium --screenshot: %v\n%s", err, out)
	}
	fi, err := os.Stat(shot)
	if err != nil || fi.Size() < 1000 {
		t.Fatalf("screenshot missing or empty: %v", err)
	}
	t.Logf("screenshot: %s (%d bytes)", shot, fi.Size())
	if keep := os.Getenv("WIREDESK_SCREENSHOT_DIR"); keep != "" {
		data, _ := os.ReadFile(shot)
		_ = os.WriteFile(filepath.Join(keep, "status-phone.png"), data, 0o644)
	}
}

func chromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// A source its wire told 410 Gone at its current URL is not polled again:
// the page says so instead of a next poll time; after the URL changes it
// is polled (and shows its time) again.
func TestGoneSourceHasNoNextPoll(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	src := wiredesk.Source{ID: "gone", Name: "Gone", URL: "https://x.example/rss", Enabled: true}
	st := wiredesk.SourceState{SourceID: "gone", State: wiredesk.StateDisabled, GoneURL: src.URL, LastStatus: 410, NextDue: now.Add(4 * time.Minute)}
	page := func(s wiredesk.Source) *Page {
		return &Page{
			Reader:  fakeReader{states: map[string]wiredesk.SourceState{"gone": st}},
			Sources: func() []wiredesk.Source { return []wiredesk.Source{s} },
			Now:     func() time.Time { return now },
			Version: "test",
		}
	}
	render := func(p *Page) string {
		rec := httptest.NewRecorder()
		p.ServeHTTP(rec, httptest.NewRequest("GET", "/status", nil))
		return rec.Body.String()
	}
	body := render(page(src))
	if !strings.Contains(body, "not polled: 410 Gone") || strings.Contains(body, "in 4m") {
		t.Errorf("gone source: want 'not polled: 410 Gone' and no next time; page:\n%s", body)
	}
	moved := src
	moved.URL = "https://x.example/new"
	if body := render(page(moved)); strings.Contains(body, "410 Gone; change") {
		t.Errorf("source with a new URL still shown as gone")
	}
}

// The page shows times in its configured zone with the offset, and the
// machine's zone when none is configured; machine-readable datetime
// attributes stay UTC.
func TestTimesInConfiguredZone(t *testing.T) {
	almaty := time.FixedZone("ALMT", 5*3600)
	tests := []struct {
		name string
		loc  func() *time.Location
		want []string
	}{
		{"configured", func() *time.Location { return almaty }, []string{
			`datetime="2026-11-27T12:00:00Z">2026-11-27 17:00 ALMT +0500</time>`, // as of
			`title="2026-11-27 16:58 ALMT +0500">2m ago</time>`,                  // interfax last success
			`title="2026-11-27 17:03 ALMT +0500">in 3m</time>`,                   // interfax next due
		}},
		{"machine's zone", nil, []string{
			now.In(time.Local).Format("2006-01-02 15:04 MST -0700") + "</time>",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := fixture()
			p.Location = tt.loc
			rec := httptest.NewRecorder()
			p.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/status", nil))
			body := html.UnescapeString(rec.Body.String()) // html/template writes + as &#43;
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %s", w)
				}
			}
			if tt.loc != nil && strings.Contains(body, " UTC</time>") {
				t.Errorf("page shows UTC times with a zone configured")
			}
		})
	}
}
