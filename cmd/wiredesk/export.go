package main

import (
	"context"
	"fmt"

	"github.com/wiredesk/wiredesk/internal/wiring"
)

func cmdExport(ctx context.Context, e *env, args []string) error {
	fs, cfgPath := flags(e, "export", "export [-config FILE] [-out DIR]",
		"  wiredesk export -config /etc/wiredesk/wiredesk.toml\n  wiredesk export -config demo.toml -out /var/www/feeds\n\n"+
			"Writes <slug>.rss, <slug>.atom, <slug>.json, feeds.opml and archive pages atomically; unchanged files are left alone.\n"+
			"Exit codes: 0, 1 fatal, 4 database locked, 5 database damaged.")
	out := fs.String("out", "", "write to `dir` (default: [publish] out_dir)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(e, *cfgPath)
	if err != nil {
		return err
	}
	dir := cfg.Publish.OutDir
	if *out != "" {
		dir = *out
	}
	db, err := wiring.OpenDB(cfg, true, "export")
	if err != nil {
		return err
	}
	defer db.Close()
	log := newLogger(e.stderr, cfg.Log.Level, cfg.Log.Format)
	// A fresh process renders every feed for the first time, so the
	// publisher's "feeds rendered … changed_feeds" line would name them all
	// whatever is written: export reports what it wrote itself, and the
	// render line only at debug.
	renderLevel := cfg.Log.Level
	if renderLevel != "debug" {
		renderLevel = "warn"
	}
	pub := wiring.Publisher(cfg, db, newLogger(e.stderr, renderLevel, cfg.Log.Format), version())
	defer pub.Close()
	if _, err := pub.Refresh(ctx); err != nil {
		return fmt.Errorf("render feeds: %w", err)
	}
	written, err := pub.Export(ctx, dir)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	waitHub(ctx, pub, log)
	for _, f := range written {
		log.Info("written", "file", f)
	}
	fmt.Fprintf(e.stdout, "%d files written to %s (unchanged files left alone)\n", len(written), dir)
	return nil
}
