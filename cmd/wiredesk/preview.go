package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/wiredesk/wiredesk"
	"github.com/wiredesk/wiredesk/internal/wiring"
	"github.com/wiredesk/wiredesk/publisher"
)

func cmdPreview(ctx context.Context, e *env, args []string) error {
	fs, cfgPath := flags(e, "preview", "preview -feed SLUG [-since 24h] [-config FILE]",
		"  wiredesk preview -config demo.toml -feed central-asia\n"+
			"  wiredesk preview -feed russia-wire -since 72h -dropped=false\n\n"+
			"Lists what the feed would publish (with each story's wires) and, for every other stored item, the rule\n"+
			"that left it out. Exit codes: 0, 1 fatal, 2 usage/unknown feed, 4 database locked, 5 database damaged.")
	slugFlag := fs.String("feed", "", "feed `slug` to preview (required)")
	since := fs.Duration("since", 24*time.Hour, "consider items first seen within this `duration`")
	showDropped := fs.Bool("dropped", true, "also list what is left out, grouped by the rule that left it out")
	showAll := fs.Bool("all", false, "list every left-out item, not the first "+fmt.Sprint(previewPerReason)+" of each rule")
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
	loc := cfg.Server.Timezone
	fmt.Fprintf(w, "feed %s — %s (times in %s)\n\nPUBLISHED\n", spec.Slug, spec.Title, zoneLabel(loc, time.Now()))
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
		fmt.Fprintf(w, "+ %s  %s\n    story %s · %s\n", previewTime(lead.Date(), loc), lead.Title, st.ID,
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
		dropped = printLeftOut(w, decisions, *showAll, loc)
	} else {
		for _, d := range decisions {
			if !d.Picked {
				dropped++
			}
		}
	}
	fmt.Fprintf(w, "\n%d published, %d left out\n", picked, dropped)
	return nil
}

// previewPerReason is how many left-out items preview lists under each
// rule unless -all: a feed of two wires out of fifty leaves out hundreds of
// items for one reason ("source bbc not in feed").
const previewPerReason = 5

// previewTime writes a time unambiguously: date with the year, the time in
// loc ([server] timezone) and the zone's offset.
func previewTime(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("2006-01-02 15:04 -0700")
}

// printLeftOut lists the items no story of the feed carries, grouped by the
// rule that left them out, rules in order of first appearance, and
// returns how many stories were left out.
func printLeftOut(w io.Writer, decisions []publisher.Decision, all bool, loc *time.Location) (dropped int) {
	type group struct {
		reason string
		lines  []string
	}
	var groups []*group
	byReason := map[string]*group{}
	for _, d := range decisions {
		if d.Picked {
			continue
		}
		dropped++
		for i, it := range d.Story.Items {
			reason := firstNonEmpty(reasonAt(d.ItemReasons, i), d.Reason)
			g := byReason[reason]
			if g == nil {
				g = &group{reason: reason}
				byReason[reason] = g
				groups = append(groups, g)
			}
			g.lines = append(g.lines, fmt.Sprintf("  - %s  %-10s %s", previewTime(it.Date(), loc), it.SourceID, it.Title))
		}
	}
	fmt.Fprintf(w, "\nLEFT OUT\n")
	for _, g := range groups {
		fmt.Fprintf(w, "%s (%d)\n", g.reason, len(g.lines))
		shown := g.lines
		if !all && len(shown) > previewPerReason {
			shown = shown[:previewPerReason]
		}
		for _, l := range shown {
			fmt.Fprintln(w, l)
		}
		if len(shown) < len(g.lines) {
			fmt.Fprintf(w, "  … and %d more (-all lists them)\n", len(g.lines)-len(shown))
		}
	}
	return dropped
}

func reasonAt(r []string, i int) string {
	if i < len(r) {
		return r[i]
	}
	return ""
}
