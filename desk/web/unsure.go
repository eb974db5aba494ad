package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wiredesk/wiredesk/desk"
)

// This file is the Unsure page: the pairs of stories the matcher kept
// apart although it found them alike, where one event most often shows
// twice. An editor merges a pair (the board's merge handler) or says it
// is two events (Dismiss), and the pair leaves the list. The Why page
// shows the evidence behind a pair.

// unsureSince are the look-back choices the page offers (in the order of
// unsureSinceOrder); nothing else is accepted, so a link cannot ask for a
// scan of the whole database.
var unsureSince = map[string]time.Duration{"6h": 6 * time.Hour, "24h": 24 * time.Hour, "3d": 72 * time.Hour}

var unsureSinceOrder = []string{"6h", "24h", "3d"}

// unsureLimit is how many pairs the page shows at most: a busy wire day
// lists 6 to 27 (testdata of aggregator/cluster).
const unsureLimit = 100

// unsureFilter is the page's query: ?since=&floor=.
type unsureFilter struct {
	Since string  // a key of unsureSince
	Floor float64 // the lowest probability listed, in (0, 1]
}

// unsureFilterOf reads the query; msg says what is wrong with a value
// the page does not offer, and is empty otherwise.
func unsureFilterOf(v url.Values) (f unsureFilter, msg string) {
	f = unsureFilter{Since: v.Get("since"), Floor: desk.DefaultUnsureFloor}
	if f.Since == "" {
		f.Since = "24h"
	}
	if _, ok := unsureSince[f.Since]; !ok {
		return f, "Look back 6h, 24h or 3d."
	}
	if s := v.Get("floor"); s != "" {
		p, err := strconv.ParseFloat(s, 64)
		if err != nil || !(p > 0 && p <= 1) { // NaN fails too
			return f, "The floor is a probability above 0 and at most 1, e.g. 0.5."
		}
		f.Floor = p
	}
	return f, ""
}

// query is the filter as a URL query, for links and redirects back.
func (f unsureFilter) query() string {
	return url.Values{"since": {f.Since}, "floor": {strconv.FormatFloat(f.Floor, 'f', -1, 64)}}.Encode()
}

// unsurePair is one pair on the page.
type unsurePair struct {
	desk.UnsureView
	Story, Other unsureStory
	// Item and OtherItem are the best-scoring items, looked up in the
	// stories; a zero one (not among the story's items) is not shown.
	Item, OtherItem boardItem
	// Shared, ItemOnly and OtherItemOnly are the words the two items have
	// in common, and those only one of them has in its title, rarest
	// first; "" for none.
	Shared, ItemOnly, OtherItemOnly string
	Query                           string // the page's filter, for the forms' way back
}

// unsureStory is one side of a pair.
type unsureStory struct {
	desk.StoryView
	Title   string      // the first item's headline
	Sources []wireLangs // in order of first report
	First   time.Time   // the first item's date
}

// wireLangs is a wire of a story with the languages of its items there.
type wireLangs struct {
	Wire  string
	Langs []string
}

func (h *Handler) unsureStory(v desk.StoryView) unsureStory {
	us := unsureStory{StoryView: v}
	if len(v.Items) > 0 {
		us.Title, us.First = v.Items[0].Title, v.Items[0].Date
	}
	at := map[string]int{}
	for _, it := range v.Items {
		i, ok := at[it.Source]
		if !ok {
			i = len(us.Sources)
			at[it.Source] = i
			us.Sources = append(us.Sources, wireLangs{Wire: h.opt.SourceName(it.Source)})
		}
		if l := it.Language; l != "" && !slices.Contains(us.Sources[i].Langs, l) {
			us.Sources[i].Langs = append(us.Sources[i].Langs, l)
		}
	}
	return us
}

// item returns story v's member id as the board shows it, or a zero
// boardItem when v lacks it.
func (h *Handler) item(v desk.StoryView, id string) boardItem {
	if it, ok := v.Item(id); ok {
		return boardItem{ItemView: it, Wire: h.opt.SourceName(it.Source), Link: webLink(it.Link)}
	}
	return boardItem{}
}

func (h *Handler) unsure(w http.ResponseWriter, r *http.Request) {
	f, msg := unsureFilterOf(r.URL.Query())
	if msg != "" {
		h.fail(w, r, http.StatusBadRequest, msg)
		return
	}
	now := h.opt.Now()
	vs, err := h.opt.Desk.Unsure(r.Context(), desk.UnsureQuery{Since: now.Add(-unsureSince[f.Since]), Floor: f.Floor, Limit: unsureLimit})
	if err != nil {
		h.serverError(w, r, "list the unsure pairs", err)
		return
	}
	q := f.query()
	pairs := make([]unsurePair, 0, len(vs))
	for _, v := range vs {
		pairs = append(pairs, unsurePair{UnsureView: v, Story: h.unsureStory(v.Story), Other: h.unsureStory(v.Other),
			Item: h.item(v.Story, v.Item), OtherItem: h.item(v.Other, v.OtherItem), Shared: desk.SharedText(v.Shared), ItemOnly: desk.SharedText(v.ItemOnly), OtherItemOnly: desk.SharedText(v.OtherItemOnly), Query: q})
	}
	h.render(w, http.StatusOK, "unsure.html", map[string]any{"Title": "Unsure pairs", "User": accountOf(r), "Filter": f,
		"SinceChoices": unsureSinceOrder, "Pairs": pairs, "Query": q, "Limit": unsureLimit,
		"Done": doneMessage(r.URL.Query().Get("done")), "Updated": now})
}

// dismiss records that the two stories of a pair are two events.
func (h *Handler) dismiss(w http.ResponseWriter, r *http.Request) {
	defer h.staleUnsureCount() // before the response goes out, whatever the outcome
	a, b := r.PostFormValue("a"), r.PostFormValue("b")
	if a == "" || b == "" || a == b {
		h.fail(w, r, http.StatusBadRequest, "Choose the two stories of a pair.")
		return
	}
	if err := h.opt.Desk.Dismiss(r.Context(), a, b, accountOf(r).Name); err != nil {
		h.actionError(w, r, "mark "+a+" and "+b+" as two events", err)
		return
	}
	h.doneUnsure(w, r, "dismiss")
}

// doneUnsure sends the browser back to the Unsure page it came from, with
// its filter: only the filter's own fields are carried, and a value the
// page does not offer is dropped, so the redirect cannot point elsewhere.
func (h *Handler) doneUnsure(w http.ResponseWriter, r *http.Request, code string) {
	back, _ := url.ParseQuery(r.PostFormValue("back"))
	q := ""
	if f, msg := unsureFilterOf(back); msg == "" {
		q = f.query() + "&"
	}
	http.Redirect(w, r, Prefix+"unsure?"+q+"done="+code, http.StatusSeeOther)
}

// why shows the evidence behind a pair of items as `wiredesk story why`
// prints it, so an editor can judge an unsure pair.
func (h *Handler) why(w http.ResponseWriter, r *http.Request) {
	a, b := r.URL.Query().Get("a"), r.URL.Query().Get("b")
	if a == "" || b == "" {
		h.fail(w, r, http.StatusBadRequest, "Name two items: /desk/why?a=ITEM&b=ITEM.")
		return
	}
	v, err := h.opt.Desk.Why(r.Context(), a, b)
	if err != nil {
		h.actionError(w, r, "compare "+a+" and "+b, err)
		return
	}
	var text strings.Builder
	if err := desk.WriteWhy(&text, v); err != nil { // a strings.Builder does not fail
		h.serverError(w, r, "compare "+a+" and "+b, err)
		return
	}
	h.render(w, http.StatusOK, "why.html", map[string]any{"Title": "Why", "User": accountOf(r), "Why": v, "Text": text.String()})
}
