package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/wiredesk/wiredesk"
)

// ConfigEditor is the configuration side of the desk: sources and feeds,
// each edited as its TOML table (the keys of a [[source]] or [[feed]]),
// saved in the desk's configuration overlay. cmd/wiredesk implements it
// over config.UpdateOverlay and applies a saved change as SIGHUP does.
type ConfigEditor interface {
	// Sources returns every configured source with its health, and the
	// overlay's revision.
	Sources(ctx context.Context) ([]SourceHealth, int, error)
	// FeedList returns every feed and the overlay's revision.
	FeedList(ctx context.Context) ([]FeedEntry, int, error)
	// Table returns the TOML of source or feed key ("" for a new one) for
	// editing. kind is KindSource or KindFeed.
	Table(ctx context.Context, kind, key string) (TableEdit, error)
	// Save applies ch. Problems with the table come back as *Problems; a
	// revision that is not the overlay's matches ErrStale.
	Save(ctx context.Context, ch ConfigChange) error
	// TestFetch fetches and parses the source the table describes, as
	// `wiredesk fetch` does, storing nothing.
	TestFetch(ctx context.Context, key, table string) (FetchReport, error)
	// PreviewFeed judges the stored stories by the feed the table
	// describes, as `wiredesk preview` does, saving nothing.
	PreviewFeed(ctx context.Context, key, table string) ([]FeedDecision, error)
}

// Kinds of configuration table.
const (
	KindSource = "source"
	KindFeed   = "feed"
)

// ConfigChange is one change an admin saves.
type ConfigChange struct {
	Kind     string // KindSource or KindFeed
	Key      string // the id or slug edited; "" for a new one
	Op       string // "save", "enable", "disable" (sources) or "delete" (feeds)
	Table    string // the TOML of the table, for "save"
	Revision int    // the overlay revision the editor read
	By       string
}

// ErrStale is matched by a save over a revision that is not the
// overlay's: someone else saved since the editor loaded the page.
var ErrStale = errors.New("the configuration changed since you loaded it")

// Problem is one problem with a table: the key and what is wrong.
type Problem struct{ Key, Msg string }

// Problems is a table the configuration refused.
type Problems []Problem

func (p *Problems) Error() string {
	if len(*p) == 0 {
		return "invalid"
	}
	return (*p)[0].Key + ": " + (*p)[0].Msg
}

// SourceHealth is one row of the sources page: health as /status shows it.
type SourceHealth struct {
	ID, Name    string
	URL         string // redacted
	Enabled     bool
	FromDesk    bool // changed or added at the desk
	State       string
	LastSuccess time.Time
	HTTPStatus  int
	Items       int
	LastError   string
}

// FeedEntry is one row of the feeds page.
type FeedEntry struct {
	Slug, Title string
	FromDesk    bool
}

// TableEdit is a table as the edit page shows it.
type TableEdit struct {
	Kind, Key string
	Text      string // TOML; literal credentials are hidden
	FromDesk  bool
	Enabled   bool // sources
	Revision  int
}

// FetchReport is what a test fetch shows, as `wiredesk fetch` prints it.
type FetchReport struct {
	URL                    string // redacted
	Title, Link, Format    string
	Charset, CharsetReason string
	HTTPStatus, Bytes      int
	ContentType            string
	Items                  []FetchItem
}

// FetchItem is one parsed item of a test fetch.
type FetchItem struct {
	ID, Title, Link string
	Date            time.Time
	DateGuessed     bool
}

// configRoutes registers the configuration pages when a ConfigEditor is
// set: anyone signed in sees them, admins change them.
func (h *Handler) configRoutes(mux *http.ServeMux) {
	if h.opt.Config == nil {
		return
	}
	mux.HandleFunc("GET "+Prefix+"sources", h.signedIn(wiredesk.RoleViewer, h.sourcesPage))
	mux.HandleFunc("GET "+Prefix+"source", h.signedIn(wiredesk.RoleAdmin, h.sourceEdit))
	mux.HandleFunc("POST "+Prefix+"source/test", h.signedIn(wiredesk.RoleAdmin, h.sourceTest))
	mux.HandleFunc("POST "+Prefix+"source/save", h.signedIn(wiredesk.RoleAdmin, h.configSave(KindSource, "save")))
	mux.HandleFunc("POST "+Prefix+"source/enable", h.signedIn(wiredesk.RoleAdmin, h.configSave(KindSource, "enable")))
	mux.HandleFunc("POST "+Prefix+"source/disable", h.signedIn(wiredesk.RoleAdmin, h.configSave(KindSource, "disable")))
	mux.HandleFunc("GET "+Prefix+"feeds", h.signedIn(wiredesk.RoleViewer, h.feedsPage))
	mux.HandleFunc("GET "+Prefix+"feed-rules", h.signedIn(wiredesk.RoleAdmin, h.feedEdit))
	mux.HandleFunc("POST "+Prefix+"feed-rules/preview", h.signedIn(wiredesk.RoleAdmin, h.feedPreview))
	mux.HandleFunc("POST "+Prefix+"feed-rules/save", h.signedIn(wiredesk.RoleAdmin, h.configSave(KindFeed, "save")))
	mux.HandleFunc("POST "+Prefix+"feed-rules/delete", h.signedIn(wiredesk.RoleAdmin, h.configSave(KindFeed, "delete")))
}

func (h *Handler) sourcesPage(w http.ResponseWriter, r *http.Request) {
	rows, rev, err := h.opt.Config.Sources(r.Context())
	if err != nil {
		h.serverError(w, r, "read the sources", err)
		return
	}
	h.render(w, http.StatusOK, "sources.html", map[string]any{"Title": "Sources", "User": accountOf(r), "Sources": rows,
		"Revision": rev, "Done": doneConfig(r)})
}

// doneConfig is the confirmation after a save: only one of the messages
// configSave redirects with, so a link cannot put other words there.
func doneConfig(r *http.Request) string {
	d := r.URL.Query().Get("done")
	for _, kind := range []string{KindSource, KindFeed} {
		for _, op := range []string{"save", "enable", "disable", "delete"} {
			if d == op+" "+kind {
				return d
			}
		}
	}
	return ""
}

func (h *Handler) feedsPage(w http.ResponseWriter, r *http.Request) {
	feeds, rev, err := h.opt.Config.FeedList(r.Context())
	if err != nil {
		h.serverError(w, r, "read the feeds", err)
		return
	}
	h.render(w, http.StatusOK, "feeds.html", map[string]any{"Title": "Feeds", "User": accountOf(r), "Feeds": feeds,
		"Revision": rev, "Done": doneConfig(r)})
}

// editData is what the edit pages show: the table, and after a button
// the problems, the test fetch or the preview.
type editData struct {
	Title    string
	User     account
	Edit     TableEdit
	Problems Problems
	Message  string // a conflict or a failed fetch
	Fetch    *FetchReport
	In, Out  []FeedDecision
	Previewd bool
}

func (h *Handler) sourceEdit(w http.ResponseWriter, r *http.Request) {
	h.editPage(w, r, KindSource, r.URL.Query().Get("id"))
}

func (h *Handler) feedEdit(w http.ResponseWriter, r *http.Request) {
	h.editPage(w, r, KindFeed, r.URL.Query().Get("slug"))
}

func (h *Handler) editPage(w http.ResponseWriter, r *http.Request, kind, key string) {
	te, err := h.opt.Config.Table(r.Context(), kind, key)
	if err != nil {
		h.actionError(w, r, "open "+kind+" "+key, err)
		return
	}
	h.renderEdit(w, r, http.StatusOK, editData{Edit: te})
}

func (h *Handler) renderEdit(w http.ResponseWriter, r *http.Request, status int, d editData) {
	d.User = accountOf(r)
	name := "source.html"
	d.Title = "Source " + d.Edit.Key
	if d.Edit.Kind == KindFeed {
		name, d.Title = "feedrules.html", "Feed rules "+d.Edit.Key
	}
	if d.Edit.Key == "" {
		d.Title = "New " + d.Edit.Kind
	}
	h.render(w, status, name, d)
}

// posted is the edit form as posted: the table text and what it edits.
func posted(r *http.Request, kind string) TableEdit {
	rev, _ := strconv.Atoi(r.PostFormValue("revision"))
	return TableEdit{Kind: kind, Key: r.PostFormValue("key"), Text: r.PostFormValue("table"), Revision: rev,
		FromDesk: r.PostFormValue("from_desk") == "1", Enabled: r.PostFormValue("enabled") == "1"}
}

func (h *Handler) sourceTest(w http.ResponseWriter, r *http.Request) {
	te := posted(r, KindSource)
	rep, err := h.opt.Config.TestFetch(r.Context(), te.Key, te.Text)
	d := editData{Edit: te}
	var ps *Problems
	switch {
	case errors.As(err, &ps):
		d.Problems = *ps
		h.renderEdit(w, r, http.StatusUnprocessableEntity, d)
		return
	case err != nil:
		d.Message = "The test fetch failed: " + err.Error()
	default:
		d.Fetch = &rep
	}
	h.renderEdit(w, r, http.StatusOK, d)
}

func (h *Handler) feedPreview(w http.ResponseWriter, r *http.Request) {
	te := posted(r, KindFeed)
	ds, err := h.opt.Config.PreviewFeed(r.Context(), te.Key, te.Text)
	d := editData{Edit: te}
	var ps *Problems
	switch {
	case errors.As(err, &ps):
		d.Problems = *ps
		h.renderEdit(w, r, http.StatusUnprocessableEntity, d)
		return
	case err != nil:
		d.Message = "The preview failed: " + err.Error()
	default:
		d.Previewd = true
		for _, x := range ds {
			if x.Picked {
				d.In = append(d.In, x)
			} else {
				d.Out = append(d.Out, x)
			}
		}
	}
	h.renderEdit(w, r, http.StatusOK, d)
}

// configSave saves, enables, disables or deletes; problems and conflicts
// show the edit page again with the editor's text kept.
func (h *Handler) configSave(kind, op string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		te := posted(r, kind)
		ch := ConfigChange{Kind: kind, Key: te.Key, Op: op, Table: te.Text, Revision: te.Revision, By: accountOf(r).Name}
		err := h.opt.Config.Save(r.Context(), ch)
		var ps *Problems
		switch {
		case err == nil:
			page := "sources"
			if kind == KindFeed {
				page = "feeds"
			}
			http.Redirect(w, r, Prefix+page+"?done="+url.QueryEscape(op+" "+kind), http.StatusSeeOther)
		case errors.As(err, &ps):
			h.renderEdit(w, r, http.StatusUnprocessableEntity, editData{Edit: te, Problems: *ps})
		case errors.Is(err, ErrStale):
			h.renderEdit(w, r, http.StatusConflict, editData{Edit: te, Message: "Not saved: " + err.Error()})
		default:
			h.actionError(w, r, op+" "+kind+" "+te.Key, err)
		}
	}
}
