package parse

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wiredesk/wiredesk/aggregator/normalize"
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
			urls := []string{it.Link, it.Image}
			for _, e := range it.Enclosures {
				urls = append(urls, e.URL)
			}
			if it.Origin != nil {
				urls = append(urls, it.Origin.URL)
			}
			for _, u := range urls {
				if browserScript(u) {
					t.Fatalf("item keeps the script URL %q", u)
				}
			}
			// Content is sanitised HTML whichever way it was made (the
			// sanitiser, or textToHTML without it): sanitising it again,
			// with links already absolute, changes nothing.
			if again := normalize.SanitizeHTML(it.Content, nil); again != it.Content {
				t.Fatalf("Content %q is not its own sanitised form %q", it.Content, again)
			}
		}
	})
}

// browserScript reports whether a browser reads u as a javascript:,
// vbscript: or data: URL: it skips C0 controls and spaces at the start
// and ASCII tab, LF and CR anywhere (WHATWG URL, "basic URL parser").
func browserScript(u string) bool {
	var b []byte
	for i := 0; i < len(u) && len(b) < len("javascript:"); i++ {
		c := u[i]
		switch {
		case len(b) == 0 && c <= ' ', c == '\t', c == '\n', c == '\r':
			continue
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	for _, p := range []string{"javascript:", "vbscript:", "data:"} {
		if strings.HasPrefix(string(b), p) {
			return true
		}
	}
	return false
}

// FuzzDetect checks the promises detection must keep whatever the text:
// valid UTF-8 is never moved off UTF-8 by any label; a UTF-8 body with one
// stray byte among enough multi-byte characters stays UTF-8 with the text
// intact; and every tally counts no more plausible letters than letters.
func FuzzDetect(f *testing.F) {
	for _, s := range []string{ruTitle1 + " " + ruDesc1, mixedDesc, deDesc, frDesc, ruDesc3} {
		f.Add(s, uint(7), byte(0xD0), "utf-8")
		f.Add(s, uint(30), byte(0xE9), "windows-1251")
		f.Add(s, uint(3), byte(0x92), "koi8-r")
	}
	f.Fuzz(func(t *testing.T, text string, pos uint, stray byte, label string) {
		if !utf8.ValidString(text) {
			return
		}
		label = strings.Map(func(r rune) rune {
			if r < 0x20 || r > 0x7e || r == ';' || r == '"' {
				return -1
			}
			return r
		}, label)
		doc := wireDoc(`<?xml version="1.0" encoding="`+label+`"?>`, [2]string{"t", text})
		ct := "text/xml; charset=" + label
		if !isASCII([]byte(doc)) {
			_, d, err := Decode([]byte(doc), ct, "", "")
			if err != nil || d.Charset != "utf-8" {
				t.Fatalf("valid UTF-8 decoded as %v (err %v)", d, err)
			}
		}

		// One stray byte at a rune boundary.
		i := int(pos % uint(len(doc)+1))
		for i > 0 && !utf8.RuneStart(doc[i%len(doc)]) {
			i--
		}
		damaged := doc[:i] + string([]byte{stray | 0x80}) + doc[i:]
		if good, bad := utf8Sequences([]byte(damaged)); bad == 1 && good >= damagedUTF8Ratio {
			out, d, err := Decode([]byte(damaged), ct, "", "")
			if err != nil || d.Charset != "utf-8" {
				t.Fatalf("UTF-8 with one stray byte among %d characters decoded as %v (err %v)", good, d, err)
			}
			// The prolog is rewritten to say utf-8; the document after it
			// must come through unchanged.
			if rest := doc[max(i, strings.Index(doc, "<rss")):]; !bytes.Contains(out, []byte(rest)) {
				t.Fatalf("text after the stray byte was lost")
			}
		}

		bigrams := newBigramSet()
		for _, tl := range detect([]byte(damaged), bigrams).tallies {
			if tl.good < 0 || tl.good > tl.letters || tl.odd < 0 {
				t.Fatalf("inconsistent tally %+v", tl)
			}
		}
	})
}
