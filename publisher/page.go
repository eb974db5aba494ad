package publisher

import (
	"cmp"
	"html/template"
	"strings"
	"time"

	"github.com/wiredesk/wiredesk/publisher/render"
)

// This file renders the reading pages: each feed as an HTML page
// (/feeds/{slug}.html) and the headlines on the index page. They show the
// same entries as the feed's RSS, Atom and JSON documents, built by the
// same entry code, so a story credited or left out there is credited or
// left out here. Wire text reaches the pages only through html/template,
// which escapes it for its context: a headline is text, never markup.

// pageHeadlines is how many headlines the index shows per feed.
const pageHeadlines = 5

// feedPageData is what the feed page template renders.
type feedPageData struct {
	SiteTitle string
	Home      string // the index page
	Title     string
	Desc      string
	Language  string // of the page, for screen readers; "" when unknown
	Links     []indexLink
	Updated   pageTime // the newest entry's time; zero when the feed is empty
	Entries   []pageEntry
}

// pageEntry is one story on a reading page.
type pageEntry struct {
	Title    string
	Link     string // the lead wire's item; "" when it gave none
	Language string // "" when the same as the page's
	Time     pageTime
	Summary  string // plain text, as the lead's rights allow
	Credit   string
	Wires    []pageWire
}

// pageWire is one wire's own item of a story.
type pageWire struct {
	Name, URL, Language string
}

// pageTime is a time as the pages show it: machine-readable in
// <time datetime> and in UTC for people, so the page is the same bytes
// wherever it is rendered.
type pageTime struct {
	ISO, Text string
}

func newPageTime(t time.Time) pageTime {
	if t.IsZero() {
		return pageTime{}
	}
	t = t.UTC()
	return pageTime{ISO: t.Format(time.RFC3339), Text: t.Format("2 Jan 2006 15:04 UTC")}
}

// pageEntries turns a feed's live entries into what the pages show.
func pageEntries(entries []render.Entry, pageLang string) []pageEntry {
	out := make([]pageEntry, 0, len(entries))
	for _, e := range entries {
		pe := pageEntry{Title: cmp.Or(e.Title, "(no headline)"), Link: webLink(e.Link), Time: newPageTime(cmp.Or(e.Published, e.Updated)),
			Summary: e.Summary, Credit: e.Attribution}
		if e.Language != pageLang {
			pe.Language = e.Language
		}
		for _, o := range e.Originals {
			if webLink(o.URL) == "" {
				continue
			}
			name := o.Source
			if i := sourcePos(e.Sources, o.Source); i >= 0 {
				name = e.Sources[i].Name
			}
			pe.Wires = append(pe.Wires, pageWire{Name: name, URL: o.URL, Language: o.Language})
		}
		out = append(out, pe)
	}
	return out
}

// webLink returns u when it is an http or https URL and "" otherwise: a
// wire's javascript: or data: link is shown as no link at all (html/template
// would only blunt it to "#ZgotmplZ").
func webLink(u string) string {
	lower := strings.ToLower(strings.TrimSpace(u))
	if strings.HasPrefix(lower, "https://") || strings.HasPrefix(lower, "http://") {
		return u
	}
	return ""
}

// newestTime is the latest publication or update time among entries.
func newestTime(entries []render.Entry) time.Time {
	var t time.Time
	for _, e := range entries {
		t = laterTime(t, laterTime(e.Published, e.Updated))
	}
	return t
}

// feedPagePath is the path of a feed's reading page.
func feedPagePath(slug string) string { return "/feeds/" + slug + ".html" }

// pageStyle is the pages' only style: readable on a phone (one column,
// the viewport's width) and on a desktop (a measure of about 70
// characters), in the reader's light or dark scheme.
const pageStyle = `<style>
:root { color-scheme: light dark; }
body { font-family: system-ui, sans-serif; max-width: 44rem; margin: 0 auto; padding: 1rem; line-height: 1.5; overflow-wrap: anywhere; }
header p, .meta, .credit, .wires { color: GrayText; font-size: .9rem; }
h1 { font-size: 1.6rem; margin-bottom: .25rem; }
h2 { font-size: 1.15rem; margin: 0; }
article, section { border-top: 1px solid color-mix(in srgb, currentColor 20%, transparent); padding: .75rem 0; }
ol { padding-left: 1.25rem; }
a { color: LinkText; }
.formats a, .wires a { margin-right: .75rem; display: inline-block; }
</style>`

// feedPageTemplate is a feed's reading page.
const feedPageTemplate = `<!DOCTYPE html>
<html lang="{{with .Language}}{{.}}{{else}}en{{end}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} — {{.SiteTitle}}</title>
{{- $title := .Title}}{{range .Links}}
<link rel="alternate" {{.TypeAttr}} title="{{$title}} ({{.Name}})" href="{{.URL}}">
{{- end}}
` + pageStyle + `
</head>
<body>
<header>
<p><a href="{{.Home}}">{{.SiteTitle}}</a></p>
<h1>{{.Title}}</h1>
{{- if .Desc}}
<p>{{.Desc}}</p>
{{- end}}
{{- if .Updated.ISO}}
<p>Last changed <time datetime="{{.Updated.ISO}}">{{.Updated.Text}}</time></p>
{{- end}}
<p class="formats">Follow in a feed reader: {{range .Links}}<a href="{{.URL}}" {{.TypeAttr}}>{{.Name}}</a>{{end}}</p>
</header>
<main>
{{- range .Entries}}
<article{{with .Language}} lang="{{.}}"{{end}}>
<h2>{{if .Link}}<a href="{{.Link}}">{{.Title}}</a>{{else}}{{.Title}}{{end}}</h2>
{{- if .Time.ISO}}
<p class="meta"><time datetime="{{.Time.ISO}}">{{.Time.Text}}</time></p>
{{- end}}
{{- if .Summary}}
<p>{{.Summary}}</p>
{{- end}}
<p class="credit">{{.Credit}}</p>
{{- if .Wires}}
<p class="wires">{{range .Wires}}<a href="{{.URL}}"{{with .Language}} hreflang="{{.}}"{{end}}>{{.Name}}</a>{{end}}</p>
{{- end}}
</article>
{{- else}}
<p>No stories yet.</p>
{{- end}}
</main>
</body>
</html>
`

// indexTemplate is the HTML index page: each feed with its latest
// headlines. html/template escapes every value for its context.
const indexTemplate = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
{{- range .Feeds}}{{$title := .Title}}{{range .Links}}
<link rel="alternate" {{.TypeAttr}} title="{{$title}} ({{.Name}})" href="{{.URL}}">
{{- end}}{{end}}
` + pageStyle + `
</head>
<body>
<header>
<h1>{{.Title}}</h1>
</header>
<main>
{{- range .Feeds}}
<section id="{{.Slug}}">
<h2><a href="{{.Page}}">{{.Title}}</a></h2>
{{- if .Description}}
<p>{{.Description}}</p>
{{- end}}
{{- if .Updated.ISO}}
<p class="meta">Last changed <time datetime="{{.Updated.ISO}}">{{.Updated.Text}}</time></p>
{{- end}}
{{- if .Headlines}}
<ol>
{{- range .Headlines}}
<li{{with .Language}} lang="{{.}}"{{end}}>{{if .Link}}<a href="{{.Link}}">{{.Title}}</a>{{else}}{{.Title}}{{end}}{{if .Time.ISO}} <span class="meta"><time datetime="{{.Time.ISO}}">{{.Time.Text}}</time></span>{{end}}</li>
{{- end}}
</ol>
{{- else}}
<p class="meta">No stories yet.</p>
{{- end}}
<p class="formats"><a href="{{.Page}}">Read</a>{{range .Links}}<a href="{{.URL}}" {{.TypeAttr}}>{{.Name}}</a>{{end}}</p>
</section>
{{- else}}
<p>No feeds are configured.</p>
{{- end}}
</main>
<footer>
<p><a href="{{.OPML}}">All feeds as OPML</a></p>
</footer>
</body>
</html>
`

// parsePageTemplates parses the index and feed page templates once.
func parsePageTemplates() (index, page *template.Template) {
	return template.Must(template.New("index").Parse(indexTemplate)), template.Must(template.New("feed").Parse(feedPageTemplate))
}
