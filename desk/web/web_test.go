package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wiredesk/wiredesk"
	"github.com/wiredesk/wiredesk/desk"
)

var t0 = time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)

// memStore keeps users, sessions and the audit log in memory.
type memStore struct {
	mu      sync.Mutex
	lookups int // calls of User
	// entered and gate, when set, hold every call of User: it says so on
	// entered, then waits for gate to close.
	entered  chan<- struct{}
	gate     <-chan struct{}
	users    map[string]wiredesk.User
	sessions map[string]wiredesk.Session
	audit    []wiredesk.AuditEntry
}

func (m *memStore) AddUser(_ context.Context, u wiredesk.User) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.users[u.Name]; ok {
		return desk.ErrUserExists
	}
	m.users[u.Name] = u
	return nil
}
func (m *memStore) UpdateUser(_ context.Context, u wiredesk.User) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.users[u.Name] = u
	return nil
}
func (m *memStore) User(_ context.Context, name string) (wiredesk.User, error) {
	m.mu.Lock()
	entered, gate := m.entered, m.gate
	m.mu.Unlock()
	if gate != nil {
		entered <- struct{}{}
		<-gate
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lookups++
	u, ok := m.users[name]
	if !ok {
		return u, wiredesk.ErrNotFound
	}
	return u, nil
}
func (m *memStore) Users(context.Context) ([]wiredesk.User, error) { return nil, nil }
func (m *memStore) RemoveUser(_ context.Context, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.users, name)
	return nil
}
func (m *memStore) AppendAudit(_ context.Context, e wiredesk.AuditEntry) (uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e.Seq = uint64(len(m.audit) + 1)
	m.audit = append(m.audit, e)
	return e.Seq, nil
}
func (m *memStore) Audit(context.Context, int, uint64) ([]wiredesk.AuditEntry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := slices.Clone(m.audit)
	slices.Reverse(out)
	return out, nil
}
func (m *memStore) PutSession(_ context.Context, s wiredesk.Session, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sessions[s.Key] = s
	return nil
}
func (m *memStore) Session(_ context.Context, key string) (wiredesk.Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[key]
	if !ok {
		return s, wiredesk.ErrNotFound
	}
	return s, nil
}
func (m *memStore) DeleteSession(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.sessions, key)
	return nil
}

// fakeDesk serves fixed stories and records the actions asked of it.
type fakeDesk struct {
	mu      sync.Mutex
	stories []desk.StoryView
	older   []desk.StoryView // found by Show only, as if off the board
	pairs   []desk.UnsureView
	queries []desk.UnsureQuery // asked of Unsure
	calls   []string
}

func (f *fakeDesk) Show(_ context.Context, id string) (desk.StoryView, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, v := range slices.Concat(f.stories, f.older) {
		if v.ID == id {
			return v, nil
		}
	}
	return desk.StoryView{}, wiredesk.ErrNotFound
}

// Why finds the two items in the stories and explains them with a fixed
// evidence text.
func (f *fakeDesk) Why(_ context.Context, a, b string) (desk.WhyView, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v := desk.WhyView{Probability: 0.6234, Threshold: 0.7, Evidence: "shared words: kazakh", Verdict: "two stories"}
	for _, st := range slices.Concat(f.stories, f.older) {
		for _, it := range st.Items {
			switch it.ID {
			case a:
				v.A = it
			case b:
				v.B = it
			}
		}
	}
	if v.A.ID == "" || v.B.ID == "" {
		return desk.WhyView{}, fmt.Errorf("item %s or %s: %w", a, b, wiredesk.ErrNotFound)
	}
	return v, nil
}

// Unsure returns the pairs at or above the query's floor.
func (f *fakeDesk) Unsure(_ context.Context, q desk.UnsureQuery) ([]desk.UnsureView, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queries = append(f.queries, q)
	var out []desk.UnsureView
	for _, p := range f.pairs {
		if p.Probability >= q.Floor && (q.Limit <= 0 || len(out) < q.Limit) {
			out = append(out, p)
		}
	}
	return out, nil
}

// forget clears the queries asked of Unsure so far (signing in lands on
// the board, which asks one).
func (f *fakeDesk) forget() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queries = nil
}

// asked returns the queries asked of Unsure since forget.
func (f *fakeDesk) asked() []desk.UnsureQuery {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.queries)
}

func (f *fakeDesk) Dismiss(ctx context.Context, a, b, by string) error {
	for _, id := range []string{a, b} {
		if _, err := f.Show(ctx, id); err != nil {
			return err
		}
	}
	f.record("dismiss " + a + " and " + b + " by " + by)
	return nil
}

func (f *fakeDesk) List(context.Context, desk.ListQuery) ([]desk.StoryView, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.stories), nil
}
func (f *fakeDesk) record(s string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, s)
}
func (f *fakeDesk) Merge(_ context.Context, into, from, by string) (desk.StoryView, error) {
	if into == from {
		return desk.StoryView{}, wiredesk.ErrRefused
	}
	f.record("merge " + from + " into " + into + " by " + by)
	return desk.StoryView{ID: into}, nil
}
func (f *fakeDesk) Split(_ context.Context, item, by string) (desk.StoryView, error) {
	if item == "missing" {
		return desk.StoryView{}, wiredesk.ErrNotFound
	}
	f.record("split " + item + " by " + by)
	return desk.StoryView{}, nil
}
func (f *fakeDesk) Mark(_ context.Context, id string, ch desk.MarkChange, by string) (wiredesk.StoryMarks, error) {
	s := "mark " + id + " " + string(ch.Action) + " feed=" + ch.Feed + " by " + by
	if !ch.Until.IsZero() {
		s += " until " + ch.Until.Format(time.RFC3339)
	}
	f.record(s)
	return wiredesk.StoryMarks{}, nil
}
func (f *fakeDesk) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

const hostile = `<script>alert(1)</script><img src=x onerror=alert(2)>`

func testStories() []desk.StoryView {
	return []desk.StoryView{
		{ID: "tass/new", Created: t0.Add(time.Hour), Updated: t0.Add(time.Hour), Items: []desk.ItemView{
			{ID: "tass/new", Source: "tass", Language: "ru", Date: t0.Add(time.Hour), Title: "Выборы в Казахстане", Link: "https://tass.example/1", Story: "tass/new"},
			{ID: "interfax/2", Source: "interfax", Language: "ru", Date: t0.Add(time.Hour), Title: "Казахстан: выборы", Link: "javascript:alert(3)", Story: "tass/new"},
		}},
		{ID: "rferl/old", Created: t0, Updated: t0, Items: []desk.ItemView{
			{ID: "rferl/old", Source: "rferl", Language: "en", Date: t0, Title: "Kazakh " + hostile, Story: "rferl/old"},
		}},
	}
}

type testDesk struct {
	h      *Handler
	srv    *httptest.Server
	store  *memStore
	desk   *fakeDesk
	config *fakeConfig
	clock  *clock
	logs   *lockedBuffer
}

// lockedBuffer collects the handler's log lines.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var cheap = desk.HashParams{Time: 1, MemoryKiB: 64, Threads: 1}

func newTestDesk(t *testing.T, secure bool) *testDesk {
	t.Helper()
	td := &testDesk{store: &memStore{users: map[string]wiredesk.User{}, sessions: map[string]wiredesk.Session{}},
		desk: &fakeDesk{stories: testStories(), older: olderStories(), pairs: testPairs()}, config: &fakeConfig{}, clock: &clock{t: t0.Add(2 * time.Hour)}, logs: &lockedBuffer{}}
	users := &desk.Users{Store: td.store, Hash: cheap, Now: td.clock.Now}
	ctx := context.Background()
	for _, u := range []struct {
		name string
		role wiredesk.Role
	}{{"anna", wiredesk.RoleEditor}, {"vera", wiredesk.RoleViewer}, {"olga", wiredesk.RoleAdmin}} {
		if err := users.Add(ctx, u.name, u.role, u.name+"-password-1", "test"); err != nil {
			t.Fatal(err)
		}
	}
	h := New(Options{
		Desk: td.desk, Users: users, Sessions: td.store,
		Feeds: func() []string { return []string{"central-asia", "russia"} },
		Preview: func(_ context.Context, slug string) ([]FeedDecision, error) {
			switch slug {
			case "russia": // a feed of items: it publishes one item of tass/new
				return []FeedDecision{
					{StoryID: "interfax/2", Title: "Казахстан: выборы", Sources: []string{"interfax"}, Date: t0, Picked: true},
					{StoryID: "rferl/old", Title: "Kazakh " + hostile, Sources: []string{"rferl"}, Date: t0, Reason: "language en not in [ru]"},
				}, nil
			case "central-asia":
				return []FeedDecision{{StoryID: "rferl/old", Title: "Kazakh " + hostile, Sources: []string{"rferl"}, Date: t0, Picked: true}}, nil
			}
			return nil, wiredesk.ErrNotFound
		},
		SourceName: func(id string) string {
			return map[string]string{"tass": "TASS", "interfax": "Interfax", "rferl": "RFE/RL", "ap": "AP", "afp": "AFP"}[id]
		},
		Config:        td.config,
		SecureCookies: secure,
		Now:           td.clock.Now,
		Log:           slog.New(slog.NewTextHandler(td.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	td.h = h
	td.srv = httptest.NewServer(h)
	t.Cleanup(td.srv.Close)
	return td
}

// browser is a client with a cookie jar that does not follow redirects.
func (td *testDesk) browser(t *testing.T) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func fetch(t *testing.T, c *http.Client, method, url string, form url.Values, header ...string) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// signIn signs c in as name and returns the session's CSRF token.
func (td *testDesk) signIn(t *testing.T, c *http.Client, name, password string) (*http.Response, string) {
	t.Helper()
	_, page := fetch(t, c, "GET", td.srv.URL+"/desk/login", nil)
	m := csrfRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("sign-in page has no token:\n%s", page)
	}
	resp, _ := fetch(t, c, "POST", td.srv.URL+"/desk/login", url.Values{"csrf": {m[1]}, "name": {name}, "password": {password}})
	if resp.StatusCode != http.StatusSeeOther {
		return resp, ""
	}
	_, board := fetch(t, c, "GET", td.srv.URL+"/desk/", nil)
	m = csrfRE.FindStringSubmatch(board)
	if m == nil {
		t.Fatalf("board has no CSRF token:\n%s", board)
	}
	return resp, m[1]
}

func TestSignInAndCookieFlags(t *testing.T) {
	for _, secure := range []bool{false, true} {
		td := newTestDesk(t, secure)
		c := td.browser(t)
		resp, _ := fetch(t, c, "GET", td.srv.URL+"/desk/", nil)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/desk/login" {
			t.Fatalf("board without sign-in: %s to %q; want 303 to /desk/login", resp.Status, resp.Header.Get("Location"))
		}
		if resp, _ := td.signIn(t, c, "anna", "wrong-password-1"); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("wrong password: %s; want 401", resp.Status)
		}
		resp, csrf := td.signIn(t, c, "anna", "anna-password-1")
		if resp.StatusCode != http.StatusSeeOther || csrf == "" {
			t.Fatalf("sign-in: %s", resp.Status)
		}
		var session *http.Cookie
		for _, ck := range resp.Cookies() {
			if ck.Name == sessionCookie {
				session = ck
			}
		}
		if session == nil {
			t.Fatal("no session cookie")
		}
		if !session.HttpOnly || session.SameSite != http.SameSiteStrictMode || session.Path != "/desk/" || session.Secure != secure {
			t.Errorf("session cookie %+v; want HttpOnly, SameSite=Strict, Path=/desk/, Secure=%v", session, secure)
		}
		if _, ok := td.store.sessions[session.Value]; ok {
			t.Error("the session store holds the cookie's token itself; want its hash")
		}
		// Signing out ends the session on the server, not just in the browser.
		if resp, _ := fetch(t, c, "POST", td.srv.URL+"/desk/logout", url.Values{"csrf": {csrf}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign out: %s", resp.Status)
		}
		if len(td.store.sessions) != 0 {
			t.Errorf("%d sessions stored after sign-out; want 0", len(td.store.sessions))
		}
		replay := &http.Client{CheckRedirect: c.CheckRedirect}
		resp, _ = fetch(t, replay, "GET", td.srv.URL+"/desk/", nil, "Cookie", sessionCookie+"="+session.Value)
		if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("old session cookie after sign-out: %s; want a redirect to sign in", resp.Status)
		}
	}
}

func TestStateChangesNeedCSRF(t *testing.T) {
	td := newTestDesk(t, false)
	c := td.browser(t)
	_, csrf := td.signIn(t, c, "anna", "anna-password-1")
	mark := url.Values{"story": {"rferl/old"}, "action": {"spike"}}
	withToken := func(tok string) url.Values {
		v := url.Values{"csrf": {tok}}
		for k, x := range mark {
			v[k] = x
		}
		return v
	}
	tests := []struct {
		name   string
		form   url.Values
		header []string
		want   int
	}{
		{"no token", mark, nil, http.StatusForbidden},
		{"wrong token", withToken("forged"), nil, http.StatusForbidden},
		{"cross-site with token", withToken(csrf), []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{"foreign origin with token", withToken(csrf), []string{"Origin", "https://evil.example"}, http.StatusForbidden},
		{"token", withToken(csrf), nil, http.StatusSeeOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, _ := fetch(t, c, "POST", td.srv.URL+"/desk/mark", tt.form, tt.header...)
			if resp.StatusCode != tt.want {
				t.Errorf("POST /desk/mark: %s; want %d", resp.Status, tt.want)
			}
		})
	}
	if got := td.desk.Calls(); len(got) != 1 {
		t.Errorf("desk calls %q; want exactly the one with a token", got)
	}
	// The sign-in form needs its own token too (no login CSRF).
	resp, _ := fetch(t, td.browser(t), "POST", td.srv.URL+"/desk/login", url.Values{"name": {"anna"}, "password": {"anna-password-1"}})
	if resp.StatusCode != http.StatusForbidden || len(resp.Cookies()) > 0 && resp.Cookies()[0].Name == sessionCookie {
		t.Errorf("sign-in without the form's token: %s; want 403 and no session", resp.Status)
	}
}

func TestLoginRateLimit(t *testing.T) {
	td := newTestDesk(t, false)
	c := td.browser(t)
	for i := range loginBurst {
		if resp, _ := td.signIn(t, c, "anna", "wrong-password-1"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failure %d: %s; want 401", i+1, resp.Status)
		}
	}
	resp, _ := td.signIn(t, c, "anna", "anna-password-1")
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("right password after %d failures: %s (Retry-After %q); want 429 with Retry-After", loginBurst, resp.Status, resp.Header.Get("Retry-After"))
	}
	// Another name from the same address is limited too: the address is.
	if resp, _ := td.signIn(t, c, "vera", "vera-password-1"); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("another user from the same address: %s; want 429", resp.Status)
	}
	td.clock.Advance(loginEvery)
	if resp, _ := td.signIn(t, c, "anna", "anna-password-1"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("after waiting %v: %s; want 303", loginEvery, resp.Status)
	}
}

// The log of failed sign-ins keeps a known user's name, and not a name
// no user has — often a password typed into the name field; a sign-in
// the limit refuses is logged without the name typed (the failures before
// it named the user).
func TestSignInLogNames(t *testing.T) {
	for _, tt := range []struct {
		name, typed string
		logged      bool
	}{
		{"a user", "anna", true},
		{"a password in the name field", "anna-password-1", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			td := newTestDesk(t, false)
			c := td.browser(t)
			for range loginBurst + 1 {
				td.signIn(t, c, tt.typed, "wrong-password-1")
			}
			logs := td.logs.String()
			for _, msg := range []string{`msg="desk sign-in failed"`, `msg="desk sign-in refused: too many failures"`} {
				line := ""
				for l := range strings.SplitSeq(logs, "\n") {
					if strings.Contains(l, msg) {
						line = l
					}
				}
				if line == "" {
					t.Fatalf("no %s line:\n%s", msg, logs)
				}
				failed := strings.Contains(msg, "failed")
				if got := strings.Contains(line, tt.typed); got != (tt.logged && failed) {
					t.Errorf("%s names %q: %v; want %v\n%s", msg, tt.typed, got, tt.logged && failed, line)
				}
				if failed && !tt.logged && !strings.Contains(line, `user="(no such user)"`) {
					t.Errorf("%s does not say no such user:\n%s", msg, line)
				}
			}
		})
	}
}

// Sign-ins sent in parallel cannot outrun the limit: each takes its place
// in the count before its password is checked, so a burst of parallel
// guesses gets loginBurst checks, not one per request.
func TestLoginRateLimitHoldsInParallel(t *testing.T) {
	td := newTestDesk(t, false)
	const n = 3 * loginBurst
	td.h.hashing = make(chan struct{}, n) // no bound on checks here: the limit must hold by itself
	_, page := fetch(t, td.browser(t), "GET", td.srv.URL+"/desk/login", nil)
	token := csrfRE.FindStringSubmatch(page)[1]
	gate, entered := make(chan struct{}), make(chan struct{}, n)
	td.store.mu.Lock()
	td.store.gate, td.store.entered = gate, entered
	td.store.mu.Unlock()
	codes := make(chan int, n)
	for i := range n {
		go func() {
			form := url.Values{"csrf": {token}, "name": {"anna"}, "password": {fmt.Sprintf("guess-number-%d", i)}}
			req, _ := http.NewRequest("POST", td.srv.URL+"/desk/login", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Cookie", loginCookie+"="+token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				codes <- -1
				return
			}
			resp.Body.Close()
			codes <- resp.StatusCode
		}()
	}
	// Every request is either at its password check (held) or answered.
	var checking int
	var got []int
	for checking+len(got) < n {
		select {
		case <-entered:
			checking++
		case c := <-codes:
			got = append(got, c)
		}
	}
	close(gate)
	for len(got) < n {
		got = append(got, <-codes)
	}
	if checking > loginBurst {
		t.Errorf("%d parallel guesses had their password checked; want at most %d", checking, loginBurst)
	}
	count := map[int]int{}
	for _, c := range got {
		count[c]++
	}
	if count[http.StatusUnauthorized] != checking || count[http.StatusTooManyRequests] != n-checking {
		t.Errorf("answers %v; want %d × 401 and the rest 429", count, checking)
	}
}

// While maxHashing password checks run, a further sign-in waits (it
// checks nothing) and gives up when its client does.
func TestPasswordChecksAreBounded(t *testing.T) {
	td := newTestDesk(t, false)
	for range maxHashing {
		td.h.hashing <- struct{}{} // checks in flight
	}
	c := td.browser(t)
	_, page := fetch(t, c, "GET", td.srv.URL+"/desk/login", nil)
	token := csrfRE.FindStringSubmatch(page)[1]
	td.store.mu.Lock()
	before := td.store.lookups
	td.store.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	form := url.Values{"csrf": {token}, "name": {"anna"}, "password": {"anna-password-1"}}
	req, _ := http.NewRequestWithContext(ctx, "POST", td.srv.URL+"/desk/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if resp, err := c.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("sign-in with every check slot taken answered %s; want it to wait", resp.Status)
	}
	td.store.mu.Lock()
	after := td.store.lookups
	td.store.mu.Unlock()
	if after != before {
		t.Errorf("the waiting sign-in looked the user up (%d lookups); want none", after-before)
	}
	<-td.h.hashing // one check ends
	if resp, _ := td.signIn(t, c, "anna", "anna-password-1"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("sign-in with a free slot: %s", resp.Status)
	}
}

func TestViewerCannotChangeAnything(t *testing.T) {
	td := newTestDesk(t, false)
	c := td.browser(t)
	_, csrf := td.signIn(t, c, "vera", "vera-password-1")
	_, board := fetch(t, c, "GET", td.srv.URL+"/desk/", nil)
	_, unsure := fetch(t, c, "GET", td.srv.URL+"/desk/unsure", nil)
	for _, s := range []string{"/desk/merge", "/desk/split", "/desk/mark", "/desk/dismiss"} {
		if strings.Contains(board, `action="`+s+`"`) {
			t.Errorf("a viewer's board offers %s", s)
		}
		if strings.Contains(unsure, `action="`+s+`"`) {
			t.Errorf("a viewer's Unsure page offers %s", s)
		}
	}
	for path, form := range map[string]url.Values{
		"/desk/merge":   {"csrf": {csrf}, "story": {"tass/new", "rferl/old"}},
		"/desk/split":   {"csrf": {csrf}, "item": {"interfax/2"}},
		"/desk/mark":    {"csrf": {csrf}, "story": {"rferl/old"}, "action": {"spike"}},
		"/desk/dismiss": {"csrf": {csrf}, "a": {"tass/new"}, "b": {"rferl/old"}},
	} {
		if resp, _ := fetch(t, c, "POST", td.srv.URL+path, form); resp.StatusCode != http.StatusForbidden {
			t.Errorf("viewer POST %s: %s; want 403", path, resp.Status)
		}
	}
	if got := td.desk.Calls(); len(got) != 0 {
		t.Errorf("a viewer made the desk do %q", got)
	}
}

func TestHostileWireTextIsText(t *testing.T) {
	td := newTestDesk(t, false)
	c := td.browser(t)
	td.signIn(t, c, "anna", "anna-password-1")
	for _, path := range []string{"/desk/", "/desk/board", "/desk/?q=kazakh", "/desk/unsure"} {
		resp, page := fetch(t, c, "GET", td.srv.URL+path, nil)
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: Content-Security-Policy %q", path, csp)
		}
		for k, want := range map[string]string{"X-Frame-Options": "DENY", "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"} {
			if got := resp.Header.Get(k); got != want {
				t.Errorf("%s: %s = %q; want %q", path, k, got, want)
			}
		}
		for _, bad := range []string{"<script>alert", "<img src=x", "javascript:alert"} {
			if strings.Contains(page, bad) {
				t.Errorf("%s contains %q", path, bad)
			}
		}
		if !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;") {
			t.Errorf("%s does not show the hostile headline as text", path)
		}
	}
}

func TestBoardFilters(t *testing.T) {
	td := newTestDesk(t, false)
	c := td.browser(t)
	td.signIn(t, c, "anna", "anna-password-1")
	tests := []struct {
		query string
		want  []string
	}{
		{"", []string{"tass/new", "rferl/old"}},
		{"source=rferl", []string{"rferl/old"}},
		{"lang=ru", []string{"tass/new"}},
		{"q=kazakh", []string{"rferl/old"}},
		{"q=выборы+казахстан", []string{"tass/new"}},
		{"feed=central-asia", []string{"rferl/old"}},
		{"feed=russia", []string{"tass/new"}}, // publishes one of its items
		{"source=tass&lang=en", nil},
	}
	storyRE := regexp.MustCompile(`data-story="([^"]+)"`)
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			_, page := fetch(t, c, "GET", td.srv.URL+"/desk/board?"+tt.query, nil)
			var got []string
			for _, m := range storyRE.FindAllStringSubmatch(page, -1) {
				got = append(got, m[1])
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("board?%s = %v; want %v", tt.query, got, tt.want)
			}
		})
	}
}

func TestActions(t *testing.T) {
	td := newTestDesk(t, false)
	c := td.browser(t)
	_, csrf := td.signIn(t, c, "anna", "anna-password-1")
	tests := []struct {
		name     string
		path     string
		form     url.Values
		status   int
		location string
		call     string
	}{
		{"merge keeps the first reported", "/desk/merge", url.Values{"story": {"tass/new", "rferl/old"}, "back": {"source=tass&q=x"}},
			303, "/desk/?q=x&source=tass&done=merge", "merge tass/new into rferl/old by anna"},
		{"merge needs two", "/desk/merge", url.Values{"story": {"tass/new"}}, 400, "", ""},
		{"merge needs two different", "/desk/merge", url.Values{"story": {"tass/new", "tass/new"}}, 400, "", ""},
		{"split", "/desk/split", url.Values{"item": {"interfax/2"}, "back": {"https://evil.example/"}}, 303, "/desk/?done=split", "split interfax/2 by anna"},
		{"split unknown", "/desk/split", url.Values{"item": {"missing"}}, 404, "", ""},
		{"spike from one feed", "/desk/mark", url.Values{"story": {"rferl/old"}, "action": {"spike"}, "feed": {"russia"}}, 303, "/desk/?done=mark", "mark rferl/old spike feed=russia by anna"},
		{"pin", "/desk/mark", url.Values{"story": {"rferl/old"}, "action": {"pin"}, "feed": {"russia"}, "hours": {"1.5"}}, 303, "/desk/?done=mark",
			"mark rferl/old pin feed=russia by anna until 2026-11-27T11:30:00Z"},
		{"pin too long", "/desk/mark", url.Values{"story": {"rferl/old"}, "action": {"pin"}, "feed": {"russia"}, "hours": {"1000"}}, 400, "", ""},
		{"pin NaN hours", "/desk/mark", url.Values{"story": {"rferl/old"}, "action": {"pin"}, "feed": {"russia"}, "hours": {"NaN"}}, 400, "", ""},
		{"unknown feed", "/desk/mark", url.Values{"story": {"rferl/old"}, "action": {"spike"}, "feed": {"nope"}}, 400, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(td.desk.Calls())
			tt.form.Set("csrf", csrf)
			resp, _ := fetch(t, c, "POST", td.srv.URL+tt.path, tt.form)
			if resp.StatusCode != tt.status || resp.Header.Get("Location") != tt.location {
				t.Errorf("%s → %s to %q; want %d to %q", tt.path, resp.Status, resp.Header.Get("Location"), tt.status, tt.location)
			}
			calls := td.desk.Calls()[before:]
			if tt.call == "" && len(calls) > 0 || tt.call != "" && !slices.Equal(calls, []string{tt.call}) {
				t.Errorf("desk calls %q; want %q", calls, tt.call)
			}
		})
	}
}

func TestSessionEndsWhenPasswordChanges(t *testing.T) {
	td := newTestDesk(t, false)
	c := td.browser(t)
	td.signIn(t, c, "anna", "anna-password-1")
	td.clock.Advance(time.Minute)
	users := &desk.Users{Store: td.store, Hash: cheap, Now: td.clock.Now}
	if err := users.SetPassword(context.Background(), "anna", "a-new-password-2", "admin"); err != nil {
		t.Fatal(err)
	}
	if resp, _ := fetch(t, c, "GET", td.srv.URL+"/desk/", nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("board after a password change: %s; want a redirect to sign in", resp.Status)
	}
	td.clock.Advance(DefaultSessionTTL)
	_, _ = td.signIn(t, c, "anna", "a-new-password-2")
	if resp, _ := fetch(t, c, "GET", td.srv.URL+"/desk/", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("board after signing in again: %s", resp.Status)
	}
	td.clock.Advance(DefaultSessionTTL)
	if resp, _ := fetch(t, c, "GET", td.srv.URL+"/desk/", nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("board after the session's TTL: %s; want a redirect to sign in", resp.Status)
	}
}

// A password change ends the user's sessions even when the server's
// clock stepped back in between, so that the change carries an earlier
// time than the session's start.
func TestSessionEndsWhenPasswordChangesAfterClockStep(t *testing.T) {
	for _, change := range []string{"password", "role"} {
		t.Run(change, func(t *testing.T) {
			td := newTestDesk(t, false)
			c := td.browser(t)
			td.signIn(t, c, "anna", "anna-password-1")
			td.clock.Advance(-time.Minute) // NTP steps the clock back
			users := &desk.Users{Store: td.store, Hash: cheap, Now: td.clock.Now}
			var err error
			if change == "password" {
				err = users.SetPassword(context.Background(), "anna", "a-new-password-2", "admin")
			} else {
				err = users.SetRole(context.Background(), "anna", wiredesk.RoleViewer, "admin")
			}
			if err != nil {
				t.Fatal(err)
			}
			if resp, _ := fetch(t, c, "GET", td.srv.URL+"/desk/", nil); resp.StatusCode != http.StatusSeeOther {
				t.Errorf("board after a %s change: %s; want a redirect to sign in", change, resp.Status)
			}
		})
	}
}

// The board fragment that desk.js fetches is the stories alone, so the
// script can swap it in without nesting a page in the page.
func TestBoardFragment(t *testing.T) {
	td := newTestDesk(t, false)
	c := td.browser(t)
	td.signIn(t, c, "anna", "anna-password-1")
	resp, page := fetch(t, c, "GET", td.srv.URL+"/desk/board?source=tass", nil)
	if resp.StatusCode != 200 || strings.Contains(page, "<html") || strings.Contains(page, "<form method=\"get\"") {
		t.Errorf("fragment: %s, a whole page or the filter form:\n%s", resp.Status, page)
	}
	if !strings.Contains(page, `id="board-status">1 of 2 recent stories`) {
		t.Errorf("fragment lacks its status line:\n%s", page)
	}
	if resp, _ := fetch(t, td.browser(t), "GET", td.srv.URL+"/desk/board", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("fragment without a session: %s; want 401", resp.Status)
	}
}

// No password, hash, session token or CSRF token reaches a page or the
// log, whatever the sign-in's outcome.
func TestNoSecretInPagesOrLog(t *testing.T) {
	td := newTestDesk(t, false)
	c := td.browser(t)
	td.signIn(t, c, "anna", "wrong-password-9")
	// A password typed into the name field: no user has that name, and
	// the log must not keep it.
	td.signIn(t, c, "anna-password-1", "anna")
	resp, csrf := td.signIn(t, c, "anna", "anna-password-1")
	var token string
	for _, ck := range resp.Cookies() {
		if ck.Name == sessionCookie {
			token = ck.Value
		}
	}
	var pages strings.Builder
	for _, path := range []string{"/desk/", "/desk/board", "/desk/audit"} {
		_, page := fetch(t, c, "GET", td.srv.URL+path, nil)
		pages.WriteString(page)
	}
	fetch(t, c, "POST", td.srv.URL+"/desk/mark", url.Values{"story": {"x"}, "action": {"spike"}}) // no token: logged refusal
	logs := td.logs.String()
	if !strings.Contains(logs, "desk sign-in failed") || !strings.Contains(logs, "CSRF") {
		t.Fatalf("the log lacks the failed sign-in or the CSRF refusal:\n%s", logs)
	}
	// A known user's failure names the user: that is what an operator
	// watching for guessing needs.
	if !strings.Contains(logs, `msg="desk sign-in failed" user=anna `) {
		t.Errorf("the log does not name anna's failed sign-in:\n%s", logs)
	}
	for _, secret := range []string{"anna-password-1", "wrong-password-9", "$argon2id$", token, csrf} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log contains %q", secret)
		}
		if secret != csrf && strings.Contains(pages.String(), secret) {
			t.Errorf("a page contains %q", secret)
		}
	}
}

func TestFeedPage(t *testing.T) {
	td := newTestDesk(t, false)
	c := td.browser(t)
	td.signIn(t, c, "vera", "vera-password-1")
	resp, page := fetch(t, c, "GET", td.srv.URL+"/desk/feeds/russia", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("feed page: %s", resp.Status)
	}
	in := page[strings.Index(page, `id="feed-in"`):strings.Index(page, `id="feed-out"`)]
	out := page[strings.Index(page, `id="feed-out"`):]
	if !strings.Contains(in, "Казахстан: выборы") || strings.Contains(in, "Kazakh") {
		t.Errorf("published part:\n%s", in)
	}
	if !strings.Contains(out, "<td>language en not in [ru]</td>") || !strings.Contains(out, "&lt;script&gt;") || strings.Contains(out, "<script>") {
		t.Errorf("left-out part (reason, hostile headline as text):\n%s", out)
	}
	if resp, _ := fetch(t, c, "GET", td.srv.URL+"/desk/feeds/nope", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown feed: %s; want 404", resp.Status)
	}
}

func TestAuditPage(t *testing.T) {
	td := newTestDesk(t, false)
	c := td.browser(t)
	td.signIn(t, c, "vera", "vera-password-1")
	_, page := fetch(t, c, "GET", td.srv.URL+"/desk/audit", nil)
	for _, want := range []string{"<td>test</td><td>user add</td><td>anna</td>", "<td>vera</td><td>sign in</td><td>vera</td>"} {
		if !strings.Contains(page, want) {
			t.Errorf("audit page lacks %q", want)
		}
	}
}

func TestStaticFiles(t *testing.T) {
	td := newTestDesk(t, false)
	for path, ctype := range map[string]string{"/desk/static/desk.js": "text/javascript", "/desk/static/desk.css": "text/css"} {
		resp, body := fetch(t, http.DefaultClient, "GET", td.srv.URL+path, nil)
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), ctype) || body == "" {
			t.Errorf("GET %s: %s %q", path, resp.Status, resp.Header.Get("Content-Type"))
		}
	}
	// The folder itself is no page: no listing of what the desk embeds.
	for _, path := range []string{"/desk/static/", "/desk/static", "/desk/static/nope.js"} {
		if resp, body := fetch(t, http.DefaultClient, "GET", td.srv.URL+path, nil); resp.StatusCode != http.StatusNotFound || strings.Contains(body, "desk.js") {
			t.Errorf("GET %s: %s %q; want 404 without a listing", path, resp.Status, body)
		}
	}
}
