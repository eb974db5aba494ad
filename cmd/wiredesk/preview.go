package main

import (
	"context"
	"fmt"
	"time"

	"github.com/wiredesk/wiredesk"
	"github.com/wiredesk/wiredesk/internal/wiring"
)

func cmdPreview(ctx context.Context, e *env, args []string) error {
	fs, cfgPath := flags(e, "preview", "preview -feed SLUG [-since 24h] [-config FILE]",
		"  wiredesk preview -config demo.toml -feed central-asia\n"+
			"  wiredesk preview -feed russia-wire -since 72h -dropped=false\n\n"+
			"Lists what the feed would publish (with each story's wires) and, for every other stored item, the rule\n"+
			"that left it out. Exit codes: 0, 1 fatal, 2 usage/unknown feed, 4 database locked, 5 database damaged.")
	slugFlag := fs.String("feed", "", "feed `slug` to preview (required)")
	since := fs.Duration("since", 24*time.Hour, "consider items first seen within this `duration`")
	showDropped := fs.Bool("dropped", true, "also list what is left out, with the reason")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *slugFlag == "" {
		fs.Usage()
		return &usageError{msg: "preview needs -feed SLUG"}
	}
	cfg, err := loadConfig(e, *cfgPath)
	if err != nil {
		return err
	}
	var spec *wiredesk.Feed
	for i := range cfg.Feeds {
		if cfg.Feeds[i].Slug == *slugFlag {
			spec = &cfg.Feeds[i]
		}
	}
	if spec == nil {
		var slugs []string
		for _, f := range cfg.Feeds {
			slugs = append(slugs, f.Slug)
		}
		return &usageError{msg: fmt.Sprintf("no feed %q in %s (feeds: %v)", *slugFlag, cfg.File, slugs)}
	}
	db, err := wiring.OpenDB(cfg, true, "preview")
	if err != nil {
		return err
	}
	defer db.Close()
	log := newLogger(e.stderr, "warn", cfg.Log.Format)
	pub := wiring.Publisher(cfg, db, log, version())
	defer pub.Close()
	decisions, err := pub.Preview(ctx, spec.Slug, time.Now().Add(-*since))
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, s := range cfg.Sources {
		names[s.ID] = s.Name
	}
	picked, dropped := 0, 0
	w := e.stdout
	fmt.Fprintf(w, "feed %s — %s\n\nPUBLISHED\n", spec.Slug, spec.Title)
	for _, d := range decisions {
		if !d.Picked {
			continue
		}
		picked++
		st := d.Story
		var wires []string
		for _, id := range st.SourceIDs() {
			wires = append(wires, names[id])
		}
		lead := st.Items[0]
		fmt.Fprintf(w, "+ %s  %s\n    story %s · %s\n", lead.Date().Local().Format("Jan 02 15:04"), lead.Title, st.ID,
			wiredesk.Credit(spec.Attribution, wires, spec.AttributionAnd))
		if len(st.Items) > 1 {
			for i, it := range st.Items {
				mark := "in"
				if i < len(d.Eligible) && !d.Eligible[i] {
					mark = "credited only: " + reasonAt(d.ItemReasons, i)
				}
				fmt.Fprintf(w, "    · %-10s %s  (%s)\n", it.SourceID, it.Title, mark)
			}
		}
	}
	if *showDropped {
		fmt.Fprintf(w, "\nLEFT OUT\n")
		for _, d := range decisions {
			if d.Picked {
				continue
			}
			dropped++
			for i, it := range d.Story.Items {
				fmt.Fprintf(w, "- %s  %-10s %s\n    %s\n", it.Date().Local().Format("Jan 02 15:04"), it.SourceID, it.Title,
					firstNonEmpty(reasonAt(d.ItemReasons, i), d.Reason))
			}
		}
	}
	fmt.Fprintf(w, "\n%d published, %d left out\n", picked, dropped)
	return nil
}

func reasonAt(r []string, i int) string {
	if i < len(r) {
		return r[i]
	}
	return ""
}
