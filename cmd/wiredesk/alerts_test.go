package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wiredesk/wiredesk/alert"
)

// hookLog is a webhook receiver that keeps every payload it acknowledged
// and reports each on a channel.
type hookLog struct {
	mu       sync.Mutex
	payloads []alert.WebhookPayload
	sigOK    []bool
	got      chan alert.WebhookPayload
	secret   string
}

func (h *hookLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var p alert.WebhookPayload
	if err := json.Unmarshal(body, &p); err != nil {
		http.Error(w, "bad json", http.StatusBadRequest)
		return
	}
	ok := r.Header.Get("X-Wiredesk-Signature") == alert.Sign([]byte(h.secret), r.Header.Get("X-Wiredesk-Timestamp"), body)
	h.mu.Lock()
	h.payloads = append(h.payloads, p)
	h.sigOK = append(h.sigOK, ok)
	h.mu.Unlock()
	h.got <- p
}

// alertConfig writes a config with the two wires of alertFeeds, a signed
// webhook, a channel whose endpoint answers 404 and a rule using both.
func alertConfig(t *testing.T, listen, hookURL, goneURL string) string {
	t.Helper()
	dir := t.TempDir()
	alertFeeds(t, dir)
	cfg := filepath.Join(dir, "wiredesk.toml")
	err := os.WriteFile(cfg, []byte(fmt.Sprintf(`[server]
listen = %q

[storage]
path = "wiredesk.db"
lock_timeout = "1s"

[publish]
out_dir = "public"

[[source]]
id = "interfax"
name = "Интерфакс"
url = "interfax.xml"

[[source]]
id = "tass"
name = "ТАСС"
url = "tass.xml"

[[feed]]
slug = "all"
title = "All"

[[channel]]
name = "hook"
type = "webhook"
url = %q
secret = "${HOOK_SECRET}"
per_minute = 6000
burst = 100

[[channel]]
name = "gone"
type = "webhook"
url = %q

[[alert]]
name = "kz"
channels = ["hook", "gone"]
include = ["Казахстан*", "Токаев*"]
max_age = "0s"
`, listen, hookURL, goneURL)), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// The daemon alerts once per story and follows up when the second wire
// joins; a channel that refuses its alerts dead-letters them without
// holding up the other, /status shows the dead letters, `wiredesk alerts`
// lists them once the daemon is stopped, and `alerts test` sends a sample.
func TestServeAlerts(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the built binary")
	}
	hook := &hookLog{got: make(chan alert.WebhookPayload, 100), secret: "s3cret-hook"}
	hookSrv := httptest.NewServer(hook)
	defer hookSrv.Close()
	gone := httptest.NewServer(http.NotFoundHandler())
	defer gone.Close()
	addr := freeAddr(t)
	cfg := alertConfig(t, addr, hookSrv.URL+"/in", gone.URL+"/old")
	p := startServeLogs(t, cfg, addr, "HOOK_SECRET=s3cret-hook")

	// Two stories match (Токаев and Сенат Казахстана), both carried by
	// both wires: two alerts and two follow-ups.
	var got []alert.WebhookPayload
	for len(got) < 4 {
		select {
		case pl := <-hook.got:
			got = append(got, pl)
		case <-time.After(time.Minute):
			t.Fatalf("webhook got %d alerts; want 4", len(got))
		}
	}
	kinds := map[string]map[string]bool{} // story → kinds
	for _, pl := range got {
		if kinds[pl.Story] == nil {
			kinds[pl.Story] = map[string]bool{}
		}
		if kinds[pl.Story][pl.Kind] {
			t.Errorf("story %s: a second %q alert %s", pl.Story, pl.Kind, pl.ID)
		}
		kinds[pl.Story][pl.Kind] = true
		if pl.Kind == "update" && (len(pl.Wires) != 2 || !strings.Contains(pl.Text, "Confirmed by")) {
			t.Errorf("update %s = %+v; want both wires and the confirmation", pl.ID, pl)
		}
		if !strings.Contains(pl.Title, "МОЛНИЯ") {
			t.Errorf("title %q; want the wire's Russian headline", pl.Title)
		}
	}
	if len(kinds) != 2 {
		t.Errorf("alerts for %d stories; want 2: %v", len(kinds), kinds)
	}
	hook.mu.Lock()
	for i, ok := range hook.sigOK {
		if !ok {
			t.Errorf("alert %s: signature does not verify", hook.payloads[i].ID)
		}
	}
	hook.mu.Unlock()

	// The refusing channel's alerts are dead letters on /status.
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := http.Get("http://" + addr + "/status")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Count(string(body), "kz/gone/story/") == 4 && strings.Contains(string(body), `id="dead-alerts"`) {
			if strings.Contains(string(body), "s3cret-hook") {
				t.Error("/status shows the webhook secret")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/status never listed 4 dead letters of channel gone:\n%s", body)
		}
		time.Sleep(50 * time.Millisecond) // polling a page another process builds
	}
	select {
	case extra := <-hook.got:
		t.Errorf("a repeat alert %s", extra.ID)
	default:
	}
	if _, err := p.stop(t, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}

	r := runBin(t, []string{"HOOK_SECRET=s3cret-hook"}, "alerts", "-config", cfg)
	if r.code != 0 || !strings.Contains(r.stdout, "outbox: 0 alerts waiting") || !strings.Contains(r.stdout, "dead letters: 4 alerts not delivered") ||
		!strings.Contains(r.stdout, "status 404") {
		t.Errorf("wiredesk alerts: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, "s3cret-hook") {
		t.Error("wiredesk alerts shows the webhook secret")
	}

	r = runBin(t, []string{"HOOK_SECRET=s3cret-hook"}, "alerts", "-config", cfg, "test", "kz")
	if r.code != 1 || !strings.Contains(r.stdout, "hook: delivered") || !strings.Contains(r.stdout, "gone: FAILED") {
		t.Errorf("alerts test kz: exit %d; want 1 (gone fails)\n%s%s", r.code, r.stdout, r.stderr)
	}
	select {
	case pl := <-hook.got:
		if pl.Kind != "test" {
			t.Errorf("alerts test sent a %q alert", pl.Kind)
		}
	case <-time.After(time.Minute):
		t.Error("alerts test sent nothing to the webhook")
	}
	// Flags may follow the arguments, as in story and user.
	for _, args := range [][]string{{"alerts", "-config", cfg, "test", "nope"}, {"alerts", "test", "nope", "-config", cfg}} {
		if r := runBin(t, []string{"HOOK_SECRET=x"}, args...); r.code != 2 || !strings.Contains(r.stderr, `no [[alert]] named "nope"`) {
			t.Errorf("%q: exit %d\n%s", args, r.code, r.stderr)
		}
	}
}
