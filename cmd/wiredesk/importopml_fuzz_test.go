package main

import (
	"bytes"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/BurntSushi/toml"
	"golang.org/x/net/html/charset"
)

// sourceIDRE is what config accepts as a source id (config's slugRE).
var sourceIDRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// feedOutlines counts the outlines with an xmlUrl in an OPML document,
// as importOPML walks them.
func feedOutlines(t *testing.T, data []byte) []string {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.CharsetReader = charset.NewReaderLabel
	var doc opmlDoc
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("importOPML accepted a document xml rejects: %v", err)
	}
	var urls []string
	var walk func([]opmlOutline)
	walk = func(os []opmlOutline) {
		for _, o := range os {
			if o.XMLURL != "" {
				urls = append(urls, o.XMLURL)
			}
			walk(o.Outlines)
		}
	}
	walk(doc.Body)
	return urls
}

// FuzzImportOPML feeds arbitrary OPML to import-opml, whose output is
// meant to be appended to wiredesk.toml: whatever it accepts must print
// TOML that decodes, with one [[source]] per feed outline, in order, each
// with the outline's URL unchanged and an id config accepts, no two ids
// alike. A warning comment must stay a comment.
func FuzzImportOPML(f *testing.F) {
	seed, err := os.ReadFile(filepath.Join("testdata", "subscriptions.opml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte(`<opml version="2.0"><body><outline text="Feed" xmlUrl="file:///etc/passwd"/></body></opml>`))
	f.Add([]byte(`<opml version="2.0"><body><outline text="ТАСС" xmlUrl="http://[::1]/"/><outline text="ТАСС" xmlUrl="http://10.1.2.3/"/></body></opml>`))
	f.Add([]byte(`<?xml version="1.0" encoding="windows-1251"?><opml><body><outline text="` + "\xd2\xc0\xd1\xd1" + `" xmlUrl="https://tass.ru/rss/v2.xml" language="ru"/></body></opml>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var out bytes.Buffer
		if err := importOPML(&out, io.Discard, bytes.NewReader(data), "fuzz.opml"); err != nil {
			return
		}
		urls := feedOutlines(t, data)
		var doc struct {
			Source []struct {
				ID   string `toml:"id"`
				Name string `toml:"name"`
				URL  string `toml:"url"`
			} `toml:"source"`
		}
		if _, err := toml.Decode(out.String(), &doc); err != nil {
			t.Fatalf("output is not TOML: %v\n%s", err, out.String())
		}
		if len(doc.Source) != len(urls) {
			t.Fatalf("%d sources for %d feed outlines:\n%s", len(doc.Source), len(urls), out.String())
		}
		ids := map[string]bool{}
		for i, s := range doc.Source {
			if s.URL != urls[i] {
				t.Errorf("source %d: url %q; the outline says %q", i, s.URL, urls[i])
			}
			if !sourceIDRE.MatchString(s.ID) {
				t.Errorf("source %d: id %q is not a valid config id", i, s.ID)
			}
			if ids[s.ID] {
				t.Errorf("source %d: id %q printed twice:\n%s", i, s.ID, out.String())
			}
			ids[s.ID] = true
		}
	})
}
