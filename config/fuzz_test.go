package config

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary documents to Parse: it must never panic, must
// report problems only as sorted *Errors, must return a Config whose paths
// are absolute and whose values respect the minimums, and must never print
// a secret that came from the environment.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.toml"))
	files = append(files, exampleFile)
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		if i := bytes.Index(data, []byte("\n"+separator)); i >= 0 {
			data = data[:i+1]
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse("fuzz.toml", data, fakeEnv)
		if err != nil {
			if cfg != nil {
				t.Fatalf("Parse returned both a Config and %v", err)
			}
			var es *Errors
			if !errors.As(err, &es) || len(*es) == 0 {
				t.Fatalf("Parse error %T %v; want non-empty *Errors", err, err)
			}
			if !slices.IsSortedFunc(*es, func(a, b *Error) int { return a.Line - b.Line }) {
				t.Fatalf("errors not sorted by line:\n%v", err)
			}
			msg := err.Error()
			for _, s := range secretValues {
				if !bytes.Contains(data, []byte(s)) && strings.Contains(msg, s) {
					t.Fatalf("error reveals the secret %q:\n%s", s, msg)
				}
			}
			return
		}
		if !filepath.IsAbs(cfg.Storage.Path) || !filepath.IsAbs(cfg.Publish.OutDir) {
			t.Fatalf("relative paths in %+v", cfg)
		}
		if cfg.Cluster.Threshold <= 0 || cfg.Cluster.Threshold > 1 {
			t.Fatalf("threshold %v out of range", cfg.Cluster.Threshold)
		}
		for _, s := range cfg.Sources {
			if checkSlug(s.ID) != nil || s.Interval < minSourceInterval || s.Timezone == nil {
				t.Fatalf("invalid source accepted: %+v", s)
			}
			if !strings.HasPrefix(s.URL, "http://") && !strings.HasPrefix(s.URL, "https://") && !strings.HasPrefix(s.URL, "file:///") {
				t.Fatalf("source %s: URL %q", s.ID, s.URL)
			}
		}
		for _, fd := range cfg.Feeds {
			if checkSlug(fd.Slug) != nil || fd.Limit < 1 || fd.Limit > maxFeedLimit || !strings.Contains(fd.Attribution, "{sources}") {
				t.Fatalf("invalid feed accepted: %+v", fd)
			}
		}
	})
}

// tableSeeds returns the bodies of the [[source]] and [[feed]] tables of
// the test files and the example: what the desk's editor starts from.
func tableSeeds(f *testing.F) []string {
	f.Helper()
	files, _ := filepath.Glob(filepath.Join("testdata", "*.toml"))
	files = append(files, exampleFile)
	var seeds []string
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		for _, part := range tableHeader.Split(string(data), -1)[1:] {
			if i := strings.Index(part, "\n["); i >= 0 {
				part = part[:i+1]
			}
			seeds = append(seeds, part)
		}
	}
	return seeds
}

var tableHeader = regexp.MustCompile(`(?m)^\[\[(?:source|feed)\]\]\n`)

// FuzzDecodeTable feeds arbitrary text to DecodeTable, the parser of a
// table an admin edits in the desk's browser form. It must never panic,
// must report a syntax error as *Errors, and a table it accepts must come
// back the same both through EncodeTable (the edit page shows that text,
// and saving it unchanged must change nothing) and through the overlay
// file the desk writes and every command reads.
func FuzzDecodeTable(f *testing.F) {
	for _, s := range tableSeeds(f) {
		f.Add(s)
	}
	f.Add("id = \"\"\nname = \"\"\nurl = \"https://\"\nlanguage = \"\"\ntags = []\n")
	f.Add("id = \"tass\"\nurl = \"https://u:${PW}@tass.example/rss?token=abc\"\n[headers]\nAuthorization = \"Bearer x\"\n")
	f.Add("a = nan\nb = [[], [{}]]\nc = 1979-05-27\nd = 07:32:00\n\"k.y\" = {x = -0.0}\n[[e]]\n")
	f.Fuzz(func(t *testing.T, text string) {
		m, err := DecodeTable("table", text)
		if err != nil {
			var es *Errors
			if m != nil || !errors.As(err, &es) || len(*es) == 0 {
				t.Fatalf("DecodeTable = %v, %T %v; want nil and non-empty *Errors", m, err, err)
			}
			return
		}
		if m == nil {
			t.Fatal("DecodeTable returned a nil table and no error")
		}
		CheckSecretRefs(m)

		enc, err := EncodeTable(m)
		if err != nil {
			t.Fatalf("EncodeTable of a decoded table: %v", err)
		}
		again, err := DecodeTable("table", enc)
		if err != nil {
			t.Fatalf("EncodeTable wrote text DecodeTable refuses: %v\n%s", err, enc)
		}
		if !sameTOML(again, m) {
			t.Fatalf("table changed through EncodeTable:\n%#v\nbecame\n%#v\nvia\n%s", m, again, enc)
		}

		out, err := (&Overlay{Revision: 1, Sources: []map[string]any{m}, Feeds: []map[string]any{m}}).Encode()
		if err != nil {
			t.Fatalf("Overlay.Encode: %v", err)
		}
		ov, err := decodeOverlay("wiredesk.desk.toml", out)
		if err != nil {
			t.Fatalf("the overlay written does not read back: %v\n%s", err, out)
		}
		if len(ov.Sources) != 1 || len(ov.Feeds) != 1 || !sameTOML(ov.Sources[0], m) || !sameTOML(ov.Feeds[0], m) {
			t.Fatalf("table changed through the overlay:\n%#v\nbecame\n%#v, %#v\nvia\n%s", m, ov.Sources, ov.Feeds, out)
		}
	})
}

// sameTOML reports whether two decoded TOML values are the same value:
// an array of tables may decode as []map[string]any or []any, and NaN
// is the same NaN.
func sameTOML(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !sameTOML(v, w) {
				return false
			}
		}
		return true
	case []map[string]any, []any:
		xs, ys := anyList(a), anyList(b)
		if xs == nil || ys == nil || len(xs) != len(ys) {
			return false
		}
		for i := range xs {
			if !sameTOML(xs[i], ys[i]) {
				return false
			}
		}
		return true
	case float64:
		y, ok := b.(float64)
		return ok && (x == y && math.Signbit(x) == math.Signbit(y) || math.IsNaN(x) && math.IsNaN(y))
	}
	return reflect.DeepEqual(a, b)
}

func anyList(v any) []any {
	switch v := v.(type) {
	case []any:
		if v == nil {
			return []any{}
		}
		return v
	case []map[string]any:
		out := make([]any, len(v))
		for i, m := range v {
			out[i] = m
		}
		return out
	}
	return nil
}
