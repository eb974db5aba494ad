package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/wiredesk/wiredesk/config"
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
