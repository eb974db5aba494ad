package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"github.com/wiredesk/wiredesk"
	"github.com/wiredesk/wiredesk/aggregator"
	"github.com/wiredesk/wiredesk/config"
	"github.com/wiredesk/wiredesk/internal/wiring"
)

func cmdCheck(ctx context.Context, e *env, args []string) error {
	fs, cfgPath := flags(e, "check", "check [-config FILE] [-fetch] [-db | -db-file FILE]",
		"  wiredesk check -config /etc/wiredesk/wiredesk.toml\n  wiredesk check -config demo.toml -fetch   # also fetch and parse every source\n"+
			"  wiredesk check -config demo.toml -db      # also verify the database file (daemon stopped)\n\n"+
			"Reports every problem at once with file, line and key. Keys (all documented in config.example.toml;\n"+
			"secrets as \"${VAR}\", from the environment):\n"+keyList(config.Schemas(), 100)+
			"Exit codes: 0 valid, 2 invalid, 1 when a -fetch source fails, 4 database locked (-db),\n"+
			"5 database damaged (-db).")
	doFetch := fs.Bool("fetch", false, "also fetch and parse every enabled source (reaches the network)")
	doDB := fs.Bool("db", false, "also run the database consistency check on [storage] path (read-only)")
	dbFile := fs.String("db-file", "", "run the database consistency check on `file` (a backup, say) instead of [storage] path")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		var ce *config.Errors
		if errors.As(err, &ce) {
			fmt.Fprintln(e.stderr, err)
			fmt.Fprintf(e.stderr, "%s: %d problem(s)\n", *cfgPath, len(*ce))
			return &usageError{msg: "invalid config"}
		}
		return err
	}
	overlay := ""
	if cfg.Overlay != "" {
		overlay = fmt.Sprintf("; with the desk's changes from %s, revision %d", cfg.Overlay, cfg.Revision)
	}
	fmt.Fprintf(e.stdout, "%s: ok (%s, %s%s)\n", cfg.File, wiredesk.Count(len(cfg.Sources), "source"), wiredesk.Count(len(cfg.Feeds), "feed"), overlay)
	printWarnings(e.stderr, cfg)
	for _, d := range duplicateURLs(cfg.Sources) {
		// The URL itself may carry a resolved secret: only ids are named.
		fmt.Fprintf(e.stderr, "warning: sources %q and %q poll the same url; each is fetched and stored on its own, so the wire appears twice\n", d[0], d[1])
	}
	if *doDB || *dbFile != "" {
		path := cfg.Storage.Path
		if *dbFile != "" {
			path = *dbFile
		}
		if err := checkDB(ctx, e, cfg, path); err != nil {
			return err
		}
	}
	if !*doFetch {
		return nil
	}
	// The poller's own fetch and parse: per-host limits, credentials,
	// headers and a credential-free link base as in every poll.
	prober := wiring.Prober(cfg, newLogger(e.stderr, "warn", cfg.Log.Format), version())
	type line struct {
		i   int
		txt string
		bad bool
	}
	lines := make([]line, len(cfg.Sources))
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(1, cfg.Poll.Concurrency))
	for i, src := range cfg.Sources {
		if !src.Enabled {
			lines[i] = line{i: i, txt: fmt.Sprintf("%-16s disabled", src.ID)}
			continue
		}
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			lines[i] = line{i: i}
			txt, err := checkSource(ctx, prober, src)
			if err != nil {
				lines[i] = line{i: i, txt: fmt.Sprintf("%-16s FAIL %v", src.ID, err), bad: true}
				return
			}
			lines[i] = line{i: i, txt: fmt.Sprintf("%-16s ok   %s", src.ID, txt)}
		})
	}
	wg.Wait()
	failed := 0
	for _, l := range lines {
		fmt.Fprintln(e.stdout, l.txt)
		if l.bad {
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d sources failed", failed, len(cfg.Sources))
	}
	return nil
}

func checkSource(ctx context.Context, p *aggregator.Poller, src wiredesk.Source) (string, error) {
	_, res, err := p.Probe(ctx, src)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s, %s, %s, %q", res.Format, res.Encoding.Charset, wiredesk.Count(len(res.Items), "item"), res.Title), nil
}

// duplicateURLs returns the pairs of sources (ids, in config order) whose
// URLs are the same once the scheme and host are lower-cased and a
// trailing slash is dropped.
func duplicateURLs(sources []wiredesk.Source) [][2]string {
	first := map[string]string{}
	var out [][2]string
	for _, src := range sources {
		k := sameURLKey(src.URL)
		if id, ok := first[k]; ok {
			out = append(out, [2]string{id, src.ID})
			continue
		}
		first[k] = src.ID
	}
	return out
}

func sameURLKey(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return raw
	}
	u.Scheme, u.Host = strings.ToLower(u.Scheme), strings.ToLower(u.Host)
	u.Path = strings.TrimSuffix(u.Path, "/")
	return u.String()
}

// keyList prints each table's keys after its header, wrapped to width
// columns.
func keyList(tables []config.Schema, width int) string {
	const indent = 14
	var b strings.Builder
	for _, t := range tables {
		line := fmt.Sprintf("  %-*s", indent-2, t.Header)
		for _, k := range t.Keys {
			if len(line)+1+len(k) > width && len(line) > indent {
				b.WriteString(strings.TrimRight(line, " ") + "\n")
				line = strings.Repeat(" ", indent)
			} else if len(line) > indent {
				line += " "
			}
			line += k
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}
