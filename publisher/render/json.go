package render

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

const jsonFeedVersion = "https://jsonfeed.org/version/1.1"

type jsonFeed struct {
	Version     string     `json:"version"`
	Title       string     `json:"title"`
	HomePageURL string     `json:"home_page_url,omitempty"`
	FeedURL     string     `json:"feed_url,omitempty"`
	Description string     `json:"description,omitempty"`
	Language    string     `json:"language,omitempty"`
	Hubs        []jsonHub  `json:"hubs,omitempty"`
	Items       []jsonItem `json:"items"`
}

type jsonHub struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

type jsonItem struct {
	ID            string           `json:"id"`
	URL           string           `json:"url,omitempty"`
	Title         string           `json:"title,omitempty"`
	ContentHTML   string           `json:"content_html,omitempty"`
	ContentText   string           `json:"content_text,omitempty"`
	Summary       string           `json:"summary,omitempty"`
	Image         string           `json:"image,omitempty"`
	DatePublished string           `json:"date_published,omitempty"`
	DateModified  string           `json:"date_modified,omitempty"`
	Authors       []jsonAuthor     `json:"authors,omitempty"`
	Tags          []string         `json:"tags,omitempty"`
	Language      string           `json:"language,omitempty"`
	Attachments   []jsonAttachment `json:"attachments,omitempty"`
	Wiredesk      jsonWiredesk     `json:"_wiredesk"`
}

type jsonAuthor struct {
	Name string `json:"name"`
}

type jsonAttachment struct {
	URL         string `json:"url"`
	MIMEType    string `json:"mime_type"`
	SizeInBytes int64  `json:"size_in_bytes,omitempty"`
}

// jsonWiredesk is the "_wiredesk" item extension (docs/DESIGN.md "Credit in
// every format"): the story's cross-feed id, the wires that carried the
// story, their own items, and the editors' decisions that shaped it.
type jsonWiredesk struct {
	// Story is the story's id in every feed (the item id is per feed).
	Story     string         `json:"story,omitempty"`
	Sources   []jsonSource   `json:"sources"`
	Items     []jsonOriginal `json:"items"`
	Decisions []jsonDecision `json:"decisions,omitempty"`
}

// jsonDecision is one editor's decision: kind "merge" or "split", the
// cross-feed ids (as in "story") of the stories the items went from and
// to, when (RFC 3339) and by whom.
type jsonDecision struct {
	Kind string `json:"kind"`
	From string `json:"from"`
	To   string `json:"to"`
	At   string `json:"at"`
	By   string `json:"by,omitempty"`
}

type jsonSource struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	URL  string `json:"url"`
}

type jsonOriginal struct {
	Source   string `json:"source"`
	GUID     string `json:"guid"` // always present, "" when the wire gave none (docs/DESIGN.md shape)
	URL      string `json:"url"`
	Language string `json:"language,omitempty"`
}

// encodeJSON writes f as JSON Feed 1.1, indented by two spaces, with HTML
// characters left unescaped (they are legal JSON and keep the file
// readable).
//
// Every item has content_html (ContentHTML, else SummaryHTML) or, failing
// both, content_text (Text), as the spec requires; summary is the plain
// lead. Each item carries the "_wiredesk" extension.
func encodeJSON(w io.Writer, f Feed) error {
	doc := jsonFeed{
		Version:     jsonFeedVersion,
		Title:       f.Title,
		HomePageURL: f.HomeURL,
		FeedURL:     f.FeedURLs[JSON],
		Description: f.Description,
		Language:    f.Language,
		Items:       make([]jsonItem, 0, len(f.Entries)),
	}
	if f.HubURL != "" {
		doc.Hubs = []jsonHub{{Type: "WebSub", URL: f.HubURL}}
	}
	for i := range f.Entries {
		doc.Items = append(doc.Items, jsonEntry(&f.Entries[i], f.feedUpdated()))
	}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("encode json feed: %w", err)
	}
	return flush(bw, "json feed")
}

func jsonEntry(e *Entry, fallback time.Time) jsonItem {
	published, updated := e.dates(fallback)
	it := jsonItem{
		ID:            e.ID,
		URL:           e.Link,
		Title:         e.Title,
		ContentHTML:   e.ContentHTML,
		Summary:       e.Summary,
		Image:         e.Image,
		DatePublished: formatDate(published, atomDate),
		DateModified:  formatDate(updated, atomDate),
		Tags:          e.Categories,
		Language:      e.Language,
		Wiredesk: jsonWiredesk{
			Story:   e.StoryID,
			Sources: make([]jsonSource, 0, len(e.Sources)),
			Items:   make([]jsonOriginal, 0, len(e.Originals)),
		},
	}
	if it.ContentHTML == "" {
		it.ContentHTML = e.SummaryHTML
	}
	if it.ContentHTML == "" {
		it.ContentText = e.Text
		if it.ContentText == "" {
			it.ContentText = e.Title // the spec requires one of the two
		}
	}
	for _, a := range e.Authors {
		it.Authors = append(it.Authors, jsonAuthor{Name: a})
	}
	for _, enc := range e.Enclosures {
		typ := enc.Type
		if typ == "" {
			typ = "application/octet-stream"
		}
		it.Attachments = append(it.Attachments, jsonAttachment{URL: enc.URL, MIMEType: typ, SizeInBytes: max(enc.Length, 0)})
	}
	for _, s := range e.Sources {
		it.Wiredesk.Sources = append(it.Wiredesk.Sources, jsonSource{ID: s.ID, Name: s.Name, URL: s.URL})
	}
	for _, o := range e.Originals {
		it.Wiredesk.Items = append(it.Wiredesk.Items, jsonOriginal(o))
	}
	for _, d := range e.Decisions {
		it.Wiredesk.Decisions = append(it.Wiredesk.Decisions, jsonDecision{Kind: d.Kind, From: d.From, To: d.To, At: formatDate(d.At, atomDate), By: d.By})
	}
	return it
}
