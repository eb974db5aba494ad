package config

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
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
