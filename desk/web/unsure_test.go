package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wiredesk/wiredesk/desk"
)

// olderStories are stories off the board (older than it reads), which
// the Unsure page lists and the merge handler must find with Show.
func olderStories() []desk.StoryView {
	return []desk.StoryView{
		{ID: "ap/9", Created: t0.Add(-48 * time.Hour), Updated: t0.Add(-48 * time.Hour), Items: []desk.ItemView{
			{ID: "ap/9", Source: "ap", Language: "en", Date: t0.Add(-48 * time.Hour), Title: "Border treaty signed", Story: "ap/9"}}},
		{ID: "afp/1", Created: t0.Add(-24 * time.Hour), Updated: t0.Add(-24 * time.Hour), Items: []desk.ItemView{
			{ID: "afp/1", Source: "afp", Language: "fr", Date: t0.Add(-24 * time.Hour), Title: "Traité frontalier", Story: "afp/1"}}},
	}
}

// testPairs are what the fake's Unsure lists: the board's two stories
// (one with a hostile headline, one whose best item links javascript:),
// and the two older ones.
func testPairs() []desk.UnsureView {
	board, older := testStories(), olderStories()
	return []desk.UnsureView{
		{Story: board[0], Other: board[1], Item: "interfax/2", OtherItem: "rferl/old", Probability: 0.6234, Threshold: 0.7,
			Shared: []string{"выборы / elections", "<казахстан> / kazakh"}, ItemOnly: []string{"досрочные", "<b>"}},
		{Story: older[1], Other: older[0], Item: "afp/1", OtherItem: "ap/9", Probability: 0.31, Threshold: 0.7},
	}
}

var pairRE = regexp.MustCompile(`data-pair="([^"]+)"`)

func TestUnsurePage(t *testing.T) {
	tests := []struct {
		user    string
		query   string
		status  int
		since   time.Duration // want Unsure asked for pairs since now minus this
		floor   float64
		pairs   []string
		buttons bool
	}{
		{user: "vera", status: 200, since: 24 * time.Hour, floor: desk.DefaultUnsureFloor, pairs: []string{"tass/new rferl/old"}},
		{user: "anna", status: 200, since: 24 * time.Hour, floor: desk.DefaultUnsureFloor, pairs: []string{"tass/new rferl/old"}, buttons: true},
		{user: "anna", query: "since=3d&floor=0.3", status: 200, since: 72 * time.Hour, floor: 0.3,
			pairs: []string{"tass/new rferl/old", "afp/1 ap/9"}, buttons: true},
		{user: "vera", query: "since=6h&floor=0.9", status: 200, since: 6 * time.Hour, floor: 0.9},
		{user: "anna", query: "since=1y", status: 400},
		{user: "anna", query: "floor=0", status: 400},
		{user: "anna", query: "floor=-0.5", status: 400},
		{user: "anna", query: "floor=", status: 200, since: 24 * time.Hour, floor: desk.DefaultUnsureFloor,
			pairs: []string{"tass/new rferl/old"}, buttons: true},
		{user: "anna", query: "floor=1.5", status: 400},
		{user: "anna", query: "floor=NaN", status: 400},
	}
	for _, tt := range tests {
		t.Run(tt.user+" "+tt.query, func(t *testing.T) {
			td := newTestDesk(t, false)
			c := td.browser(t)
			td.signIn(t, c, tt.user, tt.user+"-password-1")
			td.desk.forget()
			resp, page := fetch(t, c, "GET", td.srv.URL+"/desk/unsure?"+tt.query, nil)
			if resp.StatusCode != tt.status {
				t.Fatalf("GET /desk/unsure?%s: %s; want %d\n%s", tt.query, resp.Status, tt.status, page)
			}
			queries := td.desk.asked()
			if tt.status != 200 {
				if len(queries) != 0 || !strings.Contains(page, `class="problem"`) {
					t.Errorf("a refused query asked Unsure %v or shows no problem", queries)
				}
				return
			}
			want := desk.UnsureQuery{Since: td.clock.Now().Add(-tt.since), Floor: tt.floor, Limit: unsureLimit}
			if len(queries) != 1 || queries[0] != want {
				t.Errorf("Unsure asked %+v; want %+v", queries, want)
			}
			var got []string
			for _, m := range pairRE.FindAllStringSubmatch(page, -1) {
				got = append(got, m[1])
			}
			if !slices.Equal(got, tt.pairs) {
				t.Errorf("pairs %q; want %q", got, tt.pairs)
			}
			if count := []string{"0 pairs;", "1 pair;", "2 pairs;"}[len(tt.pairs)]; !strings.Contains(page, `id="unsure-status">`+count) {
				t.Errorf("the status line does not say %q:\n%s", count, page)
			}
			for _, form := range []string{`action="/desk/merge"`, `action="/desk/dismiss"`} {
				if n := strings.Count(page, form); tt.buttons && n != len(tt.pairs) || !tt.buttons && n != 0 {
					t.Errorf("%d forms %s for %d pairs; want them only for an editor", n, form, len(tt.pairs))
				}
			}
			if !strings.Contains(page, `href="/desk/unsure"`) {
				t.Error("the navigation does not link the Unsure page")
			}
		})
	}
}

// The page shows each side of a pair (first headline, wires with their
// languages, item count, time) and the closest items, wire text as text.
func TestUnsurePageShowsThePair(t *testing.T) {
	td := newTestDesk(t, false)
	c := td.browser(t)
	td.signIn(t, c, "anna", "anna-password-1")
	_, page := fetch(t, c, "GET", td.srv.URL+"/desk/unsure?since=24h", nil)
	pair := page[strings.Index(page, `data-pair="tass/new rferl/old"`):]
	for _, want := range []string{
		"Probability 0.62",
		"(one story needs 0.70)",
		"<h3>Выборы в Казахстане</h3>",
		"Story tass/new · 2 items · first report",
		`<p class="credit">TASS (ru), Interfax (ru)</p>`,
		"<h3>Kazakh &lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;</h3>",
		"Story rferl/old · 1 item · first report",
		`<p class="credit">RFE/RL (en)</p>`,
		// interfax/2 links javascript:, which is shown as text only.
		"<td>Interfax</td><td>ru</td>\n<td>Казахстан: выборы</td>",
		"<td>RFE/RL</td><td>en</td>\n<td>Kazakh &lt;script&gt;",
		`<input type="hidden" name="back" value="floor=0.5&amp;since=24h">`,
		`<a href="/desk/why?a=interfax%2F2&amp;b=rferl%2Fold">Why these are alike</a>`,
		// The shared words come from wire text: escaped.
		`<p class="shared">In common: выборы / elections, &lt;казахстан&gt; / kazakh</p>`,
		`<p class="shared only">Only Interfax: досрочные, &lt;b&gt; · only RFE/RL: -</p>`,
	} {
		if !strings.Contains(pair, want) {
			t.Errorf("the pair lacks %q:\n%s", want, pair)
		}
	}
	for _, bad := range []string{"<script>", "<img src=x", "javascript:", "<казахстан>"} {
		if strings.Contains(page, bad) {
			t.Errorf("the page contains %q", bad)
		}
	}
	// A pair without shared words says nothing of them.
	_, page = fetch(t, c, "GET", td.srv.URL+"/desk/unsure?since=3d&floor=0.3", nil)
	i := strings.Index(page, `data-pair="afp/1 ap/9"`)
	if i < 0 {
		t.Fatalf("the page of 3 days lacks the pair afp/1 ap/9:\n%s", page)
	}
	if other := page[i:]; strings.Contains(other, "In common") || strings.Contains(other, "Only ") {
		t.Errorf("the pair without shared words has a line of them:\n%s", other)
	}
}

// Two items of one wire need the same-wire margin on top of the
// threshold; the page says how the threshold is made up.
func TestUnsurePageShowsTheSameWireMargin(t *testing.T) {
	td := newTestDesk(t, false)
	tass := func(id string, at time.Duration) desk.StoryView {
		it := desk.ItemView{ID: id, Source: "tass", Language: "ru", Date: t0.Add(at), Title: "Выборы " + id, Story: id}
		return desk.StoryView{ID: id, Created: it.Date, Updated: it.Date, Items: []desk.ItemView{it}}
	}
	td.desk.mu.Lock()
	td.desk.pairs = []desk.UnsureView{{Story: tass("tass/7", time.Hour), Other: tass("tass/5", 0), Item: "tass/7", OtherItem: "tass/5",
		Probability: 0.633, Threshold: 0.95, SameWireMargin: 0.25}}
	td.desk.mu.Unlock()
	c := td.browser(t)
	td.signIn(t, c, "anna", "anna-password-1")
	_, page := fetch(t, c, "GET", td.srv.URL+"/desk/unsure?since=24h", nil)
	if want := "(one story needs 0.95: 0.70 plus 0.25 for two items of one wire)"; !strings.Contains(page, want) {
		t.Errorf("the page lacks %q:\n%s", want, page)
	}
}

func TestUnsureActions(t *testing.T) {
	tests := []struct {
		name     string
		user     string
		path     string
		form     url.Values
		noCSRF   bool
		status   int
		location string
		call     string
	}{
		{name: "dismiss", user: "anna", path: "/desk/dismiss", form: url.Values{"a": {"tass/new"}, "b": {"rferl/old"}, "back": {"since=6h&floor=0.3"}},
			status: 303, location: "/desk/unsure?floor=0.3&since=6h&done=dismiss", call: "dismiss tass/new and rferl/old by anna"},
		{name: "dismiss by an admin", user: "olga", path: "/desk/dismiss", form: url.Values{"a": {"tass/new"}, "b": {"rferl/old"}},
			status: 303, location: "/desk/unsure?floor=0.5&since=24h&done=dismiss", call: "dismiss tass/new and rferl/old by olga"},
		{name: "dismiss goes back to the page only", user: "anna", path: "/desk/dismiss",
			form:   url.Values{"a": {"tass/new"}, "b": {"rferl/old"}, "back": {"since=https://evil.example/&floor=0.3"}},
			status: 303, location: "/desk/unsure?done=dismiss", call: "dismiss tass/new and rferl/old by anna"},
		{name: "dismiss without the CSRF token", user: "anna", path: "/desk/dismiss", form: url.Values{"a": {"tass/new"}, "b": {"rferl/old"}},
			noCSRF: true, status: 403},
		{name: "dismiss by a viewer", user: "vera", path: "/desk/dismiss", form: url.Values{"a": {"tass/new"}, "b": {"rferl/old"}}, status: 403},
		{name: "dismiss needs two", user: "anna", path: "/desk/dismiss", form: url.Values{"a": {"tass/new"}}, status: 400},
		{name: "dismiss needs two different", user: "anna", path: "/desk/dismiss", form: url.Values{"a": {"tass/new"}, "b": {"tass/new"}}, status: 400},
		{name: "dismiss unknown", user: "anna", path: "/desk/dismiss", form: url.Values{"a": {"tass/new"}, "b": {"gone/1"}}, status: 404},
		{name: "merge from the page goes back to it", user: "anna", path: "/desk/merge",
			form:   url.Values{"story": {"tass/new", "rferl/old"}, "page": {"unsure"}, "back": {"since=3d&floor=0.3"}},
			status: 303, location: "/desk/unsure?floor=0.3&since=3d&done=merge", call: "merge tass/new into rferl/old by anna"},
		// Neither story is on the board: Show finds which came first, not
		// the ids' order.
		{name: "merge stories off the board", user: "anna", path: "/desk/merge",
			form:   url.Values{"story": {"afp/1", "ap/9"}, "page": {"unsure"}, "back": {"since=3d&floor=0.3"}},
			status: 303, location: "/desk/unsure?floor=0.3&since=3d&done=merge", call: "merge afp/1 into ap/9 by anna"},
		{name: "merge an unknown story", user: "anna", path: "/desk/merge",
			form: url.Values{"story": {"tass/new", "gone/1"}, "page": {"unsure"}}, status: 404},
		{name: "merge without the CSRF token", user: "anna", path: "/desk/merge",
			form: url.Values{"story": {"tass/new", "rferl/old"}, "page": {"unsure"}}, noCSRF: true, status: 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			td := newTestDesk(t, false)
			c := td.browser(t)
			_, csrf := td.signIn(t, c, tt.user, tt.user+"-password-1")
			if !tt.noCSRF {
				tt.form.Set("csrf", csrf)
			}
			resp, page := fetch(t, c, "POST", td.srv.URL+tt.path, tt.form)
			if resp.StatusCode != tt.status || resp.Header.Get("Location") != tt.location {
				t.Errorf("%s → %s to %q; want %d to %q\n%s", tt.path, resp.Status, resp.Header.Get("Location"), tt.status, tt.location, page)
			}
			calls := td.desk.Calls()
			if tt.call == "" && len(calls) > 0 || tt.call != "" && !slices.Equal(calls, []string{tt.call}) {
				t.Errorf("desk calls %q; want %q", calls, tt.call)
			}
			if tt.status >= 400 && !strings.Contains(page, `class="problem"`) {
				t.Errorf("the refusal is not the desk's error page:\n%s", page)
			}
			if tt.location == "" {
				return
			}
			_, back := fetch(t, c, "GET", td.srv.URL+tt.location, nil)
			if !strings.Contains(back, `<p class="done" role="status">`) {
				t.Errorf("the page redirected to says nothing was done:\n%s", back)
			}
		})
	}
}

// An error from Unsure shows the desk's error page and is logged.
func TestUnsureError(t *testing.T) {
	td := newTestDesk(t, false)
	td.h.opt.Desk = failingUnsure{td.desk}
	c := td.browser(t)
	td.signIn(t, c, "vera", "vera-password-1")
	resp, page := fetch(t, c, "GET", td.srv.URL+"/desk/unsure", nil)
	if resp.StatusCode != http.StatusInternalServerError || !strings.Contains(page, "Could not list the unsure pairs") {
		t.Errorf("Unsure failing: %s\n%s", resp.Status, page)
	}
	if !strings.Contains(td.logs.String(), "index down") {
		t.Errorf("the log lacks the error:\n%s", td.logs.String())
	}
}

type failingUnsure struct{ *fakeDesk }

func (failingUnsure) Unsure(ctx context.Context, q desk.UnsureQuery) ([]desk.UnsureView, error) {
	return nil, errors.New("index down")
}

func TestWhyPage(t *testing.T) {
	tests := []struct {
		query  string
		status int
		want   []string
	}{
		{"a=interfax%2F2&b=rferl%2Fold", 200, []string{
			"Probability 0.62; one story needs 0.70. The items are in two stories.",
			"a  item interfax/2 (interfax, ru), 2026-11-27 09:00Z, in story tass/new\n   Казахстан: выборы",
			"   Kazakh &lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;\n",
			"shared words: kazakh\n\nverdict: two stories",
		}},
		{"a=interfax%2F2&b=gone%2F1", 404, []string{`class="problem"`, "Could not compare interfax/2 and gone/1"}},
		{"a=interfax%2F2", 400, []string{`class="problem"`}},
	}
	td := newTestDesk(t, false)
	c := td.browser(t)
	td.signIn(t, c, "vera", "vera-password-1")
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			resp, page := fetch(t, c, "GET", td.srv.URL+"/desk/why?"+tt.query, nil)
			if resp.StatusCode != tt.status {
				t.Errorf("GET /desk/why?%s: %s; want %d", tt.query, resp.Status, tt.status)
			}
			for _, want := range tt.want {
				if !strings.Contains(page, want) {
					t.Errorf("the page lacks %q:\n%s", want, page)
				}
			}
			if strings.Contains(page, "<script>") {
				t.Error("the page contains <script>")
			}
		})
	}
}

// The board says how many pairs the Unsure page lists by default, and
// links it; editors are told what to do with them. The count is kept for
// unsureCountTTL, whoever loads the board, and the fragment the board
// refreshes with never counts. When the pairs cannot be read the board
// shows without the note.
func TestBoardCountsUnsurePairs(t *testing.T) {
	many := slices.Repeat(testPairs()[:1], unsureLimit+5)
	tests := []struct {
		name  string
		user  string
		pairs []desk.UnsureView
		fail  bool
		want  string // the note's text; "" for no note
	}{
		{"editor", "anna", testPairs(), false, "1 pair of stories of the last day may each be one event: merge or dismiss them."},
		{"viewer", "vera", testPairs(), false, "1 pair of stories of the last day may each be one event."},
		{"none", "anna", nil, false, ""},
		{"at the page's limit", "vera", many, false, "100 or more pairs of stories of the last day may each be one event."},
		{"unreadable", "anna", testPairs(), true, ""},
	}
	noteRE := regexp.MustCompile(`(?s)<p class="meta" id="unsure-note"><a href="/desk/unsure">(.*?)</a>(.*?)</p>`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			td := newTestDesk(t, false)
			td.desk.pairs = tt.pairs
			if tt.fail {
				td.h.opt.Desk = failingUnsure{td.desk}
			}
			c := td.browser(t)
			td.signIn(t, c, tt.user, tt.user+"-password-1") // lands on the board, which counts
			td.desk.forget()
			board := func() string {
				t.Helper()
				resp, page := fetch(t, c, "GET", td.srv.URL+"/desk/", nil)
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("board: %s\n%s", resp.Status, page)
				}
				if m := noteRE.FindStringSubmatch(page); m != nil {
					return m[1] + m[2]
				}
				return ""
			}
			if got := board(); got != tt.want {
				t.Errorf("board note = %q; want %q", got, tt.want)
			}
			if tt.fail {
				if !strings.Contains(td.logs.String(), "index down") {
					t.Errorf("the log lacks the error:\n%s", td.logs.String())
				}
				return
			}
			if q := td.desk.asked(); len(q) != 0 {
				t.Errorf("the board counted again within %s: %+v", unsureCountTTL, q)
			}
			td.clock.Advance(unsureCountTTL)
			if got := board(); got != tt.want {
				t.Errorf("board note after %s = %q; want %q", unsureCountTTL, got, tt.want)
			}
			want := desk.UnsureQuery{Since: td.clock.Now().Add(-24 * time.Hour), Floor: desk.DefaultUnsureFloor, Limit: unsureLimit}
			if q := td.desk.asked(); len(q) != 1 || q[0] != want {
				t.Errorf("after %s the board asked Unsure %+v; want once, %+v", unsureCountTTL, q, want)
			}
			td.clock.Advance(unsureCountTTL)
			fetch(t, c, "GET", td.srv.URL+"/desk/board", nil)
			if q := td.desk.asked(); len(q) != 1 {
				t.Errorf("the board fragment asked Unsure: %+v", q)
			}
		})
	}
}

// An editor's decision makes the board count again on its next load.
func TestBoardRecountsAfterADecision(t *testing.T) {
	for _, tt := range []struct {
		path string
		form url.Values
	}{
		{"/desk/dismiss", url.Values{"a": {"tass/new"}, "b": {"rferl/old"}}},
		{"/desk/merge", url.Values{"story": {"tass/new", "rferl/old"}}},
		{"/desk/split", url.Values{"item": {"interfax/2"}}},
	} {
		t.Run(tt.path, func(t *testing.T) {
			td := newTestDesk(t, false)
			c := td.browser(t)
			_, csrf := td.signIn(t, c, "anna", "anna-password-1")
			tt.form.Set("csrf", csrf)
			resp, page := fetch(t, c, "POST", td.srv.URL+tt.path, tt.form)
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("%s: %s\n%s", tt.path, resp.Status, page)
			}
			td.desk.forget()
			fetch(t, c, "GET", td.srv.URL+"/desk/", nil)
			if q := td.desk.asked(); len(q) != 1 {
				t.Errorf("after %s the board asked Unsure %d times; want once", tt.path, len(q))
			}
		})
	}
}
