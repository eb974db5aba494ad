// Command wirebench is the end-to-end benchmark of wiredesk (issue 7,
// BENCHMARKS.md). In one process it starts a synthetic wire of N sources
// on loopback, measures gofeed's parse throughput on exactly those bytes
// as the reference, runs a full ingest pass the way `wiredesk once` does
// into a fresh database, a second pass answered 304 throughout, and then
// drives the publisher's handler with keep-alive clients against a bare
// net/http handler serving the same bytes. It prints a table and, as the
// last line of stdout, one JSON object with the headline figures.
//
// It measures the packages as cmd/wiredesk wires them (see pipeline.go);
// it changes none of them.
//
// Usage:
//
//	go run ./cmd/wirebench [-sources 2000] [-items 50] [-duration 5s]
//	    [-concurrency 0] [-clients 64] [-seed 1]
//	    [-cpuprofile-ingest FILE] [-cpuprofile-304 FILE]
//	    [-cpuprofile-refresh FILE] [-memprofile-ingest FILE] [-keep]
//	    [-alert-sources 20] [-alert-interval 15s]
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/wiredesk/wiredesk/aggregator"
	"github.com/wiredesk/wiredesk/aggregator/cluster"
	"github.com/wiredesk/wiredesk/config"
	"github.com/wiredesk/wiredesk/desk"
	"github.com/wiredesk/wiredesk/internal/wiring"
	"github.com/wiredesk/wiredesk/storage"
)

// options are the command-line flags.
type options struct {
	sources, items    int
	duration          time.Duration
	concurrency       int
	clients           int
	seed              uint64
	cpuIngest, cpu304 string
	cpuRefresh        string
	cpuLarge          string
	memIngest         string
	keep              bool
	largeOnly         bool
	alertSources      int
	alertInterval     time.Duration
}

// summary is the last line of stdout; its keys are fixed by issue 7.
type summary struct {
	Sources          int     `json:"sources"`
	Items            int     `json:"items"`
	IngestMBs        float64 `json:"ingest_mb_s"`
	GofeedMBs        float64 `json:"gofeed_mb_s"`
	IngestRatio      float64 `json:"ingest_ratio"`
	SourcesPerSFresh float64 `json:"sources_per_s_fresh"`
	SourcesPerS304   float64 `json:"sources_per_s_304"`
	PublishRPS       float64 `json:"publish_rps"`
	BaselineRPS      float64 `json:"baseline_rps"`
	PublishRatio     float64 `json:"publish_ratio"`
	PublishP99ms     float64 `json:"publish_p99_ms"`
	Publish304Ratio  float64 `json:"publish_304_ratio"`
	PeakRSSMB        float64 `json:"peak_rss_mb"`
	DBMB             float64 `json:"db_mb"`
	Large1kItemsS    float64 `json:"large_1k_items_s"`
	Large100kItemsS  float64 `json:"large_100k_items_s"`
	LargeRatio       float64 `json:"large_ratio"`
	Large10kItemsS   float64 `json:"large_10k_items_s"`
	Large30kItemsS   float64 `json:"large_30k_items_s"`
	LargeMarginalUs  float64 `json:"large_marginal_us"`
	LargeTailRatio   float64 `json:"large_tail_ratio"`
	Large1kCPUUs     float64 `json:"large_1k_cpu_us"`
	Large100kCPUUs   float64 `json:"large_100k_cpu_us"`
	UnsureMs         float64 `json:"unsure_ms"`
	AlertIntervalS   float64 `json:"alert_interval_s,omitempty"`
	AlertP50ms       float64 `json:"alert_p50_ms,omitempty"`
	AlertP99ms       float64 `json:"alert_p99_ms,omitempty"`
	AlertPushP50ms   float64 `json:"alert_push_p50_ms,omitempty"`
	AlertPushP99ms   float64 `json:"alert_push_p99_ms,omitempty"`
}

// pushInterval is the poll interval of the WebSub alert benchmark's
// sources: long, so that only a push explains a fast alert.
const pushInterval = time.Hour

func main() {
	var o options
	flag.IntVar(&o.sources, "sources", 2000, "number of synthetic `sources`")
	flag.IntVar(&o.items, "items", 50, "items per feed")
	flag.DurationVar(&o.duration, "duration", 5*time.Second, "load time per handler and publish case")
	flag.IntVar(&o.concurrency, "concurrency", 0, "[poll] concurrency; 0 keeps wiredesk's default")
	flag.IntVar(&o.clients, "clients", 64, "concurrent keep-alive clients of the publish benchmark")
	flag.Uint64Var(&o.seed, "seed", 1, "generator seed")
	flag.StringVar(&o.cpuIngest, "cpuprofile-ingest", "", "write a CPU profile of the ingest pass to `file`")
	flag.StringVar(&o.cpu304, "cpuprofile-304", "", "write a CPU profile of the 304 pass to `file`")
	flag.StringVar(&o.cpuRefresh, "cpuprofile-refresh", "", "write a CPU profile of the publisher's Refresh to `file`")
	flag.StringVar(&o.cpuLarge, "cpuprofile-large", "", "write a CPU profile of the pass over the largest one-source document (step 6) to `file`")
	flag.StringVar(&o.memIngest, "memprofile-ingest", "", "write a heap profile to `file` at the end of the ingest pass (its Summary still live)")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary directory (feeds, database)")
	flag.BoolVar(&o.largeOnly, "large-only", false, "run only step 6, the one-source large documents (for comparing storage changes)")
	flag.IntVar(&o.alertSources, "alert-sources", 20, "urgent `sources` of the alert latency benchmark (0: skip it)")
	flag.DurationVar(&o.alertInterval, "alert-interval", 15*time.Second, "poll interval of the alert latency benchmark's urgent sources (at least 15s)")
	flag.Parse()
	if o.alertSources > 0 && o.alertInterval < 15*time.Second {
		fmt.Fprintln(os.Stderr, "wirebench: -alert-interval must be at least 15s, the fast lane's shortest interval")
		os.Exit(2)
	}
	if o.sources < 1 || o.items < 1 || o.duration <= 0 || o.clients < 1 {
		fmt.Fprintln(os.Stderr, "wirebench: -sources, -items, -clients and -duration must be positive")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "wirebench:", err)
		os.Exit(1)
	}
}

// report collects the human table as it goes.
type report struct {
	tw *tabwriter.Writer
}

func (r report) row(what, value, note string) {
	fmt.Fprintf(r.tw, "%s\t%s\t%s\n", what, value, note)
}

func run(ctx context.Context, o options, stdout, stderr io.Writer) error {
	dir, err := os.MkdirTemp("", "wirebench-")
	if err != nil {
		return fmt.Errorf("temp dir: %w", err)
	}
	if o.keep {
		fmt.Fprintln(stderr, "wirebench: keeping", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	progress := func(format string, args ...any) {
		fmt.Fprintf(stderr, "wirebench: "+format+"\n", args...)
	}
	load0 := loadAverage()
	rep := report{tw: tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)}
	var sum summary
	sum.Sources = o.sources
	if o.largeOnly {
		log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
		if err := largeStep(ctx, dir, o.cpuLarge, rep, &sum, log, progress); err != nil {
			return err
		}
		return finish(rep, sum, stdout)
	}

	// 1. The wire.
	feedDir := dir + "/wire"
	if err := os.Mkdir(feedDir, 0o755); err != nil {
		return err
	}
	gen := &Generator{Seed: o.seed, Sources: o.sources, Items: o.items, Base: time.Now().UTC().Truncate(time.Minute)}
	t0 := time.Now()
	w, err := writeWire(ctx, gen, feedDir)
	if err != nil {
		return err
	}
	if err := w.start(); err != nil {
		return err
	}
	defer w.close()
	shares := wireShares(w)
	progress("generated %d feeds, %.1f MB, in %s", len(w.feeds), mb(w.bytes), time.Since(t0).Round(time.Millisecond))

	// 2. The reference: gofeed alone on the same bytes.
	base, err := measureGofeed(ctx, w)
	if err != nil {
		return err
	}
	sum.GofeedMBs = round(mb(base.bytes) / base.withDecode.Seconds())
	progress("gofeed: %.1f MB/s", sum.GofeedMBs)

	// 3. Ingest as `once` does, into a fresh database.
	pubLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("publisher listen: %w", err)
	}
	cfg, err := loadConfig(w, dir, "http://"+pubLn.Addr().String(), o.concurrency)
	if err != nil {
		pubLn.Close()
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	db, err := wiring.OpenDB(cfg, false, "once")
	if err != nil {
		pubLn.Close()
		return err
	}
	defer db.Close()

	runtime.GC()
	debug.FreeOSMemory()
	rssReset := resetPeakRSS() == nil
	sampler := startRSSSampler()
	fresh, err := pass(ctx, cfg, db, log, o.cpuIngest)
	if err != nil {
		pubLn.Close()
		return fmt.Errorf("ingest pass: %w", err)
	}
	if err := expect(fresh.sum, aggregator.OutcomeOK, o.sources); err != nil {
		pubLn.Close()
		return fmt.Errorf("ingest pass: %w", err)
	}
	sec := fresh.sum.Duration.Seconds()
	sum.Items = fresh.items
	sum.IngestMBs = round(mb(fresh.bytes) / sec)
	sum.SourcesPerSFresh = round(float64(o.sources) / sec)
	sum.IngestRatio = round(sum.IngestMBs / sum.GofeedMBs)
	progress("ingest: %d sources in %s", o.sources, fresh.sum.Duration.Round(time.Millisecond))
	progress("desk: the unsure pairs of the day")
	unsure, err := measureUnsure(ctx, cfg, db, fresh.index, log)
	if err != nil {
		pubLn.Close()
		return fmt.Errorf("unsure pairs: %w", err)
	}
	sum.UnsureMs = round(ms(unsure.took))
	if o.memIngest != "" {
		if err := writeHeapProfile(o.memIngest); err != nil {
			pubLn.Close()
			return err
		}
	}
	freshRSS, rssErr := peakRSS()
	freshAnon, freshFile := sampler.end()
	runtime.GC()
	debug.FreeOSMemory()
	rssReset = rssReset && resetPeakRSS() == nil
	sampler = startRSSSampler()

	// 4. Every source answers 304.
	n304, err := pass(ctx, cfg, db, log, o.cpu304)
	if err != nil {
		pubLn.Close()
		return fmt.Errorf("304 pass: %w", err)
	}
	if err := expect(n304.sum, aggregator.OutcomeNotModified, o.sources); err != nil {
		pubLn.Close()
		return fmt.Errorf("304 pass: %w", err)
	}
	sum.SourcesPerS304 = round(float64(o.sources) / n304.sum.Duration.Seconds())
	progress("304: %d sources in %s", o.sources, n304.sum.Duration.Round(time.Millisecond))

	// 6. Memory and disk, before the publish benchmark's clients add
	// their own buffers.
	rss304, err := peakRSS()
	anon304, file304 := sampler.end()
	if rssErr == nil {
		rssErr = err
	}
	sum.PeakRSSMB = round(mb(max(freshRSS, rss304)))
	dbSize, err := db.Size()
	if err != nil {
		pubLn.Close()
		return fmt.Errorf("database size: %w", err)
	}
	sum.DBMB = round(mb(dbSize))

	// 5. Publish.
	pr, err := publish(ctx, cfg, db, log, pubLn, o)
	if err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	plain, gz, nm := pr.cases[0], pr.cases[1], pr.cases[2]
	sum.PublishRPS = round(plain.pub.rps())
	sum.BaselineRPS = round(plain.bare.rps())
	sum.PublishRatio = round(plain.ratio())
	sum.PublishP99ms = round(ms(plain.pub.p99()))
	sum.Publish304Ratio = round(nm.ratio())
	endRSS, _ := peakRSS()

	// The table.
	fmt.Fprintf(stdout, "wirebench: %d sources × %d items, GOMAXPROCS %d, %s, %s, load average %s at start, %s at end\n\n",
		o.sources, o.items, runtime.GOMAXPROCS(0), runtime.Version(), cpuModel(), load0, loadAverage())
	rep.row("WHAT", "VALUE", "NOTE")
	rep.row("wire", fmt.Sprintf("%.1f MB", mb(w.bytes)), shares)
	rep.row("gofeed, decode+parse", fmt.Sprintf("%.1f MB/s", sum.GofeedMBs),
		fmt.Sprintf("reference; %d items, %s on %d workers", base.items, base.withDecode.Round(time.Millisecond), runtime.GOMAXPROCS(0)))
	rep.row("gofeed, parse only", fmt.Sprintf("%.1f MB/s", round(mb(base.parseOnlyBytes)/base.parseOnly.Seconds())),
		fmt.Sprintf("first %.0f MB; windows-1251 bodies decoded beforehand, untimed", mb(base.parseOnlyBytes)))
	rep.row("ingest, fresh", fmt.Sprintf("%.1f MB/s", sum.IngestMBs),
		fmt.Sprintf("ratio %.2f (goal ≥ 0.6); %s; concurrency %d", sum.IngestRatio, fresh.sum.Duration.Round(time.Millisecond), cfg.Poll.Concurrency))
	cpuRatio := (base.cpu.Seconds() / mb(base.bytes)) / (fresh.cpu.Seconds() / mb(fresh.bytes))
	rep.row("  CPU per MB", fmt.Sprintf("%.3f s/MB", fresh.cpu.Seconds()/mb(fresh.bytes)),
		fmt.Sprintf("gofeed %.3f s/MB; CPU-time ratio %.2f (less sensitive to other load)", base.cpu.Seconds()/mb(base.bytes), cpuRatio))
	rep.row("  sources/s", fmt.Sprintf("%.0f", sum.SourcesPerSFresh), fmt.Sprintf("%d new, %d updated", fresh.sum.New, fresh.sum.Updated))
	rep.row("  items/s", fmt.Sprintf("%.0f", float64(fresh.items)/sec), fmt.Sprintf("%d items parsed", fresh.items))
	rep.row("ingest, all 304", fmt.Sprintf("%.0f sources/s", sum.SourcesPerS304), fmt.Sprintf("goal ≥ 2000; %s; %.0f µs CPU per source",
		n304.sum.Duration.Round(time.Millisecond), float64(n304.cpu.Microseconds())/float64(o.sources)))
	rep.row("  `once` start-up", n304.warm.Round(time.Millisecond).String(), "warm the cluster index from the database (not in sources/s)")
	rep.row("desk unsure, last day", unsure.took.Round(time.Millisecond).String(),
		fmt.Sprintf("the board's count and the Unsure page (floor %.1f, first %d): stories of the day, at most 10,000, every item against the index; %d pairs; %s CPU",
			desk.DefaultUnsureFloor, unsureLimit, unsure.pairs, unsure.cpu.Round(time.Millisecond)))
	rep.row("wire server", fmt.Sprintf("%d full, %d 304", w.full.Load(), w.notModified.Load()), "responses")
	rssNote := "VmHWM, reset before each pass; whole process incl. wire server"
	if !rssReset {
		rssNote = "VmHWM of the whole run so far (could not reset it)"
	}
	if rssErr != nil {
		rssNote = "unavailable: " + rssErr.Error()
	}
	rep.row("peak RSS", fmt.Sprintf("%.0f MB", sum.PeakRSSMB), rssNote+"; goal ≤ 256 MB at 10k sources")
	rep.row("  fresh pass", fmt.Sprintf("%.0f MB", round(mb(freshRSS))),
		fmt.Sprintf("sampled peaks: %.0f MB anonymous, %.0f MB file-backed (bbolt mmap)", mb(freshAnon), mb(freshFile)))
	rep.row("  304 pass", fmt.Sprintf("%.0f MB", round(mb(rss304))),
		fmt.Sprintf("including `once` start-up (cluster warm-up); sampled peaks: %.0f MB anonymous, %.0f MB file-backed", mb(anon304), mb(file304)))
	rep.row("  at exit", fmt.Sprintf("%.0f MB", round(mb(endRSS))), "VmHWM after the publish benchmark")
	rep.row("database", fmt.Sprintf("%.1f MB", sum.DBMB), "")
	rep.row("publisher Refresh", pr.refresh.Round(time.Millisecond).String(), fmt.Sprintf("%d-byte feed, %d-byte gzip", pr.size, pr.gzSize))
	for _, c := range []caseResult{plain, gz, nm} {
		goal := ""
		switch c.name {
		case "plain":
			goal = "; goal ≥ 0.9"
		case "304":
			goal = "; goal ≥ 0.85"
		}
		rep.row("publish "+c.name, fmt.Sprintf("%.0f req/s", c.pub.rps()),
			fmt.Sprintf("bare %.0f req/s, ratio %.2f%s; p99 %.2f ms vs %.2f ms; errors %d/%d",
				c.bare.rps(), c.ratio(), goal, ms(c.pub.p99()), ms(c.bare.p99()), c.pub.errors, c.bare.errors))
	}
	// 6. One source, one large document (issue 11: cost linear in items).
	if err := largeStep(ctx, dir, o.cpuLarge, rep, &sum, log, progress); err != nil {
		return err
	}
	// 7. Alert latency: a flash appears at a fake wire → the webhook has it.
	if o.alertSources > 0 {
		progress("alert latency: %d urgent sources polled every %s", o.alertSources, o.alertInterval)
		al, err := measureAlertLatency(ctx, dir, o.alertSources, o.alertInterval, false, o.seed, log)
		if err != nil {
			return err
		}
		progress("alert latency: %d urgent sources pushed by their WebSub hub, interval %s", o.alertSources, pushInterval)
		pushed, err := measureAlertLatency(ctx, dir, o.alertSources, pushInterval, true, o.seed, log)
		if err != nil {
			return err
		}
		sum.AlertIntervalS = round(o.alertInterval.Seconds())
		p50, p99 := quantile(al.samples, 0.5), quantile(al.samples, 0.99)
		sum.AlertP50ms = round(ms(p50))
		sum.AlertP99ms = round(ms(p99))
		rep.row("alert latency, polled", fmt.Sprintf("p50 %.1f s, p99 %.1f s", p50.Seconds(), p99.Seconds()),
			fmt.Sprintf("flash at the wire → webhook; %d urgent sources, interval %s (±10%% jitter): a poll waits %.1f s on average", len(al.samples), o.alertInterval, o.alertInterval.Seconds()/2))
		rep.row("  after the poll", fmt.Sprintf("p50 %.0f ms, p99 %.0f ms", ms(quantile(al.pipeline, 0.5)), ms(quantile(al.pipeline, 0.99))),
			"start of the poll that found the flash → webhook: fetch, parse, save + queue, deliver")
		pp50, pp99 := quantile(pushed.samples, 0.5), quantile(pushed.samples, 0.99)
		sum.AlertPushP50ms = round(ms(pp50))
		sum.AlertPushP99ms = round(ms(pp99))
		rep.row("alert latency, WebSub", fmt.Sprintf("p50 %.0f ms, p99 %.0f ms", ms(pp50), ms(pp99)),
			fmt.Sprintf("flash at the wire, pushed at once by its hub → webhook; %d urgent sources, interval %s", len(pushed.samples), pushInterval))
	}
	return finish(rep, sum, stdout)
}

// finish writes the human table and then the summary's JSON line.
func finish(rep report, sum summary, stdout io.Writer) error {
	if err := rep.tw.Flush(); err != nil {
		return err
	}
	b, err := json.Marshal(sum)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "%s\n", b)
	return err
}

// passResult is one RunOnce.
type passResult struct {
	sum   aggregator.Summary
	items int
	bytes int64
	warm  time.Duration // wiring.Poller: warming the cluster index
	cpu   time.Duration // process CPU time of RunOnce
	index *cluster.Index
}

// pass runs one `once` poll: a new poller on db (as a new `once` process
// would build it), then RunOnce over every source, profiled to profile
// when it is set. Only RunOnce is in the Summary's Duration.
func pass(ctx context.Context, cfg *config.Config, db *storage.DB, log *slog.Logger, profile string) (res passResult, err error) {
	t0 := time.Now()
	poller, err := wiring.Poller(ctx, cfg, db, log, "bench")
	if err != nil {
		return res, err
	}
	res.warm, res.index = time.Since(t0), poller.Cluster
	stopProfile, err := startProfile(profile)
	if err != nil {
		return res, err
	}
	defer stopProfile()
	c0 := cpuTime()
	defer func() { res.cpu = cpuTime() - c0 }()
	res.sum, err = poller.RunOnce(ctx, cfg.Sources, aggregator.OnceOptions{Concurrency: cfg.Poll.Concurrency})
	if err != nil {
		return res, err
	}
	for _, r := range res.sum.Results {
		res.items += r.Items
		res.bytes += r.Bytes
	}
	return res, nil
}

// startProfile starts a CPU profile into file ("" for none) and returns
// the function that stops it.
func startProfile(file string) (stop func(), err error) {
	if file == "" {
		return func() {}, nil
	}
	f, err := os.Create(file)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile %s: %w", file, err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// writeHeapProfile writes the live heap to file.
func writeHeapProfile(file string) error {
	f, err := os.Create(file)
	if err != nil {
		return fmt.Errorf("heap profile: %w", err)
	}
	runtime.GC()
	if err := pprof.WriteHeapProfile(f); err != nil {
		f.Close()
		return fmt.Errorf("heap profile %s: %w", file, err)
	}
	return f.Close()
}

// expect checks that every source ended with outcome.
func expect(s aggregator.Summary, want aggregator.Outcome, n int) error {
	got := 0
	var errs []string
	for _, r := range s.Results {
		if r.Outcome == want {
			got++
		} else if len(errs) < 5 {
			msg := string(r.Outcome)
			if r.Err != nil {
				msg += ": " + r.Err.Error()
			}
			errs = append(errs, r.SourceID+" "+msg)
		}
	}
	if got != n {
		return fmt.Errorf("%d of %d sources %s; first others: %s", got, n, want, strings.Join(errs, "; "))
	}
	return nil
}

// caseResult compares the publisher with the bare handler for one case.
type caseResult struct {
	name      string
	pub, bare loadResult
}

func (c caseResult) ratio() float64 {
	if c.bare.rps() == 0 {
		return 0
	}
	return c.pub.rps() / c.bare.rps()
}

type publishResult struct {
	refresh      time.Duration
	size, gzSize int
	cases        []caseResult
}

// publish renders the feeds, serves the publisher's handler on pubLn (with
// serve's timeouts) and a bare handler on another port, and drives both
// with the same clients for each case. The time of a case is split in two
// rounds, alternating bare and publisher, so drift on a shared machine
// hits both alike.
func publish(ctx context.Context, cfg *config.Config, db *storage.DB, log *slog.Logger, pubLn net.Listener, o options) (publishResult, error) {
	var res publishResult
	pub := wiring.Publisher(cfg, db, log, "bench")
	defer pub.Close()
	stopProfile, err := startProfile(o.cpuRefresh)
	if err != nil {
		pubLn.Close()
		return res, err
	}
	t0 := time.Now()
	_, err = pub.Refresh(ctx)
	res.refresh = time.Since(t0)
	stopProfile()
	if err != nil {
		pubLn.Close()
		return res, fmt.Errorf("refresh: %w", err)
	}
	tune := func(s *http.Server) {
		s.ReadHeaderTimeout = cfg.Server.ReadHeaderTimeout
		s.ReadTimeout = cfg.Server.ReadTimeout
		s.WriteTimeout = cfg.Server.WriteTimeout
		s.IdleTimeout = cfg.Server.IdleTimeout
		s.MaxHeaderBytes = cfg.Server.MaxHeaderBytes
	}
	ps := startServer(pubLn, pub.Handler(), tune)
	defer ps.close()
	pubURL := "http://" + pubLn.Addr().String() + "/feeds/" + benchFeedSlug + ".rss"
	doc, err := fetchDoc(ctx, pubURL)
	if err != nil {
		return res, err
	}
	res.size, res.gzSize = len(doc.body), len(doc.gz)
	bareLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return res, fmt.Errorf("bare listen: %w", err)
	}
	bare := newBareHandler(doc)
	bs := startServer(bareLn, bare, tune)
	defer bs.close()
	bareURL := "http://" + bareLn.Addr().String() + "/feeds/" + benchFeedSlug + ".rss"

	// Both handlers send the identity body's ETag as the publisher
	// does, so the 304 case sends the same If-None-Match to both.
	cases := []loadCase{
		{name: "plain", header: http.Header{}, status: http.StatusOK},
		{name: "gzip", header: http.Header{"Accept-Encoding": {"gzip"}}, status: http.StatusOK},
		{name: "304", header: http.Header{"If-None-Match": {doc.etag}}, status: http.StatusNotModified},
	}
	for _, c := range cases {
		cr := caseResult{name: c.name}
		half := o.duration / 2
		for range 2 {
			cr.bare.merge(drive(ctx, bareURL, c, o.clients, half))
			cr.pub.merge(drive(ctx, pubURL, c, o.clients, half))
			if err := ctx.Err(); err != nil {
				return res, err
			}
		}
		if cr.pub.requests == 0 || cr.bare.requests == 0 {
			return res, fmt.Errorf("case %s: no successful requests (publisher errors %d, bare errors %d)", c.name, cr.pub.errors, cr.bare.errors)
		}
		res.cases = append(res.cases, cr)
	}
	return res, nil
}

// wireShares describes the mix of the generated wire.
func wireShares(w *wire) string {
	var rss, atom, rdf, cp, cpHeader, ru int
	for _, f := range w.feeds {
		switch f.spec.Format {
		case FormatRSS2:
			rss++
		case FormatAtom:
			atom++
		case FormatRDF:
			rdf++
		}
		if f.spec.Charset == charset1251 {
			cp++
			if !f.spec.InProlog {
				cpHeader++
			}
		}
		if f.spec.Lang == "ru" {
			ru++
		}
	}
	n := float64(len(w.feeds)) / 100
	return fmt.Sprintf("RSS 2.0 %.0f%%, Atom %.0f%%, RDF %.0f%%; windows-1251 %.0f%% (%d named only in Content-Type); Cyrillic %.0f%%",
		float64(rss)/n, float64(atom)/n, float64(rdf)/n, float64(cp)/n, cpHeader, float64(ru)/n)
}

// peakRSS returns VmHWM from /proc/self/status in bytes.
func peakRSS() (int64, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, fmt.Errorf("peak rss: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			if _, err := fmt.Sscanf(strings.TrimSpace(v), "%d kB", &kb); err != nil {
				return 0, fmt.Errorf("peak rss: parse %q: %w", line, err)
			}
			return kb << 10, nil
		}
	}
	return 0, errors.New("peak rss: no VmHWM in /proc/self/status")
}

// rssSampler records the peak anonymous and file-backed resident memory
// (RssAnon, RssFile of /proc/self/status) every 50 ms: VmHWM counts the
// pages of bbolt's memory map that were touched, which the kernel can
// drop at will, so the anonymous peak is the figure to compare with a
// memory limit.
type rssSampler struct {
	stop      chan struct{}
	done      chan struct{}
	anon, fil int64
}

func startRSSSampler() *rssSampler {
	s := &rssSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			if a, f, err := rssNow(); err == nil {
				s.anon, s.fil = max(s.anon, a), max(s.fil, f)
			}
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// end stops the sampler and returns the peaks in bytes.
func (s *rssSampler) end() (anon, file int64) {
	close(s.stop)
	<-s.done
	return s.anon, s.fil
}

// rssNow returns RssAnon and RssFile in bytes.
func rssNow() (anon, file int64, err error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		var dst *int64
		if v, ok := strings.CutPrefix(line, "RssAnon:"); ok {
			dst, line = &anon, v
		} else if v, ok := strings.CutPrefix(line, "RssFile:"); ok {
			dst, line = &file, v
		} else {
			continue
		}
		var kb int64
		if _, err := fmt.Sscanf(strings.TrimSpace(line), "%d kB", &kb); err != nil {
			return 0, 0, err
		}
		*dst = kb << 10
	}
	return anon, file, nil
}

// resetPeakRSS sets VmHWM back to the current RSS (Linux clear_refs 5).
func resetPeakRSS() error {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "cpu unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "model name"); ok {
			return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
		}
	}
	return "cpu unknown"
}

// cpuTime is the user and system CPU time of this process so far. Ratios
// of CPU time per megabyte hold up better than wall-clock ratios when
// other work shares the machine.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loadAverage is the first field of /proc/loadavg: how busy the machine
// was with other work.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}

func mb(b int64) float64         { return float64(b) / 1e6 }
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
func round(f float64) float64    { return float64(int64(f*100+0.5)) / 100 }
