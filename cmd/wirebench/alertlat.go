package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/wiredesk/wiredesk"
	"github.com/wiredesk/wiredesk/aggregator"
	"github.com/wiredesk/wiredesk/alert"
	"github.com/wiredesk/wiredesk/config"
	"github.com/wiredesk/wiredesk/internal/wiring"
)

// The alert latency benchmark: urgent sources polled in the fast lane by
// the daemon's scheduler (as `serve` wires it); each publishes one flash at
// a random moment; latency is from the moment the flash appears at the
// fake wire to the moment the webhook receives its alert. A polled source
// waits on average half its interval, so the figures are shown beside it.

// flashWire serves one RSS document per source; publish adds a flash.
type flashWire struct {
	mu    sync.Mutex
	flash map[int]time.Time // source → when its flash appeared
}

func (f *flashWire) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var i int
	if _, err := fmt.Sscanf(r.URL.Path, "/flash/%d.xml", &i); err != nil {
		http.NotFound(w, r)
		return
	}
	f.mu.Lock()
	at, ok := f.flash[i]
	f.mu.Unlock()
	etag := fmt.Sprintf(`"f%d-%v"`, i, ok)
	w.Header().Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Wire %d</title><link>https://wire%d.example/</link><description>d</description>`, i, i)
	if ok {
		fmt.Fprintf(&b, `<item><title>МОЛНИЯ Событие %d на ленте %d</title><link>https://wire%d.example/flash</link><guid>flash-%d</guid><pubDate>%s</pubDate></item>`,
			i, i, i, i, at.Format(time.RFC1123Z))
	}
	fmt.Fprintf(&b, `<item><title>Обычная новость ленты %d</title><link>https://wire%d.example/1</link><guid>old-%d</guid></item></channel></rss>`, i, i, i)
	io.WriteString(w, b.String())
}

// alertLatency is the result of the benchmark.
type alertLatency struct {
	interval time.Duration
	samples  []time.Duration // flash at the wire → webhook
	pipeline []time.Duration // start of the poll that found it → webhook
}

func quantile(samples []time.Duration, q float64) time.Duration {
	s := slices.Clone(samples)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

// measureAlertLatency runs n urgent sources polled every interval, each
// publishing one flash at its own moment of the first interval after
// their first poll, the moments spread evenly over the interval.
func measureAlertLatency(ctx context.Context, dir string, n int, interval time.Duration, seed uint64, log *slog.Logger) (alertLatency, error) {
	res := alertLatency{interval: interval}
	wire := &flashWire{flash: map[int]time.Time{}}
	wireLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return res, err
	}
	wireSrv := startServer(wireLn, wire, nil)
	defer wireSrv.close()

	var mu sync.Mutex
	got := map[string]time.Time{} // source id → alert received
	arrived := make(chan struct{}, n)
	hookLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return res, err
	}
	hookSrv := startServer(hookLn, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at := time.Now()
		var p alert.WebhookPayload
		if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
			http.Error(w, "bad json", http.StatusBadRequest)
			return
		}
		mu.Lock()
		if _, dup := got[p.Source]; !dup && p.Kind == "new" {
			got[p.Source] = at
			arrived <- struct{}{}
		}
		mu.Unlock()
	}), nil)
	defer hookSrv.close()

	adir := filepath.Join(dir, "alerts")
	if err := os.MkdirAll(adir, 0o755); err != nil {
		return res, err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "[storage]\npath = %q\n[publish]\nout_dir = %q\n[poll]\nper_host = %d\nhost_delay = \"0s\"\n", filepath.Join(adir, "a.db"), filepath.Join(adir, "public"), n)
	fmt.Fprintf(&b, "[[feed]]\nslug = \"all\"\ntitle = \"All\"\n")
	fmt.Fprintf(&b, "[[channel]]\nname = \"hook\"\ntype = \"webhook\"\nurl = \"http://%s/hook\"\nper_minute = 6000\nburst = %d\n", hookLn.Addr(), n)
	fmt.Fprintf(&b, "[[alert]]\nname = \"flash\"\nchannels = [\"hook\"]\nurgent = true\n")
	for i := range n {
		fmt.Fprintf(&b, "[[source]]\nid = \"fast-%d\"\nurl = \"http://%s/flash/%d.xml\"\nurgent = true\ninterval = %q\n", i, wireLn.Addr(), i, interval.String())
	}
	cfg, err := config.Parse(filepath.Join(adir, "wiredesk.toml"), []byte(b.String()), nil)
	if err != nil {
		return res, err
	}
	db, err := wiring.OpenDB(cfg, false, "serve")
	if err != nil {
		return res, err
	}
	defer db.Close()
	poller, err := wiring.Poller(ctx, cfg, db, log, "bench")
	if err != nil {
		return res, err
	}
	engine, err := wiring.AlertEngine(cfg)
	if err != nil {
		return res, err
	}
	poller.Alerts = engine.ItemAlerts
	deliver := wiring.AlertDeliverer(cfg, db, log)
	var first sync.WaitGroup
	first.Add(n)
	polled := make([]bool, n)
	var pmu sync.Mutex
	sched := &aggregator.Scheduler{Poller: poller, Concurrency: n, AfterPoll: func(aggregator.Result) { deliver.Wake() }}
	found := make([]time.Time, n) // start of the poll that stored the flash
	poller.Observer = observerFunc(func(src wiredesk.Source, r aggregator.Result) {
		var i int
		fmt.Sscanf(src.ID, "fast-%d", &i)
		pmu.Lock()
		defer pmu.Unlock()
		if polled[i] && r.New > 0 && found[i].IsZero() {
			found[i] = time.Now().Add(-r.Duration)
		}
		if !polled[i] {
			polled[i] = true
			first.Done()
		}
	})
	runCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { sched.Run(runCtx, cfg.Sources) })
	wg.Go(func() { deliver.Run(runCtx) })
	defer func() { stop(); wg.Wait() }()
	first.Wait() // every source polled once: the scheduler is in its rhythm

	// The flashes appear at moments spread evenly over one interval (in a
	// shuffled order of sources), so the figures do not depend on a lucky
	// or unlucky draw of a few random moments.
	rng := rand.New(rand.NewPCG(seed, 7))
	slot := rng.Perm(n)
	published := make([]time.Time, n)
	for i := range n {
		delay := time.Duration((float64(slot[i]) + 0.5) / float64(n) * float64(interval))
		time.AfterFunc(delay, func() {
			wire.mu.Lock()
			published[i] = time.Now()
			wire.flash[i] = published[i]
			wire.mu.Unlock()
		})
	}
	deadline := time.After(3*interval + 10*time.Second)
	for range n {
		select {
		case <-arrived:
		case <-deadline:
			return res, fmt.Errorf("alert latency: %d of %d alerts arrived", len(got), n)
		case <-ctx.Done():
			return res, ctx.Err()
		}
	}
	mu.Lock()
	defer mu.Unlock()
	wire.mu.Lock()
	defer wire.mu.Unlock()
	pmu.Lock()
	defer pmu.Unlock()
	for i := range n {
		at := got[fmt.Sprintf("fast-%d", i)]
		res.samples = append(res.samples, at.Sub(published[i]))
		res.pipeline = append(res.pipeline, at.Sub(found[i]))
	}
	return res, nil
}

// observerFunc adapts a function to aggregator.Observer.
type observerFunc func(wiredesk.Source, aggregator.Result)

func (f observerFunc) ObservePoll(s wiredesk.Source, r aggregator.Result) { f(s, r) }
