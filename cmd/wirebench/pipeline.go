package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
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
)

// benchFeedSlug is the one published feed the publish benchmark serves.
const benchFeedSlug = "all"

// configText writes the wiredesk.toml of the benchmark: every default of
// config.example.toml except that all sources share one host
// (127.0.0.1:PORT), so per_host is raised to the concurrency and
// host_delay to 0s; otherwise the run would measure the politeness limits,
// not the pipeline. concurrency 0 keeps the default.
func configText(w *wire, dir, baseURL string, concurrency int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "[server]\nbase_url = %q\n\n[storage]\npath = %q\n\n", baseURL, filepath.Join(dir, "bench.db"))
	b.WriteString("[poll]\nhost_delay = \"0s\"\n")
	if concurrency > 0 {
		fmt.Fprintf(&b, "concurrency = %d\nper_host = %d\n", concurrency, concurrency)
	} else {
		b.WriteString("per_host = 1000\n") // never the limit: concurrency is
	}
	fmt.Fprintf(&b, "\n[publish]\nout_dir = %q\n\n[log]\nlevel = \"warn\"\n\n", filepath.Join(dir, "public"))
	for i, f := range w.feeds {
		fmt.Fprintf(&b, "[[source]]\nid = %q\nname = \"Wire %d\"\nurl = %q\nlanguage = %q\ntags = [\"wire\"]\n\n",
			SourceID(i), i, w.url(i), f.spec.Lang)
	}
	fmt.Fprintf(&b, "[[feed]]\nslug = %q\ntitle = \"All wires\"\nlimit = 50\n", benchFeedSlug)
	return b.String()
}

// loadConfig parses the benchmark configuration with package config, so
// that every default is the one `wiredesk once` would apply.
func loadConfig(w *wire, dir, baseURL string, concurrency int) (*config.Config, error) {
	name := filepath.Join(dir, "wiredesk.toml")
	cfg, err := config.Parse(name, []byte(configText(w, dir, baseURL, concurrency)), nil)
	if err != nil {
		return nil, fmt.Errorf("benchmark config: %w", err)
	}
	// The per-host limit must not be what is measured.
	if cfg.Poll.PerHost < cfg.Poll.Concurrency {
		cfg.Poll.PerHost = cfg.Poll.Concurrency
	}
	return cfg, nil
}

// The wiring below mirrors cmd/wiredesk/common.go line for line (package
// main cannot be imported): openDB, newFetchClient, newPoller,
// warmCluster, storyReader and newPublisher. Keep them in step.

func openDB(cfg *config.Config, command string) (*storage.DB, error) {
	return storage.Open(cfg.Storage.Path, storage.Options{
		Timeout: cfg.Storage.LockTimeout,
		Command: command,
	})
}

func newFetchClient(cfg *config.Config, userAgent string) *fetch.Client {
	return fetch.New(fetch.Options{
		Timeout:      cfg.Poll.Timeout,
		MaxBody:      cfg.Poll.MaxBody,
		MaxRedirects: cfg.Poll.MaxRedirects,
		UserAgent:    userAgent,
	})
}

func newPoller(ctx context.Context, cfg *config.Config, db *storage.DB, log *slog.Logger) (*aggregator.Poller, error) {
	idx := cluster.New(cluster.Options{Window: cfg.Cluster.Window, Threshold: cfg.Cluster.Threshold})
	if err := warmCluster(ctx, idx, db, cfg.Cluster.Window); err != nil {
		return nil, err
	}
	return &aggregator.Poller{
		Fetch:   newFetchClient(cfg, strings.ReplaceAll(cfg.Poll.UserAgent, "VERSION", "bench")),
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

func warmCluster(ctx context.Context, idx *cluster.Index, db *storage.DB, window time.Duration) error {
	err := db.EachItem(ctx, storage.ItemQuery{Since: time.Now().Add(-window)}, true, func(it wiredesk.Item) error {
		idx.Add(it)
		return nil
	})
	if err != nil {
		return fmt.Errorf("load recent items for clustering: %w", err)
	}
	return nil
}

type storyReader struct{ db *storage.DB }

func (r storyReader) RecentStories(ctx context.Context, since time.Time) ([]wiredesk.Story, error) {
	return r.db.Stories(ctx, storage.StoryQuery{Since: since})
}

func newPublisher(cfg *config.Config, db *storage.DB, log *slog.Logger) *publisher.Publisher {
	return publisher.New(storyReader{db}, publisher.Options{
		BaseURL:     cfg.Server.BaseURL,
		Generator:   "wiredesk bench",
		Title:       "wiredesk",
		Hub:         cfg.Publish.Hub,
		ArchiveSize: cfg.Publish.ArchiveSize,
		Sources:     cfg.Sources,
		Feeds:       cfg.Feeds,
		Log:         log,
	})
}
