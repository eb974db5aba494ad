// Package status renders the source health page (/status): one row per
// configured source with its state, last success, HTTP status, recent
// volume, schedule, last error and a "silent" flag for wires that have
// gone quiet. It is server-rendered HTML (html/template) with no scripts,
// readable on a phone. It reads storage through the small Reader interface
// it declares; it never shows credentials.
package status

import (
	"context"
	_ "embed"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"sort"
	"time"

	"github.com/wiredesk/wiredesk"
)

// Reader is what the status page needs from storage.
type Reader interface {
	SourceStates(ctx context.Context) (map[string]wiredesk.SourceState, error)
	// RecentItems returns the items first seen at or after since.
	RecentItems(ctx context.Context, since time.Time) ([]wiredesk.Item, error)
}

// Page is the /status handler.
type Page struct {
	Reader  Reader
	Sources func() []wiredesk.Source // the running config's sources
	Now     func() time.Time         // nil: time.Now
	Version string
	Refresh time.Duration // meta refresh interval; 0: 60s
	// DeadAlerts, when set, lists the alerts no channel took (the dead
	// letters of the alert outbox), shown below the sources.
	DeadAlerts func(ctx context.Context) ([]wiredesk.Alert, error)
	// Location is the zone the page shows times in ([server] timezone); nil,
	// or a nil result: the machine's local zone. A func, so that a reloaded
	// config takes effect.
	Location func() *time.Location
}

// Days is how many per-day counts a row shows.
const Days = 7

// SilentFactor: a source is silent when it has had no new item for this
// many times its usual gap between items.
const SilentFactor = 3

// Row is one source on the page.
type Row struct {
	ID, Name    string
	URL         string // redacted
	Enabled     bool
	State       wiredesk.State
	LastSuccess time.Time
	LastStatus  int
	Last24h     int
	PerDay      [Days]int // oldest first; PerDay[Days-1] is the last 24 hours
	NextDue     time.Time
	Gone        bool // disabled by 410 Gone at its URL: not polled until the URL changes
	LastError   string
	MovedTo     string
	LastItem    time.Time
	UsualGap    time.Duration // median gap between new items over the week; 0 when unknown
	Silent      bool
	Failures    int
	// Encoding is the charset decision of the last parse and why, with
	// the detection figures when the bytes decided ("" before a parse).
	Encoding string
}

// View is everything the template shows.
type View struct {
	Now       time.Time // in the page's zone; the template shows every time in it
	Version   string
	Rows      []Row
	Problems  int // rows in error, backoff, disabled or silent
	Refresh   int // seconds
	ItemsWeek int
	// DeadAlerts are the alerts that ran out of attempts or that a
	// channel refused, newest last.
	DeadAlerts []wiredesk.Alert
}

// Build assembles the view; exported for tests and the `sources` command.
func (p *Page) Build(ctx context.Context) (View, error) {
	now := time.Now()
	if p.Now != nil {
		now = p.Now()
	}
	states, err := p.Reader.SourceStates(ctx)
	if err != nil {
		return View{}, fmt.Errorf("status: source states: %w", err)
	}
	items, err := p.Reader.RecentItems(ctx, now.Add(-Days*24*time.Hour))
	if err != nil {
		return View{}, fmt.Errorf("status: recent items: %w", err)
	}
	bySource := map[string][]time.Time{}
	for _, it := range items {
		bySource[it.SourceID] = append(bySource[it.SourceID], it.FirstSeen)
	}
	loc := time.Local
	if p.Location != nil && p.Location() != nil {
		loc = p.Location()
	}
	now = now.In(loc)
	v := View{Now: now, Version: p.Version, ItemsWeek: len(items), Refresh: 60}
	if p.Refresh > 0 {
		v.Refresh = int(p.Refresh.Seconds())
	}
	for _, src := range p.Sources() {
		st, ok := states[src.ID]
		if !ok {
			st.State = wiredesk.StateNew
		}
		r := Row{
			ID: src.ID, Name: src.Name, URL: src.Redacted(), Enabled: src.Enabled,
			State: st.State, LastSuccess: st.LastSuccess, LastStatus: st.LastStatus,
			NextDue: st.NextDue, LastError: st.LastError, Failures: st.Failures,
			LastItem: st.LastNewItem, Encoding: st.Encoding,
		}
		if st.MovedTo != "" {
			r.MovedTo = wiredesk.RedactURL(st.MovedTo)
		}
		if !src.Enabled {
			r.State = wiredesk.StateDisabled
		}
		// A wire that said 410 Gone at the URL the source still has is not
		// polled again until the URL changes: it has no next poll.
		if st.State == wiredesk.StateDisabled && st.GoneURL != "" && st.GoneURL == src.URL {
			r.Gone, r.NextDue = true, time.Time{}
		}
		times := bySource[src.ID]
		for _, t := range times {
			age := now.Sub(t)
			if age < 0 {
				age = 0
			}
			day := int(age / (24 * time.Hour))
			if day < Days {
				r.PerDay[Days-1-day]++
			}
			if age < 24*time.Hour {
				r.Last24h++
			}
			if t.After(r.LastItem) {
				r.LastItem = t
			}
		}
		r.UsualGap = usualGap(times)
		r.Silent = silent(r, now)
		if r.Silent || r.State == wiredesk.StateError || r.State == wiredesk.StateBackoff || (r.State == wiredesk.StateDisabled && src.Enabled) {
			v.Problems++
		}
		v.Rows = append(v.Rows, r)
	}
	if p.DeadAlerts != nil {
		if v.DeadAlerts, err = p.DeadAlerts(ctx); err != nil {
			return View{}, fmt.Errorf("status: dead alerts: %w", err)
		}
		v.Problems += len(v.DeadAlerts)
	}
	// Problems first, then by id: the row that needs a human is on top.
	sort.SliceStable(v.Rows, func(i, j int) bool {
		pi, pj := rank(v.Rows[i]), rank(v.Rows[j])
		if pi != pj {
			return pi < pj
		}
		return v.Rows[i].ID < v.Rows[j].ID
	})
	return v, nil
}

func rank(r Row) int {
	switch {
	case r.State == wiredesk.StateError || r.State == wiredesk.StateBackoff:
		return 0
	case r.Silent:
		return 1
	case r.State == wiredesk.StateDisabled && r.Enabled:
		return 2
	case !r.Enabled:
		return 4
	}
	return 3
}

// usualGap is the median gap between consecutive new items; 0 with fewer
// than four items (too little to call anything usual).
func usualGap(times []time.Time) time.Duration {
	if len(times) < 4 {
		return 0
	}
	ts := slices.Clone(times)
	slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
	var gaps []time.Duration
	for i := 1; i < len(ts); i++ {
		if g := ts[i].Sub(ts[i-1]); g > 0 {
			gaps = append(gaps, g)
		}
	}
	if len(gaps) < 3 {
		return 0
	}
	slices.Sort(gaps)
	return gaps[len(gaps)/2]
}

// silent: a source that normally publishes has had no new item for
// SilentFactor times its usual gap.
func silent(r Row, now time.Time) bool {
	if !r.Enabled || r.UsualGap == 0 || r.LastItem.IsZero() {
		return false
	}
	return now.Sub(r.LastItem) > SilentFactor*r.UsualGap
}

// ServeHTTP implements http.Handler.
func (p *Page) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	v, err := p.Build(r.Context())
	if err != nil {
		http.Error(w, "status unavailable: database not readable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	if r.Method == http.MethodHead {
		return
	}
	if err := page.Execute(w, v); err != nil {
		// Headers are gone; nothing more to tell the client.
		return
	}
}

//go:embed status.html
var pageHTML string

var page = template.Must(template.New("status").Funcs(template.FuncMap{
	"ago":    RelTime,
	"dur":    shortDur,
	"bar":    func(n, max int) int { return barHeight(n, max) },
	"maxday": func(d [Days]int) int { return slices.Max(d[:]) },
	"stamp":  func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	// local writes t in the zone of now (the page's zone) with its offset.
	"local":   func(t, now time.Time) string { return t.In(now.Location()).Format("2006-01-02 15:04 MST -0700") },
	"dayname": func(now time.Time, i int) string { return now.AddDate(0, 0, i-(Days-1)).Format("Mon") },
}).Parse(pageHTML))

func barHeight(n, max int) int {
	if max == 0 || n == 0 {
		return 0
	}
	return 2 + n*26/max
}

// RelTime says "3m ago" or "in 2m" of t as seen at now; "never" for the
// zero time. The `sources` command prints times the same way.
func RelTime(t, now time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	if d < 0 {
		return "in " + shortDur(-d)
	}
	return shortDur(d) + " ago"
}

func shortDur(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	default:
		return fmt.Sprintf("%dd", int(d.Hours()/24))
	}
}
