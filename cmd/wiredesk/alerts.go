package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/wiredesk/wiredesk"
	"github.com/wiredesk/wiredesk/alert"
	"github.com/wiredesk/wiredesk/config"
	"github.com/wiredesk/wiredesk/internal/wiring"
	"github.com/wiredesk/wiredesk/publisher/status"
)

func cmdAlerts(ctx context.Context, e *env, args []string) error {
	fs, cfgPath := flags(e, "alerts", "alerts [-config FILE] [test RULE]",
		"  wiredesk alerts -config /etc/wiredesk/wiredesk.toml           # outbox and dead letters\n"+
			"  wiredesk alerts -config /etc/wiredesk/wiredesk.toml test flash # send a sample now\n\n"+
			"`alerts` reads the database, so it needs the daemon stopped (see /status for dead letters\n"+
			"while it runs); `alerts test` sends directly through the rule's channels and works beside it.\n"+
			"Exit codes: 0, 1 a channel failed or fatal, 2 usage/config or unknown rule, 4 database locked,\n5 database damaged.")
	if err := parseFlags(fs, interleave(args)); err != nil { // flags may follow the rule, as in story and user
		return err
	}
	rest := fs.Args()
	switch {
	case len(rest) == 0:
	case rest[0] == "test" && len(rest) == 2:
		// A test sends, so the channels' secrets must be set.
		cfg, err := loadConfig(e, *cfgPath)
		if err != nil {
			return err
		}
		return alertsTest(ctx, e, rest[1], cfg)
	default:
		return &usageError{msg: "usage: wiredesk alerts [-config FILE] [test RULE]"}
	}
	// The list only reads the database: no wire or channel secret needed.
	cfg, err := loadConfigReadOnly(e, *cfgPath)
	if err != nil {
		return err
	}
	db, err := wiring.OpenDB(cfg, true, "alerts")
	if err != nil {
		return err
	}
	defer db.Close()
	outbox, dead, err := db.AlertLists(ctx)
	if err != nil {
		return err
	}
	now := time.Now()
	fmt.Fprintf(e.stdout, "outbox: %s waiting\n", wiredesk.Count(len(outbox), "alert"))
	writeAlerts(e.stdout, outbox, now)
	fmt.Fprintf(e.stdout, "\ndead letters: %s not delivered\n", wiredesk.Count(len(dead), "alert"))
	writeAlerts(e.stdout, dead, now)
	return nil
}

// writeAlerts prints a table of alerts.
func writeAlerts(w io.Writer, alerts []wiredesk.Alert, now time.Time) {
	if len(alerts) == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CHANNEL\tRULE\tKIND\tQUEUED\tATTEMPTS\tNEXT\tTITLE\tLAST ERROR\tID")
	for _, a := range alerts {
		next := "now"
		if a.NextAttempt.After(now) {
			next = status.RelTime(a.NextAttempt, now)
		}
		lastErr := a.LastError
		if lastErr == "" {
			lastErr = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", a.Channel, a.Rule, a.Kind,
			status.RelTime(a.Queued, now), a.Attempts, next, oneLineCut(a.Title, 60), oneLineCut(lastErr, 80), a.ID)
	}
	tw.Flush()
}

// oneLineCut shortens s to n characters for a table cell.
func oneLineCut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// alertsTest sends a sample alert through every channel of rule name, now
// and directly (not through the outbox), and reports each channel.
func alertsTest(ctx context.Context, e *env, name string, cfg *config.Config) error {
	engine, err := wiring.AlertEngine(cfg)
	if err != nil {
		return err
	}
	samples, ok := engine.Sample(name)
	if !ok {
		var names []string
		for _, r := range engine.Rules() {
			names = append(names, r.Name)
		}
		return &usageError{msg: fmt.Sprintf("no [[alert]] named %q; rules: %v", name, names)}
	}
	failed := 0
	for _, a := range samples {
		for _, ch := range cfg.Channels {
			if ch.Name != a.Channel {
				continue
			}
			sctx, cancel := context.WithTimeout(ctx, ch.Timeout)
			err := wiring.Sender(ch).Send(sctx, a, alert.Render(a, wiring.SourceNames(cfg)))
			cancel()
			if err != nil {
				failed++
				fmt.Fprintf(e.stdout, "%s: FAILED: %v\n", ch.Name, err)
				continue
			}
			fmt.Fprintf(e.stdout, "%s: delivered (%s)\n", ch.Name, a.ID)
		}
	}
	if failed > 0 {
		return errors.New("alerts test: some channels failed")
	}
	return nil
}
