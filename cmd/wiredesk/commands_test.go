package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/wiredesk/wiredesk/config"
)

var update = flag.Bool("update", false, "rewrite golden files")

// runIn runs a command in-process, as main would.
func runIn(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestImportOPML(t *testing.T) {
	code, out, stderr := runIn(t, "import-opml", filepath.Join("testdata", "subscriptions.opml"))
	if code != 0 {
		t.Fatalf("import-opml: exit %d: %s", code, stderr)
	}
	golden := filepath.Join("testdata", "subscriptions.golden.toml")
	if *update {
		if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if out != string(want) {
		t.Errorf("import-opml output:\n%s\nwant:\n%s", out, want)
	}
	// What it prints must be usable config: append it to a minimal file.
	dir := t.TempDir()
	cfg := filepath.Join(dir, "wiredesk.toml")
	if err := os.WriteFile(cfg, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runIn(t, "check", "-config", cfg); code != 0 {
		t.Errorf("check on imported sources: exit %d\n%s", code, stderr)
	}
}

// Ids derived from titles stay unique, also when a title slugs to the
// id another feed got as a de-duplicated "-N".
func TestImportOPMLIDs(t *testing.T) {
	tests := []struct {
		name   string
		titles []string
		want   []string
	}{
		{"plain", []string{"TASS", "Interfax"}, []string{"tass", "interfax"}},
		{"twice", []string{"Feed", "Feed"}, []string{"feed", "feed-2"}},
		{"suffix taken after", []string{"Feed", "Feed", "Feed 2"}, []string{"feed", "feed-2", "feed-2-2"}},
		{"suffix taken before", []string{"Feed 2", "Feed", "Feed"}, []string{"feed-2", "feed", "feed-3"}},
		{"no letters", []string{"!!!", "???", "…"}, []string{"source", "source-2", "source-3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var doc strings.Builder
			doc.WriteString(`<opml version="2.0"><body>`)
			for i, title := range tt.titles {
				fmt.Fprintf(&doc, `<outline title="%s" text="%s" xmlUrl="https://wire.example/%d"/>`, title, title, i)
			}
			doc.WriteString(`</body></opml>`)
			var out bytes.Buffer
			if err := importOPML(&out, io.Discard, strings.NewReader(doc.String()), "ids.opml"); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range regexp.MustCompile(`(?m)^id   = "(.*)"$`).FindAllStringSubmatch(out.String(), -1) {
				got = append(got, m[1])
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("ids %q; want %q", got, tt.want)
			}
		})
	}
}

// Feeds of an untrusted OPML file that point at local files, this
// machine or a private network are flagged, on stderr and above the block.
func TestImportOPMLWarns(t *testing.T) {
	tests := []struct{ url, want string }{
		{"https://tass.ru/rss/v2.xml", ""},
		{"http://93.184.216.34/rss", ""},
		{"file:///etc/passwd", `scheme "file" is not http or https`},
		{"gopher://x.example/", `scheme "gopher" is not http or https`},
		{"http://localhost:9090/metrics", `host "localhost" is this machine`},
		{"http://127.0.0.1/admin", "address 127.0.0.1 is this machine"},
		{"http://[::1]/", "address ::1 is this machine"},
		{"http://10.1.2.3/feed", "address 10.1.2.3 is private"},
		{"http://192.168.0.1/feed", "address 192.168.0.1 is private"},
		{"http://169.254.169.254/latest/meta-data/", "address 169.254.169.254 is private, link-local"},
		{"http://[::ffff:10.0.0.1]/", "address 10.0.0.1 is private"},
		{"http://router.internal/rss", `host "router.internal" is this machine or a local network`},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "s.opml")
			doc := `<opml version="2.0"><body><outline text="Feed" xmlUrl="` + tt.url + `"/></body></opml>`
			if err := os.WriteFile(p, []byte(doc), 0o644); err != nil {
				t.Fatal(err)
			}
			code, out, stderr := runIn(t, "import-opml", p)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if tt.want == "" {
				if stderr != "" || strings.Contains(out, "WARNING") {
					t.Errorf("warned about a public URL:\n%s%s", stderr, out)
				}
				return
			}
			if !strings.Contains(stderr, tt.want) || !strings.Contains(out, "# WARNING: "+tt.want) {
				t.Errorf("stderr %q, output %q; want both to say %q", stderr, out, tt.want)
			}
		})
	}
}

func TestImportOPMLErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct{ name, body, want string }{
		{"not xml", "this is not OPML", "not valid OPML"},
		{"broken", "<opml><body><outline xmlUrl=\"x\">\n</body></opml>", "bad.opml:2: not valid OPML"},
		{"no feeds", `<opml version="2.0"><body><outline text="empty"/></body></opml>`, "no feed outlines"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, "bad.opml")
			os.WriteFile(p, []byte(tt.body), 0o644)
			code, _, stderr := runIn(t, "import-opml", p)
			if code != 1 || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want 1 and %q", code, stderr, tt.want)
			}
		})
	}
}

func TestFetchCommand(t *testing.T) {
	feed := filepath.Join("..", "..", "testdata", "demo", "interfax.ru.windows-1251.xml")
	code, out, stderr := runIn(t, "fetch", feed, "-timezone", "Europe/Moscow")
	if code != 0 {
		t.Fatalf("fetch: exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"feed:     Интерфакс - Новости",
		"format:   rss 2.0",
		"encoding: windows-1251 (",
		"items:    8",
		"2026-11-27 11:42 +0300", // the wire's Moscow time, kept
		"Токаев подписал закон о ратификации",
		"key guid:1024501",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("fetch output lacks %q:\n%s", want, out)
		}
	}
	if code, _, stderr := runIn(t, "fetch", "-encoding", "no-such-charset", feed); code != 1 || !strings.Contains(stderr, "no-such-charset") {
		t.Errorf("fetch with a bad -encoding: exit %d %q", code, stderr)
	}
	if code, _, _ := runIn(t, "fetch"); code != 2 {
		t.Errorf("fetch without URL: exit %d; want 2", code)
	}
}

func TestSourcesAndPreviewAfterOnce(t *testing.T) {
	t.Parallel() // see TestMain
	cfg := demoDir(t, "127.0.0.1:0")
	// Times are shown in the configured zone (Tokyo: +0900 since 1951).
	serverSection(t, cfg, `timezone = "Asia/Tokyo"`)
	if code, out, stderr := runIn(t, "once", "-config", cfg, "-out", t.TempDir()); code != 0 {
		t.Fatalf("once: exit %d\n%s%s", code, out, stderr)
	}
	code, out, stderr := runIn(t, "sources", "-config", cfg)
	if code != 0 {
		t.Fatalf("sources: exit %d: %s", code, stderr)
	}
	for _, want := range []string{"times in Asia/Tokyo (JST +0900)", "ID", "STATE", "LAST ERROR", "interfax", "ok", "newsru"} {
		if !strings.Contains(out, want) {
			t.Errorf("sources lacks %q:\n%s", want, out)
		}
	}
	code, out, stderr = runIn(t, "preview", "-config", cfg, "-feed", "central-asia", "-since", "100000h")
	if code != 0 {
		t.Fatalf("preview: exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"PUBLISHED", "LEFT OUT",
		"With reporting by Interfax and TASS", // a story of two wires, with its members listed
		"· tass ",
		"excluded by", // the sport items
		"published,",
		"(times in Asia/Tokyo (JST +0900))",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("preview lacks %q:\n%s", want, out)
		}
	}
	if dates := regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d [-+]\d{4}`).FindAllString(out, -1); len(dates) == 0 {
		t.Errorf("preview shows no dates:\n%s", out)
	} else {
		for _, d := range dates {
			if !strings.HasSuffix(d, " +0900") {
				t.Errorf("preview date %q is not in Asia/Tokyo", d)
			}
		}
	}
	if code, _, stderr := runIn(t, "preview", "-config", cfg, "-feed", "nope"); code != 2 || !strings.Contains(stderr, `no feed "nope"`) {
		t.Errorf("preview of an unknown feed: exit %d %q", code, stderr)
	}
}

// TestOnceCreatesDatabaseFolder runs the first `once` of a config whose
// database lives in folders that do not exist yet.
func TestOnceCreatesDatabaseFolder(t *testing.T) {
	cfg := demoDir(t, "127.0.0.1:0")
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(t.TempDir(), "var", "lib", "wiredesk", "wiredesk.db")
	s := strings.Replace(string(b), `path = "demo.db"`, fmt.Sprintf("path = %q", dbPath), 1)
	if s == string(b) {
		t.Fatal("demo.toml has no storage path to replace")
	}
	if err := os.WriteFile(cfg, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, stderr := runIn(t, "once", "-config", cfg, "-out", t.TempDir()); code != 0 {
		t.Fatalf("once: exit %d\n%s%s", code, out, stderr)
	}
	if _, err := os.Stat(dbPath); err != nil {
		t.Errorf("database not created: %v", err)
	}
}

// A key that loads but does nothing is never silent: check and every
// command that reads the config print a warning with file, line and key.
func TestConfigWarningsPrinted(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "w.toml")
	doc := "[storage]\npath = \"w.db\"\n[publish]\narchive_size = 50\n[[source]]\nid = \"a\"\nurl = \"file://a.xml\"\n"
	if err := os.WriteFile(cfg, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	want := "warning: " + cfg + ":4: publish.archive_size: no longer used and ignored"
	if code, out, stderr := runIn(t, "check", "-config", cfg); code != 0 || !strings.Contains(stderr, want) || !strings.Contains(out, ": ok (1 source, ") {
		t.Errorf("check: exit %d, stdout %q, stderr %q; want 0, \"ok (1 source, \" and %q", code, out, stderr, want)
	}
	// sources then fails (no database yet), after the warning.
	if _, _, stderr := runIn(t, "sources", "-config", cfg); !strings.HasPrefix(stderr, want) {
		t.Errorf("sources: stderr %q; want it to start with %q", stderr, want)
	}
}

// check -fetch fetches and parses every enabled source through the
// poller's own path (Poller.Probe) and prints one line each.
func TestCheckFetch(t *testing.T) {
	cfg := demoDir(t, "127.0.0.1:0")
	code, out, stderr := runIn(t, "check", "-config", cfg, "-fetch")
	if code != 0 {
		t.Fatalf("check -fetch: exit %d\n%s%s", code, out, stderr)
	}
	for _, want := range []string{"interfax         ok   rss 2.0, windows-1251, ", "rferl            ok   "} {
		if !strings.Contains(out, want) {
			t.Errorf("check -fetch lacks %q:\n%s", want, out)
		}
	}
}

// TestCheckHelpListsEveryKey checks that `check -h` names every key the
// config decoder reads, in every table, wrapped within 100 columns: the
// list is where an operator looks a key up without the example at hand.
func TestCheckHelpListsEveryKey(t *testing.T) {
	_, _, stderr := runIn(t, "check", "-h")
	for _, tb := range config.Schemas() {
		i := strings.Index(stderr, "  "+tb.Header+" ")
		if i < 0 {
			t.Errorf("check -h does not list %s", tb.Header)
			continue
		}
		block := stderr[i:]
		if end := strings.Index(block[2:], "\n  ["); end >= 0 {
			block = block[:end+2]
		}
		for _, k := range tb.Keys {
			if !slices.Contains(strings.Fields(block), k) {
				t.Errorf("check -h lists no %s key %s", tb.Header, k)
			}
		}
	}
	for _, line := range strings.Split(stderr, "\n") {
		if len(line) > 100 {
			t.Errorf("check -h line wider than 100 columns: %q", line)
		}
	}
}

// backup takes its flags after the file too, as fetch, story, user and
// alerts do: the README's examples leave out -config and say to add it,
// e.g. `bin/wiredesk backup backup.db -config demo.toml`.
func TestBackupFlagsAfterFile(t *testing.T) {
	cfg := demoDir(t, "127.0.0.1:0")
	if code, _, stderr := runIn(t, "once", "-config", cfg, "-out", filepath.Join(t.TempDir(), "out")); code != 0 {
		t.Fatalf("once: exit %d\n%s", code, stderr)
	}
	for _, args := range [][]string{
		{"backup", "-config", cfg, "FILE"},
		{"backup", "FILE", "-config", cfg},
	} {
		dst := filepath.Join(t.TempDir(), "backup.db")
		args = slices.Clone(args)
		args[slices.Index(args, "FILE")] = dst
		code, stdout, stderr := runIn(t, args...)
		if code != 0 || !strings.Contains(stdout, "copied from") {
			t.Errorf("%q: exit %d\n%s%s", args, code, stdout, stderr)
			continue
		}
		if _, err := os.Stat(dst); err != nil {
			t.Errorf("%q: %v", args, err)
		}
	}
}

// Commands that only read or copy the database fetch nothing from the
// wires, so a wire password the shell does not hold (a cron job without
// the daemon's EnvironmentFile) must not stop them, as it does not stop
// sources or preview; once and check still refuse.
func TestDatabaseCommandsNeedNoWireSecrets(t *testing.T) {
	cfg := demoDir(t, "127.0.0.1:0")
	if code, _, stderr := runIn(t, "once", "-config", cfg, "-out", filepath.Join(t.TempDir(), "out")); code != 0 {
		t.Fatalf("once: exit %d\n%s", code, stderr)
	}
	const unset = "WIREDESK_TEST_UNSET_WIRE_PASSWORD"
	os.Unsetenv(unset)
	appendConfig(t, cfg, `
[[source]]
id       = "paid"
name     = "Paid"
url      = "https://paid.example/rss"
username = "desk"
password = "${`+unset+`}"
enabled  = false
`)
	for _, args := range [][]string{
		{"backup", filepath.Join(t.TempDir(), "backup.db")},
		{"compact"},
		{"alerts"},
	} {
		code, stdout, stderr := runIn(t, append(args, "-config", cfg)...)
		if code != 0 {
			t.Errorf("%s with %s unset: exit %d\n%s%s", args[0], unset, code, stdout, stderr)
		}
	}
	for _, args := range [][]string{{"once"}, {"check"}} {
		if code, _, stderr := runIn(t, append(args, "-config", cfg)...); code != exitUsage || !strings.Contains(stderr, unset) {
			t.Errorf("%s with %s unset: exit %d; want %d naming it\n%s", args[0], unset, code, exitUsage, stderr)
		}
	}
}
