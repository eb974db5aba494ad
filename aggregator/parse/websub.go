package parse

import (
	"net/url"
	"strings"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
	"github.com/mmcdole/gofeed/rss"
)

// websubLinks returns the WebSub hub and self (topic) URLs a feed
// advertises: Atom <link rel="hub"> and <link rel="self">, or the same as
// atom:link in an RSS channel (W3C WebSub §4). Relative URLs resolve
// against base; a hub that is not http(s) counts as none.
func websubLinks(feed *gofeed.Feed, base *url.URL) (hub, self string) {
	var links [][2]string // rel, href
	switch f := feed.OriginalFeed().(type) {
	case *atom.Feed:
		for _, l := range f.Links {
			if l != nil {
				links = append(links, [2]string{l.Rel, l.Href})
			}
		}
	case *rss.Feed:
		for _, e := range f.Extensions["atom"]["link"] {
			links = append(links, [2]string{e.Attrs["rel"], e.Attrs["href"]})
		}
	}
	for _, l := range links {
		rel, href := strings.ToLower(strings.TrimSpace(l[0])), strings.TrimSpace(l[1])
		u, err := url.Parse(href)
		if href == "" || err != nil {
			continue
		}
		if base != nil {
			u = base.ResolveReference(u)
		}
		if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
			continue
		}
		switch {
		case rel == "hub" && hub == "":
			hub = u.String()
		case rel == "self" && self == "":
			self = u.String()
		}
	}
	if hub == "" {
		return "", ""
	}
	return hub, self
}
