package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// deskSession is a signed-in client of the desk at base.
type deskSession struct {
	base string
	c    *http.Client
	csrf string
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signInDesk signs name in at the desk served at base.
func signInDesk(t *testing.T, base, name, password string) *deskSession {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	s := &deskSession{base: base, c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	_, page := s.do(t, "GET", "/desk/login", nil)
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no sign-in form at %s/desk/login:\n%s", base, page)
	}
	if code, _ := s.do(t, "POST", "/desk/login", url.Values{"csrf": {m[1]}, "name": {name}, "password": {password}}); code != http.StatusSeeOther {
		t.Fatalf("sign in as %s: %d", name, code)
	}
	_, board := s.do(t, "GET", "/desk/", nil)
	if m = csrfField.FindStringSubmatch(board); m == nil {
		t.Fatalf("board has no form token:\n%s", board)
	}
	s.csrf = m[1]
	return s
}

func (s *deskSession) do(t *testing.T, method, path string, form url.Values) (int, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		if s.csrf != "" && form.Get("csrf") == "" {
			form.Set("csrf", s.csrf)
		}
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, s.base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := s.c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// waitFeed polls a published document until ok accepts it.
func waitFeed(t *testing.T, u, what string, ok func(string) bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, body := httpGet(t, u)
		if ok(body) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not so 20s after the action:\n%.3000s", what, body)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestDeskChangesPublishedFeeds drives the desk over HTTP against the
// built daemon, with the desk on the admin listener: an editor's merge,
// spike from one feed and headline reach the published feeds without a
// poll, a viewer can change nothing, every action is in `wiredesk audit`
// (run beside the daemon), and the public listener has no desk.
func TestDeskChangesPublishedFeeds(t *testing.T) {
	addr, admin := freeAddr(t), freeAddr(t)
	cfg := demoDir(t, addr)
	serverSection(t, cfg, `admin_listen = "`+admin+`"`)
	mustRun(t, nil, "once", "-config", cfg, "-out", t.TempDir())
	mustRun(t, []string{"WIREDESK_PASSWORD=anna-password-1"}, "user", "add", "-config", cfg, "-role", "editor", "anna")
	mustRun(t, []string{"WIREDESK_PASSWORD=vera-password-1"}, "user", "add", "-config", cfg, "-role", "viewer", "vera")
	startServeLogs(t, cfg, addr)

	if code, _ := httpGet(t, "http://"+addr+"/desk/login"); code != http.StatusNotFound {
		t.Errorf("public listener /desk/login: %d; want 404 when admin_listen is set", code)
	}
	sts := stories(t, nil, cfg)
	o, _ := find(t, sts, rogunInterfax)
	_, rferlItem := find(t, sts, rogunRFERL)
	pub := "http://" + addr

	viewer := signInDesk(t, "http://"+admin, "vera", "vera-password-1")
	if code, _ := viewer.do(t, "POST", "/desk/split", url.Values{"item": {rferlItem}}); code != http.StatusForbidden {
		t.Errorf("viewer's split: %d; want 403", code)
	}

	// The demo puts both Rogun reports in one story: split RFE/RL's out,
	// then merge it back.
	ed := signInDesk(t, "http://"+admin, "anna", "anna-password-1")
	if code, _ := ed.do(t, "POST", "/desk/split", url.Values{"item": {rferlItem}}); code != http.StatusSeeOther {
		t.Fatalf("split: %d", code)
	}
	r, _ := find(t, stories(t, nil, cfg), rogunRFERL)
	if r == o {
		t.Fatalf("after the split RFE/RL's report is still in story %s", o)
	}
	if code, _ := ed.do(t, "POST", "/desk/merge", url.Values{"story": {o, r}}); code != http.StatusSeeOther {
		t.Fatalf("merge: %d", code)
	}
	waitFeed(t, pub+"/feeds/central-asia.json", "central-asia.json shows the merge by anna", func(b string) bool {
		return strings.Contains(b, `"kind": "merge"`) && strings.Contains(b, `"by": "anna"`)
	})
	keeper, _ := find(t, stories(t, nil, cfg), rogunInterfax)
	if k2, _ := find(t, stories(t, nil, cfg), rogunRFERL); k2 != keeper {
		t.Fatalf("after the merge the two reports are in stories %s and %s", keeper, k2)
	}

	const headline = "Rogun: third turbine running (desk headline)"
	if code, _ := ed.do(t, "POST", "/desk/mark", url.Values{"story": {keeper}, "action": {"headline"}, "headline": {headline}}); code != http.StatusSeeOther {
		t.Fatalf("headline: %d", code)
	}
	waitFeed(t, pub+"/feeds/central-asia.json", "central-asia.json carries the desk's headline", func(b string) bool {
		return strings.Contains(b, `"title": "`+headline+`"`)
	})

	if code, _ := ed.do(t, "POST", "/desk/mark", url.Values{"story": {keeper}, "action": {"spike"}, "feed": {"central-asia"}}); code != http.StatusSeeOther {
		t.Fatalf("spike: %d", code)
	}
	waitFeed(t, pub+"/feeds/central-asia.rss", "the spiked story left central-asia.rss", func(b string) bool {
		return !strings.Contains(b, headline) && !strings.Contains(b, rogunInterfax)
	})
	if _, b := httpGet(t, pub+"/feeds/central-asia.html"); strings.Contains(b, headline) {
		t.Errorf("the spiked story is still on central-asia.html")
	}
	if _, page := ed.do(t, "GET", "/desk/feeds/central-asia", nil); !strings.Contains(page, "<td>spiked by anna</td>") {
		t.Errorf("/desk/feeds/central-asia does not list the story as spiked by anna")
	}
	if _, b := httpGet(t, pub+"/feeds/russia-wire.rss"); !strings.Contains(b, headline) {
		t.Errorf("a spike from central-asia also removed the story from russia-wire.rss")
	}

	// The audit log, read beside the daemon, has every action.
	out := mustRun(t, nil, "audit", "-config", cfg, "-json", "-n", "0").stdout
	var entries []struct{ User, Action, Target, Before, After string }
	if err := json.Unmarshal([]byte(out), &entries); err != nil {
		t.Fatalf("audit -json: %v\n%s", err, out)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.User+" "+e.Action)
	}
	// The user commands record the OS user; the desk records who signed in.
	want := []string{"anna spike", "anna headline", "anna merge", "anna split", "anna sign in", "vera sign in", "user add", "user add"}
	if len(got) != len(want) {
		t.Fatalf("audit %q; want %q", got, want)
	}
	for i := range want {
		if !strings.HasSuffix(got[i], want[i]) {
			t.Errorf("audit[%d] = %q; want %q", i, got[i], want[i])
		}
	}
	if e := entries[0]; e.Target != keeper+" in central-asia" || !strings.Contains(e.Before, "headline") || !strings.Contains(e.After, "spiked from central-asia") {
		t.Errorf("spike audit entry %+v", e)
	}
	if _, page := ed.do(t, "GET", "/desk/audit", nil); !strings.Contains(page, "spiked from central-asia") {
		t.Errorf("/desk/audit does not show the spike")
	}
}
