package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/wiredesk/wiredesk/config"
)

func cmdPollNow(ctx context.Context, e *env, args []string) error {
	fs, cfgPath := flags(e, "poll-now", "poll-now [-config FILE]",
		"  wiredesk poll-now -config /etc/wiredesk/wiredesk.toml\n"+
			"  # crontab beside a running daemon:\n"+
			"  */5 * * * * wiredesk once -config /etc/wiredesk/wiredesk.toml; [ $? -eq 4 ] && wiredesk poll-now -config /etc/wiredesk/wiredesk.toml\n\n"+
			"Asks the daemon on [server] admin_listen (or listen) to poll every source now.\n"+
			"Sends WIREDESK_ADMIN_TOKEN (or [server] admin_token) as a bearer token when set.\n"+
			"Exit codes: 0 accepted, 1 failed.")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(e, *cfgPath)
	if err != nil {
		return err
	}
	resp, err := adminCall(ctx, e, cfg, http.MethodPost, "/admin/poll-now", 10*time.Second)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("daemon answered %s: %s", resp.Status, strings.TrimSpace(string(body)))
	}
	fmt.Fprint(e.stdout, string(body))
	return nil
}

// adminCall sends one admin request to the running daemon, on [server]
// admin_listen (or listen), with WIREDESK_ADMIN_TOKEN (or [server]
// admin_token) as a bearer token when set. timeout bounds the whole
// exchange, body included; zero means none.
func adminCall(ctx context.Context, e *env, cfg *config.Config, method, path string, timeout time.Duration) (*http.Response, error) {
	base, err := adminBase(cfg)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, nil)
	if err != nil {
		return nil, err
	}
	if token := adminToken(e, cfg); token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	client := &http.Client{Timeout: timeout}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("is `wiredesk serve` running? %w", err)
	}
	return resp, nil
}

// adminBase is the root URL of the running daemon's admin endpoints:
// [server] admin_listen, else listen, on loopback when it listens on every
// address.
func adminBase(cfg *config.Config) (string, error) {
	addr := cfg.Server.AdminListen
	if addr == "" {
		addr = cfg.Server.Listen
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("[server] listen %q: %w", addr, err)
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port), nil
}

// adminToken is the bearer token for the admin endpoints:
// WIREDESK_ADMIN_TOKEN, else [server] admin_token; "" for none.
func adminToken(e *env, cfg *config.Config) string {
	if v, ok := e.getenv("WIREDESK_ADMIN_TOKEN"); ok && v != "" {
		return v
	}
	return cfg.Server.AdminToken.Reveal()
}
