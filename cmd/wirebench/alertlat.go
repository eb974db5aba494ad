package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
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
// A second run makes the wire the feeds' WebSub hub and pushes each flash.

// flashWire serves one RSS document per source; publish adds a flash.
// With hub set it also advertises itself as the feeds' WebSub hub (at
// /hub), verifies subscriptions and pushes each flash as it appears.
type flashWire struct {
	mu    sync.Mutex
	flash map[int]time.Time // source → when its flash appeared
	hub   string            // "http://host:port" of this server; "" for no hub
	subs  map[string]url.Values
	ready chan struct{} // one per verified subscription
}

func (f *flashWire) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/hub" {
		f.subscribe(w, r)
		return
	}
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
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>Wire %d</title><link>https://wire%d.example/</link><description>d</description>`, i, i)
	if f.hub != "" {
		fmt.Fprintf(&b, `<atom:link rel="hub" href="%s/hub"/><atom:link rel="self" href="%s/flash/%d.xml"/>`, f.hub, f.hub, i)
	}
	if ok {
		fmt.Fprintf(&b, `<item><title>МОЛНИЯ Событие %d на ленте %d</title><link>https://wire%d.example/flash</link><guid>flash-%d</guid><pubDate>%s</pubDate></item>`,
			i, i, i, i, at.Format(time.RFC1123Z))
	}
	fmt.Fprintf(&b, `<item><title>Обычная новость ленты %d</title><link>https://wire%d.example/1</link><guid>old-%d</guid></item></channel></rss>`, i, i, i)
	io.WriteString(w, b.String())
}

// subscribe takes a WebSub subscription and verifies it with the callback.
func (f *flashWire) subscribe(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	form := r.PostForm
	w.WriteHeader(http.StatusAccepted)
	go func() {
		q := url.Values{"hub.mode": {"subscribe"}, "hub.topic": {form.Get("hub.topic")}, "hub.challenge": {"c"}, "hub.lease_seconds": {"86400"}}
		resp, err := http.Get(form.Get("hub.callback") + "?" + q.Encode())
		if err != nil {
			return
		}
		resp.Body.Close()
		f.mu.Lock()
		f.subs[form.Get("hub.topic")] = form
		f.mu.Unlock()
		f.ready <- struct{}{}
	}()
}

// push notifies source i's subscriber, signed, as a hub does (fire and
// forget: the subscriber fetches the feed itself).
func (f *flashWire) push(i int) {
	f.mu.Lock()
	form := f.subs[fmt.Sprintf("%s/flash/%d.xml", f.hub, i)]
	f.mu.Unlock()
	body := "<rss/>"
	mac := hmac.New(sha256.New, []byte(form.Get("hub.secret")))
	mac.Write([]byte(body))
	req, err := http.NewRequest(http.MethodPost, form.Get("hub.callback"), strings.NewReader(body))
	if err != nil {
		return
	}
	req.Header.Set("X-Hub-Signature", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}
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
//
// With push, the wire is also the feeds' WebSub hub: the daemon's
// subscriber (wired as `serve` wires it) subscribes every source, and each
// flash is pushed as it appears, so the interval only bounds a lost push.
func measureAlertLatency(ctx context.Context, dir string, n int, interval time.Duration, push bool, seed uint64, log *slog.Logger) (alertLatency, error) {
	res := alertLatency{interval: interval}
	wire := &flashWire{flash: map[int]time.Time{}, subs: map[string]url.Values{}, ready: make(chan struct{}, n)}
	wireLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return res, err
	}
	if push {
		wire.hub = "http://" + wireLn.Addr().String()
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

	name := "alerts-polled"
	if push {
		name = "alerts-pushed"
	}
	adir := filepath.Join(dir, name)
	if err := os.MkdirAll(adir, 0o755); err != nil {
		return res, err
	}
	var b strings.Builder
	cbLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return res, err
	}
	fmt.Fprintf(&b, "[server]\nlisten = %q\n[storage]\npath = %q\n[publish]\nout_dir = %q\n[poll]\nper_host = %d\nhost_delay = \"0s\"\n", cbLn.Addr().String(), filepath.Join(adir, "a.db"), filepath.Join(adir, "public"), n)
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
	var sched *aggregator.Scheduler
	sub := wiring.WebSub(cfg, log, func(id string) { sched.PollSource(id) })
	cbSrv := startServer(cbLn, sub, nil)
	defer cbSrv.close()
	sched = &aggregator.Scheduler{Poller: poller, Concurrency: n, AfterPoll: func(aggregator.Result) { deliver.Wake() }}
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
	if push {
		// As serve does after a poll: subscribe the urgent sources whose
		// feed advertised a hub; then wait for every verification.
		if err := wiring.EnsureSubscriptions(ctx, cfg, db, sub); err != nil {
			return res, err
		}
		for range n {
			select {
			case <-wire.ready:
			case <-time.After(time.Minute):
				return res, fmt.Errorf("alert latency: the hub did not verify every subscription")
			}
		}
	}

	// The flashes appear at moments spread evenly over one interval (in a
	// shuffled order of sources), so the figures do not depend on a lucky
	// or unlucky draw of a few random moments.
	rng := rand.New(rand.NewPCG(seed, 7))
	slot := rng.Perm(n)
	published := make([]time.Time, n)
	spread := interval
	if push {
		spread = min(interval, 10*time.Second) // pushes do not wait for the interval
	}
	for i := range n {
		delay := time.Duration((float64(slot[i]) + 0.5) / float64(n) * float64(spread))
		time.AfterFunc(delay, func() {
			wire.mu.Lock()
			published[i] = time.Now()
			wire.flash[i] = published[i]
			wire.mu.Unlock()
			if push {
				wire.push(i)
			}
		})
	}
	deadline := time.After(spread + 2*interval + 10*time.Second)
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
