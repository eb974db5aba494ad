package render

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/golden")

// goldenCase is one golden file and how to produce it.
type goldenCase struct {
	name   string // file name under testdata/golden
	render func(io.Writer) error
}

func goldenCases() []goldenCase {
	var cases []goldenCase
	for _, format := range Formats() {
		cases = append(cases, goldenCase{"central-asia." + string(format), func(w io.Writer) error { return Write(w, format, sampleFeed()) }})
	}
	for _, format := range []Format{RSS, Atom} {
		// [publish] decision_elements: wd:decision besides the categories.
		cases = append(cases, goldenCase{"decision-elements." + string(format), func(w io.Writer) error {
			f := sampleFeed()
			f.DecisionElements = true
			return Write(w, format, f)
		}})
	}
	cases = append(cases,
		goldenCase{"archive-3.atom", func(w io.Writer) error { return encodeAtom(w, archiveFeed()) }},
		goldenCase{"empty.rss", func(w io.Writer) error { return encodeRSS(w, Feed{Title: "Empty", HomeURL: "http://localhost:8080/"}) }},
		goldenCase{"empty.atom", func(w io.Writer) error {
			return encodeAtom(w, Feed{ID: "tag:localhost,2026:feeds/empty", Title: "Empty"})
		}},
		goldenCase{"empty.json", func(w io.Writer) error { return encodeJSON(w, Feed{Title: "Empty"}) }},
		goldenCase{"feeds.opml", func(w io.Writer) error { return OPML(w, "wiredesk feeds", sampleOPML(), fixtureUpdated) }},
	)
	return cases
}

func TestGolden(t *testing.T) {
	for _, tt := range goldenCases() {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := tt.render(&buf); err != nil {
				t.Fatalf("render: %v", err)
			}
			got := buf.Bytes()
			checkWellFormed(t, tt.name, got)
			path := filepath.Join("testdata", "golden", tt.name)
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatalf("update golden: %v", err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("read golden (run go test -update): %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from golden file %s (run go test -update and review the diff)\ngot:\n%s", tt.name, path, got)
			}
			// Determinism: a second rendering gives the same bytes.
			var again bytes.Buffer
			if err := tt.render(&again); err != nil {
				t.Fatalf("render again: %v", err)
			}
			if !bytes.Equal(again.Bytes(), got) {
				t.Errorf("second rendering differs from the first")
			}
		})
	}
}

// checkWellFormed fails unless an XML document parses to its end with a
// strict decoder and declares every prefix it uses, or a JSON document is
// valid JSON.
func checkWellFormed(t *testing.T, name string, doc []byte) {
	t.Helper()
	if strings.HasSuffix(name, ".json") {
		if !json.Valid(doc) {
			t.Errorf("%s is not valid JSON", name)
		}
		return
	}
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = true
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Errorf("%s is not well-formed XML: %v", name, err)
			return
		}
		if se, ok := tok.(xml.StartElement); ok {
			// The decoder maps a declared prefix to its namespace URL and
			// leaves an undeclared one as the prefix itself.
			for _, n := range append([]xml.Name{se.Name}, attrNames(se.Attr)...) {
				if n.Space != "" && !strings.Contains(n.Space, "/") && n.Space != "xmlns" {
					t.Errorf("%s: element or attribute %s:%s uses an undeclared prefix", name, n.Space, n.Local)
				}
			}
		}
	}
}

func attrNames(attrs []xml.Attr) []xml.Name {
	names := make([]xml.Name, len(attrs))
	for i, a := range attrs {
		names[i] = a.Name
	}
	return names
}

func TestWriteUnknownFormat(t *testing.T) {
	err := Write(io.Discard, Format("yaml"), sampleFeed())
	if err == nil || !strings.Contains(err.Error(), `"yaml"`) {
		t.Errorf("Write(yaml) error = %v; want an error naming the format", err)
	}
}

func TestContentType(t *testing.T) {
	tests := []struct {
		format Format
		want   string
	}{
		{RSS, "application/rss+xml; charset=utf-8"},
		{Atom, "application/atom+xml; charset=utf-8"},
		{JSON, "application/feed+json; charset=utf-8"},
		{Format("opml"), ""},
	}
	for _, tt := range tests {
		t.Run(string(tt.format), func(t *testing.T) {
			if got := ContentType(tt.format); got != tt.want {
				t.Errorf("ContentType(%q) = %q; want %q", tt.format, got, tt.want)
			}
		})
	}
}

// errWriter fails every write, to check that encoders report write errors.
type errWriter struct{}

func (errWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteError(t *testing.T) {
	for _, format := range Formats() {
		t.Run(string(format), func(t *testing.T) {
			err := Write(errWriter{}, format, sampleFeed())
			if err == nil || !strings.Contains(err.Error(), "disk full") {
				t.Errorf("Write to a failing writer = %v; want the write error", err)
			}
		})
	}
	if err := OPML(errWriter{}, "x", sampleOPML(), time.Time{}); err == nil {
		t.Errorf("OPML to a failing writer = nil; want the write error")
	}
}

// TestTimesInUTC checks that a zone other than UTC never reaches the output.
func TestTimesInUTC(t *testing.T) {
	for _, format := range Formats() {
		var buf bytes.Buffer
		if err := Write(&buf, format, sampleFeed()); err != nil {
			t.Fatalf("Write(%s): %v", format, err)
		}
		for _, bad := range []string{"+0300", "+03:00", "MSK"} {
			if strings.Contains(buf.String(), bad) {
				t.Errorf("%s output contains %q; want every date in UTC", format, bad)
			}
		}
	}
}

func BenchmarkRender(b *testing.B) {
	f := bigFeed(50)
	for _, format := range Formats() {
		b.Run(string(format), func(b *testing.B) {
			var buf bytes.Buffer
			b.ReportAllocs()
			for b.Loop() {
				buf.Reset()
				if err := Write(&buf, format, f); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(buf.Len()))
		})
	}
}

// FuzzEncode checks that arbitrary text in titles, content and names always
// gives well-formed XML and valid JSON, and that the title survives a
// decode with invalid XML characters replaced by U+FFFD.
func FuzzEncode(f *testing.F) {
	for _, e := range sampleFeed().Entries {
		f.Add(e.Title, e.ContentHTML, e.Sources[0].Name)
	}
	f.Add("a\x00b\x1f\r\n\t]]>", "\xff\xfe<![CDATA[x]]>", "&amp;")
	f.Fuzz(func(t *testing.T, title, content, name string) {
		feed := sampleFeed()
		feed.Title = title
		e := &feed.Entries[0]
		e.Title, e.ContentHTML, e.SummaryHTML, e.Text = title, content, content, content
		e.Sources[0].Name = name
		e.Categories = []string{title}
		for _, format := range Formats() {
			var buf bytes.Buffer
			if err := Write(&buf, format, feed); err != nil {
				t.Fatalf("Write(%s): %v", format, err)
			}
			checkWellFormed(t, "fuzz."+string(format), buf.Bytes())
			if format == JSON {
				// encoding/json replaces each invalid UTF-8 byte by U+FFFD
				// and keeps every other character.
				var doc struct {
					Items []struct {
						Title    string `json:"title"`
						Wiredesk struct {
							Sources []struct{ Name string } `json:"sources"`
						} `json:"_wiredesk"`
					} `json:"items"`
				}
				if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
					t.Fatalf("decode json: %v", err)
				}
				it := doc.Items[0]
				if got, want := it.Title, jsonSafe(title); got != want {
					t.Errorf("json title decodes to %q; want %q", got, want)
				}
				if got, want := it.Wiredesk.Sources[0].Name, jsonSafe(name); got != want {
					t.Errorf("json source name decodes to %q; want %q", got, want)
				}
			}
			if format != RSS {
				continue
			}
			var doc rssDoc
			if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
				t.Fatalf("decode rss: %v", err)
			}
			if got, want := doc.Channel.Items[0].Title, xmlSafe(title); got != want {
				t.Errorf("rss title decodes to %q; want %q", got, want)
			}
		}
	})
}

// jsonSafe is what encoding/json makes of s: each invalid UTF-8 byte
// becomes U+FFFD.
func jsonSafe(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		b.WriteRune(r) // RuneError for an invalid byte
		i += size
	}
	return b.String()
}

// xmlSafe is what encoding/xml makes of s: invalid UTF-8 bytes and runes
// outside the XML 1.0 character range become U+FFFD.
func xmlSafe(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || !xmlChar(r) {
			r = utf8.RuneError
		}
		b.WriteRune(r)
		i += size
	}
	return b.String()
}

// xmlChar reports whether r is in the XML 1.0 Char production.
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

// TestDecisionCategories checks that RSS and Atom carry one decision
// category per distinct kind, in order of first decision, naming no
// editor, and that wd:decision and its namespace appear only when the feed
// asks for them.
func TestDecisionCategories(t *testing.T) {
	at := fixtureUpdated
	merge := Decision{Kind: "merge", From: "tag:x,2026:story/b", To: "tag:x,2026:story/a", At: at, By: "anna"}
	merge2 := Decision{Kind: "merge", From: "tag:x,2026:story/c", To: "tag:x,2026:story/a", At: at, By: "boris"}
	split := Decision{Kind: "split", From: "tag:x,2026:story/a", To: "tag:x,2026:story/d", At: at, By: "anna"}
	const scheme = "https://github.com/wiredesk/wiredesk/ns/1.0/decision"
	tests := []struct {
		name      string
		decisions []Decision
		elements  bool
		wantRSS   []string // category lines, in order
		wantAtom  []string
	}{
		{"none", nil, false, nil, nil},
		{"two merges give one category", []Decision{merge, merge2}, false,
			[]string{`<category domain="` + scheme + `">merge</category>`},
			[]string{`<category term="merge" scheme="` + scheme + `" label="Merged by an editor"></category>`}},
		{"split then merge", []Decision{split, merge, merge2}, false,
			[]string{`<category domain="` + scheme + `">split</category>`, `<category domain="` + scheme + `">merge</category>`},
			[]string{`<category term="split" scheme="` + scheme + `" label="Split by an editor"></category>`,
				`<category term="merge" scheme="` + scheme + `" label="Merged by an editor"></category>`}},
		{"with decision elements", []Decision{merge, merge2}, true,
			[]string{`<category domain="` + scheme + `">merge</category>`},
			[]string{`<category term="merge" scheme="` + scheme + `" label="Merged by an editor"></category>`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := Feed{ID: "tag:x,2026:feeds/f", Title: "F", HomeURL: "http://x/", DecisionElements: tt.elements, Updated: at,
				Entries: []Entry{{ID: "tag:x,2026:feeds/f/story/a", Title: "A", Link: "http://x/a", Published: at, SummaryHTML: "<p>a</p>", Decisions: tt.decisions}}}
			for _, c := range []struct {
				format Format
				want   []string
			}{{RSS, tt.wantRSS}, {Atom, tt.wantAtom}} {
				doc := string(render(t, c.format, f))
				var got []string
				for _, line := range strings.Split(doc, "\n") {
					if line = strings.TrimSpace(line); strings.HasPrefix(line, "<category") {
						got = append(got, line)
					}
				}
				if !slices.Equal(got, c.want) {
					t.Errorf("%s categories:\n%s\nwant:\n%s", c.format, strings.Join(got, "\n"), strings.Join(c.want, "\n"))
				}
				for _, d := range tt.decisions {
					if got := strings.Contains(doc, `by="`+d.By+`"`); got != tt.elements {
						t.Errorf("%s publishes editor %q: %v; want %v (only with decision elements)", c.format, d.By, got, tt.elements)
					}
				}
				wantNS := tt.elements && len(tt.decisions) > 0
				if got := strings.Contains(doc, `xmlns:wd="`+NSWiredesk+`"`); got != wantNS {
					t.Errorf("%s declares the wd namespace: %v; want %v", c.format, got, wantNS)
				}
				if got, want := strings.Count(doc, "<wd:decision "), len(tt.decisions); tt.elements && got != want {
					t.Errorf("%s has %d wd:decision elements; want %d", c.format, got, want)
				} else if !tt.elements && got != 0 {
					t.Errorf("%s has %d wd:decision elements; want none by default", c.format, got)
				}
			}
		})
	}
}
