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
	home string
}

// indexData is what the index template renders.
type indexData struct {
	Title string
	OPML  string
	Feeds []indexFeed
}

type indexFeed struct {
	Slug, Title, Description string
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
		in := indexFeed{Slug: f.spec.Slug, Title: cmp.Or(f.spec.Title, f.spec.Slug), Description: f.spec.Description}
		for _, format := range render.Formats() {
			in.Links = append(in.Links, indexLink{Name: formatName(format), URL: f.urls[format],
				TypeAttr: template.HTMLAttr(`type="` + mediaType(format) + `"`)})
		}
		out = append(out, in)
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
			HTMLURL:     f.home,
		})
	}
	return out
}

// indexTemplate is the HTML index page. html/template escapes every value
// for its context.
const indexTemplate = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
{{- range .Feeds}}{{$title := .Title}}{{range .Links}}
<link rel="alternate" {{.TypeAttr}} title="{{$title}} ({{.Name}})" href="{{.URL}}">
{{- end}}{{end}}
<style>
body { font-family: system-ui, sans-serif; max-width: 44rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; }
li { margin-bottom: 1rem; }
.formats a { margin-right: .75rem; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
{{- if .Feeds}}
<ul>
{{- range .Feeds}}
<li id="{{.Slug}}"><strong>{{.Title}}</strong>{{if .Description}}<br>{{.Description}}{{end}}
<br><span class="formats">{{range .Links}}<a href="{{.URL}}" {{.TypeAttr}}>{{.Name}}</a>{{end}}</span></li>
{{- end}}
</ul>
{{- else}}
<p>No feeds are configured.</p>
{{- end}}
<p><a href="{{.OPML}}">All feeds as OPML</a></p>
</body>
</html>
`
