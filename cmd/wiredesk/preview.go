package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"time"

	"github.com/wiredesk/wiredesk"
	"github.com/wiredesk/wiredesk/config"
	"github.com/wiredesk/wiredesk/desk"
	"github.com/wiredesk/wiredesk/internal/wiring"
	"github.com/wiredesk/wiredesk/publisher"
	"github.com/wiredesk/wiredesk/storage"
)

// pathPreview is the daemon's admin endpoint for `wiredesk preview`
// beside a running serve: GET ?feed=SLUG&since=DURATION answers a
// previewReport as JSON.
const pathPreview = "/admin/preview"

func cmdPreview(ctx context.Context, e *env, args []string) error {
	fs, cfgPath := flags(e, "preview", "preview -feed SLUG [-since 24h] [-config FILE] [-json]",
		"  wiredesk preview -config demo.toml -feed central-asia\n"+
			"  wiredesk preview -feed russia-wire -since 72h -dropped=false\n\n"+
			"Lists what the feed would publish (with each story's wires) and, for every other stored item, the rule\n"+
			"that left it out. Reads the database, or asks the running daemon (GET /admin/preview) when\n"+
			"`wiredesk serve` holds it; needs no wire passwords.\n"+
			"Exit codes: 0, 1 fatal, 2 usage/unknown feed, 4 database locked and no daemon answered, 5 database damaged.")
	slugFlag := fs.String("feed", "", "feed `slug` to preview (required)")
	since := fs.Duration("since", 24*time.Hour, "consider items first seen within this `duration`")
	showDropped := fs.Bool("dropped", true, "also list what is left out, grouped by the rule that left it out")
	showAll := fs.Bool("all", false, "list every left-out item, not the first "+fmt.Sprint(previewPerReason)+" of each rule")
	asJSON := fs.Bool("json", false, "print the report as JSON (the admin endpoint's shape)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *slugFlag == "" {
		fs.Usage()
		return &usageError{msg: "preview needs -feed SLUG"}
	}
	cfg, err := loadConfigReadOnly(e, *cfgPath)
	if err != nil {
		return err
	}
	if feedSpec(cfg, *slugFlag) == nil {
		var slugs []string
		for _, f := range cfg.Feeds {
			slugs = append(slugs, f.Slug)
		}
		return &usageError{msg: fmt.Sprintf("no feed %q in %s (feeds: %v)", *slugFlag, cfg.File, slugs)}
	}
	var rep previewReport
	err = besideDaemon(e, cfg, "preview", false,
		func(c *desk.Client) error {
			q := url.Values{"feed": {*slugFlag}, "since": {since.String()}}
			return c.Get(ctx, pathPreview+"?"+q.Encode(), &rep)
		},
		func(db *storage.DB) error {
			log := newLogger(e.stderr, "warn", cfg.Log.Format)
			pub := wiring.Publisher(cfg, db, log, version())
			defer pub.Close()
			rep, err = buildPreview(ctx, pub, cfg, *slugFlag, time.Now().Add(-*since))
			return err
		})
	if err != nil {
		return err
	}
	return printView(e, *asJSON, rep, func() error {
		writePreview(e.stdout, rep, *showDropped, *showAll, cfg.Server.Timezone)
		return nil
	})
}

func feedSpec(cfg *config.Config, slug string) *wiredesk.Feed {
	for i := range cfg.Feeds {
		if cfg.Feeds[i].Slug == slug {
			return &cfg.Feeds[i]
		}
	}
	return nil
}

// previewReport is what `wiredesk preview` shows, and the answer of GET
// /admin/preview: built where the database is, printed where the editor is.
type previewReport struct {
	Feed      string          `json:"feed"`
	Title     string          `json:"title"`
	Published []previewStory  `json:"published"`
	LeftOut   []previewReason `json:"left_out"` // by rule, in order of first appearance
	Dropped   int             `json:"dropped"`  // stories left out
}

type previewStory struct {
	Time    time.Time       `json:"time"`
	Title   string          `json:"title"`
	Story   string          `json:"story"`
	Credit  string          `json:"credit"`
	Members []previewMember `json:"members,omitempty"` // only for stories of more than one item
}

type previewMember struct {
	Source string `json:"source"`
	Title  string `json:"title"`
	Mark   string `json:"mark"` // "in" or "credited only: RULE"
}

type previewReason struct {
	Reason string        `json:"reason"`
	Items  []previewItem `json:"items"`
}

type previewItem struct {
	Time   time.Time `json:"time"`
	Source string    `json:"source"`
	Title  string    `json:"title"`
}

// previewer is what buildPreview asks; *publisher.Publisher.
type previewer interface {
	Preview(ctx context.Context, slug string, since time.Time) ([]publisher.Decision, error)
}

// buildPreview runs the publisher's preview of feed slug over items first
// seen since, and groups what it left out by the rule that did.
func buildPreview(ctx context.Context, pub previewer, cfg *config.Config, slug string, since time.Time) (previewReport, error) {
	spec := feedSpec(cfg, slug)
	if spec == nil {
		return previewReport{}, fmt.Errorf("no feed %q: %w", slug, wiredesk.ErrNotFound)
	}
	decisions, err := pub.Preview(ctx, spec.Slug, since)
	if err != nil {
		return previewReport{}, err
	}
	names := map[string]string{}
	for _, s := range cfg.Sources {
		names[s.ID] = s.Name
	}
	rep := previewReport{Feed: spec.Slug, Title: spec.Title, Published: []previewStory{}, LeftOut: []previewReason{}}
	byReason := map[string]int{}
	for _, d := range decisions {
		st := d.Story
		if !d.Picked {
			rep.Dropped++
			for i, it := range st.Items {
				reason := firstNonEmpty(reasonAt(d.ItemReasons, i), d.Reason)
				g, ok := byReason[reason]
				if !ok {
					g = len(rep.LeftOut)
					byReason[reason] = g
					rep.LeftOut = append(rep.LeftOut, previewReason{Reason: reason})
				}
				rep.LeftOut[g].Items = append(rep.LeftOut[g].Items, previewItem{Time: it.Date(), Source: it.SourceID, Title: it.Title})
			}
			continue
		}
		var wires []string
		for _, id := range st.SourceIDs() {
			wires = append(wires, names[id])
		}
		lead := st.Items[0]
		ps := previewStory{Time: lead.Date(), Title: lead.Title, Story: st.ID,
			Credit: wiredesk.Credit(spec.Attribution, wires, spec.AttributionAnd)}
		if len(st.Items) > 1 {
			for i, it := range st.Items {
				mark := "in"
				if i < len(d.Eligible) && !d.Eligible[i] {
					mark = "credited only: " + reasonAt(d.ItemReasons, i)
				}
				ps.Members = append(ps.Members, previewMember{Source: it.SourceID, Title: it.Title, Mark: mark})
			}
		}
		rep.Published = append(rep.Published, ps)
	}
	return rep, nil
}

// writePreview prints rep as `wiredesk preview` always has.
func writePreview(w io.Writer, rep previewReport, showDropped, all bool, loc *time.Location) {
	fmt.Fprintf(w, "feed %s — %s (times in %s)\n\nPUBLISHED\n", rep.Feed, rep.Title, zoneLabel(loc, time.Now()))
	for _, ps := range rep.Published {
		fmt.Fprintf(w, "+ %s  %s\n    story %s · %s\n", previewTime(ps.Time, loc), ps.Title, ps.Story, ps.Credit)
		for _, m := range ps.Members {
			fmt.Fprintf(w, "    · %-10s %s  (%s)\n", m.Source, m.Title, m.Mark)
		}
	}
	if showDropped {
		printLeftOut(w, rep.LeftOut, all, loc)
	}
	fmt.Fprintf(w, "\n%d published, %d left out\n", len(rep.Published), rep.Dropped)
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
// rule that left them out.
func printLeftOut(w io.Writer, groups []previewReason, all bool, loc *time.Location) {
	fmt.Fprintf(w, "\nLEFT OUT\n")
	for _, g := range groups {
		fmt.Fprintf(w, "%s (%d)\n", g.Reason, len(g.Items))
		shown := g.Items
		if !all && len(shown) > previewPerReason {
			shown = shown[:previewPerReason]
		}
		for _, it := range shown {
			fmt.Fprintf(w, "  - %s  %-10s %s\n", previewTime(it.Time, loc), it.Source, it.Title)
		}
		if len(shown) < len(g.Items) {
			fmt.Fprintf(w, "  … and %d more (-all lists them)\n", len(g.Items)-len(shown))
		}
	}
}

func reasonAt(r []string, i int) string {
	if i < len(r) {
		return r[i]
	}
	return ""
}
