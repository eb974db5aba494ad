package desk

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wiredesk/wiredesk"
)

// TestClientMatchesService runs every operation twice on equal stores,
// once through a Service and once through a Client talking to Routes over
// HTTP, and wants the same answers: `wiredesk story` prints the same text
// with and without a daemon.
func TestClientMatchesService(t *testing.T) {
	ctx := context.Background()
	ev := Evidence{Probability: 0.31, Threshold: 0.5, Text: "probability 0.310 (needs 0.50: apart), two languages\n"}
	near := map[string][]Near{"rferl/1": {{"interfax/1", 0.62}}}
	localStore, servedStore := newFakeStore(demoStories()...), newFakeStore(demoStories()...)
	local := &Service{Store: localStore, Index: &fakeIndex{ev: ev, near: near}, Window: 36 * time.Hour, Dismissals: localStore}
	served := &Service{Store: servedStore, Index: &fakeIndex{ev: ev, near: near}, Window: 36 * time.Hour, Dismissals: servedStore}
	const token = "t0ken"
	var seen []string
	guard := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			seen = append(seen, r.Method+" "+r.URL.Path+" "+r.Header.Get("Authorization"))
			next.ServeHTTP(w, r)
		})
	}
	mux := http.NewServeMux()
	Routes(mux, served, guard)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	remote := &Client{BaseURL: srv.URL, Token: token}

	steps := []struct {
		name string
		do   func(ed Editor) (any, error)
		path string
	}{
		{"show", func(ed Editor) (any, error) { return ed.Show(ctx, "interfax/1") }, "GET /admin/story/interfax/1"},
		{"list", func(ed Editor) (any, error) { return ed.List(ctx, ListQuery{Since: t0, Limit: 5}) }, "GET /admin/story/list"},
		{"why", func(ed Editor) (any, error) { return ed.Why(ctx, "interfax/1", "rferl/1") }, "GET /admin/story/why"},
		{"unsure", func(ed Editor) (any, error) {
			return ed.Unsure(ctx, UnsureQuery{Since: t0.Add(time.Second / 2), Floor: 0.55, Limit: 5})
		}, "GET /admin/story/unsure"},
		{"dismiss", func(ed Editor) (any, error) { return nil, ed.Dismiss(ctx, "rferl/1", "interfax/1", "anna") }, "POST /admin/story/dismiss"},
		{"unsure after dismiss", func(ed Editor) (any, error) { return ed.Unsure(ctx, UnsureQuery{Since: t0}) }, "GET /admin/story/unsure"},
		{"merge", func(ed Editor) (any, error) { return ed.Merge(ctx, "interfax/1", "rferl/1", "anna") }, "POST /admin/story/merge"},
		{"show merged away", func(ed Editor) (any, error) { return ed.Show(ctx, "rferl/1") }, "GET /admin/story/rferl/1"},
		{"split", func(ed Editor) (any, error) { return ed.Split(ctx, "tass/1", "boris") }, "POST /admin/story/split"},
		{"show a split story", func(ed Editor) (any, error) { return ed.Show(ctx, "tass/1~1") }, "GET /admin/story/tass/1~1"},
	}
	for _, st := range steps {
		want, werr := st.do(local)
		seen = nil
		got, gerr := st.do(remote)
		if werr != nil || gerr != nil {
			t.Fatalf("%s: local error %v, remote error %v", st.name, werr, gerr)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s through the daemon = %+v\nwant %+v", st.name, got, want)
		}
		if len(seen) != 1 || seen[0] != st.path+" Bearer "+token {
			t.Errorf("%s: daemon saw %q; want [%q]", st.name, seen, st.path+" Bearer "+token)
		}
	}
}

func TestClientErrors(t *testing.T) {
	ctx := context.Background()
	mux := http.NewServeMux()
	store := newFakeStore(demoStories()...)
	Routes(mux, &Service{Store: store, Index: &fakeIndex{}, Dismissals: store}, func(h http.Handler) http.Handler { return h })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c := &Client{BaseURL: srv.URL}
	tests := []struct {
		name     string
		do       func() error
		want     error
		wantText string
	}{
		{"unknown story", func() error { _, err := c.Show(ctx, "no/such"); return err }, wiredesk.ErrNotFound, "story no/such: not found"},
		{"merge into itself", func() error { _, err := c.Merge(ctx, "interfax/1", "interfax/1", ""); return err }, wiredesk.ErrRefused, "into itself"},
		{"merge without ids", func() error { _, err := c.Merge(ctx, "", "", ""); return err }, nil, `merge needs "into" and "from"`},
		{"split the only item", func() error { _, err := c.Split(ctx, "rferl/1", ""); return err }, wiredesk.ErrRefused, "only item"},
		{"why an unknown item", func() error { _, err := c.Why(ctx, "interfax/1", "no/such"); return err }, wiredesk.ErrNotFound, "item no/such"},
		{"unsure below floor 0", func() error { _, err := c.Unsure(ctx, UnsureQuery{Floor: -1}); return err }, wiredesk.ErrRefused, "floor -1"},
		{"dismiss a story with itself", func() error { return c.Dismiss(ctx, "rferl/1", "rferl/1", "") }, wiredesk.ErrRefused, "one story"},
		{"dismiss an unknown story", func() error { return c.Dismiss(ctx, "rferl/1", "no/such", "") }, wiredesk.ErrNotFound, "story no/such"},
		{"dismiss without ids", func() error { return c.Dismiss(ctx, "rferl/1", "", "") }, nil, `dismiss needs "a" and "b"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do()
			if err == nil || !strings.Contains(err.Error(), tt.wantText) {
				t.Fatalf("error = %v; want one saying %q", err, tt.wantText)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("error %v does not match %v", err, tt.want)
			}
		})
	}

	// A daemon that is not there.
	srv.Close()
	if _, err := c.Show(ctx, "interfax/1"); !errors.Is(err, ErrNoDaemon) || !strings.Contains(err.Error(), "ask the daemon") {
		t.Errorf("Show with no daemon: %v; want ErrNoDaemon saying the daemon could not be asked", err)
	}
}

func TestHandlerRejectsBadRequests(t *testing.T) {
	mux := http.NewServeMux()
	Routes(mux, &Service{Store: newFakeStore(demoStories()...), Index: &fakeIndex{}}, func(h http.Handler) http.Handler { return h })
	tests := []struct {
		name, method, target, body string
		want                       int
	}{
		{"unknown field", http.MethodPost, PathMerge, `{"into":"a","from":"b","extra":1}`, http.StatusBadRequest},
		{"not JSON", http.MethodPost, PathSplit, `item=tass/1`, http.StatusBadRequest},
		{"too large", http.MethodPost, PathSplit, `{"item":"` + strings.Repeat("x", maxRequestBytes) + `"}`, http.StatusBadRequest},
		{"merge by GET", http.MethodGet, PathMerge, "", http.StatusNotFound}, // read as a story id
		{"bad limit", http.MethodGet, PathList + "?limit=ten", "", http.StatusBadRequest},
		{"bad since", http.MethodGet, PathList + "?since=yesterday", "", http.StatusBadRequest},
		{"why one item", http.MethodGet, PathWhy + "?a=tass/1", "", http.StatusBadRequest},
		{"unsure: bad floor", http.MethodGet, PathUnsure + "?floor=half", "", http.StatusBadRequest},
		{"unsure: floor 0", http.MethodGet, PathUnsure + "?floor=0", "", http.StatusConflict},
		{"unsure: floor -0.5", http.MethodGet, PathUnsure + "?floor=-0.5", "", http.StatusConflict},
		{"unsure: floor 1.5", http.MethodGet, PathUnsure + "?floor=1.5", "", http.StatusConflict},
		{"unsure: floor NaN", http.MethodGet, PathUnsure + "?floor=NaN", "", http.StatusConflict},
		{"unsure: no floor is the default", http.MethodGet, PathUnsure, "", http.StatusOK},
		{"unsure: an empty floor is the default", http.MethodGet, PathUnsure + "?floor=", "", http.StatusOK},
		{"unsure: floor 1", http.MethodGet, PathUnsure + "?floor=1", "", http.StatusOK},
		{"unsure: bad since", http.MethodGet, PathUnsure + "?since=yesterday", "", http.StatusBadRequest},
		{"unsure: bad limit", http.MethodGet, PathUnsure + "?limit=ten", "", http.StatusBadRequest},
		{"dismiss: unknown field", http.MethodPost, PathDismiss, `{"a":"x","b":"y","into":"z"}`, http.StatusBadRequest},
		{"dismiss one story", http.MethodPost, PathDismiss, `{"a":"tass/1"}`, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.target, strings.NewReader(tt.body)))
			if rec.Code != tt.want {
				t.Errorf("%s %s: %d %s; want %d", tt.method, tt.target, rec.Code, strings.TrimSpace(rec.Body.String()), tt.want)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q; want JSON errors", ct)
			}
		})
	}
}
