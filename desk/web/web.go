// Package web is the desk in a browser: sign-in, the story board with its
// filters and actions (merge, split, spike, pin, headline), the pairs of
// stories the matcher was unsure about with the evidence (why) behind a
// pair, and the audit log, served under /desk/. Pages are rendered on the server with
// html/template, so every wire text is escaped for its context; the one
// script (static/desk.js, embedded, no build step) only fetches the board
// again to show new stories without a reload. A Content-Security-Policy
// allows scripts and styles from the desk itself only, so even a markup
// mistake could not run a wire's script.
//
// The operations are package desk's: web turns form posts into calls of a
// Desk (desk.Service) and desk.Users, and keeps sessions through the small
// Sessions interface, which internal/wiring satisfies with storage.
package web

import (
	"context"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wiredesk/wiredesk"
	"github.com/wiredesk/wiredesk/desk"
)

// Prefix is the path under which the desk is served.
const Prefix = "/desk/"

// Desk is what the pages do with stories. *desk.Service satisfies it.
type Desk interface {
	List(ctx context.Context, q desk.ListQuery) ([]desk.StoryView, error)
	Merge(ctx context.Context, into, from, by string) (desk.StoryView, error)
	Split(ctx context.Context, itemID, by string) (desk.StoryView, error)
	Mark(ctx context.Context, id string, ch desk.MarkChange, by string) (wiredesk.StoryMarks, error)
	// Show finds a story the board did not read, so that a merge keeps
	// the id of the story first reported.
	Show(ctx context.Context, id string) (desk.StoryView, error)
	// Why explains a pair of items, as `wiredesk story why` does.
	Why(ctx context.Context, a, b string) (desk.WhyView, error)
	// Unsure and Dismiss serve the Unsure page (unsure.go).
	Unsure(ctx context.Context, q desk.UnsureQuery) ([]desk.UnsureView, error)
	Dismiss(ctx context.Context, a, b, by string) error
}

// Sessions stores signed-in sessions. *storage.DB satisfies it.
type Sessions interface {
	// PutSession stores s and may drop sessions expired before now.
	PutSession(ctx context.Context, s wiredesk.Session, now time.Time) error
	// Session returns the session stored under key; none matches
	// wiredesk.ErrNotFound.
	Session(ctx context.Context, key string) (wiredesk.Session, error)
	DeleteSession(ctx context.Context, key string) error
}

// Options configure the desk's pages.
type Options struct {
	Desk     Desk
	Users    *desk.Users
	Sessions Sessions
	// Feeds returns the slugs of the configured feeds, for the feed filter
	// and the spike and pin actions.
	Feeds func() []string
	// Preview returns the feed's curation decisions as `wiredesk preview`
	// makes them: what the feed publishes now, first, and what it leaves
	// out and why. An unknown feed matches wiredesk.ErrNotFound. Nil
	// disables the feed filter and the feed pages.
	Preview func(ctx context.Context, slug string) ([]FeedDecision, error)
	// Config edits sources and feeds (the Sources and Feeds pages); nil
	// hides those pages.
	Config ConfigEditor
	// SourceName returns a source's display name; nil: its id.
	SourceName func(id string) string
	// SecureCookies sets the Secure flag on the desk's cookies; it is set
	// anyway for requests that came over TLS. cmd/wiredesk sets it when
	// [server] base_url is https.
	SecureCookies bool
	// SessionTTL is how long a sign-in lasts; default DefaultSessionTTL.
	SessionTTL time.Duration
	// BoardLimit is how many recently updated stories the board reads
	// before filtering; default DefaultBoardLimit.
	BoardLimit int
	Now        func() time.Time // default time.Now
	Log        *slog.Logger     // default: discard
}

// FeedDecision is one story as a feed's curation judged it. For a feed
// that publishes items one by one, StoryID is the item's id.
type FeedDecision struct {
	StoryID string
	Title   string    // the lead item's headline
	Sources []string  // source ids, in order of first report
	Date    time.Time // the lead item's date
	Picked  bool
	Reason  string // why it is left out; "" when picked
}

// Defaults of Options.
const (
	DefaultSessionTTL = 12 * time.Hour
	DefaultBoardLimit = 200
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Handler serves the desk. Create it with New; it is safe for concurrent
// use.
type Handler struct {
	opt     Options
	pages   *template.Template
	static  http.Handler
	limiter *loginLimiter
	origin  *http.CrossOriginProtection
	mux     *http.ServeMux
	// hashing bounds the password checks that run at once: each holds
	// 64 MiB (desk.DefaultHashParams), so a burst of sign-ins must not
	// multiply that.
	hashing chan struct{}
	// tally is the board's last count of unsure pairs (nil: none yet, or
	// an editor's decision made it stale); counting is held by the one
	// request that counts again.
	tally    atomic.Pointer[unsureTally]
	counting sync.Mutex
}

// maxHashing is how many password checks run at once.
const maxHashing = 2

// New returns the desk's handler for opt.
func New(opt Options) *Handler {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.SessionTTL <= 0 {
		opt.SessionTTL = DefaultSessionTTL
	}
	if opt.BoardLimit <= 0 {
		opt.BoardLimit = DefaultBoardLimit
	}
	if opt.Feeds == nil {
		opt.Feeds = func() []string { return nil }
	}
	if opt.SourceName == nil {
		opt.SourceName = func(id string) string { return id }
	}
	sub, _ := fs.Sub(staticFS, "static") // the folder is embedded
	h := &Handler{
		opt:     opt,
		pages:   template.Must(template.New("").Funcs(funcs).ParseFS(templateFS, "templates/*.html")),
		static:  staticFiles(sub),
		limiter: newLoginLimiter(),
		origin:  http.NewCrossOriginProtection(),
		hashing: make(chan struct{}, maxHashing),
	}
	h.routes()
	return h
}

func (h *Handler) routes() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+Prefix+"{$}", h.signedIn(wiredesk.RoleViewer, h.board))
	mux.HandleFunc("GET "+Prefix+"board", h.signedIn(wiredesk.RoleViewer, h.boardFragment))
	mux.HandleFunc("GET "+Prefix+"unsure", h.signedIn(wiredesk.RoleViewer, h.unsure))
	mux.HandleFunc("GET "+Prefix+"why", h.signedIn(wiredesk.RoleViewer, h.why))
	mux.HandleFunc("POST "+Prefix+"dismiss", h.signedIn(wiredesk.RoleEditor, h.dismiss))
	mux.HandleFunc("GET "+Prefix+"audit", h.signedIn(wiredesk.RoleViewer, h.audit))
	mux.HandleFunc("GET "+Prefix+"feeds/{slug}", h.signedIn(wiredesk.RoleViewer, h.feed))
	mux.HandleFunc("GET "+Prefix+"login", h.loginForm)
	mux.HandleFunc("POST "+Prefix+"login", h.login)
	mux.HandleFunc("POST "+Prefix+"logout", h.signedIn(wiredesk.RoleViewer, h.logout))
	mux.HandleFunc("POST "+Prefix+"merge", h.signedIn(wiredesk.RoleEditor, h.merge))
	mux.HandleFunc("POST "+Prefix+"split", h.signedIn(wiredesk.RoleEditor, h.split))
	mux.HandleFunc("POST "+Prefix+"mark", h.signedIn(wiredesk.RoleEditor, h.mark))
	mux.Handle("GET "+Prefix+"static/", h.static)
	h.configRoutes(mux)
	h.mux = mux
}

// staticFiles serves the embedded files of the folder under
// Prefix+"static/", and no listing of it: a folder's path is not found.
func staticFiles(folder fs.FS) http.Handler {
	files := http.StripPrefix(Prefix+"static/", http.FileServerFS(folder))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r)
			return
		}
		files.ServeHTTP(w, r)
	})
}

// ServeHTTP answers every path under Prefix. Every answer carries the
// desk's security headers; a cross-origin POST is refused before any
// handler sees it (the per-session CSRF token is checked as well).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "+
		"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("Cache-Control", "no-store")
	if err := h.origin.Check(r); err != nil {
		http.Error(w, "cross-origin request refused", http.StatusForbidden)
		return
	}
	h.mux.ServeHTTP(w, r)
}
