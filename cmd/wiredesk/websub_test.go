package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wiredesk/wiredesk/alert"
)

// pushWire is a wire whose Atom feed advertises a hub, and that hub: it
// verifies subscriptions with the callback and pushes on publish.
type pushWire struct {
	t        *testing.T
	srv      *httptest.Server
	mu       sync.Mutex
	flash    bool
	form     url.Values // the verified subscription
	verified chan struct{}
	errs     []string // verification failures, checked by the test
}

func (p *pushWire) fail(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.errs = append(p.errs, fmt.Sprintf(format, args...))
}

func (p *pushWire) topic() string { return p.srv.URL + "/feed.atom" }

func (p *pushWire) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/feed.atom":
		p.mu.Lock()
		flash := p.flash
		p.mu.Unlock()
		w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
		fmt.Fprintf(w, `<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Push wire</title><id>urn:push</id><updated>2026-11-29T09:00:00Z</updated>`+
			`<link rel="hub" href="%s/hub"/><link rel="self" href="%s"/>`, p.srv.URL, p.topic())
		if flash {
			fmt.Fprintf(w, `<entry><title>МОЛНИЯ Токаев подписал указ</title><id>urn:push:2</id><link href="https://push.example/2"/><updated>%s</updated></entry>`, time.Now().UTC().Format(time.RFC3339))
		}
		fmt.Fprint(w, `<entry><title>Обычная новость</title><id>urn:push:1</id><link href="https://push.example/1"/><updated>2026-11-29T09:00:00Z</updated></entry></feed>`)
	case "/hub":
		r.ParseForm()
		form := r.PostForm
		w.WriteHeader(http.StatusAccepted)
		go func() {
			q := url.Values{"hub.mode": {"subscribe"}, "hub.topic": {form.Get("hub.topic")}, "hub.challenge": {"ch"}, "hub.lease_seconds": {"3600"}}
			resp, err := http.Get(form.Get("hub.callback") + "?" + q.Encode())
			if err != nil {
				p.fail("verify: %v", err)
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(body) != "ch" {
				p.fail("verify: callback answered %q", body)
				return
			}
			p.mu.Lock()
			p.form = form
			p.mu.Unlock()
			p.verified <- struct{}{}
		}()
	default:
		http.NotFound(w, r)
	}
}

// publish adds the flash and pushes the feed to the subscriber, signed.
func (p *pushWire) publish() {
	p.mu.Lock()
	p.flash = true
	form := p.form
	p.mu.Unlock()
	body := `<feed xmlns="http://www.w3.org/2005/Atom"/>`
	mac := hmac.New(sha256.New, []byte(form.Get("hub.secret")))
	mac.Write([]byte(body))
	req, _ := http.NewRequest(http.MethodPost, form.Get("hub.callback"), strings.NewReader(body))
	req.Header.Set("X-Hub-Signature", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		p.t.Errorf("push answered %d", resp.StatusCode)
	}
}

// An urgent source whose feed advertises a hub is subscribed; a pushed
// flash alerts in seconds, although the source's interval is an hour.
func TestWebSubPushAlerts(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the built binary")
	}
	wire := &pushWire{t: t, verified: make(chan struct{}, 4)}
	wire.srv = httptest.NewServer(wire)
	defer wire.srv.Close()
	hook := &hookLog{got: make(chan alert.WebhookPayload, 10)}
	hookSrv := httptest.NewServer(hook)
	defer hookSrv.Close()

	addr := freeAddr(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "wiredesk.toml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`[server]
listen = %q
[storage]
path = "wiredesk.db"
[publish]
out_dir = "public"
[[source]]
id = "push"
url = %q
urgent = true
interval = "1h"
[[feed]]
slug = "all"
title = "All"
[[channel]]
name = "hook"
type = "webhook"
url = %q
[[alert]]
name = "flash"
channels = ["hook"]
urgent = true
`, addr, wire.topic(), hookSrv.URL)), 0o644); err != nil {
		t.Fatal(err)
	}
	p := startServeLogs(t, cfg, addr)
	select {
	case <-wire.verified:
	case <-time.After(time.Minute):
		t.Fatal("the daemon never subscribed at the wire's hub")
	}
	start := time.Now()
	wire.publish()
	select {
	case pl := <-hook.got:
		if !strings.Contains(pl.Title, "МОЛНИЯ") {
			t.Errorf("alert %+v", pl)
		}
		t.Logf("pushed flash → webhook in %v (interval 1h)", time.Since(start).Round(time.Millisecond))
	case <-time.After(time.Minute):
		t.Fatal("no alert after the push")
	}
	wire.mu.Lock()
	if len(wire.errs) > 0 || len(wire.verified) > 0 {
		t.Errorf("verification failures %v, %d more subscriptions; want one subscription", wire.errs, len(wire.verified))
	}
	wire.mu.Unlock()
	if _, err := p.stop(t, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
}
