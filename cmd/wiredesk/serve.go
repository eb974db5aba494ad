package main

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/wiredesk/wiredesk"
	"github.com/wiredesk/wiredesk/aggregator"
	"github.com/wiredesk/wiredesk/aggregator/websub"
	"github.com/wiredesk/wiredesk/alert"
	"github.com/wiredesk/wiredesk/config"
	"github.com/wiredesk/wiredesk/desk"
	"github.com/wiredesk/wiredesk/desk/web"
	"github.com/wiredesk/wiredesk/internal/wiring"
	"github.com/wiredesk/wiredesk/publisher"
	"github.com/wiredesk/wiredesk/publisher/status"
	"github.com/wiredesk/wiredesk/storage"
)

func cmdServe(ctx context.Context, e *env, args []string) error {
	fs, cfgPath := flags(e, "serve", "serve [-config FILE] [-listen ADDR]",
		"  wiredesk serve -config /etc/wiredesk/wiredesk.toml\n"+
			"  wiredesk serve -config demo.toml -listen 127.0.0.1:9090\n\n"+
			"Signals: SIGINT/SIGTERM stop cleanly (exit 0); SIGHUP reloads the config.")
	listen := fs.String("listen", "", "override [server] listen `address`")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(e, *cfgPath)
	if err != nil {
		return err
	}
	if *listen != "" {
		cfg.Server.Listen = *listen
	}
	log := newLogger(e.stderr, cfg.Log.Level, cfg.Log.Format)

	db, err := wiring.OpenDB(cfg, false, "serve")
	if err != nil {
		return err
	}
	defer db.Close()

	d, err := newDaemon(ctx, cfg, db, log)
	if err != nil {
		return err
	}
	return d.run(ctx, *cfgPath)
}

// daemon is one running `wiredesk serve`.
type daemon struct {
	log   *slog.Logger
	db    *storage.DB
	pub   *publisher.Publisher
	sched *aggregator.Scheduler
	mets  *metrics
	desk  *desk.Service // editors' decisions through the admin endpoints

	// alerts are the running config's alert rules, swapped on reload;
	// deliver sends the outbox, one worker per channel.
	alerts     atomic.Pointer[alert.Engine]
	itemAlerts bool // the poller asks for items' alerts
	deliver    *alert.Deliverer
	// websub keeps the urgent sources' subscriptions to their wires' hubs;
	// hubWake asks for a look at them after a poll stored something.
	websub  *websub.Subscriber
	hubWake chan struct{}

	mu      sync.Mutex
	cfg     *config.Config
	applyMu sync.Mutex // one apply at a time: SIGHUP and desk saves

	refresh chan struct{} // coalesced requests to re-render feeds
}

func newDaemon(ctx context.Context, cfg *config.Config, db *storage.DB, log *slog.Logger) (*daemon, error) {
	poller, err := wiring.Poller(ctx, cfg, db, log, version())
	if err != nil {
		return nil, err
	}
	d := &daemon{
		log:     log,
		db:      db,
		cfg:     cfg,
		pub:     wiring.Publisher(cfg, db, log, version()),
		refresh: make(chan struct{}, 1),
	}
	d.mets = newMetrics(db)
	states, err := db.SourceStates(ctx)
	if err != nil {
		return nil, fmt.Errorf("read source states: %w", err)
	}
	d.mets.seedLastSuccess(cfg.Sources, states)
	// Decisions go through the poller's own index, so the next poll
	// already follows them, and re-render the feeds at once.
	d.desk = wiring.Desk(cfg, db, poller.Cluster, log)
	d.desk.AfterChange = d.requestRefresh
	poller.Observer = d.mets
	engine, err := wiring.AlertEngine(cfg)
	if err != nil {
		return nil, err
	}
	d.alerts.Store(engine)
	// Storage queues an item's alerts in the transaction that saves it;
	// the workers are woken after the poll and deliver on their own.
	// Without item rules at start, saves skip the story lookup alerts need
	// (a reload that adds the first item rule needs a restart).
	d.itemAlerts = engine.HasItemRules()
	if d.itemAlerts {
		poller.Alerts = func(it wiredesk.Item, story []wiredesk.Item) []wiredesk.Alert {
			return d.alerts.Load().ItemAlerts(it, story)
		}
	}
	d.deliver = wiring.AlertDeliverer(cfg, db, log)
	d.deliver.Observe = d.mets.observeAlert
	d.hubWake = make(chan struct{}, 1)
	d.websub = wiring.WebSub(cfg, log, func(id string) { d.sched.PollSource(id) })
	d.sched = &aggregator.Scheduler{
		Poller:      poller,
		Concurrency: cfg.Poll.Concurrency,
		AfterPoll: func(r aggregator.Result) {
			d.requestRefresh()
			if r.New > 0 {
				d.deliver.Wake()
			}
			select {
			case d.hubWake <- struct{}{}:
			default:
			}
		},
	}
	return d, nil
}

func (d *daemon) requestRefresh() {
	select {
	case d.refresh <- struct{}{}:
	default:
	}
}

func (d *daemon) config() *config.Config {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cfg
}

// run serves until ctx is cancelled; every goroutine it starts ends before
// it returns.
func (d *daemon) run(ctx context.Context, cfgPath string) error {
	cfg := d.config()
	if _, err := d.pub.Refresh(ctx); err != nil {
		return fmt.Errorf("render feeds: %w", err)
	}

	public, admin := d.handlers()
	servers := []*http.Server{d.server(cfg, cfg.Server.Listen, public)}
	if admin != nil {
		servers = append(servers, d.server(cfg, cfg.Server.AdminListen, admin))
	}
	var listeners []net.Listener
	for _, srv := range servers {
		ln, err := net.Listen("tcp", srv.Addr)
		if err != nil {
			for _, l := range listeners {
				l.Close()
			}
			return fmt.Errorf("listen %s: %w", srv.Addr, err)
		}
		listeners = append(listeners, ln)
	}

	var wg sync.WaitGroup
	errc := make(chan error, len(servers))
	for i, srv := range servers {
		ln := listeners[i]
		d.log.Info("listening", "addr", ln.Addr().String(), "base_url", cfg.Server.BaseURL)
		wg.Go(func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("serve %s: %w", srv.Addr, err)
			}
		})
	}

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	wg.Go(func() { d.sched.Run(runCtx, cfg.Sources) })
	wg.Go(func() { d.refresher(runCtx) })
	wg.Go(func() { d.retention(runCtx) })
	wg.Go(func() { d.reloader(runCtx, cfgPath) })
	wg.Go(func() { d.deliver.Run(runCtx) })
	wg.Go(func() { d.sourceAlerts(runCtx) })
	wg.Go(func() { d.subscriptions(runCtx) })

	var err error
	select {
	case <-ctx.Done():
		d.log.Info("shutting down")
	case err = <-errc:
		d.log.Error("server failed", "error", err)
	}
	stop()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.Server.ShutdownTimeout)
	defer cancel()
	for _, srv := range servers {
		if e := srv.Shutdown(shutdownCtx); e != nil {
			d.log.Warn("shutdown", "addr", srv.Addr, "error", e)
		}
	}
	if !waitUntil(shutdownCtx, &wg) {
		// A poll cannot be stopped inside gofeed's parse of a huge body;
		// the rest of the daemon's goroutines end with the process. Saves
		// are chunked and check ctx, so Close waits at most for one chunk.
		d.log.Warn("shutdown_timeout passed with a poll still parsing; exiting without waiting for it",
			"shutdown_timeout", cfg.Server.ShutdownTimeout.String())
	}
	d.pub.Close()
	d.log.Info("stopped")
	return err
}

// waitUntil waits for wg until ctx is done and reports whether wg finished.
func waitUntil(ctx context.Context, wg *sync.WaitGroup) bool {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-ctx.Done():
		return false
	}
}

// server builds a hardened http.Server: every timeout set, headers capped.
func (d *daemon) server(cfg *config.Config, addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: cfg.Server.ReadHeaderTimeout,
		ReadTimeout:       cfg.Server.ReadTimeout,
		WriteTimeout:      cfg.Server.WriteTimeout,
		IdleTimeout:       cfg.Server.IdleTimeout,
		MaxHeaderBytes:    cfg.Server.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(d.log.Handler(), slog.LevelDebug),
	}
}

// handlers returns the public handler and, when [server] admin_listen is
// set, a separate admin handler (nil otherwise: admin paths are public).
func (d *daemon) handlers() (public, admin http.Handler) {
	cfg := d.config()
	adminMux := http.NewServeMux()
	adminMux.Handle("GET /status", d.statusHandler())
	adminMux.Handle("GET /metrics", d.mets.handler())
	adminMux.HandleFunc("GET /healthz", d.healthz)
	adminMux.Handle("POST /admin/poll-now", d.requireToken(http.HandlerFunc(d.pollNow)))
	adminMux.Handle("GET /admin/backup", d.requireToken(http.HandlerFunc(d.backupHandler)))
	d.readRoutes(adminMux)
	desk.Routes(adminMux, d.desk, d.requireToken)
	desk.AccountRoutes(adminMux, wiring.Users(d.db), d.requireToken)
	// The desk in a browser goes where the admin paths go: the admin
	// listener when there is one, else the public one.
	deskWeb := d.deskWeb()
	adminMux.Handle(web.Prefix, deskWeb)

	pubMux := http.NewServeMux()
	pubMux.HandleFunc("GET /healthz", d.healthz)
	// WebSub hubs call back on the public listener: they must reach it.
	pubMux.Handle("/websub/", d.websub)
	pubMux.Handle("/", d.pub.Handler())
	if cfg.Server.AdminListen == "" {
		// The admin paths are handed to adminMux whatever the method, so
		// that a wrong method gets its 405 and Allow header there rather
		// than the feeds' 404 from the catch-all "/".
		for _, p := range []string{"/status", "/metrics", "/admin/", web.Prefix} {
			pubMux.Handle(p, adminMux)
		}
		return d.mets.instrument(pubMux), nil
	}
	return d.mets.instrument(pubMux), d.mets.instrument(adminMux)
}

// readRoutes registers the admin endpoints of the read-only commands
// (`wiredesk sources`, `wiredesk preview`) run beside the daemon, which
// holds the database.
func (d *daemon) readRoutes(mux *http.ServeMux) {
	mux.Handle("GET "+pathSources, d.requireToken(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rows, err := sourceRows(r.Context(), d.db, d.config().Sources, time.Now())
		replyJSON(w, rows, err)
	})))
	mux.Handle("GET "+pathPreview, d.requireToken(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		since := 24 * time.Hour
		if s := r.URL.Query().Get("since"); s != "" {
			v, err := time.ParseDuration(s)
			if err != nil || v <= 0 {
				replyJSON(w, nil, fmt.Errorf("since %q: not a positive duration such as 24h: %w", s, wiredesk.ErrRefused))
				return
			}
			since = v
		}
		rep, err := buildPreview(r.Context(), d.pub, d.config(), r.URL.Query().Get("feed"), time.Now().Add(-since))
		replyJSON(w, rep, err)
	})))
}

// replyJSON answers v as JSON, or err as {"error": …} with 404 for
// wiredesk.ErrNotFound, 409 for wiredesk.ErrRefused and 500 else — the
// shape desk.Client reads.
func replyJSON(w http.ResponseWriter, v any, err error) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if err != nil {
		code := http.StatusInternalServerError
		switch {
		case errors.Is(err, wiredesk.ErrNotFound):
			code = http.StatusNotFound
		case errors.Is(err, wiredesk.ErrRefused):
			code = http.StatusConflict
		}
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
		return
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // a failed write means the client left
}

// deskWeb is the desk in a browser (package desk/web) on the daemon's
// decisions, users and feeds.
func (d *daemon) deskWeb() http.Handler {
	return web.New(web.Options{
		Desk:     d.desk,
		Users:    wiring.Users(d.db),
		Sessions: d.db,
		Feeds: func() []string {
			var slugs []string
			for _, f := range d.config().Feeds {
				slugs = append(slugs, f.Slug)
			}
			return slugs
		},
		Preview: func(ctx context.Context, slug string) ([]web.FeedDecision, error) {
			ds, err := d.pub.Preview(ctx, slug, time.Time{})
			if err != nil {
				return nil, err
			}
			return feedDecisions(ds), nil
		},
		Config: deskConfig{d},
		SourceName: func(id string) string {
			for _, src := range d.config().Sources {
				if src.ID == id && src.Name != "" {
					return src.Name
				}
			}
			return id
		},
		SecureCookies: strings.HasPrefix(strings.ToLower(d.config().Server.BaseURL), "https://"),
		Log:           d.log,
	})
}

func (d *daemon) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if _, err := d.db.SourceStates(ctx); err != nil {
		http.Error(w, "database unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, "ok")
}

func (d *daemon) pollNow(w http.ResponseWriter, r *http.Request) {
	n := d.sched.PollNow()
	d.log.Info("poll-now requested", "sources", n, "remote", r.RemoteAddr)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusAccepted)
	fmt.Fprintf(w, "polling %s\n", wiredesk.Count(n, "source"))
}

// requireToken guards admin calls: a loopback client that came through no
// proxy needs no token unless one is configured; anyone else must send
// "Authorization: Bearer TOKEN". A reverse proxy on the same host makes
// every client look like loopback; the headers it adds give it away. So
// does a web browser on the same host, which is loopback too: a page of
// any site it shows could post to the admin paths (cross-site request
// forgery) or, under its own name resolved to 127.0.0.1, read them (DNS
// rebinding); the headers browsers add and the Host they name give that
// away.
func (d *daemon) requireToken(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cfg := d.config()
		token := cfg.Server.AdminToken.Reveal()
		if token == "" {
			switch {
			case isLoopback(r.RemoteAddr) && !proxied(r) && !fromBrowserPage(r, cfg.Server.Listen, cfg.Server.AdminListen):
				next.ServeHTTP(w, r)
			case isLoopback(r.RemoteAddr) && !proxied(r):
				http.Error(w, "admin calls from a web page, or to a name other than localhost, need [server] admin_token", http.StatusForbidden)
			case isLoopback(r.RemoteAddr):
				http.Error(w, "admin calls through a proxy need [server] admin_token", http.StatusForbidden)
			default:
				http.Error(w, "admin calls from other hosts need [server] admin_token", http.StatusForbidden)
			}
			return
		}
		// The scheme is case-insensitive (RFC 9110 section 11.1).
		scheme, got, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="wiredesk"`)
			http.Error(w, "missing or wrong admin token", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// proxied reports whether r carries a header that reverse proxies add to
// say whom they forward for.
func proxied(r *http.Request) bool {
	for _, h := range []string{"Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Real-Ip", "Via"} {
		if _, ok := r.Header[h]; ok {
			return true
		}
	}
	return false
}

// fromBrowserPage reports whether r may come from a page a web browser
// shows rather than from the commands (which send neither Origin nor
// Sec-Fetch-Site, to a loopback address, localhost or the host of a
// listen address: adminBase): the browser names the page's origin, or
// says the request is not one the user typed, or r names another host —
// a name of another site that its owner resolved to 127.0.0.1.
func fromBrowserPage(r *http.Request, listens ...string) bool {
	if _, ok := r.Header["Origin"]; ok {
		return true
	}
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "none" {
		return true
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return false
	}
	for _, l := range listens {
		if h, _, err := net.SplitHostPort(l); err == nil && h != "" && strings.EqualFold(host, h) {
			return false
		}
	}
	ip := net.ParseIP(host)
	return ip == nil || !ip.IsLoopback()
}

func isLoopback(remote string) bool {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// refresher re-renders feeds after polls that stored something; requests
// that arrive while it renders or waits coalesce, so a burst of polls costs
// one render.
func (d *daemon) refresher(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-d.refresh:
		}
		start := time.Now()
		changed, err := d.pub.Refresh(ctx)
		took := time.Since(start)
		if err != nil {
			if ctx.Err() == nil {
				d.log.Error("render feeds", "error", err)
			}
		} else {
			d.mets.feedRenders.Add(float64(len(changed)))
			if len(changed) > 0 {
				d.log.Info("feeds updated", "feeds", strings.Join(changed, ","), "duration_ms", took.Milliseconds())
			}
		}
		// Rendering never takes more than about a third of the CPU, however
		// busy the wires: wait at least a second, and twice as long as the
		// render took.
		select {
		case <-ctx.Done():
			return
		case <-time.After(max(time.Second, 2*took)):
		}
	}
}

// retention prunes old items at start and then daily.
func (d *daemon) retention(ctx context.Context) {
	t := time.NewTimer(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		before := time.Now().Add(-d.config().Storage.Retention)
		st, err := d.db.Prune(ctx, before)
		if err != nil {
			if ctx.Err() == nil {
				d.log.Error("retention", "error", err)
			}
		} else if st.Items > 0 || st.Stories > 0 {
			d.log.Info("retention", "items_deleted", st.Items, "stories_deleted", st.Stories)
			d.requestRefresh()
		}
		t.Reset(24 * time.Hour)
	}
}

// sourceCheck is how often the daemon looks for failing or silent sources
// for source_down alert rules. Each look reads a week of items (the status
// page's definition of silent), so not more often.
const sourceCheck = time.Minute

// sourceAlerts queues the source_down alerts every sourceCheck.
func (d *daemon) sourceAlerts(ctx context.Context) {
	t := time.NewTicker(sourceCheck)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n, err := wiring.QueueSourceAlerts(ctx, d.config(), d.db, d.alerts.Load())
		switch {
		case err != nil && ctx.Err() == nil:
			d.log.Error("source alerts", "error", err)
		case n > 0:
			d.deliver.Wake()
		}
	}
}

// subscriptions keeps the WebSub subscriptions of urgent sources whose
// feed advertises a hub: at start, after polls that stored something (a
// hub is learnt from a full body), and every minute for lease renewals.
func (d *daemon) subscriptions(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		if err := wiring.EnsureSubscriptions(ctx, d.config(), d.db, d.websub); err != nil && ctx.Err() == nil {
			d.log.Warn("websub", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-d.hubWake:
		}
	}
}

// reloader applies the config again on SIGHUP. An invalid config is logged
// with all its errors and the running one stays.
func (d *daemon) reloader(ctx context.Context, path string) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
		}
		d.reload(ctx, path)
	}
}

func (d *daemon) reload(ctx context.Context, path string) {
	d.applyMu.Lock()
	defer d.applyMu.Unlock()
	cfg, err := config.Load(path)
	if err != nil {
		d.log.Error("reload: config invalid; keeping the running config", "error", err.Error())
		return
	}
	for _, w := range cfg.Warnings {
		d.log.Warn("reload: config", "warning", w.Error())
	}
	d.apply(ctx, cfg)
}

// apply makes cfg the running configuration, as SIGHUP does: sources and
// feeds now, listeners, storage, [poll] and [cluster] after a restart.
// The desk's configuration pages apply their saves with it too. The
// caller holds applyMu from reading the config to applying it, so two
// changes are applied in the order they were read.
func (d *daemon) apply(ctx context.Context, cfg *config.Config) {
	old := d.config()
	// Listeners, storage and server timeouts need a restart; say so.
	if cfg.Server.Listen != old.Server.Listen || cfg.Server.AdminListen != old.Server.AdminListen || cfg.Storage.Path != old.Storage.Path {
		d.log.Warn("reload: [server] listen/admin_listen and [storage] path take effect after a restart")
	}
	if cfg.Poll != old.Poll || cfg.Cluster != old.Cluster {
		d.log.Warn("reload: [poll] limits and [cluster] settings take effect after a restart; sources and feeds are applied now")
	}
	engine, err := wiring.AlertEngine(cfg)
	if err != nil {
		d.log.Error("reload: alert rules invalid; keeping the running config", "error", err.Error())
		return
	}
	if !slices.EqualFunc(cfg.Channels, old.Channels, func(a, b config.Channel) bool { return reflect.DeepEqual(a, b) }) {
		d.log.Warn("reload: [[channel]] changes take effect after a restart; [[alert]] rules are applied now")
	}
	if engine.HasItemRules() && !d.itemAlerts {
		d.log.Warn("reload: the first [[alert]] rule on items takes effect after a restart")
	}
	d.mu.Lock()
	d.cfg = cfg
	d.mu.Unlock()
	d.alerts.Store(engine)
	d.pub.Reconfigure(wiring.PublisherOptions(cfg, d.log, version()))
	d.sched.Update(ctx, cfg.Sources)
	d.requestRefresh()
	d.log.Info("reloaded config", "sources", len(cfg.Sources), "feeds", len(cfg.Feeds))
}

func (d *daemon) statusHandler() http.Handler {
	return &status.Page{
		Reader:   wiring.StatusReader{DB: d.db},
		Sources:  func() []wiredesk.Source { return d.config().Sources },
		Location: func() *time.Location { return d.config().Server.Timezone },
		Version:  version(),
		// Dead letters of the alert outbox need a human too.
		DeadAlerts: wiring.DeadAlerts(d.db),
	}
}
