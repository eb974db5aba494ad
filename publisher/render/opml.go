package render

import (
	"encoding/xml"
	"io"
	"time"
)

type opmlDoc struct {
	XMLName xml.Name    `xml:"opml"`
	Version string      `xml:"version,attr"`
	Head    opmlHead    `xml:"head"`
	Body    []opmlEntry `xml:"body>outline"`
}

type opmlHead struct {
	Title       string `xml:"title"`
	DateCreated string `xml:"dateCreated,omitempty"`
}

type opmlEntry struct {
	Type        string `xml:"type,attr"`
	Text        string `xml:"text,attr"`
	Title       string `xml:"title,attr,omitempty"`
	Description string `xml:"description,attr,omitempty"`
	XMLURL      string `xml:"xmlUrl,attr"`
	HTMLURL     string `xml:"htmlUrl,attr,omitempty"`
}

// OPML writes an OPML 2.0 subscription list of the published feeds, one
// outline of type "rss" per feed, in the order given. created is written
// as the head's dateCreated (RFC 822 style, UTC); zero omits it.
func OPML(w io.Writer, title string, feeds []OPMLFeed, created time.Time) error {
	doc := opmlDoc{
		Version: "2.0",
		Head:    opmlHead{Title: title, DateCreated: formatDate(created, rssDate)},
		Body:    make([]opmlEntry, 0, len(feeds)),
	}
	for _, f := range feeds {
		doc.Body = append(doc.Body, opmlEntry{
			Type:        "rss",
			Text:        f.Title,
			Title:       f.Title,
			Description: f.Description,
			XMLURL:      f.XMLURL,
			HTMLURL:     f.HTMLURL,
		})
	}
	return encodeXML(w, doc, "opml")
}
