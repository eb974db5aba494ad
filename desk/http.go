package desk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wiredesk/wiredesk"
)

// The admin endpoints, relative to the daemon's root. Story and item ids
// contain "/" ("interfax/49c7…"), so show takes the rest of the path.
const (
	PathStory = "/admin/story/"      // GET  /admin/story/{id...}
	PathList  = "/admin/story/list"  // GET  ?limit=N&since=RFC3339
	PathWhy   = "/admin/story/why"   // GET  ?a=ITEM&b=ITEM
	PathMerge = "/admin/story/merge" // POST {"into","from","by"}
	PathSplit = "/admin/story/split" // POST {"item","by"}
	// GET ?since=RFC3339&floor=0.5&limit=N
	PathUnsure = "/admin/story/unsure"
	// POST {"a","b","by"}
	PathDismiss = "/admin/story/dismiss"
)

// maxRequestBytes bounds an admin request body; a decision is a few ids.
const maxRequestBytes = 64 << 10

// MergeRequest is the body of POST /admin/story/merge.
type MergeRequest struct {
	Into string `json:"into"`
	From string `json:"from"`
	By   string `json:"by"`
}

// SplitRequest is the body of POST /admin/story/split.
type SplitRequest struct {
	Item string `json:"item"`
	By   string `json:"by"`
}

// DismissRequest is the body of POST /admin/story/dismiss.
type DismissRequest struct {
	A  string `json:"a"`
	B  string `json:"b"`
	By string `json:"by"`
}

// DismissAnswer is the answer to POST /admin/story/dismiss: the stories
// asked about.
type DismissAnswer struct {
	A string `json:"a"`
	B string `json:"b"`
}

// errorBody is every error answer: {"error": "..."}.
type errorBody struct {
	Error string `json:"error"`
}

// Routes registers the admin endpoints on mux, each wrapped by guard (the
// daemon's admin token check, the same as for /admin/poll-now).
func Routes(mux *http.ServeMux, ed Editor, guard func(http.Handler) http.Handler) {
	h := &handler{ed: ed}
	mux.Handle("GET "+PathStory+"{id...}", guard(http.HandlerFunc(h.show)))
	mux.Handle("GET "+PathList, guard(http.HandlerFunc(h.list)))
	mux.Handle("GET "+PathWhy, guard(http.HandlerFunc(h.why)))
	mux.Handle("POST "+PathMerge, guard(http.HandlerFunc(h.merge)))
	mux.Handle("POST "+PathSplit, guard(http.HandlerFunc(h.split)))
	mux.Handle("GET "+PathUnsure, guard(http.HandlerFunc(h.unsure)))
	mux.Handle("POST "+PathDismiss, guard(http.HandlerFunc(h.dismiss)))
}

type handler struct{ ed Editor }

func (h *handler) show(w http.ResponseWriter, r *http.Request) {
	v, err := h.ed.Show(r.Context(), r.PathValue("id"))
	reply(w, v, err)
}

func (h *handler) list(w http.ResponseWriter, r *http.Request) {
	var q ListQuery
	if err := sinceLimit(r.URL.Query(), &q.Since, &q.Limit); err != nil {
		replyError(w, http.StatusBadRequest, err)
		return
	}
	vs, err := h.ed.List(r.Context(), q)
	reply(w, vs, err)
}

// sinceLimit reads the query parameters since (RFC 3339) and limit that
// list and unsure share into since and limit, leaving those absent alone.
func sinceLimit(vals url.Values, since *time.Time, limit *int) error {
	if s := vals.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return fmt.Errorf("limit %q: not a number", s)
		}
		*limit = n
	}
	if s := vals.Get("since"); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return fmt.Errorf("since %q: not an RFC 3339 time", s)
		}
		*since = t
	}
	return nil
}

func (h *handler) why(w http.ResponseWriter, r *http.Request) {
	a, b := r.URL.Query().Get("a"), r.URL.Query().Get("b")
	if a == "" || b == "" {
		replyError(w, http.StatusBadRequest, errors.New("why needs two item ids: ?a=ITEM&b=ITEM"))
		return
	}
	v, err := h.ed.Why(r.Context(), a, b)
	reply(w, v, err)
}

func (h *handler) merge(w http.ResponseWriter, r *http.Request) {
	var req MergeRequest
	if !decodeRequest(w, r, &req) {
		return
	}
	if req.Into == "" || req.From == "" {
		replyError(w, http.StatusBadRequest, errors.New(`merge needs "into" and "from" story ids`))
		return
	}
	v, err := h.ed.Merge(r.Context(), req.Into, req.From, req.By)
	reply(w, v, err)
}

func (h *handler) split(w http.ResponseWriter, r *http.Request) {
	var req SplitRequest
	if !decodeRequest(w, r, &req) {
		return
	}
	if req.Item == "" {
		replyError(w, http.StatusBadRequest, errors.New(`split needs an "item" id`))
		return
	}
	v, err := h.ed.Split(r.Context(), req.Item, req.By)
	reply(w, v, err)
}

func (h *handler) unsure(w http.ResponseWriter, r *http.Request) {
	var q UnsureQuery
	vals := r.URL.Query()
	if err := sinceLimit(vals, &q.Since, &q.Limit); err != nil {
		replyError(w, http.StatusBadRequest, err)
		return
	}
	if s := vals.Get("floor"); s != "" {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			replyError(w, http.StatusBadRequest, fmt.Errorf("floor %q: not a number", s))
			return
		}
		// Service.Unsure reads a zero floor as "unset"; a floor the
		// query names is refused out of range like any other, 0 too.
		if err := checkFloor(f); err != nil {
			reply(w, nil, err)
			return
		}
		q.Floor = f
	}
	vs, err := h.ed.Unsure(r.Context(), q)
	reply(w, vs, err)
}

func (h *handler) dismiss(w http.ResponseWriter, r *http.Request) {
	var req DismissRequest
	if !decodeRequest(w, r, &req) {
		return
	}
	if req.A == "" || req.B == "" {
		replyError(w, http.StatusBadRequest, errors.New(`dismiss needs "a" and "b" story ids`))
		return
	}
	err := h.ed.Dismiss(r.Context(), req.A, req.B, req.By)
	reply(w, DismissAnswer{A: req.A, B: req.B}, err)
}

func decodeRequest(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxRequestBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		replyError(w, http.StatusBadRequest, fmt.Errorf("request body: %w", err))
		return false
	}
	return true
}

// reply writes v as JSON, or err with the status its kind maps to.
func reply(w http.ResponseWriter, v any, err error) {
	if err != nil {
		replyError(w, statusOf(err), err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // a failed write means the client left
}

func replyError(w http.ResponseWriter, status int, err error) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(errorBody{Error: err.Error()})
}

// statusOf maps an Editor error to an HTTP status; Client maps it back.
func statusOf(err error) int {
	switch {
	case errors.Is(err, wiredesk.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, wiredesk.ErrRefused):
		return http.StatusConflict
	}
	return http.StatusInternalServerError
}

// ErrNoDaemon is returned by Client when no daemon answered: nothing
// listens at BaseURL, or the connection failed.
var ErrNoDaemon = errors.New("no daemon answered")

// Client is an Editor that asks a running daemon.
type Client struct {
	// BaseURL is the daemon's admin root, e.g. "http://127.0.0.1:8080".
	BaseURL string
	// Token is sent as "Authorization: Bearer TOKEN" when set.
	Token string
	// HTTP is the client to use; nil means one with a 30s timeout.
	HTTP *http.Client
}

var _ Editor = (*Client)(nil)

// Show asks GET /admin/story/{id}.
func (c *Client) Show(ctx context.Context, id string) (StoryView, error) {
	var v StoryView
	err := c.do(ctx, http.MethodGet, PathStory+escapePath(id), nil, &v)
	return v, err
}

// List asks GET /admin/story/list.
func (c *Client) List(ctx context.Context, q ListQuery) ([]StoryView, error) {
	vals := url.Values{}
	if q.Limit > 0 {
		vals.Set("limit", strconv.Itoa(q.Limit))
	}
	if !q.Since.IsZero() {
		vals.Set("since", q.Since.UTC().Format(time.RFC3339))
	}
	var vs []StoryView
	err := c.do(ctx, http.MethodGet, PathList+query(vals), nil, &vs)
	return vs, err
}

// Merge asks POST /admin/story/merge.
func (c *Client) Merge(ctx context.Context, into, from, by string) (StoryView, error) {
	var v StoryView
	err := c.do(ctx, http.MethodPost, PathMerge, MergeRequest{Into: into, From: from, By: by}, &v)
	return v, err
}

// Split asks POST /admin/story/split.
func (c *Client) Split(ctx context.Context, itemID, by string) (StoryView, error) {
	var v StoryView
	err := c.do(ctx, http.MethodPost, PathSplit, SplitRequest{Item: itemID, By: by}, &v)
	return v, err
}

// Why asks GET /admin/story/why.
func (c *Client) Why(ctx context.Context, a, b string) (WhyView, error) {
	var v WhyView
	err := c.do(ctx, http.MethodGet, PathWhy+query(url.Values{"a": {a}, "b": {b}}), nil, &v)
	return v, err
}

// Get asks GET path (with its query) of the daemon's admin endpoints and
// decodes the JSON answer into out; for the read-only commands (sources,
// preview) that have no Editor method.
func (c *Client) Get(ctx context.Context, path string, out any) error {
	return c.do(ctx, http.MethodGet, path, nil, out)
}

// DaemonError is an error answer of the daemon. It matches
// wiredesk.ErrNotFound (404) and wiredesk.ErrRefused (409) with errors.Is,
// like the error the daemon's Service returned.
type DaemonError struct {
	Status  int
	Message string
}

func (e *DaemonError) Error() string { return e.Message }

// Is maps the status back to the sentinel the daemon answered it for.
func (e *DaemonError) Is(target error) bool {
	switch e.Status {
	case http.StatusNotFound:
		return target == wiredesk.ErrNotFound
	case http.StatusConflict:
		return target == wiredesk.ErrRefused
	}
	return false
}

// do sends one request and decodes the JSON answer into out.
func (c *Client) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.BaseURL, "/")+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("ask the daemon: %w: %w", ErrNoDaemon, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("read the daemon's answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		var eb errorBody
		if json.Unmarshal(data, &eb) != nil || eb.Error == "" {
			eb.Error = fmt.Sprintf("daemon answered %s: %s", resp.Status, strings.TrimSpace(string(data)))
		}
		return &DaemonError{Status: resp.StatusCode, Message: eb.Error}
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("decode the daemon's answer: %w", err)
	}
	return nil
}

// escapePath escapes each segment of an id, keeping its slashes.
func escapePath(id string) string {
	parts := strings.Split(id, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}

func query(v url.Values) string {
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}
