package render

import (
	"slices"
	"time"
)

// Feed is one curated feed, ready to encode.
type Feed struct {
	ID          string // Atom feed id: a tag: URI derived from base_url and slug
	Slug        string
	Title       string
	Description string
	Language    string
	HomeURL     string // the HTML index page (alternate link)
	// SelfURL is the URL of the document being written, per format; the
	// encoder for format F uses FeedURLs[F].
	FeedURLs  map[Format]string
	HubURL    string // WebSub hub; empty for none
	Updated   time.Time
	Generator string // "wiredesk VERSION"
	TTL       time.Duration
	// PrevArchive is the URL of the newest RFC 5005 archive page older than
	// this document, NextArchive (on an archive page) of the oldest page
	// newer than it; empty for none. Current marks an archive page's link
	// back to the live feed.
	PrevArchive string
	NextArchive string
	Current     string
	Archive     bool // this document is an archive page (fh:archive)
	// DecisionElements also writes each editor's decision in full as a
	// wd:decision element in RSS and Atom. Off by default: the W3C
	// validator warns about any namespace it does not know, and the
	// decision categories and JSON Feed's _wiredesk.decisions already
	// carry the decisions.
	DecisionElements bool
	Entries          []Entry
}

// Format is a published format.
type Format string

// The published formats and their file extensions.
const (
	RSS  Format = "rss"
	Atom Format = "atom"
	JSON Format = "json"
)

// Entry is one published story (or item, for unclustered feeds), with rights
// already applied: Content and Summary hold only what the sources allow.
type Entry struct {
	// ID is the entry's id in this feed (RSS guid, Atom id, JSON id): a
	// tag: URI unique to the feed, stable for the entry's life. It differs
	// between feeds so that readers keyed by guid (newsboat) show a story
	// in every feed that carries it.
	ID string
	// StoryID is the same story's id in every feed and format
	// (_wiredesk.story), for readers and tools that dedupe across feeds.
	StoryID   string
	Title     string
	Link      string // the lead item's link
	Published time.Time
	Updated   time.Time
	// ContentHTML is the full HTML content ending with the attribution
	// paragraph; empty when rights forbid content.
	ContentHTML string
	// SummaryHTML is the HTML summary ending with the attribution
	// paragraph; always set (at least the attribution line).
	SummaryHTML string
	// Text is the plain-text form (summary or content), ending with the
	// attribution line as its last line.
	Text string
	// Summary is the plain-text lead without the attribution (JSON Feed
	// "summary"); empty when rights allow no text.
	Summary     string
	Attribution string // "With reporting by Interfax and TASS"
	Authors     []string
	Categories  []string
	Enclosures  []Enclosure
	Image       string
	Language    string
	// Sources are the wires that carried the story, in order of first
	// report. Sources[Lead] is the crediting (lead) source whose item gave
	// the title and link: RSS <source> and atom:source name it.
	Sources []Source
	// Lead indexes Sources; the zero value credits the first reporter.
	Lead int
	// Originals are the wires' own items.
	Originals []Original
	// Related are the other wires' versions (Atom rel="related").
	Related []Link
	// Decisions are the editors' decisions that shaped the story, oldest
	// first: in full in JSON Feed _wiredesk.decisions (and in wd:decision
	// with Feed.DecisionElements), as one category per kind in RSS and
	// Atom; empty for a story the clustering alone made.
	Decisions []Decision
}

// Decision is an editor's decision published with the story it shaped.
type Decision struct {
	Kind string // "merge" or "split"
	// From and To are the ids across feeds (Entry.StoryID) of the stories
	// the items went from and to: the story merged away and the one that absorbed it, or the
	// story a split item left and the one it started.
	From, To string
	At       time.Time
	By       string // who decided
}

// Source is a wire credited by an entry.
type Source struct {
	ID   string
	Name string
	// URL is the wire's public URL (its configured public_url, else its
	// feed's home link): RSS <source url>, atom:source id and link,
	// _wiredesk.sources[].url. Empty when the wire has none that may be
	// published; the URL wiredesk polls is never used here.
	URL string
	// Updated is the latest date of the wire's items in the entry
	// (atom:source updated); zero when unknown.
	Updated time.Time
}

// Original is one wire's own item inside a story.
type Original struct {
	Source   string // source id
	GUID     string
	URL      string
	Language string // the item's language; "" when unknown
}

// Enclosure is an attached media file.
type Enclosure struct {
	URL    string
	Type   string
	Length int64
}

// Link is a titled hyperlink.
type Link struct {
	Title    string
	URL      string
	Language string // the language of the linked document (Atom hreflang); "" when unknown
}

// OPMLFeed is one outline of the OPML list of published feeds.
type OPMLFeed struct {
	Title       string
	Description string
	XMLURL      string
	HTMLURL     string
}

// hasDecisionElements reports whether the document writes wd:decision
// elements, so that the XML encoders declare the wd namespace only where it
// is used.
func (f *Feed) hasDecisionElements() bool {
	if !f.DecisionElements {
		return false
	}
	for i := range f.Entries {
		if len(f.Entries[i].Decisions) > 0 {
			return true
		}
	}
	return false
}

// NSWiredesk is the XML namespace of wiredesk's own RSS and Atom
// extension elements (prefix wd): wd:decision, one per editor's decision,
// with the attributes kind, from, to, at and by. They are written only
// with Feed.DecisionElements.
const NSWiredesk = "https://github.com/wiredesk/wiredesk/ns/1.0"

// DecisionScheme is the category domain (RSS) and scheme (Atom) of the
// categories that say an editor's decision shaped an entry; the category
// is the decision's kind, "merge" or "split". Standard elements, unlike
// wd:decision, so a feed carrying decisions stays free of validator
// warnings.
const DecisionScheme = NSWiredesk + "/decision"

// decisionKinds returns the distinct kinds of ds in order of first
// occurrence: one category per kind, however often editors took it.
func decisionKinds(ds []Decision) []string {
	var kinds []string
	for _, d := range ds {
		if d.Kind != "" && !slices.Contains(kinds, d.Kind) {
			kinds = append(kinds, d.Kind)
		}
	}
	return kinds
}

// decisionLabel is the Atom category label of a decision kind. It names
// no editor: who decided is published only in _wiredesk.decisions (and
// wd:decision, when enabled).
func decisionLabel(kind string) string {
	switch kind {
	case "merge":
		return "Merged by an editor"
	case "split":
		return "Split by an editor"
	}
	return "Editor's decision: " + kind
}

// xmlDecision is a wd:decision element.
type xmlDecision struct {
	Kind string `xml:"kind,attr"`
	From string `xml:"from,attr"`
	To   string `xml:"to,attr"`
	At   string `xml:"at,attr"`
	By   string `xml:"by,attr,omitempty"`
}

// xmlDecisions returns the wd:decision elements of ds, or none unless the
// feed asks for them.
func xmlDecisions(f *Feed, ds []Decision) []xmlDecision {
	if !f.DecisionElements {
		return nil
	}
	var out []xmlDecision
	for _, d := range ds {
		out = append(out, xmlDecision{Kind: d.Kind, From: d.From, To: d.To, At: formatDate(d.At, atomDate), By: d.By})
	}
	return out
}
