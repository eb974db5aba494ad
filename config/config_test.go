package config

import (
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wiredesk/wiredesk"
)

var update = flag.Bool("update", false, "rewrite the expected errors in testdata/*.toml")

// separator divides a testdata case into the TOML input and the expected
// errors, as in caddy's .caddyfiletest files.
const separator = "----------\n"

// fakeEnv is the environment of the tests. The values of secrets are
// distinctive so that tests can check they never leak into errors.
func fakeEnv(name string) (string, bool) {
	v, ok := map[string]string{
		"WIREDESK_ADMIN_TOKEN": "admin-token-value-7f3a",
		"TASS_PASSWORD":        "tass-password-value-91c2",
		"KAZINFORM_PASSWORD":   "kazinform-password-value-55d0",
		"KAZINFORM_API_KEY":    "kazinform-api-key-value-e8b1",
		"INTERFAX_KEY":         "interfax-key-value-0a4c",
		"ALERT_WEBHOOK_SECRET": "webhook-secret-value-3d9e",
		"SLACK_WEBHOOK_URL":    "https://hooks.slack.com/services/slack-path-value-77aa",
		"TELEGRAM_BOT_TOKEN":   "telegram-token-value-c41f",
		"SMTP_PASSWORD":        "smtp-password-value-0b6d",
		"DATA":                 "testdata",
		"EMPTY":                "",
	}[name]
	return v, ok
}

var secretValues = []string{"admin-token-value-7f3a", "tass-password-value-91c2", "kazinform-password-value-55d0", "kazinform-api-key-value-e8b1", "interfax-key-value-0a4c", "hunter2",
	"webhook-secret-value-3d9e", "slack-path-value-77aa", "telegram-token-value-c41f", "smtp-password-value-0b6d"}

// splitCase returns the TOML input and expected output of a testdata case.
func splitCase(t *testing.T, data []byte) (input, want string) {
	t.Helper()
	s := string(data)
	i := strings.Index(s, "\n"+separator)
	if i < 0 {
		return s, ""
	}
	return s[:i+1], s[i+1+len(separator):]
}

func TestParseErrors(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no testdata/*.toml")
	}
	for _, path := range files {
		name := filepath.Base(path)
		t.Run(strings.TrimSuffix(name, ".toml"), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			input, want := splitCase(t, data)
			_, err = Parse(name, []byte(input), fakeEnv)
			if err == nil {
				t.Fatalf("Parse(%s) = nil error; want errors", name)
			}
			got := err.Error() + "\n"
			for _, secret := range secretValues {
				if strings.Contains(got, secret) {
					t.Errorf("errors reveal the secret %q:\n%s", secret, got)
				}
			}
			if *update {
				out := input + separator + got
				if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if got != want {
				t.Errorf("Parse(%s) errors:\n%s\nwant:\n%s", name, got, want)
			}
			checkErrors(t, err)
		})
	}
}

// checkErrors checks the shape of a Parse error: *Errors, sorted by line,
// every entry with a file and a message, and a line when it has a key.
func checkErrors(t *testing.T, err error) {
	t.Helper()
	var es *Errors
	if !errors.As(err, &es) {
		t.Fatalf("error %T is not *Errors", err)
	}
	if len(*es) == 0 {
		t.Fatal("empty *Errors returned as an error")
	}
	for i, e := range *es {
		if e.File == "" || e.Msg == "" {
			t.Errorf("error %d = %+v; want File and Msg", i, e)
		}
		if e.Key != "" && e.Line == 0 {
			t.Errorf("error %q has a key but no line", e.Error())
		}
		if i > 0 && (*es)[i-1].Line > e.Line {
			t.Errorf("errors not sorted by line: %d before %d", (*es)[i-1].Line, e.Line)
		}
	}
}

// TestAllProblemsAtOnce is the case of the brief: an unknown key, a bare
// integer duration and an unset variable are all reported, with lines.
func TestAllProblemsAtOnce(t *testing.T) {
	doc := `[poll]
intervall = "5m"

[[source]]
id = "tass"
url = "https://tass.ru/rss/v2.xml"
interval = 300
password = "${NOT_SET_ANYWHERE}"
username = "desk"
`
	_, err := Parse("wiredesk.toml", []byte(doc), fakeEnv)
	var es *Errors
	if !errors.As(err, &es) {
		t.Fatalf("Parse() error = %v; want *Errors", err)
	}
	want := []Error{
		{File: "wiredesk.toml", Line: 2, Key: "poll.intervall", Msg: `unknown key "intervall" in [poll]; did you mean "interval"?`},
		{File: "wiredesk.toml", Line: 7, Key: `source "tass": interval`, Msg: `bare integer 300; write a duration string such as "5m"`},
		{File: "wiredesk.toml", Line: 8, Key: `source "tass": password`, Msg: `environment variable NOT_SET_ANYWHERE is not set`},
	}
	if len(*es) != len(want) {
		t.Fatalf("Parse() = %d errors:\n%v\nwant %d", len(*es), err, len(want))
	}
	for i, e := range *es {
		if *e != want[i] {
			t.Errorf("error %d = %+v; want %+v", i, *e, want[i])
		}
	}
	wantText := `wiredesk.toml:7: source "tass": interval: bare integer 300; write a duration string such as "5m"`
	if got := (*es)[1].Error(); got != wantText {
		t.Errorf("Error() = %q; want %q", got, wantText)
	}
}

func TestDefaults(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "wiredesk.toml")
	doc := "[[source]]\nid = \"tass\"\nurl = \"https://tass.ru/rss/v2.xml\"\n\n[[feed]]\nslug = \"all\"\ntitle = \"All wires\"\n"
	got, err := Parse(file, []byte(doc), fakeEnv)
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{
		File: file,
		Dir:  dir,
		Server: Server{
			Listen:            "127.0.0.1:8080",
			BaseURL:           "http://127.0.0.1:8080",
			ReadHeaderTimeout: 5 * time.Second,
			ReadTimeout:       15 * time.Second,
			WriteTimeout:      30 * time.Second,
			IdleTimeout:       120 * time.Second,
			ShutdownTimeout:   10 * time.Second,
			MaxHeaderBytes:    64000,
			Timezone:          time.Local,
		},
		Storage: Storage{Path: filepath.Join(dir, "wiredesk.db"), Retention: 720 * time.Hour, LockTimeout: 5 * time.Second},
		Poll: Poll{
			Interval: 5 * time.Minute, Timeout: 20 * time.Second,
			MinInterval: time.Minute, MaxInterval: 24 * time.Hour, MaxBackoff: 6 * time.Hour,
			HostDelay: 500 * time.Millisecond, Concurrency: 16, PerHost: 2, MaxRedirects: 5,
			MaxBody: 10_000_000, UserAgent: "wiredesk/VERSION (+https://github.com/wiredesk/wiredesk)",
			MaxItems: 500, MaxTitle: 2_000, MaxSummary: 16_000, MaxContent: 256_000,
		},
		Publish: Publish{OutDir: filepath.Join(dir, "public"), ArchivePeriod: 24 * time.Hour},
		Cluster: Cluster{Window: 36 * time.Hour, Threshold: DefaultClusterThreshold},
		Log:     Log{Level: "info", Format: "text"},
		Sources: []wiredesk.Source{{
			ID: "tass", Name: "tass", URL: "https://tass.ru/rss/v2.xml", Interval: 5 * time.Minute,
			Rights: wiredesk.RightsFull, Timezone: time.UTC, Enabled: true,
			UrgentPrefixes: wiredesk.DefaultUrgentPrefixes(),
		}},
		Feeds: []wiredesk.Feed{{
			Slug: "all", Title: "All wires", Limit: 50,
			Attribution: wiredesk.DefaultAttribution, Cluster: true,
		}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Parse() =\n%+v\nwant\n%+v", got, want)
	}
}

// max_per_source is on by default only for feeds of several wires: a
// one-wire feed has nobody to crowd out.
func TestMaxPerSourceDefault(t *testing.T) {
	const sources = "[[source]]\nid = \"a\"\nurl = \"https://a.example/rss\"\ntags = [\"x\"]\n" +
		"[[source]]\nid = \"b\"\nurl = \"https://b.example/rss\"\ntags = [\"x\"]\n" +
		"[[source]]\nid = \"c\"\nurl = \"https://c.example/rss\"\n"
	tests := []struct {
		name, feed string
		want       int
	}{
		{"every source", "", 25},
		{"two listed", `sources = ["a", "b"]`, 25},
		{"one listed", `sources = ["c"]`, 0},
		{"a tag of two", `tags = ["x"]`, 25},
		{"odd limit rounds up", "limit = 7", 4},
		{"explicit", "max_per_source = 10", 10},
		{"explicitly off", "max_per_source = 0", 0},
		{"explicit on one source", "sources = [\"c\"]\nmax_per_source = 3", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := sources + "[[feed]]\nslug = \"f\"\ntitle = \"F\"\n" + tt.feed + "\n"
			cfg, err := Parse("w.toml", []byte(doc), fakeEnv)
			if err != nil {
				t.Fatal(err)
			}
			if got := cfg.Feeds[0].MaxPerSource; got != tt.want {
				t.Errorf("MaxPerSource = %d; want %d", got, tt.want)
			}
		})
	}
}

func TestPollIntervalIsSourceDefault(t *testing.T) {
	doc := "[poll]\ninterval = \"7m\"\n[[source]]\nid = \"a\"\nurl = \"https://a.example/rss\"\n[[source]]\nid = \"b\"\nurl = \"https://b.example/rss\"\ninterval = \"90s\"\n"
	cfg, err := Parse("w.toml", []byte(doc), fakeEnv)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cfg.Sources[0].Interval, 7*time.Minute; got != want {
		t.Errorf("source a interval = %v; want %v", got, want)
	}
	if got, want := cfg.Sources[1].Interval, 90*time.Second; got != want {
		t.Errorf("source b interval = %v; want %v", got, want)
	}
}

func TestValues(t *testing.T) {
	doc := `[server]
listen = ":9000"
admin_token = "${WIREDESK_ADMIN_TOKEN}"
max_header_bytes = "1MiB"
timezone = "Asia/Almaty"
[storage]
path = "/var/lib/wiredesk/w.db"
[poll]
max_body = "1.5MB"
max_items = 20
max_title = "1KiB"
max_summary = "2KB"
max_content = "1MB"
[publish]
decision_elements = true
[cluster]
threshold = 1
[[source]]
id = "interfax"
url = "https://www.interfax.ru/rss.asp"
language = "RU"
encoding = "Windows-1251"
timezone = "Europe/Moscow"
tags = ["wire", "russia", "wire"]
headers = { "X-Api-Key" = "${INTERFAX_KEY}" }
username = "desk"
password = "${TASS_PASSWORD}"
enabled = false
priority = -3
[[feed]]
slug = "ru"
title = "Лента"
attribution = "По сообщениям {sources}"
attribution_and = "и"
also = "Также:"
languages = ["ru", "EN-gb"]
max_age = "48h"
cluster = false
include = ["/end$/", "$$5"]
`
	cfg, err := Parse("w.toml", []byte(doc), fakeEnv)
	if err != nil {
		t.Fatal(err)
	}
	s, f := cfg.Sources[0], cfg.Feeds[0]
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"base_url", cfg.Server.BaseURL, "http://localhost:9000"},
		{"admin_token", cfg.Server.AdminToken.Reveal(), "admin-token-value-7f3a"},
		{"max_header_bytes", cfg.Server.MaxHeaderBytes, 1 << 20},
		{"server timezone", cfg.Server.Timezone.String(), "Asia/Almaty"},
		{"storage path", cfg.Storage.Path, "/var/lib/wiredesk/w.db"},
		{"max_body", cfg.Poll.MaxBody, int64(1_500_000)},
		{"max_items", cfg.Poll.MaxItems, 20},
		{"max_title", cfg.Poll.MaxTitle, int64(1024)},
		{"max_summary", cfg.Poll.MaxSummary, int64(2000)},
		{"max_content", cfg.Poll.MaxContent, int64(1_000_000)},
		{"decision_elements", cfg.Publish.DecisionElements, true},
		{"threshold", cfg.Cluster.Threshold, 1.0},
		{"language", s.Language, "ru"},
		{"encoding", s.Encoding, "windows-1251"},
		{"timezone", s.Timezone.String(), "Europe/Moscow"},
		{"tags", s.Tags, []string{"russia", "wire"}},
		{"header", s.Headers["X-Api-Key"].Reveal(), "interfax-key-value-0a4c"},
		{"password", s.Password.Reveal(), "tass-password-value-91c2"},
		{"enabled", s.Enabled, false},
		{"priority", s.Priority, -3},
		{"attribution", f.Attribution, "По сообщениям {sources}"},
		{"attribution_and", f.AttributionAnd, "и"},
		{"also", f.Also, "Также:"},
		{"languages", f.Languages, []string{"ru", "en-GB"}},
		{"max_age", f.MaxAge, 48 * time.Hour},
		{"cluster", f.Cluster, false},
		{"include", f.Include, []string{"/end$/", "$5"}},
	} {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %#v; want %#v", c.name, c.got, c.want)
		}
	}
}

func TestExpand(t *testing.T) {
	tests := []struct {
		in, want string
		unset    []string // variables reported unset
	}{
		{in: "plain", want: "plain"},
		{in: "${DATA}/x.xml", want: "testdata/x.xml"},
		{in: "a${EMPTY}b", want: "ab"},
		{in: "$$", want: "$"},
		{in: "$${DATA}", want: "${DATA}"},
		{in: "cost $5", want: "cost $5"},
		{in: "/end$/", want: "/end$/"},
		{in: "$", want: "$"},
		{in: "${DATA}${DATA}", want: "testdatatestdata"},
		{in: "${NOPE}", unset: []string{"NOPE"}},
		{in: "${NOPE} ${ALSO_NOPE} ${DATA}", unset: []string{"NOPE", "ALSO_NOPE"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p := &parser{file: "w.toml", env: fakeEnv, known: map[string][]string{}, lines: indexLines("")}
			tb := &table{p: p, name: "x"}
			got, ok := tb.expand("k", tt.in)
			var unset []string
			for _, e := range p.errs {
				unset = append(unset, strings.TrimSuffix(strings.TrimPrefix(e.Msg, "environment variable "), " is not set"))
			}
			if !reflect.DeepEqual(unset, tt.unset) {
				t.Errorf("expand(%q) reported %q; want %q", tt.in, unset, tt.unset)
			}
			if ok != (tt.unset == nil) {
				t.Errorf("expand(%q) ok = %v; want %v", tt.in, ok, tt.unset == nil)
			}
			if ok && got != tt.want {
				t.Errorf("expand(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSourceURL(t *testing.T) {
	dir := filepath.FromSlash("/etc/wiredesk")
	tests := []struct{ in, want, err string }{
		{in: "https://www.interfax.ru/rss.asp", want: "https://www.interfax.ru/rss.asp"},
		{in: "http://tass.ru/rss/v2.xml?x=1", want: "http://tass.ru/rss/v2.xml?x=1"},
		{in: "file://testdata/x.xml", want: "file:///etc/wiredesk/testdata/x.xml"},
		{in: "file:testdata/x.xml", want: "file:///etc/wiredesk/testdata/x.xml"},
		{in: "testdata/x.xml", want: "file:///etc/wiredesk/testdata/x.xml"},
		{in: "./x.xml", want: "file:///etc/wiredesk/x.xml"},
		{in: "../feeds/x.xml", want: "file:///etc/feeds/x.xml"},
		{in: "x.xml", want: "file:///etc/wiredesk/x.xml"},
		{in: "file:///srv/feeds/x.xml", want: "file:///srv/feeds/x.xml"},
		{in: "file://localhost/srv/x.xml", want: "file:///srv/x.xml"},
		{in: "/srv/feeds/x.xml", want: "file:///srv/feeds/x.xml"},
		{in: "file://testdata/with%20space.xml", want: "file:///etc/wiredesk/testdata/with%20space.xml"},
		{in: "ftp://ftp.example.org/x.xml", err: `scheme "ftp" is not supported; use http, https or file`},
		{in: "www.rferl.org/api/x", err: `"www.rferl.org/api/x" has no scheme; write https://www.rferl.org/api/x`},
		{in: "https:///x", err: `"https:///x" has no host`},
		{in: "file://", err: "file URL has no path"},
		{in: " ", err: "must not be empty"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p := &parser{dir: dir}
			got, err := p.sourceURL(tt.in)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Errorf("sourceURL(%q) error = %v; want %q", tt.in, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("sourceURL(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestDefaultBaseURL(t *testing.T) {
	tests := []struct{ listen, want string }{
		{"127.0.0.1:8080", "http://127.0.0.1:8080"},
		{":8080", "http://localhost:8080"},
		{"0.0.0.0:80", "http://localhost:80"},
		{"[::]:8080", "http://localhost:8080"},
		{"[::1]:8080", "http://[::1]:8080"},
		{"wire.example.org:8080", "http://wire.example.org:8080"},
	}
	for _, tt := range tests {
		if got := defaultBaseURL(tt.listen); got != tt.want {
			t.Errorf("defaultBaseURL(%q) = %q; want %q", tt.listen, got, tt.want)
		}
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		err  bool
	}{
		{in: "10MB", want: 10_000_000},
		{in: "512KB", want: 512_000},
		{in: "64KiB", want: 65536},
		{in: "1GiB", want: 1 << 30},
		{in: "1048576B", want: 1048576},
		{in: "10 mb", want: 10_000_000},
		{in: "1.5MiB", want: 1572864},
		{in: "10", err: true},
		{in: "MB", err: true},
		{in: "10XB", err: true},
		{in: "0B", err: true},
		{in: "-1MB", err: true},
		{in: "1.2.3MB", err: true},
		{in: "99999999999999GB", err: true},
		{in: "", err: true},
	}
	for _, tt := range tests {
		got, err := parseSize(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		err  string
	}{
		{in: "5m", want: 5 * time.Minute},
		{in: " 1h30m ", want: 90 * time.Minute},
		{in: "0", want: 0},
		{in: "300", err: `"300" has no unit; write a duration string such as "300s" or "5m"`},
		{in: "30d", err: `invalid duration "30d": there is no "d" unit; write "720h" for 30 days`},
		{in: "106751d", err: `invalid duration "106751d": there is no "d" unit; write "2562024h" for 106751 days`},
		// No hint whose hours overflow (it once said "-6446744073709551616h")
		// or could not be written as a duration either.
		{in: "500000000000000000d", err: `invalid duration "500000000000000000d"; write a duration string such as "90s", "5m" or "48h" (units ms, s, m, h)`},
		{in: "106752d", err: `invalid duration "106752d"; write a duration string such as "90s", "5m" or "48h" (units ms, s, m, h)`},
		{in: "-5d", err: `invalid duration "-5d"; write a duration string such as "90s", "5m" or "48h" (units ms, s, m, h)`},
		{in: "5 min", err: `invalid duration "5 min"; write a duration string such as "90s", "5m" or "48h" (units ms, s, m, h)`},
		{in: "", err: `empty duration; write a duration string such as "5m"`},
	}
	for _, tt := range tests {
		got, err := parseDuration(tt.in)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("parseDuration(%q) error = %v; want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("parseDuration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestSuggest(t *testing.T) {
	known := []string{"interval", "timeout", "concurrency", "per_host", "max_body", "min_interval", "user_agent"}
	tests := []struct{ in, want string }{
		{"intervall", "interval"},
		{"Interval", "interval"},
		{"timout", "timeout"},
		{"per-host", "per_host"},
		{"maxbody", "max_body"},
		{"concurency", "concurrency"},
		{"user_agnet", "user_agent"},
		{"colour", ""},
		{"x", ""},
	}
	for _, tt := range tests {
		if got := suggest(tt.in, known); got != tt.want {
			t.Errorf("suggest(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"kitten", "sitting", 3},
		{"lsiten", "listen", 1},
		{"сервер", "север", 1},
	}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d; want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestLineIndex(t *testing.T) {
	doc := "\ufeff# comment [[source]]\n" + `[server]
listen = "a" # [[source]]
[[source]]
id = "a"
title = """
[[source]]
id = "fake"
"""
tags = [
  "x", # ]
  'y',
]
[[source]]
'id' = 'b'
headers = { "X-Api-Key" = "k",
  Other = "v" }
"dotted.key".sub = 1
[source.extra]
z = 1
[[feed]]
slug = "f"
`
	x := indexLines(doc)
	tests := []struct {
		path []string
		want int
	}{
		{[]string{"server"}, 2},
		{[]string{"server", "listen"}, 3},
		{[]string{"source"}, 4},
		{[]string{"source", elem(0)}, 4},
		{[]string{"source", elem(0), "id"}, 5},
		{[]string{"source", elem(0), "title"}, 6},
		{[]string{"source", elem(0), "tags"}, 10},
		{[]string{"source", elem(1)}, 14},
		{[]string{"source", elem(1), "id"}, 15},
		{[]string{"source", elem(1), "headers", "X-Api-Key"}, 16},
		{[]string{"source", elem(1), "headers", "Other"}, 17},
		{[]string{"source", elem(1), "dotted.key", "sub"}, 18},
		{[]string{"source", elem(1), "extra", "z"}, 20},
		{[]string{"source", elem(1), "missing"}, 14},
		{[]string{"source", elem(2)}, 4}, // no such element: the array
		{[]string{"feed", elem(0), "slug"}, 22},
	}
	for _, tt := range tests {
		if got := x.line(tt.path); got != tt.want {
			t.Errorf("line(%q) = %d; want %d", strings.Join(tt.path, "/"), got, tt.want)
		}
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "wiredesk.toml")
	doc := "[storage]\npath = \"data/w.db\"\n[publish]\nout_dir = \"../www\"\n[[source]]\nid = \"demo\"\nurl = \"file://testdata/demo.xml\"\n"
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	cfg, err := Load("wiredesk.toml")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.File != path || cfg.Dir != dir {
		t.Errorf("File, Dir = %q, %q; want %q, %q", cfg.File, cfg.Dir, path, dir)
	}
	if want := filepath.Join(dir, "data", "w.db"); cfg.Storage.Path != want {
		t.Errorf("Storage.Path = %q; want %q", cfg.Storage.Path, want)
	}
	if want := filepath.Join(filepath.Dir(dir), "www"); cfg.Publish.OutDir != want {
		t.Errorf("Publish.OutDir = %q; want %q", cfg.Publish.OutDir, want)
	}
	if want := "file://" + filepath.ToSlash(filepath.Join(dir, "testdata", "demo.xml")); cfg.Sources[0].URL != want {
		t.Errorf("source URL = %q; want %q", cfg.Sources[0].URL, want)
	}
}

func TestLoadMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.toml")
	_, err := Load(path)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load(missing) error = %v; want fs.ErrNotExist", err)
	}
	if !IsConfigError(err) {
		t.Errorf("IsConfigError(%v) = false; want true", err)
	}
	if want := path + ": cannot read: no such file or directory"; err.Error() != want {
		t.Errorf("Load(missing) error = %q; want %q", err, want)
	}
}

func TestIsConfigError(t *testing.T) {
	_, perr := Parse("w.toml", []byte("[poll]\ninterval = 5\n"), nil)
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"parse", perr, true},
		{"wrapped", errors.Join(errors.New("reload"), perr), true},
		{"single", &Error{File: "w.toml", Msg: "x"}, true},
		{"other", fs.ErrNotExist, false},
		{"nil", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsConfigError(tt.err); got != tt.want {
				t.Errorf("IsConfigError(%v) = %v; want %v", tt.err, got, tt.want)
			}
		})
	}
	var e *Error
	if !errors.As(perr, &e) || e.Line != 2 || e.Key != "poll.interval" {
		t.Errorf("errors.As(*Error) = %+v; want line 2, key poll.interval", e)
	}
}

func TestSyntaxError(t *testing.T) {
	doc := "[server]\nlisten = \"127.0.0.1:8080\"\nbase_url = \"http://x\n"
	_, err := Parse("w.toml", []byte(doc), nil)
	var es *Errors
	if !errors.As(err, &es) || len(*es) != 1 {
		t.Fatalf("Parse() error = %v; want one *Error", err)
	}
	e := (*es)[0]
	if e.Line != 3 || e.Column == 0 {
		t.Errorf("syntax error at %d:%d; want line 3 and a column", e.Line, e.Column)
	}
	if !strings.HasPrefix(e.Error(), "w.toml:3:") {
		t.Errorf("Error() = %q; want w.toml:3:…", e.Error())
	}
}

// TestSecretsNeverInErrors breaks every check around the secret keys and
// makes sure no secret value is printed.
func TestSecretsNeverInErrors(t *testing.T) {
	docs := []string{
		`[server]
admin_token = "hunter2` + "\n",
		`[[source]]
id = "a"
url = "https://a.example/"
password = hunter2` + "\n",
		`[[source]]
id = "a"
url = "https://a.example/"
headers = { "X-Key" = "hunter2" x }` + "\n",
		`[[source]]
id = "a"
url = "https://user:hunter2@a.example/?token=hunter2"
interval = 5
password = "${TASS_PASSWORD}"
headers = { "Bad Name" = "${INTERFAX_KEY}", "X-Key" = "hunter2\nInjected: 1", "X-N" = 5 }
[[source]]
id = "a"
url = "ftp://user:hunter2@a.example/"
[server]
admin_token = "${WIREDESK_ADMIN_TOKEN}\n"
base_url = "ftp://u:hunter2@x/"
`,
	}
	for i, doc := range docs {
		_, err := Parse("w.toml", []byte(doc), fakeEnv)
		if err == nil {
			t.Fatalf("doc %d: no error", i)
		}
		for _, s := range secretValues {
			if strings.Contains(err.Error(), s) {
				t.Errorf("doc %d: error reveals %q:\n%v", i, s, err)
			}
		}
	}
}

// exampleFile is the documented example at the repository root.
const exampleFile = "../config.example.toml"

// deprecatedKeys load with a warning and do nothing.
var deprecatedKeys = map[string]bool{"publish.archive_size": true}

// Keys kept only so that old files load, and values whose meaning changed,
// load with a warning that names file, line and key; errors still win.
func TestWarnings(t *testing.T) {
	doc := "[publish]\narchive_size = 50\n[log]\nformat = \"auto\"\n[[source]]\nid = \"a\"\nurl = \"https://a.example/rss\"\n"
	cfg, err := Parse("w.toml", []byte(doc), fakeEnv)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"w.toml:2: publish.archive_size: no longer used and ignored: each archive page now holds archive_period of entries and keeps its number; delete this key",
		`w.toml:4: log.format: "auto" now means "text" (text logs everywhere, JSON off a terminal no more); write "text", or "json" for JSON`,
	}
	var got []string
	for _, w := range cfg.Warnings {
		got = append(got, w.Error())
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Warnings =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if cfg.Log.Format != "auto" {
		t.Errorf("format = %q; want auto kept (it means text)", cfg.Log.Format)
	}
	clean, err := Parse("w.toml", []byte("[[source]]\nid = \"a\"\nurl = \"https://a.example/rss\"\n"), fakeEnv)
	if err != nil {
		t.Fatal(err)
	}
	if len(clean.Warnings) != 0 {
		t.Errorf("a plain config has warnings: %v", clean.Warnings)
	}
}

func TestExampleFile(t *testing.T) {
	data, err := os.ReadFile(exampleFile)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Parse(exampleFile, data, fakeEnv)
	if err != nil {
		t.Fatalf("config.example.toml is invalid:\n%v", err)
	}
	if len(cfg.Sources) < 4 || len(cfg.Feeds) < 2 {
		t.Errorf("example has %d sources and %d feeds; want a realistic desk", len(cfg.Sources), len(cfg.Feeds))
	}

	if len(cfg.Warnings) > 0 {
		t.Errorf("config.example.toml loads with warnings:\n%v", cfg.Warnings)
	}

	p, lines := knownKeys(t), indexLines(string(data))
	docLines := strings.Split(string(data), "\n")
	for _, schema := range tableOrder[1:] {
		for _, key := range p[schema] {
			if deprecatedKeys[schema+"."+key] {
				continue // documented in a comment, not set: it would warn
			}
			line := 0
			switch schema {
			case "source", "feed", "alert", "channel":
				// The first element that sets the key documents it.
				for i := 0; line == 0 && i < len(cfg.Sources)+len(cfg.Feeds)+len(cfg.Alerts)+len(cfg.Channels); i++ {
					line = lines.lines[joinPath([]string{schema, elem(i), key})]
				}
			default:
				line = lines.lines[joinPath([]string{schema, key})]
			}
			if line == 0 {
				t.Errorf("config.example.toml does not set %s %s", headers([]string{schema}), key)
				continue
			}
			if !commented(docLines, line) {
				t.Errorf("config.example.toml:%d: %s %s has no comment", line, headers([]string{schema}), key)
			}
		}
	}
}

// knownKeys returns the keys the decoder asks for, per table, by parsing a
// document with one of each array table.
func knownKeys(t *testing.T) map[string][]string {
	t.Helper()
	known := schemaKeys()
	for _, schema := range tableOrder {
		if len(known[schema]) == 0 {
			t.Fatalf("no known keys for table %q", schema)
		}
	}
	return known
}

// commented reports whether the key on line (1-based) has a comment on its
// line or heads a block of keys under a comment.
func commented(lines []string, line int) bool {
	if strings.Contains(lines[line-1], "#") {
		return true
	}
	for i := line - 2; i >= 0; i-- {
		l := strings.TrimSpace(lines[i])
		switch {
		case strings.HasPrefix(l, "#"):
			return true
		case l == "" || strings.HasPrefix(l, "["):
			return false
		}
	}
	return false
}

func TestInlineArrayOfTables(t *testing.T) {
	doc := "source = [{ id = \"a\", url = \"https://a.example/rss\" }, { id = \"b\", url = \"b.xml\" }]\n"
	cfg, err := Parse("w.toml", []byte(doc), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(cfg.Sources); got != 2 {
		t.Fatalf("got %d sources; want 2", got)
	}
	_, err = Parse("w.toml", []byte("source = [{ id = \"a\" }, 5]\n"), nil)
	if err == nil || !strings.Contains(err.Error(), "w.toml:1: source: must be an array of tables") {
		t.Errorf("Parse(mixed array) error = %v; want an array-of-tables error on line 1", err)
	}
}

func BenchmarkParseExample(b *testing.B) {
	data, err := os.ReadFile(exampleFile)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(exampleFile, data, fakeEnv); err != nil {
			b.Fatal(err)
		}
	}
}
