package render

import (
	"encoding/xml"
	"html"
	"io"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

type atomFeed struct {
	XMLName   xml.Name    `xml:"feed"`
	XMLNS     string      `xml:"xmlns,attr"`
	XMLNSFH   string      `xml:"xmlns:fh,attr,omitempty"`
	XMLNSWD   string      `xml:"xmlns:wd,attr,omitempty"`
	Lang      string      `xml:"xml:lang,attr,omitempty"`
	ID        string      `xml:"id"`
	Title     string      `xml:"title"`
	Subtitle  string      `xml:"subtitle,omitempty"`
	Updated   string      `xml:"updated"`
	Links     []atomLink  `xml:"link"`
	Archive   *struct{}   `xml:"fh:archive"`
	Generator string      `xml:"generator,omitempty"`
	Entries   []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel      string `xml:"rel,attr,omitempty"`
	Type     string `xml:"type,attr,omitempty"`
	Href     string `xml:"href,attr"`
	HrefLang string `xml:"hreflang,attr,omitempty"`
	Title    string `xml:"title,attr,omitempty"`
	Length   string `xml:"length,attr,omitempty"`
}

type atomEntry struct {
	Lang       string         `xml:"xml:lang,attr,omitempty"`
	ID         string         `xml:"id"`
	Title      atomText       `xml:"title"`
	Published  string         `xml:"published"`
	Updated    string         `xml:"updated"`
	Authors    []atomPerson   `xml:"author"`
	Links      []atomLink     `xml:"link"`
	Categories []atomCategory `xml:"category"`
	Summary    *atomText      `xml:"summary"`
	Content    *atomText      `xml:"content"`
	Source     *atomSource    `xml:"source"`
	Decisions  []xmlDecision  `xml:"wd:decision"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomCategory struct {
	Term   string `xml:"term,attr"`
	Scheme string `xml:"scheme,attr,omitempty"`
	Label  string `xml:"label,attr,omitempty"`
}

type atomText struct {
	Type  string `xml:"type,attr,omitempty"` // "" is Atom's default, text
	Value string `xml:",chardata"`
}

type atomSource struct {
	ID      string     `xml:"id,omitempty"`
	Title   string     `xml:"title"`
	Updated string     `xml:"updated"`
	Links   []atomLink `xml:"link"`
}

// encodeAtom writes f as Atom 1.0 (RFC 4287), with RFC 5005 archive links
// (rel="prev-archive", rel="current" and fh:archive) when set.
//
// Every entry has an author: its Authors, or else the lead source's name
// (Atom requires one and the feed declares none). atom:source credits the
// lead source: its public URL as id and link, its name as title, and the
// latest date of its items as updated. rel="related" links carry hreflang
// when the linked item's language is known. Each kind of editor's decision
// that shaped the entry adds <category scheme="DecisionScheme" term="kind"
// label="…"/>; with f.DecisionElements a wd:decision element (namespace
// NSWiredesk, declared only when used) also records each decision in full.
func encodeAtom(w io.Writer, f Feed) error {
	doc := atomFeed{
		XMLNS:     nsAtom,
		Lang:      f.Language,
		ID:        f.ID,
		Title:     f.Title,
		Subtitle:  f.Description,
		Updated:   formatDate(f.feedUpdated(), atomDate),
		Generator: f.Generator,
	}
	if doc.Updated == "" {
		doc.Updated = formatDate(time.Unix(0, 0), atomDate) // required; a feed with no dates at all
	}
	if self := f.FeedURLs[Atom]; self != "" {
		doc.Links = append(doc.Links, atomLink{Rel: "self", Type: "application/atom+xml", Href: self})
	}
	if f.HomeURL != "" {
		doc.Links = append(doc.Links, atomLink{Rel: "alternate", Type: "text/html", Href: f.HomeURL})
	}
	if f.HubURL != "" {
		doc.Links = append(doc.Links, atomLink{Rel: "hub", Href: f.HubURL})
	}
	if f.Current != "" {
		doc.Links = append(doc.Links, atomLink{Rel: "current", Type: "application/atom+xml", Href: f.Current})
	}
	if f.PrevArchive != "" {
		doc.Links = append(doc.Links, atomLink{Rel: "prev-archive", Type: "application/atom+xml", Href: f.PrevArchive})
	}
	if f.NextArchive != "" {
		doc.Links = append(doc.Links, atomLink{Rel: "next-archive", Type: "application/atom+xml", Href: f.NextArchive})
	}
	if f.Archive {
		doc.XMLNSFH = nsHistory
		doc.Archive = &struct{}{}
	}
	if f.hasDecisionElements() {
		doc.XMLNSWD = NSWiredesk
	}
	doc.Entries = make([]atomEntry, 0, len(f.Entries))
	for i := range f.Entries {
		doc.Entries = append(doc.Entries, atomEntryOf(&f.Entries[i], &f))
	}
	return encodeXML(w, doc, "atom")
}

func atomEntryOf(e *Entry, f *Feed) atomEntry {
	published, updated := e.dates(f.feedUpdated())
	ae := atomEntry{
		ID:        e.ID,
		Title:     entryTitle(e.Title),
		Published: formatDate(published, atomDate),
		Updated:   formatDate(updated, atomDate),
	}
	if e.Language != f.Language {
		ae.Lang = e.Language
	}
	if ae.Published == "" { // no date anywhere in the feed
		ae.Published = formatDate(time.Unix(0, 0), atomDate)
		ae.Updated = ae.Published
	}
	src, hasSource := e.lead()
	for _, a := range e.Authors {
		ae.Authors = append(ae.Authors, atomPerson{Name: a})
	}
	if len(ae.Authors) == 0 {
		name := f.Title
		if hasSource && src.Name != "" {
			name = src.Name
		}
		ae.Authors = []atomPerson{{Name: name}}
	}
	if e.Link != "" {
		ae.Links = append(ae.Links, atomLink{Rel: "alternate", Type: "text/html", Href: e.Link})
	}
	for _, r := range e.Related {
		ae.Links = append(ae.Links, atomLink{Rel: "related", Type: "text/html", Href: r.URL, HrefLang: r.Language, Title: r.Title})
	}
	for _, enc := range e.Enclosures {
		l := atomLink{Rel: "enclosure", Type: enc.Type, Href: enc.URL}
		if enc.Length > 0 {
			l.Length = strconv.FormatInt(enc.Length, 10)
		}
		ae.Links = append(ae.Links, l)
	}
	for _, c := range e.Categories {
		ae.Categories = append(ae.Categories, atomCategory{Term: c})
	}
	for _, k := range decisionKinds(e.Decisions) {
		ae.Categories = append(ae.Categories, atomCategory{Term: k, Scheme: DecisionScheme, Label: decisionLabel(k)})
	}
	summary := e.SummaryHTML
	if summary == "" {
		summary = e.ContentHTML
	}
	if summary != "" {
		ae.Summary = &atomText{Type: "html", Value: summary}
	}
	switch {
	case e.ContentHTML != "":
		ae.Content = &atomText{Type: "html", Value: e.ContentHTML}
	case e.Link == "" && summary != "":
		// RFC 4287 4.1.2: an entry without content needs an alternate link.
		ae.Content = &atomText{Type: "html", Value: summary}
	}
	if hasSource {
		// RFC 4287 4.2.11 asks atom:source to keep the source feed's
		// metadata, updated among it (the W3C validator warns without
		// it): the latest date of the wire's items in this entry, else
		// the entry's own.
		as := &atomSource{ID: src.URL, Title: src.Name, Updated: formatDate(src.Updated, atomDate)}
		if as.ID == "" {
			// The W3C validator also warns on an atom:source without an
			// id; a wire with no public URL gets one of the desk's own.
			as.ID = sourceID(f.ID, src.ID)
		}
		if as.Updated == "" {
			as.Updated = ae.Updated
		}
		if src.URL != "" {
			as.Links = append(as.Links, atomLink{Rel: "alternate", Href: src.URL})
		}
		ae.Source = as
	}
	ae.Decisions = xmlDecisions(f, e.Decisions)
	return ae
}

// markupLike matches what, in plain text, a reader or the W3C validator
// could take for HTML: the start of a tag ("<b", "</", "<!") or a
// character reference ("&amp;", "&#34;"). A lone "<" ("turnout < 50%")
// or "&" ("AT&T") is no markup to HTML either.
var markupLike = regexp.MustCompile(`<[A-Za-z/!?]|&(#[0-9A-Za-z]+|[A-Za-z][A-Za-z0-9]*);`)

// entryTitle is an entry's atom:title. Titles are plain text, and most go
// out as a text construct (no type attribute). One that holds something
// markup-like (markupLike: "<b>", "&amp;") goes out as type="html", escaped
// once more: it reads as the same text, a reader that ignores the type and
// renders titles as HTML shows it as text too instead of running its tags,
// and the W3C validator has no "title should not contain HTML unless
// declared in the type attribute" to say.
func entryTitle(s string) atomText {
	if markupLike.MatchString(s) {
		return atomText{Type: "html", Value: html.EscapeString(s)}
	}
	return atomText{Value: s}
}

// sourceID is the atom:source id of a wire without a public URL: a tag URI
// beside the feed's own ("tag:desk.example,2026:feeds/central-asia" →
// "tag:desk.example,2026:sources/reuters"), or the feed's id with a
// fragment when the feed's id is not of that form. Either is stable and
// names no address the desk polls.
func sourceID(feedID, source string) string {
	if i := strings.Index(feedID, ":feeds/"); strings.HasPrefix(feedID, "tag:") && i > 0 {
		return feedID[:i+1] + "sources/" + url.PathEscape(source)
	}
	return feedID + "#source-" + url.PathEscape(source)
}
