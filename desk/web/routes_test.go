package web

import (
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/wiredesk/wiredesk"
)

type deskRoute struct {
	method, path string
	need         wiredesk.Role
	form         url.Values
}

// deskRoutes is every route of the desk with the least role it needs
// ("" for none) and a request that would succeed for that role.
var deskRoutes = []deskRoute{
	{"GET", "/desk/", wiredesk.RoleViewer, nil},
	{"GET", "/desk/board", wiredesk.RoleViewer, nil},
	{"GET", "/desk/unsure", wiredesk.RoleViewer, nil},
	{"GET", "/desk/why?a=tass/1&b=interfax/2", wiredesk.RoleViewer, nil},
	{"GET", "/desk/audit", wiredesk.RoleViewer, nil},
	{"GET", "/desk/feeds/central-asia", wiredesk.RoleViewer, nil},
	{"GET", "/desk/sources", wiredesk.RoleViewer, nil},
	{"GET", "/desk/feeds", wiredesk.RoleViewer, nil},
	{"POST", "/desk/logout", wiredesk.RoleViewer, url.Values{}},
	{"POST", "/desk/merge", wiredesk.RoleEditor, url.Values{"story": {"tass/new", "rferl/old"}}},
	{"POST", "/desk/split", wiredesk.RoleEditor, url.Values{"item": {"interfax/2"}}},
	{"POST", "/desk/mark", wiredesk.RoleEditor, url.Values{"story": {"rferl/old"}, "action": {"spike"}}},
	{"POST", "/desk/dismiss", wiredesk.RoleEditor, url.Values{"a": {"tass/new"}, "b": {"rferl/old"}}},
	{"GET", "/desk/source?id=tass", wiredesk.RoleAdmin, nil},
	{"GET", "/desk/feed-rules?slug=central-asia", wiredesk.RoleAdmin, nil},
	{"POST", "/desk/source/test", wiredesk.RoleAdmin, url.Values{"table": {`id = "kabar"`}}},
	{"POST", "/desk/source/save", wiredesk.RoleAdmin, url.Values{"key": {"tass"}, "table": {`id = "tass"`}}},
	{"POST", "/desk/source/enable", wiredesk.RoleAdmin, url.Values{"key": {"tass"}}},
	{"POST", "/desk/source/disable", wiredesk.RoleAdmin, url.Values{"key": {"tass"}}},
	{"POST", "/desk/feed-rules/preview", wiredesk.RoleAdmin, url.Values{"table": {`slug = "x"`}}},
	{"POST", "/desk/feed-rules/save", wiredesk.RoleAdmin, url.Values{"key": {"central-asia"}, "table": {`slug = "central-asia"`}}},
	{"POST", "/desk/feed-rules/delete", wiredesk.RoleAdmin, url.Values{"key": {"central-asia"}}},
}

// TestEveryRouteEnforcesItsRole walks the whole route table: no one
// signed out gets past the sign-in, a role below a route's least is
// refused with 403, a POST without the session's CSRF token is refused
// for every role, and none of the refused requests reaches the desk or
// the configuration. Every form and script path of the templates must be
// in the table, so a new route cannot be left out of it.
func TestEveryRouteEnforcesItsRole(t *testing.T) {
	td := newTestDesk(t, false)
	effects := func() string {
		return fmt.Sprintf("desk %d, saves %d, probes %d, sessions %d", len(td.desk.Calls()), len(td.config.Saves()), td.config.Probes(), td.sessionCount())
	}
	users := []struct {
		name string
		role wiredesk.Role
	}{{"", ""}, {"vera", wiredesk.RoleViewer}, {"anna", wiredesk.RoleEditor}, {"olga", wiredesk.RoleAdmin}}
	for _, u := range users {
		for _, rt := range deskRoutes {
			t.Run(u.name+" "+rt.method+" "+rt.path, func(t *testing.T) {
				c, csrf := td.browser(t), ""
				if u.name != "" {
					_, csrf = td.signIn(t, c, u.name, u.name+"-password-1")
				}
				form := func(tok string) url.Values {
					if rt.form == nil {
						return nil
					}
					v := url.Values{"revision": {fmt.Sprint(td.config.rev)}}
					for k, x := range rt.form {
						v[k] = x
					}
					if tok != "" {
						v.Set("csrf", tok)
					}
					return v
				}
				if rt.method == "POST" {
					before := effects()
					resp, _ := fetch(t, c, "POST", td.srv.URL+rt.path, form(""))
					if want := map[bool]int{true: http.StatusUnauthorized, false: http.StatusForbidden}[u.name == ""]; resp.StatusCode != want {
						t.Errorf("without the CSRF token: %s; want %d", resp.Status, want)
					}
					if after := effects(); after != before {
						t.Errorf("without the CSRF token it did something: %s → %s", before, after)
					}
				}
				before := effects()
				resp, _ := fetch(t, c, rt.method, td.srv.URL+rt.path, form(csrf))
				switch {
				case u.name == "" && rt.method == "GET" && rt.path == "/desk/":
					if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/desk/login" {
						t.Errorf("signed out: %s to %q; want 303 to /desk/login", resp.Status, resp.Header.Get("Location"))
					}
				case u.name == "":
					if resp.StatusCode != http.StatusUnauthorized {
						t.Errorf("signed out: %s; want 401", resp.Status)
					}
				case !u.role.Allows(rt.need):
					if resp.StatusCode != http.StatusForbidden {
						t.Errorf("role %s below %s: %s; want 403", u.role, rt.need, resp.Status)
					}
				default:
					if resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusUnauthorized || resp.StatusCode >= 500 {
						t.Errorf("role %s, needs %s: %s; want it done", u.role, rt.need, resp.Status)
					}
				}
				if (u.name == "" || !u.role.Allows(rt.need)) && effects() != before {
					t.Errorf("refused, but it did something: %s → %s", before, effects())
				}
			})
		}
	}

	// Every path a page posts to or the script fetches is in the table.
	paths := regexp.MustCompile(`(?:action|formaction|fetch\()=?"(/desk/[^"{?]*)`)
	err := fs.WalkDir(templateFS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		return checkPaths(t, templateFS, p, paths)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := checkPaths(t, staticFS, "static/desk.js", paths); err != nil {
		t.Fatal(err)
	}
}

func checkPaths(t *testing.T, fsys fs.FS, name string, re *regexp.Regexp) error {
	t.Helper()
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return err
	}
	for _, m := range re.FindAllStringSubmatch(string(b), -1) {
		p := m[1]
		if p == "/desk/login" { // the sign-in itself needs no role
			continue
		}
		if !slices.ContainsFunc(deskRoutes, func(rt deskRoute) bool { return strings.HasPrefix(rt.path, p) }) {
			t.Errorf("%s uses %s, which the route table of this test lacks", name, p)
		}
	}
	return nil
}

func (td *testDesk) sessionCount() int {
	td.store.mu.Lock()
	defer td.store.mu.Unlock()
	return len(td.store.sessions)
}
