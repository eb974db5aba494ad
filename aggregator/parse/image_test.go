package parse

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mmcdole/gofeed"
)

// imageCases are RSS items whose picture only the HTML scan finds, or
// whose HTML only looks as if it held one: the tree the HTML parser builds
// decides, not the order of the tags in the text.
var imageCases = map[string]string{
	"content img":           `<content:encoded><![CDATA[<p>x</p><img src="/a.jpg">]]></content:encoded>`,
	"description img":       `<description>&lt;p&gt;y&lt;img src="/b.jpg"&gt;</description>`,
	"content before desc":   `<description>&lt;img src="/d.jpg"&gt;</description><content:encoded><![CDATA[<img src="/c.jpg">]]></content:encoded>`,
	"empty src ends scan":   `<description>&lt;img src="/d.jpg"&gt;</description><content:encoded><![CDATA[<img src="">]]></content:encoded>`,
	"img without src":       `<description>&lt;img src="/d.jpg"&gt;</description><content:encoded><![CDATA[<img alt="x">]]></content:encoded>`,
	"upper case":            `<content:encoded><![CDATA[<IMG SRC="/u.jpg">]]></content:encoded>`,
	"image tag renamed":     `<content:encoded><![CDATA[<image src="/i.jpg">]]></content:encoded>`,
	"fostered out of table": `<content:encoded><![CDATA[<table><tr><td><img src="/cell.jpg"></td></tr><img src="/fostered.jpg"></table>]]></content:encoded>`,
	"inside noscript":       `<content:encoded><![CDATA[<noscript><img src="/n.jpg"></noscript><p>x</p>]]></content:encoded>`,
	"inside svg":            `<content:encoded><![CDATA[<svg><image href="/s.svg"/><img src="/out.jpg"></svg>]]></content:encoded>`,
	"in a comment":          `<content:encoded><![CDATA[<!-- <img src="/c.jpg"> --><p>x</p>]]></content:encoded>`,
	"text only":             `<description>plain &amp; simple</description>`,
	"lt then im":            `<description>a &lt;immediate b</description>`,
	"enclosure wins":        `<enclosure url="/e.jpg" type="image/jpeg" length="1"/><description>&lt;img src="/d.jpg"&gt;</description>`,
	"media wins":            `<media:content url="/m.jpg" medium="image"/><description>&lt;img src="/d.jpg"&gt;</description>`,
	"duplicate src":         `<content:encoded><![CDATA[<img src="/1.jpg" src="/2.jpg">]]></content:encoded>`,
	"img at the very end":   `<content:encoded><![CDATA[x <im]]></content:encoded>`,
	"channel picture only":  ``,
}

func imageCaseFeed(item string) []byte {
	return []byte(`<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:media="http://search.yahoo.com/mrss/">` +
		`<channel><title>t</title><description>&lt;img src="/channel.jpg"&gt;</description>` +
		`<item><title>i</title>` + item + `</item></channel></rss>`)
}

// TestRSSTranslatorAgrees checks that Parse's RSS translator gives the
// universal Feed gofeed's default translator gives, pictures included, on
// the crafted cases above and on every RSS or RDF document in the
// repository's test data.
func TestRSSTranslatorAgrees(t *testing.T) {
	docs := map[string][]byte{}
	for name, item := range imageCases {
		docs[name] = imageCaseFeed(item)
	}
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.Contains(filepath.ToSlash(path), "/testdata/") {
			return nil
		}
		switch filepath.Ext(path) {
		case ".xml", ".rss", ".rdf":
		default:
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if gofeed.DetectFeedType(bytes.NewReader(b)) == gofeed.FeedTypeRSS {
			docs[path] = b
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) < len(imageCases)+50 {
		t.Fatalf("found %d documents; the test data moved?", len(docs))
	}
	withImage := 0
	for name, b := range docs {
		want, werr := gofeed.NewParser().Parse(bytes.NewReader(b))
		p := gofeed.NewParser()
		p.RSSTranslator = rssTranslator{}
		got, gerr := p.Parse(bytes.NewReader(b))
		if (werr == nil) != (gerr == nil) {
			t.Errorf("%s: error %v; gofeed's translator: %v", name, gerr, werr)
			continue
		}
		if werr != nil {
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: the feeds differ", name)
			if !reflect.DeepEqual(got.Image, want.Image) {
				t.Errorf("%s: feed image %+v; gofeed's %+v", name, got.Image, want.Image)
			}
			for i := range min(len(got.Items), len(want.Items)) {
				if !reflect.DeepEqual(got.Items[i].Image, want.Items[i].Image) {
					t.Errorf("%s: item %d image %+v; gofeed's %+v", name, i, got.Items[i].Image, want.Items[i].Image)
				}
			}
		}
		for _, it := range want.Items {
			if it.Image != nil {
				withImage++
			}
		}
	}
	if withImage == 0 {
		t.Error("no item had a picture: the comparison proves nothing")
	}
}

func TestMayHoldImg(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"", false},
		{"<", false},
		{"<i", false},
		{"<im", true},
		{"<IMG", true},
		{"<iMage", true},
		{"a < im", false},
		{"<p><b>x</b></p>", false},
		{"<<img", true},
	}
	for _, tt := range tests {
		if got := mayHoldImg(tt.in); got != tt.want {
			t.Errorf("mayHoldImg(%q) = %v; want %v", tt.in, got, tt.want)
		}
	}
}
