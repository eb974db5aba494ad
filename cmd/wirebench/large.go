package main

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/wiredesk/wiredesk/aggregator"
	"github.com/wiredesk/wiredesk/config"
	"github.com/wiredesk/wiredesk/internal/wiring"
)

// largeSizes are the document sizes of the one-document case (issue 11):
// a wire's usual hundreds next to a flood, so that a cost that grows
// faster than the number of items shows as a falling rate.
var largeSizes = []int{1_000, 100_000}

// largeResult is one `once` over a single source whose one document holds
// items items.
type largeResult struct {
	items    int
	duration time.Duration
}

func (r largeResult) itemsPerSecond() float64 { return float64(r.items) / r.duration.Seconds() }

// largeDocument writes an RSS document of n short items under dir and
// measures one `once` pass over it into a fresh database, with [poll]
// max_items raised to n so that every item is stored.
func largeDocument(ctx context.Context, dir string, n int, log *slog.Logger, cpuProfile string) (largeResult, error) {
	sub := filepath.Join(dir, fmt.Sprintf("large-%d", n))
	if err := os.MkdirAll(sub, 0o755); err != nil {
		return largeResult{}, err
	}
	feed := filepath.Join(sub, "feed.xml")
	if err := writeLargeFeed(feed, n); err != nil {
		return largeResult{}, err
	}
	text := fmt.Sprintf("[storage]\npath = %q\n\n[poll]\nmax_items = %d\nmax_body = \"100MB\"\n\n[log]\nlevel = \"warn\"\n\n"+
		"[[source]]\nid = \"large\"\nname = \"Large\"\nurl = %q\nlanguage = \"en\"\n\n"+
		"[[feed]]\nslug = \"large\"\ntitle = \"Large\"\nsources = [\"large\"]\n",
		filepath.Join(sub, "large.db"), n, "file://"+feed)
	cfg, err := config.Parse(filepath.Join(sub, "wiredesk.toml"), []byte(text), nil)
	if err != nil {
		return largeResult{}, fmt.Errorf("large-document config: %w", err)
	}
	db, err := wiring.OpenDB(cfg, false, "once")
	if err != nil {
		return largeResult{}, err
	}
	defer db.Close()
	res, err := pass(ctx, cfg, db, log, cpuProfile)
	if err != nil {
		return largeResult{}, err
	}
	if err := expect(res.sum, aggregator.OutcomeOK, 1); err != nil {
		return largeResult{}, err
	}
	if res.sum.New != n {
		return largeResult{}, fmt.Errorf("large document of %d items: %d stored", n, res.sum.New)
	}
	return largeResult{items: n, duration: res.sum.Duration}, nil
}

// profileFor returns path for the largest document size and "" for the
// others, so that -cpuprofile-large profiles the flood alone.
func profileFor(n int, path string) string {
	if n == largeSizes[len(largeSizes)-1] {
		return path
	}
	return ""
}

// writeLargeFeed writes an RSS 2.0 document of n items with distinct
// titles, guids and dates, newest first: the shape of issue 11's
// 185,000-item flood.
func writeLargeFeed(path string, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n<rss version=\"2.0\"><channel><title>Large</title><link>https://large.example/</link><description>one large document</description>\n")
	t0 := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	for i := range n {
		fmt.Fprintf(w, "<item><title>Report %d on matter %d</title><guid>https://large.example/%d</guid><pubDate>%s</pubDate><description>Item %d of a large document.</description></item>\n",
			i, i%997, i, t0.Add(-time.Duration(i)*time.Second).Format(time.RFC1123Z), i)
	}
	fmt.Fprint(w, "</channel></rss>\n")
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
