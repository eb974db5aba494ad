package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/wiredesk/wiredesk/aggregator"
	"github.com/wiredesk/wiredesk/alert"
	"github.com/wiredesk/wiredesk/config"
	"github.com/wiredesk/wiredesk/internal/wiring"
	"github.com/wiredesk/wiredesk/storage"
)

func cmdOnce(ctx context.Context, e *env, args []string) error {
	fs, cfgPath := flags(e, "once", "once [-config FILE] [-out DIR] [-json] [-force]",
		"  wiredesk once -config /etc/wiredesk/wiredesk.toml\n"+
			"  wiredesk once -config demo.toml -out /tmp/feeds -json\n"+
			"  # crontab: */5 * * * * wiredesk once -config /etc/wiredesk/wiredesk.toml >>/var/log/wiredesk.log 2>&1\n\n"+
			"Exit codes: 0 all ok, 3 some sources failed but feeds were written, 1 fatal,\n"+
			"2 usage/config, 4 database locked by another process (use `wiredesk poll-now` then),\n"+
			"5 database damaged (see `wiredesk check -db`).")
	out := fs.String("out", "", "write feeds to `dir` (default: [publish] out_dir)")
	asJSON := fs.Bool("json", false, "print the summary as one JSON object on stdout instead of lines")
	force := fs.Bool("force", false, "also poll sources that are backing off or rate limited")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(e, *cfgPath)
	if err != nil {
		return err
	}
	outDir := cfg.Publish.OutDir
	if *out != "" {
		outDir = *out
	}
	// once prints its own line per source; logs only say what went wrong.
	level := cfg.Log.Level
	if level == "" || level == "info" {
		level = "warn"
	}
	enabled := 0
	for _, s := range cfg.Sources {
		if s.Enabled {
			enabled++
		}
	}
	// Logs go through the progress bar, which erases itself before each
	// record and draws itself again below it, so the two never share a line.
	bar := newProgress(e.stderr, isTerminal(e.stderr), enabled)
	log := newLogger(bar, level, cfg.Log.Format)

	db, err := wiring.OpenDB(cfg, false, "once")
	if err != nil {
		return err
	}
	defer db.Close()

	poller, err := wiring.Poller(ctx, cfg, db, log, version())
	if err != nil {
		return err
	}
	alerts, err := wiring.AlertEngine(cfg)
	if err != nil {
		return err
	}
	if alerts.HasItemRules() {
		poller.Alerts = alerts.ItemAlerts
	}
	sum, err := poller.RunOnce(ctx, cfg.Sources, aggregator.OnceOptions{
		Concurrency: cfg.Poll.Concurrency,
		Force:       *force,
		OnResult: func(r aggregator.Result) {
			bar.step(func() {
				if !*asJSON {
					printResult(e.stdout, r)
				}
			})
		},
	})
	bar.finish()
	if err != nil {
		return fmt.Errorf("poll: %w", err)
	}

	start := time.Now()
	pub := wiring.Publisher(cfg, db, log, version())
	defer pub.Close()
	if _, err := pub.Refresh(ctx); err != nil {
		return fmt.Errorf("render feeds: %w", err)
	}
	written, err := pub.Export(ctx, outDir)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	waitHub(ctx, pub, log)
	deliverAlerts(ctx, cfg, db, alerts, log)
	pruned, err := db.Prune(ctx, time.Now().Add(-cfg.Storage.Retention))
	if err != nil {
		log.Error("retention", "error", err)
	}
	sum.Duration += time.Since(start)

	if *asJSON {
		if err := writeSummaryJSON(e.stdout, sum, outDir, written, pruned); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(e.stdout, "total: %d sources: %d ok, %d failed, %d skipped; %d new, %d updated; %d files written to %s; %d old items pruned; %s\n",
			sum.Sources, sum.OK, sum.Failed, sum.Skipped, sum.New, sum.Updated, len(written), outDir, pruned.Items, sum.Duration.Round(time.Millisecond))
	}
	if sum.Failed > 0 {
		return errPartial
	}
	return nil
}

// deliverAlerts queues the source_down alerts and sends what the outbox
// holds for at most wiring.OnceAlertWait; what is left (a slow or failing
// channel) stays queued for the next run.
func deliverAlerts(ctx context.Context, cfg *config.Config, db *storage.DB, engine *alert.Engine, log *slog.Logger) {
	if len(cfg.Channels) == 0 {
		return
	}
	if _, err := wiring.QueueSourceAlerts(ctx, cfg, db, engine); err != nil {
		log.Error("source alerts", "error", err)
	}
	dctx, cancel := context.WithTimeout(ctx, wiring.OnceAlertWait)
	defer cancel()
	wiring.AlertDeliverer(cfg, db, log).Drain(dctx)
}

func printResult(w io.Writer, r aggregator.Result) {
	status := "-"
	if r.Status != 0 {
		status = fmt.Sprint(r.Status)
	}
	line := fmt.Sprintf("%-18s %-12s %4s %4d items %4d new %4d updated %8s",
		r.SourceID, r.Outcome, status, r.Items, r.New, r.Updated, r.Duration.Round(time.Millisecond))
	if r.Err != nil {
		line += "  " + r.Err.Error()
	} else if r.Outcome == aggregator.OutcomeSkipped {
		line += "  backing off until " + r.NextDue.Format(time.RFC3339)
	}
	fmt.Fprintln(w, line)
}

type sourceJSON struct {
	ID         string `json:"id"`
	Result     string `json:"result"`
	Status     int    `json:"status,omitempty"`
	Items      int    `json:"items"`
	New        int    `json:"new"`
	Updated    int    `json:"updated"`
	DurationMS int64  `json:"duration_ms"`
	Error      string `json:"error,omitempty"`
	NextDue    string `json:"next_due,omitempty"`
}

func writeSummaryJSON(w io.Writer, sum aggregator.Summary, outDir string, written []string, pruned storage.PruneStats) error {
	v := struct {
		Sources    int          `json:"sources"`
		OK         int          `json:"ok"`
		Failed     int          `json:"failed"`
		Skipped    int          `json:"skipped"`
		New        int          `json:"new"`
		Updated    int          `json:"updated"`
		OutDir     string       `json:"out_dir"`
		Written    []string     `json:"written"`
		Pruned     int          `json:"pruned_items"`
		DurationMS int64        `json:"duration_ms"`
		Results    []sourceJSON `json:"results"`
	}{sum.Sources, sum.OK, sum.Failed, sum.Skipped, sum.New, sum.Updated, outDir, written, pruned.Items, sum.Duration.Milliseconds(), nil}
	if v.Written == nil {
		v.Written = []string{}
	}
	for _, r := range sum.Results {
		s := sourceJSON{ID: r.SourceID, Result: string(r.Outcome), Status: r.Status, Items: r.Items, New: r.New, Updated: r.Updated, DurationMS: r.Duration.Milliseconds()}
		if r.Err != nil {
			s.Error = r.Err.Error()
		}
		if !r.NextDue.IsZero() {
			s.NextDue = r.NextDue.UTC().Format(time.RFC3339)
		}
		v.Results = append(v.Results, s)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// progress draws a one-line progress bar on stderr when it is a terminal,
// and is the writer of the logs on stderr: a log record (which slog writes
// with one Write call) erases the bar first and the bar is drawn again
// below it, so progress and logs never run into one line. Off a terminal it
// passes writes through and draws nothing.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	on    bool
	total int
	done  int
	drawn bool // the bar is on the screen
}

func newProgress(w io.Writer, terminal bool, total int) *progress {
	return &progress{w: w, on: terminal && total > 0, total: total}
}

// Write writes p (one log record) above the bar.
func (p *progress) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	redraw := p.drawn
	p.erase()
	n, err := p.w.Write(b)
	if redraw {
		p.draw()
	}
	return n, err
}

// step counts one finished source; print, when set, writes its line (to
// stdout, which may be the same terminal) while the bar is erased.
func (p *progress) step(print func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.erase()
	if print != nil {
		print()
	}
	p.done++
	p.draw()
}

// finish erases the bar for good.
func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.erase()
	p.on = false
}

func (p *progress) draw() {
	if !p.on {
		return
	}
	const width = 30
	n := min(p.done, p.total) * width / p.total
	fmt.Fprintf(p.w, "\r[%-*s] %d/%d sources", width, strings.Repeat("=", n), p.done, p.total)
	p.drawn = true
}

func (p *progress) erase() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
		p.drawn = false
	}
}
