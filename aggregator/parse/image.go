package parse

import (
	"fmt"
	"strings"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/rss"
	"golang.org/x/net/html"
)

// rssTranslator is gofeed's own RSS translator with one cost taken out of
// it, not one result: gofeed looks for an item's picture, when the item
// names none, by parsing the HTML of its content and then of its
// description into a tree and taking the first <img> with a src — a full
// HTML parse of every item (about a twentieth of an ingest's CPU). Here
// the translator runs with that scan off and the scan is done after it, in
// the same order and with the same HTML parser, only on text that can hold
// an <img> at all: without the bytes "<im" (in any case) the HTML parser
// makes no img element, so most items are not parsed twice. The
// universal Feed is the same as gofeed's (TestRSSTranslatorAgrees).
type rssTranslator struct{}

func (rssTranslator) Translate(feed any) (*gofeed.Feed, error) {
	rf, ok := feed.(*rss.Feed)
	if !ok {
		return nil, fmt.Errorf("rss translator: got %T, not *rss.Feed", feed)
	}
	t := gofeed.DefaultRSSTranslator{DisableContentImageScan: true}
	f, err := t.Translate(rf)
	if err != nil || f == nil {
		return f, err
	}
	// gofeed scans the channel description when the channel names no
	// picture, and an item's content, then its description, when the item
	// names none; a found <img> ends the scan even when its src is empty.
	if f.Image == nil {
		f.Image = firstImage(rf.Description)
	}
	if len(f.Items) != len(rf.Items) {
		return f, nil // gofeed translates item for item; not reached
	}
	for i, it := range f.Items {
		if it == nil || it.Image != nil || rf.Items[i] == nil {
			continue
		}
		if img := firstImage(rf.Items[i].Content); img != nil {
			it.Image = img
		} else {
			it.Image = firstImage(rf.Items[i].Description)
		}
	}
	return f, nil
}

// firstImage is the first <img> element with a src attribute, in document
// order of the tree the HTML parser builds from doc, as gofeed's scan finds
// it; nil when there is none.
func firstImage(doc string) *gofeed.Image {
	if !mayHoldImg(doc) {
		return nil
	}
	root, err := html.Parse(strings.NewReader(doc))
	if err != nil {
		return nil
	}
	for n := range root.Descendants() { // document order
		if n.Type != html.ElementNode || n.Data != "img" {
			continue
		}
		for _, a := range n.Attr {
			if a.Key == "src" {
				return &gofeed.Image{URL: a.Val}
			}
		}
	}
	return nil
}

// mayHoldImg reports whether doc has "<im" in any ASCII case: the HTML
// parser makes an img element only of a start tag named "img" or "image"
// (which it renames), and a tag name is the letters right after "<",
// lowercased in ASCII only.
func mayHoldImg(doc string) bool {
	for i := 0; ; {
		j := strings.IndexByte(doc[i:], '<')
		if j < 0 {
			return false
		}
		i += j + 1
		if i+1 < len(doc) && doc[i]|0x20 == 'i' && doc[i+1]|0x20 == 'm' {
			return true
		}
	}
}
