package main

import (
	"encoding/json"
	"os"
	"strings"
	"syscall"
	"testing"
)

// TestSourcesAndPreviewBesideDaemon runs the read-only commands against the
// built binary while `wiredesk serve` holds the database: they answer
// through the daemon's admin endpoints, print what they print on the file
// once the daemon stops, and need no wire secret — the config names one
// (${WIREDESK_TEST_WIRE_KEY}) that only the daemon's environment sets.
func TestSourcesAndPreviewBesideDaemon(t *testing.T) {
	addr := freeAddr(t)
	cfg := demoDir(t, addr)
	serverSection(t, cfg, `admin_token = "${WIREDESK_TEST_ADMIN_TOKEN}"`)
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	withKey := strings.Replace(string(b), `priority = 10`, "priority = 10\nheaders  = { \"X-Api-Key\" = \"${WIREDESK_TEST_WIRE_KEY}\" }", 1)
	if withKey == string(b) {
		t.Fatal("demo.toml has no `priority = 10` line to put a header after")
	}
	if err := os.WriteFile(cfg, []byte(withKey), 0o644); err != nil {
		t.Fatal(err)
	}
	const token, wireKey = "desk-Qe41", "wire-key-8812"
	daemonEnv := []string{"WIREDESK_TEST_ADMIN_TOKEN=" + token, "WIREDESK_TEST_WIRE_KEY=" + wireKey}
	// The editor has the admin token and no wire key.
	cliEnv := []string{"WIREDESK_ADMIN_TOKEN=" + token}

	// Without the wire key, a command that polls refuses the config...
	if r := runBin(t, cliEnv, "once", "-config", cfg, "-out", t.TempDir()); r.code == 0 || !strings.Contains(r.stderr, "WIREDESK_TEST_WIRE_KEY is not set") {
		t.Fatalf("once without the wire key: exit %d %q; want a failure naming the variable", r.code, r.stderr)
	}
	mustRun(t, daemonEnv, "once", "-config", cfg, "-out", t.TempDir())
	serve := startServeLogs(t, cfg, addr, daemonEnv...)

	// ...and the read-only ones run beside the daemon without it.
	srcDaemon := mustRun(t, cliEnv, "sources", "-config", cfg)
	for _, want := range []string{"interfax", "ok", "LAST SUCCESS"} {
		if !strings.Contains(srcDaemon.stdout, want) {
			t.Errorf("sources through the daemon lacks %q:\n%s", want, srcDaemon.stdout)
		}
	}
	var rows []sourceRow
	if err := json.Unmarshal([]byte(mustRun(t, cliEnv, "sources", "-json", "-config", cfg).stdout), &rows); err != nil || len(rows) == 0 || rows[0].Items == 0 {
		t.Errorf("sources -json through the daemon: %v %+v", err, rows)
	}
	const since = "100000h"
	prevDaemon := mustRun(t, cliEnv, "preview", "-config", cfg, "-feed", "central-asia", "-since", since)
	if !strings.Contains(prevDaemon.stdout, "PUBLISHED") || !strings.Contains(prevDaemon.stdout, "published, ") {
		t.Errorf("preview through the daemon:\n%s", prevDaemon.stdout)
	}
	// The story and audit commands need no wire key either.
	if out := mustRun(t, cliEnv, "story", "list", "-config", cfg).stdout; !strings.Contains(out, " item") {
		t.Errorf("story list beside the daemon without the wire key:\n%s", out)
	}
	mustRun(t, cliEnv, "audit", "-config", cfg)
	if r := runBin(t, cliEnv, "preview", "-config", cfg, "-feed", "nope"); r.code != 2 {
		t.Errorf("preview of an unknown feed beside the daemon: exit %d %q; want 2", r.code, r.stderr)
	}
	if r := runBin(t, []string{"WIREDESK_ADMIN_TOKEN=wrong"}, "sources", "-config", cfg); r.code != 1 || !strings.Contains(r.stderr, "missing or wrong admin token") {
		t.Errorf("sources with a wrong token: exit %d %q; want 1 and the daemon's refusal", r.code, r.stderr)
	}
	if _, err := serve.stop(t, syscall.SIGTERM); err != nil {
		t.Fatalf("serve after SIGTERM: %v", err)
	}

	// On the file, without the daemon, the same output (the table's relative
	// times aside, which may tick between the runs).
	prevFile := mustRun(t, cliEnv, "preview", "-config", cfg, "-feed", "central-asia", "-since", since)
	if prevFile.stdout != prevDaemon.stdout {
		t.Errorf("preview differs with and without the daemon\nvia daemon:\n%s\non the file:\n%s", prevDaemon.stdout, prevFile.stdout)
	}
	srcFile := mustRun(t, cliEnv, "sources", "-config", cfg)
	if firstColumns(srcFile.stdout) != firstColumns(srcDaemon.stdout) {
		t.Errorf("sources differs with and without the daemon\nvia daemon:\n%s\non the file:\n%s", srcDaemon.stdout, srcFile.stdout)
	}
	for _, out := range []string{srcDaemon.stdout, srcFile.stdout, prevDaemon.stdout, prevFile.stdout} {
		if strings.Contains(out, wireKey) || strings.Contains(out, token) {
			t.Errorf("a secret in the output:\n%s", out)
		}
	}
}

// firstColumns keeps each line's source id and state.
func firstColumns(table string) string {
	var b strings.Builder
	for _, l := range strings.Split(table, "\n") {
		f := strings.Fields(l)
		if len(f) >= 2 {
			b.WriteString(f[0] + " " + f[1] + "\n")
		}
	}
	return b.String()
}
