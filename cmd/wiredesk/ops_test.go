package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wiredesk/wiredesk"
	"github.com/wiredesk/wiredesk/config"
	"github.com/wiredesk/wiredesk/storage"
)

// Operations: metrics, the admin listener and its token, secrets kept off
// public pages, retention with compaction, once -json, and stopping while a
// fetch hangs.

// servedProcess is a `wiredesk serve` whose logs the test reads.
type servedProcess struct {
	cmd  *exec.Cmd
	logs *syncWriter
	done chan error
}

// startServeLogs is startServe with extra environment and readable logs.
func startServeLogs(t *testing.T, cfg, healthAddr string, env ...string) *servedProcess {
	t.Helper()
	p := &servedProcess{
		cmd:  exec.Command(wiredeskBin, "serve", "-config", cfg),
		logs: &syncWriter{w: &strings.Builder{}},
		done: make(chan error, 1),
	}
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("serve logs:\n%s", p.logs.String())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + healthAddr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not become healthy on %s:\n%s", healthAddr, p.logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stop sends sig and waits (generously) for the exit.
func (p *servedProcess) stop(t *testing.T, sig os.Signal) (time.Duration, error) {
	t.Helper()
	start := time.Now()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		p.done <- err // for Cleanup
		return time.Since(start), err
	case <-time.After(60 * time.Second):
		t.Fatalf("serve did not stop within 60s of %v", sig)
		return 0, nil
	}
}

// syncWriter collects a subprocess's output while the test reads it.
type syncWriter struct {
	mu sync.Mutex
	w  *strings.Builder
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// String returns what was written so far.
func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.String()
}

func httpGet(t *testing.T, u string) (int, string) {
	t.Helper()
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: read body: %v", u, err)
	}
	return resp.StatusCode, string(b)
}

// checkMethods asks the listener at host for admin paths with a method
// they do not take: each must answer 405 with an Allow header naming the
// one they do, not the feeds' 404 that a catch-all would give.
func checkMethods(t *testing.T, host string) {
	t.Helper()
	client := &http.Client{Timeout: 30 * time.Second}
	for _, tt := range []struct {
		method, path string
		want         int
		allow        string
	}{
		{http.MethodGet, "/admin/poll-now", http.StatusMethodNotAllowed, "POST"},
		{http.MethodPost, "/status", http.StatusMethodNotAllowed, "GET"},
		{http.MethodPost, "/metrics", http.StatusMethodNotAllowed, "GET"},
		{http.MethodDelete, "/admin/story/merge", http.StatusMethodNotAllowed, "POST"},
		{http.MethodPut, "/admin/backup", http.StatusMethodNotAllowed, "GET"},
		{http.MethodGet, "/admin/no-such-endpoint", http.StatusNotFound, ""},
	} {
		req, err := http.NewRequest(tt.method, "http://"+host+tt.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", tt.method, tt.path, err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("%s %s: %s; want %d", tt.method, tt.path, resp.Status, tt.want)
		}
		if allow := resp.Header.Get("Allow"); !strings.Contains(allow, tt.allow) {
			t.Errorf("%s %s: Allow %q; want it to name %s", tt.method, tt.path, allow, tt.allow)
		}
	}
}

// appendConfig appends TOML to the config file at path.
func appendConfig(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(f, "\n"+text+"\n"); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// metricSample is one line of the Prometheus text format.
type metricSample struct {
	name   string
	labels map[string]string
	value  float64
}

// parseMetrics reads the sample lines of a Prometheus text exposition.
// Label values here are plain (source ids, routes, codes), so a simple
// split is enough.
func parseMetrics(t *testing.T, body string) []metricSample {
	t.Helper()
	var out []metricSample
	for _, line := range strings.Split(body, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		sp := strings.LastIndexByte(line, ' ')
		if sp < 0 {
			t.Fatalf("metrics line %q has no value", line)
		}
		v, err := strconv.ParseFloat(line[sp+1:], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		s := metricSample{name: line[:sp], labels: map[string]string{}, value: v}
		if i := strings.IndexByte(s.name, '{'); i >= 0 {
			for _, kv := range strings.Split(strings.TrimSuffix(s.name[i+1:], "}"), ",") {
				k, v, ok := strings.Cut(kv, "=")
				if !ok {
					continue
				}
				s.labels[k] = strings.Trim(v, `"`)
			}
			s.name = s.name[:i]
		}
		out = append(out, s)
	}
	return out
}

// find returns the value of the first sample named name whose labels
// include want.
func findMetric(samples []metricSample, name string, want map[string]string) (float64, bool) {
next:
	for _, s := range samples {
		if s.name != name {
			continue
		}
		for k, v := range want {
			if s.labels[k] != v {
				continue next
			}
		}
		return s.value, true
	}
	return 0, false
}

func TestMetricsAndHealthz(t *testing.T) {
	addr := freeAddr(t)
	cfg := demoDir(t, addr)
	start := time.Now()
	startServeLogs(t, cfg, addr)

	if code, body := httpGet(t, "http://"+addr+"/healthz"); code != http.StatusOK {
		t.Errorf("/healthz: %d %q; want 200", code, body)
	}
	if code, _ := httpGet(t, "http://"+addr+"/feeds/central-asia.rss"); code != http.StatusOK {
		t.Fatalf("central-asia.rss: %d", code)
	}
	type check struct {
		name   string
		labels map[string]string
		ok     func(float64) bool
	}
	positive := func(v float64) bool { return v > 0 }
	checks := []check{
		{"wiredesk_fetches_total", map[string]string{"source": "interfax", "result": "ok"}, positive},
		{"wiredesk_fetch_duration_seconds_count", map[string]string{"source": "interfax"}, positive},
		{"wiredesk_fetch_duration_seconds_bucket", map[string]string{"source": "interfax", "le": "+Inf"}, positive},
		{"wiredesk_fetched_bytes_total", map[string]string{"source": "interfax"}, positive},
		{"wiredesk_items_total", map[string]string{"source": "interfax", "kind": "new"}, positive},
		{"wiredesk_items_total", map[string]string{"source": "interfax", "kind": "updated"}, func(v float64) bool { return v >= 0 }},
		{"wiredesk_source_last_success_timestamp_seconds", map[string]string{"source": "interfax"}, func(v float64) bool {
			return v >= float64(start.Unix()-5) && v <= float64(time.Now().Unix()+5)
		}},
		{"wiredesk_stories_total", map[string]string{"kind": "started"}, positive},
		{"wiredesk_feed_renders_total", nil, positive},
		{"wiredesk_http_requests_total", map[string]string{"path": "/feeds/{slug}.rss", "code": "200"}, positive},
		{"wiredesk_http_requests_total", map[string]string{"path": "/healthz", "code": "200"}, positive},
		{"wiredesk_database_size_bytes", nil, positive},
	}
	// The first polls and renders happen right after start; wait for them.
	var missing []string
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, body := httpGet(t, "http://"+addr+"/metrics")
		if code != http.StatusOK {
			t.Fatalf("/metrics: %d", code)
		}
		samples := parseMetrics(t, body)
		missing = missing[:0]
		for _, c := range checks {
			v, ok := findMetric(samples, c.name, c.labels)
			if !ok || !c.ok(v) {
				missing = append(missing, fmt.Sprintf("%s%v = %v (present %v)", c.name, c.labels, v, ok))
			}
		}
		if len(missing) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/metrics lacks or has wrong values:\n%s\n\n%s", strings.Join(missing, "\n"), body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// One listener serves feeds and admin paths: a wrong method on an
	// admin path still gets its 405.
	checkMethods(t, addr)

	// Raw request paths never become labels: an unknown path counts as "other".
	httpGet(t, "http://"+addr+"/no/such/path/12345")
	_, body := httpGet(t, "http://"+addr+"/metrics")
	if strings.Contains(body, "12345") {
		t.Errorf("/metrics has a raw request path as a label")
	}
	if _, ok := findMetric(parseMetrics(t, body), "wiredesk_http_requests_total", map[string]string{"path": "other", "code": "404"}); !ok {
		t.Errorf(`/metrics: no wiredesk_http_requests_total{path="other",code="404"} after a 404`)
	}

	// compact needs the daemon stopped: exit 4, and the file is untouched.
	if r := runBin(t, nil, "compact", "-config", cfg); r.code != 4 || !strings.Contains(r.stderr, "locked by another process") {
		t.Errorf("compact beside serve: exit %d %q; want 4 and a lock message", r.code, r.stderr)
	}
}

func TestAdminListener(t *testing.T) {
	addr, admin := freeAddr(t), freeAddr(t)
	cfg := demoDir(t, addr)
	serverSection(t, cfg, fmt.Sprintf("admin_listen = %q\nadmin_token = \"${WIREDESK_TEST_ADMIN_TOKEN}\"", admin))
	const token = "adm-9fK2qLx7"
	startServeLogs(t, cfg, addr, "WIREDESK_TEST_ADMIN_TOKEN="+token)

	for _, tt := range []struct {
		host, path string
		want       int
	}{
		{addr, "/status", http.StatusNotFound},
		{addr, "/metrics", http.StatusNotFound},
		{addr, "/feeds/central-asia.rss", http.StatusOK},
		{addr, "/healthz", http.StatusOK},
		{admin, "/status", http.StatusOK},
		{admin, "/metrics", http.StatusOK},
		{admin, "/healthz", http.StatusOK},
	} {
		if code, _ := httpGet(t, "http://"+tt.host+tt.path); code != tt.want {
			t.Errorf("GET %s on the %s listener: %d; want %d", tt.path, map[bool]string{true: "public", false: "admin"}[tt.host == addr], code, tt.want)
		}
	}
	checkMethods(t, admin)

	// poll-now is not on the public listener at all.
	resp, err := http.Post("http://"+addr+"/admin/poll-now", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusAccepted {
		t.Errorf("POST /admin/poll-now on the public listener: %s; want it refused", resp.Status)
	}

	// `wiredesk poll-now` with a config that names no token: it must take
	// the token from WIREDESK_ADMIN_TOKEN.
	noToken := filepath.Join(filepath.Dir(cfg), "cron.toml")
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(noToken, []byte(strings.Replace(string(b), "admin_token = \"${WIREDESK_TEST_ADMIN_TOKEN}\"\n", "", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		env  []string
		code int
	}{
		{"no token", []string{"WIREDESK_ADMIN_TOKEN="}, 1},
		{"wrong token", []string{"WIREDESK_ADMIN_TOKEN=nope"}, 1},
		{"right token", []string{"WIREDESK_ADMIN_TOKEN=" + token}, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := runBin(t, tt.env, "poll-now", "-config", noToken)
			if r.code != tt.code {
				t.Errorf("poll-now: exit %d; want %d\n%s%s", r.code, tt.code, r.stdout, r.stderr)
			}
			if tt.code == 0 && !strings.Contains(r.stdout, "polling") {
				t.Errorf("poll-now: stdout %q", r.stdout)
			}
			if strings.Contains(r.stderr, token) {
				t.Errorf("poll-now printed the admin token: %q", r.stderr)
			}
		})
	}
}

func TestPollNowSendsEnvToken(t *testing.T) {
	var (
		mu   sync.Mutex
		auth []string
	)
	daemon := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		auth = append(auth, r.Method+" "+r.URL.Path+" "+r.Header.Get("Authorization"))
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprintln(w, "polling 5 sources")
	}))
	defer daemon.Close()
	cfg := demoDir(t, daemon.Listener.Addr().String())
	r := runBin(t, []string{"WIREDESK_ADMIN_TOKEN=env-tok-31"}, "poll-now", "-config", cfg)
	if r.code != 0 || r.stdout != "polling 5 sources\n" {
		t.Errorf("poll-now: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	mu.Lock()
	defer mu.Unlock()
	if want := "POST /admin/poll-now Bearer env-tok-31"; len(auth) != 1 || auth[0] != want {
		t.Errorf("daemon saw %q; want [%q]", auth, want)
	}
}

func TestRequireToken(t *testing.T) {
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusAccepted) })
	tests := []struct {
		name, token, remote, auth string
		header                    string // "Name: value" a proxy adds; "" none
		want                      int
	}{
		{"loopback, no token configured", "", "127.0.0.1:5555", "", "", http.StatusAccepted},
		{"ipv6 loopback, no token configured", "", "[::1]:5555", "", "", http.StatusAccepted},
		{"other host, no token configured", "", "10.0.0.5:1234", "", "", http.StatusForbidden},
		{"other host, no token configured, sends one", "", "10.0.0.5:1234", "Bearer anything", "", http.StatusForbidden},
		{"other host without token", "s3cret", "10.0.0.5:1234", "", "", http.StatusUnauthorized},
		{"other host with wrong token", "s3cret", "10.0.0.5:1234", "Bearer s3cre", "", http.StatusUnauthorized},
		{"other host with token as basic auth", "s3cret", "10.0.0.5:1234", "Basic s3cret", "", http.StatusUnauthorized},
		{"other host with right token", "s3cret", "10.0.0.5:1234", "Bearer s3cret", "", http.StatusAccepted},
		{"auth scheme is case-insensitive (RFC 9110 11.1)", "s3cret", "10.0.0.5:1234", "bearer s3cret", "", http.StatusAccepted},
		{"token with trailing garbage", "s3cret", "10.0.0.5:1234", "Bearer s3cret x", "", http.StatusUnauthorized},
		{"loopback without the configured token", "s3cret", "127.0.0.1:5555", "", "", http.StatusUnauthorized},
		{"loopback with right token", "s3cret", "127.0.0.1:5555", "Bearer s3cret", "", http.StatusAccepted},
		{"unparseable remote address", "", "garbage", "", "", http.StatusForbidden},
		// A reverse proxy on the same host makes everyone loopback.
		{"loopback through a proxy: X-Forwarded-For", "", "127.0.0.1:5555", "", "X-Forwarded-For: 203.0.113.9", http.StatusForbidden},
		{"loopback through a proxy: Forwarded", "", "127.0.0.1:5555", "", "Forwarded: for=203.0.113.9", http.StatusForbidden},
		{"loopback through a proxy: X-Real-IP", "", "[::1]:5555", "", "X-Real-IP: 203.0.113.9", http.StatusForbidden},
		{"loopback through a proxy, empty header", "", "127.0.0.1:5555", "", "X-Forwarded-For: ", http.StatusForbidden},
		{"through a proxy with the right token", "s3cret", "127.0.0.1:5555", "Bearer s3cret", "X-Forwarded-For: 203.0.113.9", http.StatusAccepted},
		// A browser on the daemon's host is a loopback client too: a page
		// of any site it visits must not reach the tokenless admin paths
		// (cross-site POST), nor read them under its own name resolved to
		// 127.0.0.1 (DNS rebinding: Host names the attacker's domain).
		{"loopback, no token: browser page of another site (Origin)", "", "127.0.0.1:5555", "", "Origin: https://evil.example", http.StatusForbidden},
		{"loopback, no token: browser page of another site (Sec-Fetch-Site)", "", "127.0.0.1:5555", "", "Sec-Fetch-Site: cross-site", http.StatusForbidden},
		{"loopback, no token: Origin null (sandboxed page)", "", "[::1]:5555", "", "Origin: null", http.StatusForbidden},
		{"loopback, no token: DNS rebinding, Host of another name", "", "127.0.0.1:5555", "", "Host: evil.example:8080", http.StatusForbidden},
		{"loopback, no token: DNS rebinding, Host without port", "", "127.0.0.1:5555", "", "Host: evil.example", http.StatusForbidden},
		{"loopback, no token: Host localhost", "", "127.0.0.1:5555", "", "Host: localhost:8080", http.StatusAccepted},
		{"loopback, no token: Host ipv6 loopback", "", "[::1]:5555", "", "Host: [::1]:8080", http.StatusAccepted},
		// Debian resolves the machine's name to 127.0.1.1: listen may name it.
		{"loopback, no token: Host of the listen address", "", "127.0.1.1:5555", "", "Host: deskhost:8080", http.StatusAccepted},
		{"loopback, no token: typed into the address bar (Sec-Fetch-Site none)", "", "127.0.0.1:5555", "", "Sec-Fetch-Site: none", http.StatusAccepted},
		{"token configured: a browser page with the right token", "s3cret", "127.0.0.1:5555", "Bearer s3cret", "Origin: https://evil.example", http.StatusAccepted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := &config.Config{}
			cfg.Server.AdminToken = wiredesk.Secret(tt.token)
			cfg.Server.Listen = "deskhost:8080"
			d := &daemon{cfg: cfg}
			req := httptest.NewRequest(http.MethodPost, "/admin/poll-now", nil)
			req.RemoteAddr = tt.remote
			req.Host = "127.0.0.1:8080" // where the commands send (adminBase)
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			if name, value, ok := strings.Cut(tt.header, ": "); ok && name == "Host" {
				req.Host = value
			} else if ok {
				req.Header.Set(name, value)
			}
			rec := httptest.NewRecorder()
			d.requireToken(next).ServeHTTP(rec, req)
			if rec.Code != tt.want {
				t.Errorf("status %d; want %d (%s)", rec.Code, tt.want, strings.TrimSpace(rec.Body.String()))
			}
			if tt.token != "" && strings.Contains(rec.Body.String(), tt.token) {
				t.Errorf("answer shows the token: %q", rec.Body.String())
			}
			if rec.Code == http.StatusUnauthorized && rec.Header().Get("WWW-Authenticate") == "" {
				t.Errorf("401 without WWW-Authenticate")
			}
		})
	}
}

// credentialWire serves one feed only to a client that presents every
// credential, and answers 500 on /broken.
func credentialWire(t *testing.T, user, pass, tok, key string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, _ := r.BasicAuth()
		switch {
		case r.URL.Path == "/broken":
			http.Error(w, "upstream exploded", http.StatusInternalServerError)
			return
		case r.URL.Path != "/feed":
			http.NotFound(w, r)
			return
		case u != user || p != pass || r.URL.Query().Get("token") != tok || r.Header.Get("X-Api-Key") != key:
			http.Error(w, "who are you", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Private wire</title><link>https://private.example/</link><description>d</description>
<item><title>Kazakhstan raises the base rate</title><link>https://private.example/a</link><guid>private-1</guid><pubDate>%s</pubDate><description>Kazakhstan's central bank raised its base rate.</description></item>
</channel></rss>`, time.Now().UTC().Add(-time.Hour).Format(time.RFC1123Z))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestPublicPagesHideCredentials(t *testing.T) {
	const (
		user = "desk"
		pass = "pw-Zq8xK2vN"
		tok  = "tok-7HfR3pWs"
		key  = "key-Lm4VwQ9c"
	)
	wire := credentialWire(t, user, pass, tok, key)
	host := wire.Listener.Addr().String()
	addr := freeAddr(t)
	cfg := demoDir(t, addr)
	appendConfig(t, cfg, fmt.Sprintf(`[log]
level = "debug"

[[source]]
id = "private"
name = "Private wire"
url = "http://%s:${OPS_PASS}@%s/feed?token=${OPS_TOK}"
headers = { "X-Api-Key" = "${OPS_KEY}" }
tags = ["central-asia"]
language = "en"

[[source]]
id = "private-broken"
name = "Broken private wire"
url = "http://%s:${OPS_PASS}@%s/broken?token=${OPS_TOK}&api_key=${OPS_KEY}"
tags = ["central-asia"]
`, user, host, user, host))
	env := []string{"OPS_PASS=" + pass, "OPS_TOK=" + tok, "OPS_KEY=" + key}
	secrets := []string{pass, tok, key}
	leaks := func(where, text string) {
		t.Helper()
		for _, s := range secrets {
			if strings.Contains(text, s) {
				i := strings.Index(text, s)
				t.Errorf("%s shows secret %q: …%s…", where, s, text[max(0, i-80):min(len(text), i+len(s)+20)])
			}
		}
	}

	// once first: its per-source lines and logs, and the exported files.
	out := filepath.Join(t.TempDir(), "out")
	r := runBin(t, env, "once", "-config", cfg, "-out", out)
	if r.code != 3 {
		t.Fatalf("once: exit %d; want 3 (one broken source)\n%s%s", r.code, r.stdout, r.stderr)
	}
	leaks("once stdout", r.stdout)
	leaks("once stderr", r.stderr)
	files, _ := filepath.Glob(filepath.Join(out, "*"))
	for _, f := range files {
		if b, err := os.ReadFile(f); err == nil {
			leaks(f, string(b))
		}
	}

	p := startServeLogs(t, cfg, addr, env...)
	// Wait until the private wire's item is published, so the pages show it.
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, body := httpGet(t, "http://"+addr+"/feeds/central-asia.json")
		if strings.Contains(body, "base rate") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the private wire's item never reached central-asia.json:\n%s", p.logs.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	pages := []string{"/", "/feeds.opml", "/status", "/metrics", "/healthz"}
	for _, slug := range []string{"central-asia", "russia-wire", "all-wires"} {
		for _, ext := range []string{".rss", ".atom", ".json"} {
			pages = append(pages, "/feeds/"+slug+ext)
		}
	}
	for _, path := range pages {
		code, body := httpGet(t, "http://"+addr+path)
		if code != http.StatusOK {
			t.Errorf("GET %s: %d", path, code)
		}
		leaks(path, body)
	}
	// The status page does say where the wires are, redacted, and that
	// the broken one fails.
	_, status := httpGet(t, "http://"+addr+"/status")
	for _, want := range []string{"REDACTED", "private-broken", "500"} {
		if !strings.Contains(status, want) {
			t.Errorf("/status lacks %q", want)
		}
	}
	p.stop(t, syscall.SIGTERM)
	leaks("serve logs", p.logs.String())
	for _, cmd := range [][]string{{"sources"}, {"check"}, {"preview", "-feed", "central-asia"}} {
		r := runBin(t, env, append(cmd, "-config", cfg)...)
		leaks("wiredesk "+cmd[0]+" stdout", r.stdout)
		leaks("wiredesk "+cmd[0]+" stderr", r.stderr)
	}
}

func TestRetentionAndCompact(t *testing.T) {
	t.Parallel() // see TestMain
	cfg := demoDir(t, "127.0.0.1:0")
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, []byte(strings.Replace(string(b), "[storage]\n", "[storage]\nretention = \"240h\"\n", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dbPath := c.Storage.Path

	// A wire's archive from 20-40 days ago, and a few items from today.
	ctx := context.Background()
	db, err := storage.Open(dbPath, storage.Options{Command: "test"})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	body := strings.Repeat("Сенат Казахстана одобрил поправки в бюджет. ", 40)
	const old, recent = 2500, 20
	for batch := 0; batch < old+recent; batch += 500 {
		var items []wiredesk.Item
		for i := batch; i < min(batch+500, old+recent); i++ {
			seen := now.Add(-time.Duration(20*24+i%(20*24)) * time.Hour)
			if i >= old {
				seen = now.Add(-time.Duration(i-old) * time.Minute)
			}
			key := fmt.Sprintf("guid:archive-%d", i)
			items = append(items, wiredesk.Item{
				SourceID: "archive", Key: key, GUID: key, Title: fmt.Sprintf("Архив %d", i),
				Link: fmt.Sprintf("https://archive.example/%d", i), Content: body,
				Published: seen, FirstSeen: seen, Hash: key,
			})
		}
		if _, err := db.SaveFetch(ctx, wiredesk.FetchResult{State: wiredesk.SourceState{SourceID: "archive", LastAttempt: now}, Items: items}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	sizeOf := func() int64 {
		fi, err := os.Stat(dbPath)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	filled := sizeOf()

	// once prunes at the end of its pass.
	r := runBin(t, nil, "once", "-config", cfg, "-out", t.TempDir(), "-json")
	if r.code != 0 {
		t.Fatalf("once: exit %d\n%s", r.code, r.stderr)
	}
	var sum struct {
		Pruned int `json:"pruned_items"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &sum); err != nil {
		t.Fatalf("once -json: %v\n%s", err, r.stdout)
	}
	if sum.Pruned != old {
		t.Errorf("once pruned %d items; want %d", sum.Pruned, old)
	}
	pruned := sizeOf()
	if pruned < filled {
		t.Logf("note: the file shrank by itself after pruning (%d → %d)", filled, pruned)
	}

	// compact rewrites it to its live size and says so.
	r = runBin(t, nil, "compact", "-config", cfg)
	if r.code != 0 {
		t.Fatalf("compact: exit %d\n%s", r.code, r.stderr)
	}
	compacted := sizeOf()
	t.Logf("database: %d bytes filled, %d after retention, %d after compact; compact said %q", filled, pruned, compacted, strings.TrimSpace(r.stdout))
	if compacted >= pruned || compacted > filled/2 {
		t.Errorf("compact: %d → %d bytes; want the file to shrink well below %d", pruned, compacted, filled)
	}
	for _, want := range []string{humanBytes(pruned), humanBytes(compacted), dbPath} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("compact output %q lacks %q", r.stdout, want)
		}
	}

	// What is left: today's archive items and the demo's, none of the old.
	db, err = storage.Open(dbPath, storage.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	counts, err := db.ItemCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if counts["archive"] != recent || counts["interfax"] == 0 {
		t.Errorf("after retention and compact: %v; want %d archive items and the demo's", counts, recent)
	}
	stories, err := db.Stories(ctx, storage.StoryQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range stories {
		if len(s.Items) == 0 {
			t.Errorf("story %s left without items", s.ID)
		}
	}
}

func TestOnceJSONAndPartialFailure(t *testing.T) {
	t.Parallel() // see TestMain
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "upstream exploded", http.StatusInternalServerError)
	}))
	defer broken.Close()
	cfg := demoDir(t, "127.0.0.1:0")
	appendConfig(t, cfg, fmt.Sprintf("[[source]]\nid = \"broken\"\nname = \"Broken wire\"\nurl = %q\ntags = [\"wire\"]\n", broken.URL+"/rss"))
	out := filepath.Join(t.TempDir(), "out")

	r := runBin(t, nil, "once", "-config", cfg, "-out", out, "-json")
	if r.code != 3 {
		t.Fatalf("once with a broken source: exit %d; want 3\n%s%s", r.code, r.stdout, r.stderr)
	}
	// stdout is exactly one JSON object.
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("once -json: %v\n%s", err, r.stdout)
	}
	if rest, _ := io.ReadAll(dec.Buffered()); strings.TrimSpace(string(rest)) != "" || dec.More() {
		t.Errorf("once -json printed more than one JSON value: %q", rest)
	}
	shape := map[string]string{
		"sources": "number", "ok": "number", "failed": "number", "skipped": "number",
		"new": "number", "updated": "number", "out_dir": "string", "written": "array",
		"pruned_items": "number", "duration_ms": "number", "results": "array",
	}
	for k, typ := range shape {
		if got := jsonType(doc[k]); got != typ {
			t.Errorf("once -json %q is %s; want %s", k, got, typ)
		}
	}
	if doc["sources"] != 6.0 || doc["ok"] != 5.0 || doc["failed"] != 1.0 || doc["out_dir"] != out {
		t.Errorf("once -json totals: sources %v ok %v failed %v out_dir %v; want 6, 5, 1, %s", doc["sources"], doc["ok"], doc["failed"], doc["out_dir"], out)
	}
	results, _ := doc["results"].([]any)
	seen := map[string]bool{}
	for _, x := range results {
		res, _ := x.(map[string]any)
		id, _ := res["id"].(string)
		seen[id] = true
		for _, k := range []string{"id", "result", "items", "new", "updated", "duration_ms"} {
			if _, ok := res[k]; !ok {
				t.Errorf("result %q lacks %q: %v", id, k, res)
			}
		}
		if id == "broken" {
			if res["result"] != "error" || res["status"] != 500.0 || res["error"] == nil || res["error"] == "" {
				t.Errorf("broken source result: %v; want result error, status 500 and an error", res)
			}
			if _, ok := res["next_due"].(string); !ok {
				t.Errorf("broken source result has no next_due: %v", res)
			}
		} else if res["result"] != "ok" {
			t.Errorf("source %s: %v; want ok", id, res)
		}
	}
	if len(seen) != 6 {
		t.Errorf("results name %d sources: %v; want 6", len(seen), seen)
	}
	written, _ := doc["written"].([]any)
	if len(written) == 0 {
		t.Errorf("once -json written is empty")
	}
	// The feeds are written although a source failed.
	for _, f := range []string{"central-asia.rss", "central-asia.atom", "central-asia.json", "feeds.opml"} {
		if fi, err := os.Stat(filepath.Join(out, f)); err != nil || fi.Size() == 0 {
			t.Errorf("%s not written despite exit 3: %v", f, err)
		}
	}
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "missing or null"
	case float64:
		return "number"
	case string:
		return "string"
	case bool:
		return "bool"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

func TestServeStopsDuringHungFetch(t *testing.T) {
	arrived := make(chan struct{}, 16)
	cancelled := make(chan struct{}, 16)
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		select {
		case <-r.Context().Done():
			cancelled <- struct{}{}
		case <-release:
		}
	}))
	defer hang.Close()
	defer close(release)

	addr := freeAddr(t)
	cfg := demoDir(t, addr)
	serverSection(t, cfg, `shutdown_timeout = "5s"`)
	appendConfig(t, cfg, fmt.Sprintf("[[source]]\nid = \"hung\"\nname = \"Hung wire\"\nurl = %q\n", hang.URL+"/rss"))
	b, _ := os.ReadFile(cfg)
	if err := os.WriteFile(cfg, []byte(strings.Replace(string(b), "[poll]\n", "[poll]\ntimeout = \"5m\"\n", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	p := startServeLogs(t, cfg, addr)
	select {
	case <-arrived:
	case <-time.After(30 * time.Second):
		t.Fatalf("the hung wire was never polled:\n%s", p.logs.String())
	}
	took, err := p.stop(t, syscall.SIGTERM)
	if err != nil {
		t.Fatalf("serve after SIGTERM during a hung fetch: %v; want exit 0\n%s", err, p.logs.String())
	}
	t.Logf("serve stopped %v after SIGTERM with a fetch in flight (shutdown_timeout 5s)", took.Round(time.Millisecond))
	select {
	case <-cancelled:
	case <-time.After(10 * time.Second):
		t.Errorf("the in-flight fetch was not cancelled: the wire never saw the client go away")
	}
	if !strings.Contains(p.logs.String(), "msg=stopped") {
		t.Errorf("serve logs do not say it stopped:\n%s", p.logs.String())
	}
	// The database is closed and free.
	if r := runBin(t, nil, "sources", "-config", cfg); r.code != 0 {
		t.Errorf("sources after stop: exit %d\n%s", r.code, r.stderr)
	}
}

// TestLastSuccessSurvivesRestart: an alert on
// time() - wiredesk_source_last_success_timestamp_seconds must keep firing
// for a wire that has been failing since before the daemon restarted, so the
// gauge starts from the stored state, not from nothing.
func TestLastSuccessSurvivesRestart(t *testing.T) {
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "upstream exploded", http.StatusInternalServerError)
	}))
	defer broken.Close()
	addr := freeAddr(t)
	cfg := demoDir(t, addr)
	if r := runBin(t, nil, "once", "-config", cfg, "-out", t.TempDir()); r.code != 0 {
		t.Fatalf("once: exit %d\n%s", r.code, r.stderr)
	}
	c, err := config.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	db, err := storage.Open(c.Storage.Path, storage.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	st, err := db.SourceState(context.Background(), "interfax")
	db.Close()
	if err != nil || st.LastSuccess.IsZero() {
		t.Fatalf("interfax state after once: %+v, %v", st, err)
	}

	// The wire breaks; the daemon starts.
	b, _ := os.ReadFile(cfg)
	s := strings.Replace(string(b), `url      = "file://testdata/demo/interfax.ru.windows-1251.xml"`, fmt.Sprintf("url      = %q", broken.URL+"/rss"), 1)
	if s == string(b) {
		t.Fatal("demo.toml: interfax url not found")
	}
	if err := os.WriteFile(cfg, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	startServeLogs(t, cfg, addr)
	// Every wire was polled a moment ago; ask for a poll now.
	if r := runBin(t, nil, "poll-now", "-config", cfg); r.code != 0 {
		t.Fatalf("poll-now: exit %d\n%s", r.code, r.stderr)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, body := httpGet(t, "http://"+addr+"/metrics")
		samples := parseMetrics(t, body)
		if _, polled := findMetric(samples, "wiredesk_fetches_total", map[string]string{"source": "interfax", "result": "error"}); polled {
			v, ok := findMetric(samples, "wiredesk_source_last_success_timestamp_seconds", map[string]string{"source": "interfax"})
			if want := float64(st.LastSuccess.Unix()); !ok || v != want {
				t.Errorf("last success of interfax after a restart and a failed poll: %v (present %v); want %v from the stored state", v, ok, want)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("interfax was never polled:\n%s", body)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
