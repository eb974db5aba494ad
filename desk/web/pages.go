package web

import (
	"bytes"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wiredesk/wiredesk"
	"github.com/wiredesk/wiredesk/desk"
)

// funcs are the templates' helpers.
var funcs = template.FuncMap{
	"time": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"iso":  func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"prob": func(p float64) string { return strconv.FormatFloat(p, 'f', 2, 64) },
	// sameWire says how a threshold with the same-wire margin is made up.
	"sameWire": desk.SameWireText,
	"marks":    desk.DescribeMarks,
	// whyLink is the Why page of items a and b.
	"whyLink": func(a, b string) string { return Prefix + "why?" + url.Values{"a": {a}, "b": {b}}.Encode() },
}

// boardFilter is the board's query: ?feed=&source=&lang=&q=.
type boardFilter struct {
	Feed, Source, Lang, Words string
}

func filterOf(r *http.Request) boardFilter {
	q := r.URL.Query()
	return boardFilter{Feed: q.Get("feed"), Source: q.Get("source"), Lang: q.Get("lang"), Words: strings.TrimSpace(q.Get("q"))}
}

// query is the filter as a URL query, for links and redirects back.
func (f boardFilter) query() string {
	v := url.Values{}
	for k, s := range map[string]string{"feed": f.Feed, "source": f.Source, "lang": f.Lang, "q": f.Words} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v.Encode()
}

// boardStory is one story on the board.
type boardStory struct {
	desk.StoryView
	Credit   string
	Headline string // the published headline: an editor's, else the lead item's
	Members  []boardItem
}

// boardItem is one member of a story on the board.
type boardItem struct {
	desk.ItemView
	Wire string // the source's name
	Link string // the item's link when it is http(s); "" otherwise
}

// boardData is what the board templates render.
type boardData struct {
	Title   string
	User    account
	Filter  boardFilter
	Query   string
	Feeds   []string
	Sources []string
	Stories []boardStory
	Total   int // stories read before filtering
	Done    string
	Updated time.Time
	// Unsure is how many pairs of stories of the last day the Unsure page
	// lists, up to its limit (UnsureMore when it reached it); zero on the
	// fragment the board refreshes with, and when they could not be read.
	Unsure     int
	UnsureMore bool
}

// loadBoard reads the stories and applies the filter.
func (h *Handler) loadBoard(r *http.Request) (boardData, error) {
	f := filterOf(r)
	vs, err := h.opt.Desk.List(r.Context(), desk.ListQuery{Limit: h.opt.BoardLimit})
	if err != nil {
		return boardData{}, err
	}
	var inFeed map[string]bool
	if f.Feed != "" && h.opt.Preview != nil {
		ds, err := h.opt.Preview(r.Context(), f.Feed)
		if err != nil && !errors.Is(err, wiredesk.ErrNotFound) {
			return boardData{}, err
		}
		inFeed = map[string]bool{}
		for _, d := range ds {
			if d.Picked {
				inFeed[d.StoryID] = true
			}
		}
	}
	d := boardData{Title: "Story board", User: accountOf(r), Filter: f, Query: f.query(), Feeds: h.opt.Feeds(),
		Total: len(vs), Done: doneMessage(r.URL.Query().Get("done")), Updated: h.opt.Now()}
	sources := map[string]bool{}
	for _, v := range vs {
		for _, id := range v.Sources() {
			sources[id] = true
		}
		if !f.keeps(v, inFeed) {
			continue
		}
		d.Stories = append(d.Stories, h.boardStory(v))
	}
	for id := range sources {
		d.Sources = append(d.Sources, id)
	}
	slices.Sort(d.Sources)
	return d, nil
}

// keeps reports whether story v passes the filter. A feed filter keeps a
// story the feed publishes, or one of whose items it publishes (feeds
// with cluster = false).
func (f boardFilter) keeps(v desk.StoryView, inFeed map[string]bool) bool {
	if f.Feed != "" && inFeed != nil && !inFeed[v.ID] && !slices.ContainsFunc(v.Items, func(it desk.ItemView) bool { return inFeed[it.ID] }) {
		return false
	}
	if f.Source != "" && !slices.Contains(v.Sources(), f.Source) {
		return false
	}
	if f.Lang != "" && !slices.ContainsFunc(v.Items, func(it desk.ItemView) bool {
		l := strings.ToLower(it.Language)
		return l == strings.ToLower(f.Lang) || strings.HasPrefix(l, strings.ToLower(f.Lang)+"-")
	}) {
		return false
	}
	for _, w := range strings.Fields(strings.ToLower(f.Words)) {
		if !slices.ContainsFunc(v.Items, func(it desk.ItemView) bool { return strings.Contains(strings.ToLower(it.Title), w) }) {
			return false
		}
	}
	return true
}

func (h *Handler) boardStory(v desk.StoryView) boardStory {
	bs := boardStory{StoryView: v, Headline: v.Marks.Headline}
	var names []string
	for _, id := range v.Sources() {
		names = append(names, h.opt.SourceName(id))
	}
	bs.Credit = wiredesk.Credit("", names, "")
	for _, it := range v.Items {
		bs.Members = append(bs.Members, boardItem{ItemView: it, Wire: h.opt.SourceName(it.Source), Link: webLink(it.Link)})
	}
	if bs.Headline == "" && len(v.Items) > 0 {
		bs.Headline = v.Items[0].Title
	}
	return bs
}

// webLink returns u when it is an http or https URL and "" otherwise.
func webLink(u string) string {
	l := strings.ToLower(strings.TrimSpace(u))
	if strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "http://") {
		return u
	}
	return ""
}

func doneMessage(code string) string {
	switch code {
	case "merge":
		return "Stories merged."
	case "split":
		return "Item split into a story of its own."
	case "mark":
		return "Story marks saved; the feeds follow within seconds."
	case "dismiss":
		return "Marked as two events; the pair is off the list."
	}
	return ""
}

func (h *Handler) board(w http.ResponseWriter, r *http.Request) {
	d, err := h.loadBoard(r)
	if err != nil {
		h.serverError(w, r, "read the board", err)
		return
	}
	d.Unsure, d.UnsureMore = h.unsureCount(r)
	h.render(w, http.StatusOK, "board.html", d)
}

// unsureTally is a count of the pairs the Unsure page lists by default.
type unsureTally struct {
	at   time.Time
	n    int
	more bool // the count reached unsureLimit
}

// unsureCountTTL is how long the board shows one count of the unsure
// pairs. Counting compares every item of the last day with the index
// again — about half a second for a day of 10,000 items on the
// benchmark machine (`make bench`, "desk unsure") — so the board counts
// at most this often, whoever loads it, and an editor's decision starts
// a new count at once.
const unsureCountTTL = time.Minute

// unsureCount returns how many pairs the Unsure page lists by default, so
// the board says when some wait for an editor. While another request
// counts, it returns the last count; when the pairs cannot be read, none.
func (h *Handler) unsureCount(r *http.Request) (n int, more bool) {
	now := h.opt.Now()
	fresh := func(t *unsureTally) bool { return t != nil && now.Sub(t.at) < unsureCountTTL && !t.at.After(now) }
	if t := h.tally.Load(); fresh(t) {
		return t.n, t.more
	}
	if !h.counting.TryLock() {
		if t := h.tally.Load(); t != nil {
			return t.n, t.more
		}
		return 0, false
	}
	defer h.counting.Unlock()
	if t := h.tally.Load(); fresh(t) {
		return t.n, t.more
	}
	t := &unsureTally{at: now}
	vs, err := h.opt.Desk.Unsure(r.Context(), desk.UnsureQuery{Since: now.Add(-unsureSince["24h"]), Floor: desk.DefaultUnsureFloor, Limit: unsureLimit})
	if err != nil {
		h.opt.Log.Warn("desk: count the unsure pairs for the board", "err", err)
	} else {
		t.n, t.more = len(vs), len(vs) == unsureLimit
	}
	h.tally.Store(t)
	return t.n, t.more
}

// staleUnsureCount makes the board count again on its next load: an
// editor merged, split or dismissed.
func (h *Handler) staleUnsureCount() { h.tally.Store(nil) }

// boardFragment is the board alone, which desk.js fetches to show new
// stories without a reload.
func (h *Handler) boardFragment(w http.ResponseWriter, r *http.Request) {
	d, err := h.loadBoard(r)
	if err != nil {
		h.serverError(w, r, "read the board", err)
		return
	}
	h.render(w, http.StatusOK, "stories", d)
}

// feed shows what a feed publishes now and what it leaves out and why,
// as `wiredesk preview` does.
func (h *Handler) feed(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("slug")
	if h.opt.Preview == nil || !slices.Contains(h.opt.Feeds(), slug) {
		h.fail(w, r, http.StatusNotFound, "No feed "+slug+".")
		return
	}
	ds, err := h.opt.Preview(r.Context(), slug)
	if err != nil {
		h.actionError(w, r, "preview feed "+slug, err)
		return
	}
	var in, out []FeedDecision
	for _, d := range ds {
		if d.Picked {
			in = append(in, d)
		} else {
			out = append(out, d)
		}
	}
	h.render(w, http.StatusOK, "feed.html", map[string]any{"Title": "Feed " + slug, "User": accountOf(r), "Slug": slug,
		"In": in, "Out": out, "Feeds": h.opt.Feeds()})
}

func (h *Handler) audit(w http.ResponseWriter, r *http.Request) {
	before, _ := strconv.ParseUint(r.URL.Query().Get("before"), 10, 64)
	const page = 100
	es, err := h.opt.Users.Audit(r.Context(), page, before)
	if err != nil {
		h.serverError(w, r, "read the audit log", err)
		return
	}
	var older uint64
	if len(es) == page {
		older = es[len(es)-1].Seq
	}
	h.render(w, http.StatusOK, "audit.html", map[string]any{"Title": "Audit log", "User": accountOf(r), "Entries": es, "Older": older})
}

func (h *Handler) merge(w http.ResponseWriter, r *http.Request) {
	defer h.staleUnsureCount() // before the response goes out, whatever the outcome
	ids := slices.Compact(slices.Sorted(slices.Values(r.PostForm["story"])))
	if len(ids) < 2 {
		h.fail(w, r, http.StatusBadRequest, "Tick at least two stories to merge.")
		return
	}
	vs, err := h.opt.Desk.List(r.Context(), desk.ListQuery{Limit: h.opt.BoardLimit})
	if err != nil {
		h.serverError(w, r, "read the stories", err)
		return
	}
	// The story first reported keeps its id, so links to it stay good.
	created := map[string]time.Time{}
	for _, v := range vs {
		created[v.ID] = v.Created
	}
	for _, id := range ids {
		if _, ok := created[id]; ok {
			continue
		}
		// Older than the board (the Unsure page looks back 3 days).
		v, err := h.opt.Desk.Show(r.Context(), id)
		if err != nil {
			h.actionError(w, r, "find story "+id, err)
			return
		}
		created[id] = v.Created
	}
	into := slices.MinFunc(ids, func(a, b string) int {
		if c := created[a].Compare(created[b]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	by := accountOf(r).Name
	for _, from := range ids {
		if from == into {
			continue
		}
		if _, err := h.opt.Desk.Merge(r.Context(), into, from, by); err != nil {
			h.actionError(w, r, "merge "+from+" into "+into, err)
			return
		}
	}
	if r.PostFormValue("page") == "unsure" {
		h.doneUnsure(w, r, "merge")
		return
	}
	h.done(w, r, "merge")
}

func (h *Handler) split(w http.ResponseWriter, r *http.Request) {
	defer h.staleUnsureCount() // before the response goes out, whatever the outcome
	item := r.PostFormValue("item")
	if item == "" {
		h.fail(w, r, http.StatusBadRequest, "Choose an item to split out.")
		return
	}
	if _, err := h.opt.Desk.Split(r.Context(), item, accountOf(r).Name); err != nil {
		h.actionError(w, r, "split "+item, err)
		return
	}
	h.done(w, r, "split")
}

func (h *Handler) mark(w http.ResponseWriter, r *http.Request) {
	id := r.PostFormValue("story")
	ch := desk.MarkChange{Action: desk.MarkAction(r.PostFormValue("action")), Feed: r.PostFormValue("feed"), Headline: r.PostFormValue("headline")}
	if ch.Feed != "" && !slices.Contains(h.opt.Feeds(), ch.Feed) {
		h.fail(w, r, http.StatusBadRequest, "No feed "+ch.Feed+".")
		return
	}
	if ch.Action == desk.MarkPin {
		hours, err := strconv.ParseFloat(r.PostFormValue("hours"), 64)
		if err != nil || !(hours > 0 && hours <= 24*7) { // NaN fails too
			h.fail(w, r, http.StatusBadRequest, "Pin for between a minute and a week (hours, e.g. 2 or 0.5).")
			return
		}
		ch.Until = h.opt.Now().Add(time.Duration(hours * float64(time.Hour)))
	}
	if _, err := h.opt.Desk.Mark(r.Context(), id, ch, accountOf(r).Name); err != nil {
		h.actionError(w, r, string(ch.Action)+" "+id, err)
		return
	}
	h.done(w, r, "mark")
}

// done sends the browser back to the board it came from (Post/Redirect/
// Get), with its filter: only the filter's own fields are carried, so the
// redirect cannot point elsewhere.
func (h *Handler) done(w http.ResponseWriter, r *http.Request, code string) {
	back, _ := url.ParseQuery(r.PostFormValue("back"))
	f := boardFilter{Feed: back.Get("feed"), Source: back.Get("source"), Lang: back.Get("lang"), Words: back.Get("q")}
	q := f.query()
	if q != "" {
		q += "&"
	}
	http.Redirect(w, r, Prefix+"?"+q+"done="+code, http.StatusSeeOther)
}

// actionError answers a failed story action: 404 for an unknown story or
// item, 409 for a decision refused (merge into itself, split of a lone
// item, bad mark), 500 otherwise.
func (h *Handler) actionError(w http.ResponseWriter, r *http.Request, what string, err error) {
	switch {
	case errors.Is(err, wiredesk.ErrNotFound):
		h.fail(w, r, http.StatusNotFound, "Could not "+what+": "+err.Error())
	case errors.Is(err, wiredesk.ErrRefused):
		h.fail(w, r, http.StatusConflict, "Could not "+what+": "+err.Error())
	default:
		h.serverError(w, r, what, err)
	}
}

func (h *Handler) serverError(w http.ResponseWriter, r *http.Request, what string, err error) {
	h.opt.Log.Error("desk", "action", what, "user", accountOf(r).Name, "error", err)
	h.fail(w, r, http.StatusInternalServerError, "Could not "+what+"; the server's log has the details.")
}

// fail answers with an error page.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, status int, msg string) {
	h.render(w, status, "error.html", map[string]any{"Title": http.StatusText(status), "User": accountOf(r), "Message": msg})
}

// render executes a template into a buffer first, so a template error
// never sends half a page.
func (h *Handler) render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := h.pages.ExecuteTemplate(&buf, name, data); err != nil {
		h.opt.Log.Error("desk template", "template", name, "error", err)
		http.Error(w, "page failed to render", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func itoa(n int) string { return strconv.Itoa(n) }
