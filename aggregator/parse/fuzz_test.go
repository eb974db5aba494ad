package parse

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// fuzzSeeds returns the golden inputs and the charset and broken corpus
// files, the seeds of both fuzz targets.
func fuzzSeeds(f *testing.F) [][]byte {
	f.Helper()
	var seeds [][]byte
	for _, pat := range []string{"testdata/*.xml", "testdata/*.json", "testdata/corpus/encodings/*/*", "testdata/corpus/broken/*"} {
		files, err := filepath.Glob(pat)
		if err != nil {
			f.Fatal(err)
		}
		for _, name := range files {
			if strings.HasSuffix(name, ".golden.json") {
				continue
			}
			b, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			seeds = append(seeds, b)
		}
	}
	return seeds
}

// FuzzDecode checks that Decode never panics, always returns valid UTF-8
// without a BOM, and leaves no prolog that names another encoding.
func FuzzDecode(f *testing.F) {
	cts := []string{"", "text/xml; charset=windows-1251", "application/json", "text/xml; charset=utf-16", "text/xml; charset=bogus"}
	for i, s := range fuzzSeeds(f) {
		f.Add(s, cts[i%len(cts)], "", "")
	}
	f.Add([]byte("<?xml version='1.0' encoding='koi8-r'?><rss/>"), "", "", "koi8-r")
	f.Add([]byte("\xff\xfe<\x00"), "", "windows-1251", "")
	f.Fuzz(func(t *testing.T, body []byte, ct, override, fallback string) {
		out, d, err := Decode(body, ct, override, fallback)
		if err != nil {
			return // unknown forced or fallback charset
		}
		if !utf8.Valid(out) {
			t.Fatalf("Decode (%v) returned invalid UTF-8: %q", d, out)
		}
		if bytes.HasPrefix(out, []byte{0xEF, 0xBB, 0xBF}) {
			t.Fatalf("Decode (%v) kept a BOM", d)
		}
		if enc := prologEncoding(out); enc != "" && !strings.EqualFold(enc, "utf-8") {
			t.Fatalf("Decode (%v) left prolog encoding %q", d, enc)
		}
		if d.Charset == "" || d.Reason == "" {
			t.Fatalf("Decode returned an empty decision %+v", d)
		}
	})
}

// FuzzParse checks that Parse never panics and that every item it returns
// has the identity fields set and valid UTF-8 text.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		res, err := Parse(body, "", Options{SourceID: "fuzz", FeedURL: "https://fuzz.example/feed", Now: fixedNow})
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, it := range res.Items {
			if it.Key == "" || it.ID == "" || it.Hash == "" || it.SourceID != "fuzz" {
				t.Fatalf("item lacks identity: %+v", it)
			}
			if seen[it.Key] {
				t.Fatalf("two items with key %q", it.Key)
			}
			seen[it.Key] = true
			for _, s := range []string{it.Title, it.Summary, it.Content, it.Link} {
				if !utf8.ValidString(s) {
					t.Fatalf("invalid UTF-8 in item: %q", s)
				}
			}
			if it.Published.IsZero() || it.Published.After(fixedNow.Add(futureSlack)) {
				t.Fatalf("Published = %v with Now %v", it.Published, fixedNow)
			}
		}
	})
}
