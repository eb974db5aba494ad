package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// These tests exercise the built binary end to end, the way cron, systemd
// and newsroom staff run it.
//
// The binary is built once, in TestMain. Tests that only run commands and
// bound no time call t.Parallel: Go runs them after the others (serve tests
// with a bound on how long a stop takes run alone) and two at a time on
// two cores, so the time one spends waiting on a child process another
// spends computing.

var wiredeskBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "wiredesk-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	wiredeskBin = filepath.Join(dir, "wiredesk")
	args := []string{"build", "-o", wiredeskBin}
	if raceEnabled {
		args = append(args, "-race")
		// A race-enabled program sleeps a second before it exits
		// (atexit_sleep_ms, default 1000) to catch late reports from other
		// goroutines. These tests run the binary a few hundred times, so
		// that second was most of their time; a race is still reported (exit
		// 66) when it happens. GORACE set by the caller comes last and wins.
		os.Setenv("GORACE", strings.TrimSpace("atexit_sleep_ms=0 "+os.Getenv("GORACE")))
	}
	build := exec.Command("go", append(args, ".")...)
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build wiredesk:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// demoDir copies demo.toml and the demo feeds into a temp folder, with the
// database and out_dir inside it, and returns the config path.
func demoDir(t *testing.T, listen string) string {
	t.Helper()
	dir := t.TempDir()
	root := filepath.Join("..", "..")
	cfg, err := os.ReadFile(filepath.Join(root, "demo.toml"))
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(cfg), `listen   = "127.0.0.1:8080"`, `listen   = "`+listen+`"`, 1)
	s = strings.Replace(s, `base_url = "http://localhost:8080"`, `base_url = "http://`+listen+`"`, 1)
	s = strings.Replace(s, "[storage]\n", "[storage]\nlock_timeout = \"1s\"\n", 1)
	if err := os.WriteFile(filepath.Join(dir, "demo.toml"), []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(root, "testdata", "demo")
	dst := filepath.Join(dir, "testdata", "demo")
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "demo.toml")
}

type result struct {
	code           int
	stdout, stderr string
	took           time.Duration
}

func runBin(t *testing.T, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, wiredeskBin, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String(), took: time.Since(start)}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		t.Fatalf("run %v: %v", args, err)
	}
	return r
}

func TestOnceDemoTwice(t *testing.T) {
	t.Parallel() // see TestMain
	cfg := demoDir(t, "127.0.0.1:0")
	out := filepath.Join(t.TempDir(), "out")
	first := runBin(t, nil, "once", "-config", cfg, "-out", out, "-json")
	if first.code != 0 {
		t.Fatalf("first once: exit %d\nstdout:\n%s\nstderr:\n%s", first.code, first.stdout, first.stderr)
	}
	var sum struct {
		Sources, OK, Failed, New int
		Written                  []string
	}
	if err := json.Unmarshal([]byte(first.stdout), &sum); err != nil {
		t.Fatalf("once -json output: %v\n%s", err, first.stdout)
	}
	if sum.Sources != 5 || sum.OK != 5 || sum.New == 0 {
		t.Errorf("first pass: %+v; want 5 sources ok and new items", sum)
	}
	for _, slug := range []string{"central-asia", "russia-wire", "all-wires"} {
		for _, ext := range []string{".rss", ".atom", ".json"} {
			if fi, err := os.Stat(filepath.Join(out, slug+ext)); err != nil || fi.Size() == 0 {
				t.Errorf("%s%s not written: %v", slug, ext, err)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(out, "feeds.opml")); err != nil {
		t.Errorf("feeds.opml not written: %v", err)
	}
	// The demo has events carried by two wires: one story credits both.
	b, _ := os.ReadFile(filepath.Join(out, "central-asia.rss"))
	if !bytes.Contains(b, []byte("With reporting by Interfax and TASS")) {
		t.Errorf("central-asia.rss has no story credited to Interfax and TASS")
	}

	second := runBin(t, nil, "once", "-config", cfg, "-out", out)
	if second.code != 0 {
		t.Fatalf("second once: exit %d\n%s%s", second.code, second.stdout, second.stderr)
	}
	if !strings.Contains(second.stdout, " 0 new, 0 updated") {
		t.Errorf("second pass stored something:\n%s", second.stdout)
	}
	for _, line := range strings.Split(strings.TrimSpace(second.stdout), "\n") {
		if strings.HasPrefix(line, "total:") {
			continue
		}
		if !strings.Contains(line, "not-modified") {
			t.Errorf("second pass line is not a conditional 304: %q", line)
		}
	}
}

func TestCheckReportsEveryProblem(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "bad.toml")
	body := `[poll]
intervall = "5m"
timeout = 300

[[source]]
id = "tass"
url = "https://tass.example/rss"
password = "${WIREDESK_TEST_UNSET_VAR}"
`
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runBin(t, nil, "check", "-config", cfg)
	if r.code != 2 {
		t.Fatalf("check: exit %d; want 2\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"bad.toml:2:", "intervall", `did you mean "interval"`, "bad.toml:3:", "bare integer 300", "bad.toml:8:", "WIREDESK_TEST_UNSET_VAR"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("check output lacks %q:\n%s", want, r.stderr)
		}
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startServe runs `wiredesk serve` and waits until /healthz answers.
func startServe(t *testing.T, cfg, addr string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(wiredeskBin, "serve", "-config", cfg)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
		if t.Failed() {
			t.Logf("serve logs:\n%s", logs.String())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return cmd
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("serve did not become healthy on %s", addr)
	return nil
}

func TestServeLockPollNowAndStop(t *testing.T) {
	addr := freeAddr(t)
	cfg := demoDir(t, addr)
	serve := startServe(t, cfg, addr)

	// The daemon serves the demo feeds.
	resp, err := http.Get("http://" + addr + "/feeds/central-asia.atom")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("ETag") == "" {
		t.Errorf("GET central-asia.atom: %s, ETag %q", resp.Status, resp.Header.Get("ETag"))
	}

	// once cannot open the database while serve holds it: exit 4 within the lock timeout.
	r := runBin(t, nil, "once", "-config", cfg, "-out", t.TempDir())
	if r.code != 4 {
		t.Fatalf("once beside serve: exit %d; want 4\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "is locked by another process (is `wiredesk serve` running?)") {
		t.Errorf("once beside serve: message %q", r.stderr)
	}
	if !strings.Contains(r.stderr, fmt.Sprintf("pid %d", serve.Process.Pid)) {
		t.Errorf("lock message does not name the holder pid %d: %q", serve.Process.Pid, r.stderr)
	}
	if r.took > 20*time.Second {
		// Not a timing assertion on speed: a hang would be a bug.
		t.Errorf("once took %v to give up on the lock", r.took)
	}

	// cron's way around it: ask the daemon.
	r = runBin(t, nil, "poll-now", "-config", cfg)
	if r.code != 0 || !strings.Contains(r.stdout, "polling") {
		t.Errorf("poll-now: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}

	// SIGTERM: clean stop, exit 0.
	if err := serve.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- serve.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve after SIGTERM: %v; want exit 0", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop after SIGTERM")
	}
	// The database is free again.
	if r := runBin(t, nil, "sources", "-config", cfg); r.code != 0 || !strings.Contains(r.stdout, "interfax") {
		t.Errorf("sources after stop: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestServeReloadOnSIGHUP(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGHUP")
	}
	addr := freeAddr(t)
	cfg := demoDir(t, addr)
	p := startServeLogs(t, cfg, addr)
	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	// waitLog waits until the serve logs hold want n times: the daemon has
	// handled that many reloads, so what the test checks next is their effect.
	waitLog := func(want string, n int) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for strings.Count(p.logs.String(), want) < n {
			if time.Now().After(deadline) {
				t.Fatalf("serve logs never said %q (%d times):\n%s", want, n, p.logs.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	if code, _ := get("/feeds/extra.rss"); code != 404 {
		t.Fatalf("extra feed before reload: %d; want 404", code)
	}
	orig, _ := os.ReadFile(cfg)
	extra := "\n[[feed]]\nslug = \"extra\"\ntitle = \"Extra\"\nsources = [\"rferl\"]\n"

	// An invalid config — a good new feed beside a bad one — is refused as
	// a whole once the daemon has read it: the old feeds stay and the good
	// new one does not appear.
	bad := string(orig) + extra + "\n[[feed]]\nslug = \"Bad Slug\"\n"
	if err := os.WriteFile(cfg, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitLog("config invalid; keeping the running config", 1)
	if code, _ := get("/feeds/central-asia.rss"); code != 200 {
		t.Fatalf("after invalid reload central-asia: %d; want 200", code)
	}
	if code, _ := get("/feeds/extra.rss"); code != 404 {
		t.Fatalf("after invalid reload extra: %d; want 404 (part of an invalid config was applied)", code)
	}

	// A valid config with a new feed takes effect without a restart.
	if err := os.WriteFile(cfg, append(append([]byte{}, orig...), []byte(extra)...), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitLog("reloaded config", 1)
	deadline := time.Now().Add(20 * time.Second)
	for {
		code, body := get("/feeds/extra.rss")
		if code == 200 && strings.Contains(body, "<item>") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("extra feed after reload: %d\n%s", code, body)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestVersionAndHelp(t *testing.T) {
	t.Parallel() // see TestMain
	if r := runBin(t, nil, "version"); r.code != 0 || !strings.Contains(r.stdout, "wiredesk ") {
		t.Errorf("version: exit %d %q", r.code, r.stdout)
	}
	for _, c := range commands() {
		r := runBin(t, nil, c.name, "--help")
		if r.code != 0 || !strings.Contains(r.stderr, "Examples:") {
			t.Errorf("%s --help: exit %d, no example:\n%s", c.name, r.code, r.stderr)
		}
	}
	if r := runBin(t, nil, "sevre"); r.code != 2 || !strings.Contains(r.stderr, `did you mean "serve"`) {
		t.Errorf("unknown command: exit %d %q", r.code, r.stderr)
	}
}
