package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/wiredesk/wiredesk"
	"github.com/wiredesk/wiredesk/aggregator"
	"github.com/wiredesk/wiredesk/aggregator/cluster"
	"github.com/wiredesk/wiredesk/aggregator/fetch"
	"github.com/wiredesk/wiredesk/aggregator/schedule"
	"github.com/wiredesk/wiredesk/config"
	"github.com/wiredesk/wiredesk/publisher"
	"github.com/wiredesk/wiredesk/storage"
	"golang.org/x/term"
)

// Interface guards: storage satisfies what the aggregator and publisher
// declare they need, without either importing it.
var (
	_ aggregator.Store   = (*storage.DB)(nil)
	_ aggregator.Fetcher = (*fetch.Client)(nil)
)

// flags starts a command's flag set with -config and a usage text that
// ends with examples.
func flags(e *env, name, synopsis, examples string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("wiredesk "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	cfg := fs.String("config", "wiredesk.toml", "config `file`")
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: wiredesk %s\n\n", synopsis)
		fs.PrintDefaults()
		fmt.Fprintf(e.stderr, "\nExamples:\n%s\n", examples)
	}
	return fs, cfg
}

// parseFlags parses args and turns a flag error into a usage error.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return &usageError{msg: err.Error()}
	}
	return nil
}

func loadConfig(e *env, path string) (*config.Config, error) {
	cfg, err := config.Load(path)
	if err != nil {
		return nil, err
	}
	return cfg, nil
}

// newLogger builds the process logger: text on a terminal, JSON otherwise,
// unless [log] format says which.
func newLogger(w io.Writer, level, format string) *slog.Logger {
	var lv slog.Level
	switch strings.ToLower(level) {
	case "debug":
		lv = slog.LevelDebug
	case "warn", "warning":
		lv = slog.LevelWarn
	case "error":
		lv = slog.LevelError
	default:
		lv = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: lv}
	if format == "" || format == "auto" {
		format = "json"
		if isTerminal(w) {
			format = "text"
		}
	}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func openDB(cfg *config.Config, readOnly bool, command string) (*storage.DB, error) {
	return storage.Open(cfg.Storage.Path, storage.Options{
		Timeout:  cfg.Storage.LockTimeout,
		ReadOnly: readOnly,
		Command:  command,
	})
}

func newFetchClient(cfg *config.Config, userAgent string) *fetch.Client {
	redirects := cfg.Poll.MaxRedirects
	if redirects == 0 {
		redirects = -1 // config: 0 follows none; fetch: 0 means its default
	}
	return fetch.New(fetch.Options{
		Timeout:      cfg.Poll.Timeout,
		MaxBody:      cfg.Poll.MaxBody,
		MaxRedirects: redirects,
		UserAgent:    userAgent,
	})
}

// newPoller wires the aggregator for cfg, with a cluster index warmed from
// the stored items of the last window.
func newPoller(ctx context.Context, cfg *config.Config, db *storage.DB, log *slog.Logger) (*aggregator.Poller, error) {
	idx := cluster.New(cluster.Options{Window: cfg.Cluster.Window, Threshold: cfg.Cluster.Threshold})
	if err := warmCluster(ctx, idx, db, cfg.Cluster.Window); err != nil {
		return nil, err
	}
	return &aggregator.Poller{
		Fetch:   newFetchClient(cfg, userAgent(cfg)),
		Store:   db,
		Cluster: idx,
		Policy: schedule.Policy{
			MinInterval: cfg.Poll.MinInterval,
			MaxInterval: cfg.Poll.MaxInterval,
			MaxBackoff:  cfg.Poll.MaxBackoff,
			Jitter:      0.1,
		},
		Hosts: schedule.NewHosts(cfg.Poll.PerHost, cfg.Poll.HostDelay),
		Log:   log,
	}, nil
}

// warmCluster indexes the items of the last window so a restart does not
// forget which stories are open.
func warmCluster(ctx context.Context, idx *cluster.Index, db *storage.DB, window time.Duration) error {
	// Oldest first, one item at a time: the index keeps only features, so a
	// large window never needs every stored text in memory at once.
	err := db.EachItem(ctx, storage.ItemQuery{Since: time.Now().Add(-window)}, true, func(it wiredesk.Item) error {
		idx.Add(it)
		return nil
	})
	if err != nil {
		return fmt.Errorf("load recent items for clustering: %w", err)
	}
	return nil
}

func userAgent(cfg *config.Config) string {
	ua := cfg.Poll.UserAgent
	return strings.ReplaceAll(ua, "VERSION", version())
}

// storyReader adapts *storage.DB to publisher.Reader.
type storyReader struct{ db *storage.DB }

func (r storyReader) RecentStories(ctx context.Context, since time.Time) ([]wiredesk.Story, error) {
	return r.db.Stories(ctx, storage.StoryQuery{Since: since})
}

var _ publisher.Reader = storyReader{}

// statusReader adapts *storage.DB to status.Reader.
type statusReader struct{ db *storage.DB }

func (r statusReader) SourceStates(ctx context.Context) (map[string]wiredesk.SourceState, error) {
	return r.db.SourceStates(ctx)
}

func (r statusReader) RecentItems(ctx context.Context, since time.Time) ([]wiredesk.Item, error) {
	return r.db.Items(ctx, storage.ItemQuery{Since: since})
}

// newPublisher wires the publisher for cfg.
func newPublisher(cfg *config.Config, db *storage.DB, log *slog.Logger) *publisher.Publisher {
	return publisher.New(storyReader{db}, publisherOptions(cfg, log))
}

func publisherOptions(cfg *config.Config, log *slog.Logger) publisher.Options {
	return publisher.Options{
		BaseURL:     cfg.Server.BaseURL,
		Generator:   "wiredesk " + version(),
		Title:       "wiredesk",
		Hub:         cfg.Publish.Hub,
		ArchiveSize: cfg.Publish.ArchiveSize,
		Sources:     cfg.Sources,
		Feeds:       cfg.Feeds,
		Log:         log,
	}
}

// waitHub gives queued WebSub pings a bounded time to be delivered before a
// one-shot command exits; a hub that does not answer never holds cron up
// for long.
func waitHub(ctx context.Context, pub *publisher.Publisher, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := pub.Wait(ctx); err != nil {
		log.Warn("websub: pings still pending at exit", "error", err)
	}
}
