package publisher

import (
	"cmp"
	"html/template"

	"github.com/wiredesk/wiredesk"
	"github.com/wiredesk/wiredesk/publisher/render"
)

// listedFeed is a published feed as the index page and the OPML list show
// it.
type listedFeed struct {
	spec wiredesk.Feed
	urls map[render.Format]string
	page string         // the feed's reading page
	live []render.Entry // the live entries, newest first
}

// indexData is what the index template renders.
type indexData struct {
	Title string
	OPML  string
	Feeds []indexFeed
}

type indexFeed struct {
	Slug, Title, Description string
	Page                     string // the feed's reading page
	Updated                  pageTime
	Headlines                []pageEntry // the latest pageHeadlines
	Links                    []indexLink
}

type indexLink struct {
	Name, URL string
	// TypeAttr is the whole type="…" attribute, so that html/template
	// does not escape the "+" of the media type as &#43;, which naive
	// autodiscovery code would not recognise. It holds constants only.
	TypeAttr template.HTMLAttr
}

// formatName is the names the index page gives the formats.
func formatName(f render.Format) string {
	switch f {
	case render.RSS:
		return "RSS"
	case render.Atom:
		return "Atom"
	case render.JSON:
		return "JSON Feed"
	}
	return string(f)
}

// mediaType is the format's media type without parameters, for
// autodiscovery links.
func mediaType(f render.Format) string {
	switch f {
	case render.RSS:
		return "application/rss+xml"
	case render.Atom:
		return "application/atom+xml"
	case render.JSON:
		return "application/feed+json"
	}
	return ""
}

func indexFeeds(feeds []listedFeed) []indexFeed {
	out := make([]indexFeed, 0, len(feeds))
	for _, f := range feeds {
		in := indexFeed{Slug: f.spec.Slug, Title: cmp.Or(f.spec.Title, f.spec.Slug), Description: f.spec.Description,
			Page: f.page, Updated: newPageTime(newestTime(f.live)), Links: feedLinks(f.urls)}
		in.Headlines = pageEntries(f.live[:min(len(f.live), pageHeadlines)], "")
		out = append(out, in)
	}
	return out
}

// feedLinks are the feed's documents as autodiscovery and visible links.
func feedLinks(urls map[render.Format]string) []indexLink {
	var out []indexLink
	for _, format := range render.Formats() {
		out = append(out, indexLink{Name: formatName(format), URL: urls[format],
			TypeAttr: template.HTMLAttr(`type="` + mediaType(format) + `"`)})
	}
	return out
}

// opmlFeeds lists each feed once, by its RSS URL, the format every reader
// knows.
func opmlFeeds(feeds []listedFeed) []render.OPMLFeed {
	out := make([]render.OPMLFeed, 0, len(feeds))
	for _, f := range feeds {
		out = append(out, render.OPMLFeed{
			Title:       cmp.Or(f.spec.Title, f.spec.Slug),
			Description: f.spec.Description,
			XMLURL:      f.urls[render.RSS],
			HTMLURL:     f.page,
		})
	}
	return out
}
