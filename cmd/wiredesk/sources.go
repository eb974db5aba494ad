package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/wiredesk/wiredesk"
	"github.com/wiredesk/wiredesk/desk"
	"github.com/wiredesk/wiredesk/publisher/status"
	"github.com/wiredesk/wiredesk/storage"
)

// pathSources is the daemon's admin endpoint for `wiredesk sources`
// beside a running serve: GET answers []sourceRow as JSON.
const pathSources = "/admin/sources"

func cmdSources(ctx context.Context, e *env, args []string) error {
	fs, cfgPath := flags(e, "sources", "sources [-config FILE] [-json]",
		"  wiredesk sources -config /etc/wiredesk/wiredesk.toml\n"+
			"  wiredesk sources -json | jq '.[] | select(.state != \"ok\")'\n\n"+
			"Reads the database, or asks the running daemon (GET /admin/sources, with WIREDESK_ADMIN_TOKEN\n"+
			"or [server] admin_token as for poll-now) when `wiredesk serve` holds it. Needs no wire\n"+
			"passwords: an unset ${VAR} reads as empty.\n"+
			"Exit codes: 0, 1 fatal, 4 database locked and no daemon answered, 5 database damaged.")
	asJSON := fs.Bool("json", false, "print the rows as JSON (the admin endpoint's shape)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfigReadOnly(e, *cfgPath)
	if err != nil {
		return err
	}
	now := time.Now()
	var rows []sourceRow
	err = besideDaemon(e, cfg, "sources", false,
		func(c *desk.Client) error { return c.Get(ctx, pathSources, &rows) },
		func(db *storage.DB) (err error) {
			rows, err = sourceRows(ctx, db, cfg.Sources, now)
			return err
		})
	if err != nil {
		return err
	}
	return printView(e, *asJSON, rows, func() error {
		writeSourcesTable(e.stdout, rows, now, cfg.Server.Timezone)
		return nil
	})
}

// sourceRow is one line of `wiredesk sources`, and one element of the
// answer of GET /admin/sources.
type sourceRow struct {
	ID          string    `json:"id"`
	State       string    `json:"state"`
	LastSuccess time.Time `json:"last_success"` // zero: never
	HTTPStatus  int       `json:"http_status,omitempty"`
	Items       int       `json:"items"`
	New24h      int       `json:"new_24h"`
	NextDue     time.Time `json:"next_due"` // zero: not scheduled
	LastError   string    `json:"last_error,omitempty"`
}

// sourceReader is what sourceRows reads; *storage.DB.
type sourceReader interface {
	SourceStates(ctx context.Context) (map[string]wiredesk.SourceState, error)
	ItemCounts(ctx context.Context) (map[string]int, error)
	Items(ctx context.Context, q storage.ItemQuery) ([]wiredesk.Item, error)
}

// sourceRows reads every configured source's health at now.
func sourceRows(ctx context.Context, db sourceReader, sources []wiredesk.Source, now time.Time) ([]sourceRow, error) {
	states, err := db.SourceStates(ctx)
	if err != nil {
		return nil, err
	}
	counts, err := db.ItemCounts(ctx)
	if err != nil {
		return nil, err
	}
	recent := map[string]int{}
	items, err := db.Items(ctx, storage.ItemQuery{Since: now.Add(-24 * time.Hour)})
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		recent[it.SourceID]++
	}
	rows := make([]sourceRow, 0, len(sources))
	for _, src := range sources {
		st, ok := states[src.ID]
		if !ok {
			st = wiredesk.SourceState{State: wiredesk.StateNew}
		}
		state, next := sourceSchedule(src, st, now, time.UTC) // next only says whether it is scheduled
		row := sourceRow{ID: src.ID, State: state, LastSuccess: st.LastSuccess, HTTPStatus: st.LastStatus,
			Items: counts[src.ID], New24h: recent[src.ID], LastError: st.LastError}
		if next != "-" {
			row.NextDue = st.NextDue
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// writeSourcesTable prints one row per source, times in loc ([server]
// timezone) with how long ago or ahead they are.
func writeSourcesTable(w io.Writer, rows []sourceRow, now time.Time, loc *time.Location) {
	fmt.Fprintf(w, "times in %s\n", zoneLabel(loc, now))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tLAST SUCCESS\tHTTP\tITEMS\tNEW 24H\tNEXT DUE\tLAST ERROR")
	for _, r := range rows {
		httpStatus, next, lastErr := "-", "-", "-"
		if r.HTTPStatus != 0 {
			httpStatus = fmt.Sprint(r.HTTPStatus)
		}
		if !r.NextDue.IsZero() {
			next = when(r.NextDue, now, loc)
		}
		if r.LastError != "" {
			lastErr = r.LastError
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\n", r.ID, r.State, when(r.LastSuccess, now, loc), httpStatus,
			r.Items, r.New24h, next, lastErr)
	}
	tw.Flush()
}

// sourceSchedule returns what `sources` shows of a source's state and when
// it is next polled. A source the config disables, or one its wire told
// 410 Gone at the URL it still has, is not polled at all: it shows no
// next time (issue 12: "disabled … next due in 4m" was untrue).
func sourceSchedule(src wiredesk.Source, st wiredesk.SourceState, now time.Time, loc *time.Location) (state, next string) {
	state, next = string(st.State), "-"
	gone := st.State == wiredesk.StateDisabled && st.GoneURL != "" && st.GoneURL == src.URL
	switch {
	case !src.Enabled:
		state = "disabled (config)"
	case gone:
		state = "disabled (410 Gone; change its url to poll again)"
	case !st.NextDue.IsZero():
		next = when(st.NextDue, now, loc)
	}
	if st.MovedTo != "" {
		state += " moved→" + wiredesk.RedactURL(st.MovedTo)
	}
	return state, next
}

// when writes t in loc with how far it is from now ("2026-11-29 15:04 (in
// 4m)"), or "never".
func when(t, now time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "never"
	}
	return t.In(loc).Format("2006-01-02 15:04") + " (" + status.RelTime(t, now) + ")"
}

// zoneLabel names loc for a heading: "Europe/Moscow (MSK +0300)"; the
// machine's zone shows as "Local (…)".
func zoneLabel(loc *time.Location, now time.Time) string {
	return loc.String() + " (" + now.In(loc).Format("MST -0700") + ")"
}
