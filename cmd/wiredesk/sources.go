package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/wiredesk/wiredesk"
	"github.com/wiredesk/wiredesk/internal/wiring"
	"github.com/wiredesk/wiredesk/publisher/status"
	"github.com/wiredesk/wiredesk/storage"
)

func cmdSources(ctx context.Context, e *env, args []string) error {
	fs, cfgPath := flags(e, "sources", "sources [-config FILE]",
		"  wiredesk sources -config /etc/wiredesk/wiredesk.toml\n\n"+
			"Works beside a running daemon only when it is stopped (the database is locked); see /status instead.\n"+
			"Exit codes: 0, 1 fatal, 4 database locked, 5 database damaged.")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(e, *cfgPath)
	if err != nil {
		return err
	}
	db, err := wiring.OpenDB(cfg, true, "sources")
	if err != nil {
		return err
	}
	defer db.Close()
	states, err := db.SourceStates(ctx)
	if err != nil {
		return err
	}
	counts, err := db.ItemCounts(ctx)
	if err != nil {
		return err
	}
	now := time.Now()
	recent := map[string]int{}
	items, err := db.Items(ctx, storage.ItemQuery{Since: now.Add(-24 * time.Hour)})
	if err != nil {
		return err
	}
	for _, it := range items {
		recent[it.SourceID]++
	}
	writeSourcesTable(e.stdout, cfg.Sources, states, counts, recent, now, cfg.Server.Timezone)
	return nil
}

// writeSourcesTable prints one row per source, times in loc ([server]
// timezone) with how long ago or ahead they are.
func writeSourcesTable(w io.Writer, sources []wiredesk.Source, states map[string]wiredesk.SourceState, counts, recent map[string]int, now time.Time, loc *time.Location) {
	fmt.Fprintf(w, "times in %s\n", zoneLabel(loc, now))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tLAST SUCCESS\tHTTP\tITEMS\tNEW 24H\tNEXT DUE\tLAST ERROR")
	for _, src := range sources {
		st, ok := states[src.ID]
		if !ok {
			st = wiredesk.SourceState{State: wiredesk.StateNew}
		}
		state, next := sourceSchedule(src, st, now, loc)
		httpStatus := "-"
		if st.LastStatus != 0 {
			httpStatus = fmt.Sprint(st.LastStatus)
		}
		lastErr := st.LastError
		if lastErr == "" {
			lastErr = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\n", src.ID, state, when(st.LastSuccess, now, loc), httpStatus,
			counts[src.ID], recent[src.ID], next, lastErr)
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
