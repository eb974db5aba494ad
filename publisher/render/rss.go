package render

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
)

// Namespaces used by the XML encoders.
const (
	nsAtom    = "http://www.w3.org/2005/Atom"
	nsContent = "http://purl.org/rss/1.0/modules/content/"
	nsDC      = "http://purl.org/dc/elements/1.1/"
	nsHistory = "http://purl.org/syndication/history/1.0"
)

// rssDoc is an RSS 2.0 document. encoding/xml writes prefixed names
// ("atom:link") literally; the prefixes are declared on the root element.
type rssDoc struct {
	XMLName   xml.Name   `xml:"rss"`
	Version   string     `xml:"version,attr"`
	XMLNSAtom string     `xml:"xmlns:atom,attr"`
	XMLNSCont string     `xml:"xmlns:content,attr"`
	XMLNSDC   string     `xml:"xmlns:dc,attr"`
	XMLNSWD   string     `xml:"xmlns:wd,attr,omitempty"`
	Channel   rssChannel `xml:"channel"`
}

type rssChannel struct {
	Title         string     `xml:"title"`
	Link          string     `xml:"link"`
	Description   string     `xml:"description"`
	Language      string     `xml:"language,omitempty"`
	LastBuildDate string     `xml:"lastBuildDate,omitempty"`
	Generator     string     `xml:"generator,omitempty"`
	TTL           int        `xml:"ttl,omitempty"`
	AtomLinks     []atomLink `xml:"atom:link"`
	Items         []rssItem  `xml:"item"`
}

type rssItem struct {
	Title       string        `xml:"title"`
	Link        string        `xml:"link,omitempty"`
	Description string        `xml:"description"`
	Content     string        `xml:"content:encoded,omitempty"`
	GUID        rssGUID       `xml:"guid"`
	PubDate     string        `xml:"pubDate,omitempty"`
	Categories  []rssCategory `xml:"category"`
	Creators    []string      `xml:"dc:creator"`
	Enclosure   *rssEnclosure `xml:"enclosure"`
	Source      *rssSource    `xml:"source"`
	Decisions   []xmlDecision `xml:"wd:decision"`
}

type rssCategory struct {
	Domain string `xml:"domain,attr,omitempty"`
	Value  string `xml:",chardata"`
}

type rssGUID struct {
	IsPermaLink string `xml:"isPermaLink,attr"`
	Value       string `xml:",chardata"`
}

type rssEnclosure struct {
	URL    string `xml:"url,attr"`
	Length string `xml:"length,attr"`
	Type   string `xml:"type,attr"`
}

type rssSource struct {
	URL  string `xml:"url,attr"`
	Name string `xml:",chardata"`
}

// encodeRSS writes f as RSS 2.0 with the atom (self and hub links), content
// (content:encoded) and dc (dc:creator) namespaces.
//
// Each item's description is its SummaryHTML (ContentHTML when the summary
// is empty), escaped; content:encoded is written only when ContentHTML is
// set; the guid is the entry id with isPermaLink="false"; <source> names
// the lead source and its public URL (none when it has no public URL:
// RSS requires the url attribute). Each kind of editor's decision that
// shaped the item adds <category domain="DecisionScheme">kind</category>;
// with f.DecisionElements a wd:decision element (namespace NSWiredesk,
// declared only when used) also records each decision in full.
func encodeRSS(w io.Writer, f Feed) error {
	doc := rssDoc{
		Version:   "2.0",
		XMLNSAtom: nsAtom,
		XMLNSCont: nsContent,
		XMLNSDC:   nsDC,
		Channel: rssChannel{
			Title:         f.Title,
			Link:          f.HomeURL,
			Description:   f.Description,
			Language:      f.Language,
			LastBuildDate: formatDate(f.feedUpdated(), rssDate),
			Generator:     f.Generator,
			TTL:           int(f.TTL.Minutes()),
		},
	}
	if f.hasDecisionElements() {
		doc.XMLNSWD = NSWiredesk
	}
	if doc.Channel.Description == "" {
		doc.Channel.Description = f.Title // required by RSS 2.0
	}
	if self := f.FeedURLs[RSS]; self != "" {
		doc.Channel.AtomLinks = append(doc.Channel.AtomLinks, atomLink{Rel: "self", Type: "application/rss+xml", Href: self})
	}
	if f.HubURL != "" {
		doc.Channel.AtomLinks = append(doc.Channel.AtomLinks, atomLink{Rel: "hub", Href: f.HubURL})
	}
	doc.Channel.Items = make([]rssItem, 0, len(f.Entries))
	for i := range f.Entries {
		doc.Channel.Items = append(doc.Channel.Items, rssEntry(&f.Entries[i], &f))
	}
	return encodeXML(w, doc, "rss")
}

func rssEntry(e *Entry, f *Feed) rssItem {
	published, _ := e.dates(f.Updated)
	it := rssItem{
		Title:       e.Title,
		Link:        e.Link,
		Description: e.SummaryHTML,
		Content:     e.ContentHTML,
		GUID:        rssGUID{IsPermaLink: "false", Value: e.ID},
		PubDate:     formatDate(published, rssDate),
		Creators:    e.Authors,
		Decisions:   xmlDecisions(f, e.Decisions),
	}
	for _, c := range e.Categories {
		it.Categories = append(it.Categories, rssCategory{Value: c})
	}
	for _, k := range decisionKinds(e.Decisions) {
		it.Categories = append(it.Categories, rssCategory{Domain: DecisionScheme, Value: k})
	}
	if it.Description == "" {
		it.Description = e.ContentHTML
	}
	if len(e.Enclosures) > 0 {
		enc := e.Enclosures[0]
		it.Enclosure = &rssEnclosure{URL: enc.URL, Type: enc.Type, Length: strconv.FormatInt(max(enc.Length, 0), 10)}
		if it.Enclosure.Type == "" {
			it.Enclosure.Type = "application/octet-stream"
		}
	}
	if src, ok := e.lead(); ok && src.URL != "" {
		it.Source = &rssSource{URL: src.URL, Name: src.Name}
	}
	return it
}

// encodeXML writes the XML declaration and v, indented by two spaces, and
// a final newline.
func encodeXML(w io.Writer, v any, what string) error {
	bw := bufio.NewWriter(w)
	bw.WriteString(xml.Header)
	enc := xml.NewEncoder(bw)
	enc.Indent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encode %s: %w", what, err)
	}
	bw.WriteByte('\n')
	return flush(bw, what)
}
