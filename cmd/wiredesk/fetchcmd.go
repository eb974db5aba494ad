package main

import (
	"context"
	"fmt"
	"time"

	"github.com/wiredesk/wiredesk"
	"github.com/wiredesk/wiredesk/aggregator"
	"github.com/wiredesk/wiredesk/aggregator/fetch"
)

func cmdFetch(ctx context.Context, e *env, args []string) error {
	fs, _ := flags(e, "fetch", "fetch [-encoding X] [-timezone ZONE] URL",
		"  wiredesk fetch https://www.interfax.ru/rss.asp -timezone Europe/Moscow\n"+
			"  wiredesk fetch -encoding windows-1251 file:///srv/feeds/wire.xml\n\n"+
			"Stores nothing. Exit codes: 0 parsed, 1 failed.")
	enc := fs.String("encoding", "", "force a `charset` (e.g. windows-1251) instead of detecting it")
	fallback := fs.String("fallback-encoding", "", "`charset` to use when nothing names one and the body is not UTF-8")
	tz := fs.String("timezone", "UTC", "IANA `zone` for zoneless and MSK dates (e.g. Europe/Moscow)")
	timeout := fs.Duration("timeout", 20*time.Second, "request timeout")
	if err := parseFlags(fs, interleave(args)); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return &usageError{msg: "fetch needs exactly one URL"}
	}
	raw := fs.Arg(0)
	loc, err := time.LoadLocation(*tz)
	if err != nil {
		return &usageError{msg: fmt.Sprintf("-timezone %q: %v", *tz, err)}
	}
	u, err := fileURL(raw)
	if err != nil {
		return &usageError{msg: err.Error()}
	}
	// The poller's own fetch and parse (with the default limits, there
	// being no config): what is shown is what a poll of this URL gets.
	prober := &aggregator.Poller{
		Fetch: fetch.New(fetch.Options{Timeout: *timeout, UserAgent: "wiredesk/" + version() + " (fetch)"}),
	}
	src := wiredesk.Source{ID: "fetch", URL: u, Encoding: *enc, FallbackEncoding: *fallback, Timezone: loc}
	resp, res, err := prober.Probe(ctx, src)
	if err != nil && resp == nil {
		return err
	}
	if err != nil {
		return fmt.Errorf("%s: %w", wiredesk.RedactURL(u), err)
	}
	w := e.stdout
	fmt.Fprintf(w, "feed:     %s\n", res.Title)
	fmt.Fprintf(w, "link:     %s\n", res.Link)
	fmt.Fprintf(w, "format:   %s\n", res.Format)
	fmt.Fprintf(w, "encoding: %s (%s)\n", res.Encoding.Charset, res.Encoding.Reason)
	fmt.Fprintf(w, "http:     %d, %d bytes, content-type %q, etag %q, last-modified %q\n",
		resp.Status, len(resp.Body), resp.ContentType, resp.ETag, resp.LastModified)
	if res.Interval > 0 {
		fmt.Fprintf(w, "interval: the feed asks for at least %s between polls\n", res.Interval)
	}
	fmt.Fprintf(w, "items:    %d\n\n", len(res.Items))
	for _, it := range res.Items {
		date := it.Published.In(loc).Format("2006-01-02 15:04 -0700")
		if it.DateGuessed {
			date += " (no usable date: first-seen)"
		}
		fmt.Fprintf(w, "%s  %s\n  %s\n  %s\n  key %s\n", it.ID, date, it.Title, it.Link, it.Key)
	}
	return nil
}

// interleave moves flags after positional arguments to the front, so
// "fetch URL -timezone X" works like "fetch -timezone X URL".
func interleave(args []string) []string {
	var flagsPart, rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if len(a) > 1 && a[0] == '-' {
			flagsPart = append(flagsPart, a)
			if !hasValue(a) && i+1 < len(args) && !isBoolFlag(a) {
				flagsPart = append(flagsPart, args[i+1])
				i++
			}
			continue
		}
		rest = append(rest, a)
	}
	return append(flagsPart, rest...)
}

func hasValue(a string) bool {
	for _, c := range a {
		if c == '=' {
			return true
		}
	}
	return false
}

func isBoolFlag(a string) bool {
	switch a {
	case "-h", "-help", "--help", "-json", "--json", "-force", "--force", "-fetch", "--fetch":
		return true
	}
	return false
}
