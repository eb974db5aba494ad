package publisher

import (
	"html"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/wiredesk/wiredesk"
	"github.com/wiredesk/wiredesk/publisher/render"
)

// This file turns stories and items into render.Entry values: it picks the
// lead item, applies each source's rights, and writes the credit line. The
// encoders in package render then only format what is decided here.

// EntryContext is what entry building needs to know about the deployment.
type EntryContext struct {
	// BaseURL is the public base URL ([server] base_url), e.g.
	// "http://localhost:8080"; tag: URIs use its host name.
	BaseURL string
	// Sources are the configured sources by id. Entry building reads Name
	// (credit), PublicURL (credited URL), Rights, Priority and Language
	// (of items that name none); never URL, which may be a private
	// endpoint. A source missing from the map is credited by its id, has
	// priority 0 and is treated as headline-only.
	Sources map[string]wiredesk.Source
	// Links are the home links the sources' own feeds give
	// (SourceState.FeedLink), by source id: the credited URL of a source
	// without a PublicURL, when it is a URL that may be published.
	Links map[string]string
	// FeedLanguage is the language of the feed being built (its language,
	// else its first source's). The "also" links of a story that spans
	// languages name each linked item's language in it when the feed sets
	// its own also label, and in English after the default "Also:" (see
	// LanguageName).
	FeedLanguage string
}

// tagDate is the date component of every tag: URI wiredesk mints (RFC 4151
// "tag:HOST,DATE:SPECIFIC"). It is fixed, not the date of the story,
// because an id must never change once published: a story first seen on
// 31 December and republished on 1 January keeps its id, and a deployment
// keeps its ids across upgrades. 2026 is the year wiredesk first published
// under these names. Never change it.
const tagDate = "2026"

// leadRunes is the longest plain-text lead a summary-rights source allows,
// in characters, ellipsis included.
const leadRunes = 300

// FeedID returns the Atom id of the feed with the given slug:
// "tag:HOST,2026:feeds/SLUG", HOST being the lower-case host name of
// baseURL without the port (RFC 4151 allows no port). The id therefore
// survives a change of port or scheme, but not of host name.
func FeedID(baseURL, slug string) string {
	return tagPrefix(baseURL) + "feeds/" + tagSpecific(slug)
}

// EntryID returns the published id of a story in the feed with the given
// slug: "tag:HOST,2026:feeds/SLUG/story/ID". It is the guid (RSS), id
// (Atom) and id (JSON Feed) of the story in that feed, in every format and
// its archive pages, and depends on nothing that changes when wires join
// the story. Each feed has its own id for a shared story because readers
// that key items by guid alone (newsboat) would otherwise show it in only
// one of the feeds; StoryID is the id that is the same everywhere.
func EntryID(baseURL, slug, storyID string) string {
	return tagPrefix(baseURL) + "feeds/" + tagSpecific(slug) + "/story/" + tagSpecific(storyID)
}

// StoryID returns a story's id across feeds, "tag:HOST,2026:story/ID"
// (JSON Feed _wiredesk.story), for tools that dedupe what several of our
// feeds carry. Until 2026-06 it was also the entry id in every feed.
func StoryID(baseURL, storyID string) string {
	return tagPrefix(baseURL) + "story/" + tagSpecific(storyID)
}

// ItemEntryID returns the published id of one item in the feed with the
// given slug when that feed does not cluster (cluster = false):
// "tag:HOST,2026:feeds/SLUG/item/ITEM-ID", from the item's storage id.
//
// It is deliberately not the story's id, even for a story with one item:
// a story grows when other wires join it, and an id chosen by the story's
// size would change under the reader. With this rule an item has exactly
// one id for its whole life in each unclustered feed, a story has one id in
// each clustered feed, and the "story/" and "item/" name spaces never
// collide.
func ItemEntryID(baseURL, slug, itemID string) string {
	return tagPrefix(baseURL) + "feeds/" + tagSpecific(slug) + "/item/" + tagSpecific(itemID)
}

// ItemID is ItemEntryID's counterpart of StoryID: the item's id across
// feeds, "tag:HOST,2026:item/ITEM-ID".
func ItemID(baseURL, itemID string) string {
	return tagPrefix(baseURL) + "item/" + tagSpecific(itemID)
}

// creditURL is the URL a source is credited with: its public_url, else
// the home link its own feed gives when that may be published (http or
// https, no userinfo, no credential parameters), else none. The polled URL
// is never used: a paid wire's endpoint is private even without
// credentials in it.
func creditURL(src wiredesk.Source, feedLink string) string {
	if src.PublicURL != "" && wiredesk.IsPublicURL(src.PublicURL) {
		return src.PublicURL
	}
	if wiredesk.IsPublicURL(feedLink) {
		return feedLink
	}
	return ""
}

// latestOf is the latest date among the items of source id: its
// atom:source updated.
func latestOf(items []wiredesk.Item, id string) time.Time {
	var t time.Time
	for _, it := range items {
		if it.SourceID == id {
			t = laterTime(t, laterTime(it.Date(), it.Modified))
		}
	}
	return t
}

func tagPrefix(baseURL string) string {
	host := ""
	if u, err := url.Parse(baseURL); err == nil {
		host = strings.ToLower(u.Hostname())
	}
	if host == "" {
		host = "localhost"
	}
	// An IPv6 literal is not a DNS name; keep the URI well-formed.
	host = strings.ReplaceAll(host, ":", "-")
	return "tag:" + host + "," + tagDate + ":"
}

// tagSpecific percent-encodes every byte of s that RFC 4151's specific part
// does not allow (it allows URI pchar, "/" and "?"); "%" itself is encoded,
// so distinct inputs stay distinct.
func tagSpecific(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if tagChar(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

func tagChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-._~!$&'()*+,;=:@/?", c) >= 0
}

// StoryEntry builds the published entry of a story, with rights applied.
//
// eligible[i] reports whether st.Items[i] passed the feed's rules (nil:
// all did). The lead item is the eligible item whose source has the highest
// Priority, ties going to the earliest FirstSeen; it gives the title, link,
// dates and text. Every source of the story is credited, in order of first
// report, and every other wire's version is linked (Related, and an
// "Also:" paragraph in the HTML).
//
// Rights are those of the lead's source: full publishes its content,
// summary a plain-text lead of at most 300 characters cut at a word
// boundary, headline nothing but title and link. No text, author, category
// or media of a headline-only source is ever published, whichever wire
// leads; other wires contribute only their name and link.
//
// The editors' decisions that shaped the story are published with it,
// their stories named by their ids across feeds (StoryID).
func StoryEntry(spec wiredesk.Feed, st wiredesk.Story, eligible []bool, ec EntryContext) render.Entry {
	e := buildEntry(spec, st.Items, eligible, changedAt(st), ec)
	e.ID = EntryID(ec.BaseURL, spec.Slug, st.ID)
	e.StoryID = StoryID(ec.BaseURL, st.ID)
	for _, d := range st.Decisions {
		e.Decisions = append(e.Decisions, render.Decision{Kind: string(d.Kind),
			From: StoryID(ec.BaseURL, d.From), To: StoryID(ec.BaseURL, d.To), At: d.At, By: d.By})
	}
	return e
}

// joinSlack is how long after a story began its items may still count as
// its first report: the items one pass saves, the polls of one round.
const joinSlack = time.Minute

// changedAt is when a story last changed after its first report: when
// wiredesk saw a wire that joined it later than joinSlack, or when an
// editor changed it (Story.Updated bumped after its last join); zero when
// neither. The entry's updated time is the latest of this and the wires'
// own dates, so the stories of one pass do not all carry the pass's
// second (the W3C validator warns on entries with one updated time) and
// a story still reads as updated when a wire joins it or an editor acts.
// The split that made a story is no change of it: its entry is new (a new
// id), and the story the item left already reads as updated at that
// instant, so both taking it gave a feed two entries of one atom:updated.
func changedAt(st wiredesk.Story) time.Time {
	var lastJoin, t time.Time
	for _, it := range st.Items {
		lastJoin = laterTime(lastJoin, it.FirstSeen)
	}
	if lastJoin.Sub(st.Created) > joinSlack {
		t = lastJoin
	}
	if st.Updated.Sub(lastJoin) > joinSlack && !splitOutAt(st, st.Updated) {
		t = laterTime(t, st.Updated)
	}
	return t
}

// splitOutAt reports whether an editor split story st out of another at
// instant at.
func splitOutAt(st wiredesk.Story, at time.Time) bool {
	for _, d := range st.Decisions {
		if d.Kind == wiredesk.DecisionSplit && d.To == st.ID && d.At.Equal(at) {
			return true
		}
	}
	return false
}

// ItemEntry builds the entry of a single item for a feed with cluster =
// false: the same rules as StoryEntry for a story of one item, with the id
// from ItemEntryID.
func ItemEntry(spec wiredesk.Feed, it wiredesk.Item, ec EntryContext) render.Entry {
	e := buildEntry(spec, []wiredesk.Item{it}, nil, time.Time{}, ec)
	id := it.ID
	if id == "" {
		id = wiredesk.ItemID(it.SourceID, it.Key)
	}
	e.ID = ItemEntryID(ec.BaseURL, spec.Slug, id)
	e.StoryID = ItemID(ec.BaseURL, id)
	return e
}

// buildEntry does the work of StoryEntry and ItemEntry, leaving the id:
// the lead's title and dates, then credits, links, metadata and text, each
// in its own step.
func buildEntry(spec wiredesk.Feed, items []wiredesk.Item, eligible []bool, storyUpdated time.Time, ec EntryContext) render.Entry {
	if len(items) == 0 {
		return render.Entry{Updated: storyUpdated}
	}
	li := leadIndex(items, eligible, ec.Sources)
	lead := items[li]

	e := render.Entry{
		Title:     lead.Title,
		Link:      lead.Link,
		Published: lead.Date(),
		Language:  lead.Language,
	}
	if e.Language == "" {
		e.Language = spec.Language
	}
	e.Updated = laterTime(storyUpdated, e.Published)
	for _, it := range items {
		e.Updated = laterTime(e.Updated, laterTime(it.Date(), it.Modified))
	}
	entryCredits(&e, spec, items, lead, ec)
	entryLinks(&e, items, li, ec)
	entryMetadata(&e, items, eligible, lead, ec)
	entryText(&e, spec, lead, ec)
	return e
}

// entryCredits lists the sources in order of first report, marks the
// lead's, and writes the credit line.
func entryCredits(e *render.Entry, spec wiredesk.Feed, items []wiredesk.Item, lead wiredesk.Item, ec EntryContext) {
	var names []string
	for _, id := range (wiredesk.Story{Items: items}).SourceIDs() {
		src, ok := ec.Sources[id]
		s := render.Source{ID: id, Name: id, URL: creditURL(src, ec.Links[id]), Updated: latestOf(items, id)}
		if ok && src.Name != "" {
			s.Name = src.Name
		}
		if id == lead.SourceID {
			e.Lead = len(e.Sources)
		}
		e.Sources = append(e.Sources, s)
		names = append(names, s.Name)
	}
	e.Attribution = wiredesk.Credit(spec.Attribution, names, spec.AttributionAnd)
}

// entryLinks adds the wires' own items, and links to the other wires'
// versions (items[li] is the lead), each with its language.
func entryLinks(e *render.Entry, items []wiredesk.Item, li int, ec EntryContext) {
	seen := map[string]bool{items[li].Link: true}
	for i, it := range items {
		lang := itemLanguage(it, ec.Sources)
		e.Originals = append(e.Originals, render.Original{Source: it.SourceID, GUID: it.GUID, URL: it.Link, Language: lang})
		if i == li || it.Link == "" || seen[it.Link] {
			continue
		}
		seen[it.Link] = true
		e.Related = append(e.Related, render.Link{Title: e.Sources[sourcePos(e.Sources, it.SourceID)].Name, URL: it.Link, Language: lang})
	}
}

// entryMetadata adds categories from every eligible item whose source
// allows more than headlines, authors from a lead that does, and media only
// from a full-rights lead.
func entryMetadata(e *render.Entry, items []wiredesk.Item, eligible []bool, lead wiredesk.Item, ec EntryContext) {
	seenCat := map[string]bool{}
	for i, it := range items {
		if !entryEligible(eligible, i) {
			continue
		}
		if rightsOf(ec.Sources, it.SourceID) == wiredesk.RightsHeadline {
			continue
		}
		for _, c := range it.Categories {
			c = strings.TrimSpace(c)
			if k := strings.ToLower(c); c != "" && !seenCat[k] {
				seenCat[k] = true
				e.Categories = append(e.Categories, c)
			}
		}
	}
	rights := rightsOf(ec.Sources, lead.SourceID)
	if rights != wiredesk.RightsHeadline {
		e.Authors = append([]string(nil), lead.Authors...)
	}
	if rights == wiredesk.RightsFull {
		for _, enc := range lead.Enclosures {
			e.Enclosures = append(e.Enclosures, render.Enclosure(enc))
		}
		e.Image = lead.Image
	}
}

// entryText writes the summary and content as the lead's rights allow,
// followed by the "also" links and the credit line. It needs the credits
// and links written first.
func entryText(e *render.Entry, spec wiredesk.Feed, lead wiredesk.Item, ec EntryContext) {
	var content string
	switch rightsOf(ec.Sources, lead.SourceID) {
	case wiredesk.RightsFull:
		e.Summary = strings.TrimSpace(lead.Summary)
		if e.Summary == "" {
			e.Summary = leadParagraph(plainFromHTML(lead.Content), leadRunes)
		}
		content = strings.TrimSpace(lead.Content)
		if content == "" && e.Summary != "" {
			content = htmlParagraphs(e.Summary)
		}
	case wiredesk.RightsSummary:
		text := lead.Summary
		if strings.TrimSpace(text) == "" {
			text = plainFromHTML(lead.Content)
		}
		e.Summary = leadParagraph(text, leadRunes)
	}

	var langNames func(lang string) string // nil: the links name no language
	if spansLanguages(itemLanguage(lead, ec.Sources), e.Related) {
		// The names continue the label's sentence: English after the
		// default "Also:", the feed's language after its own label.
		in := "en"
		if spec.Also != "" {
			in = ec.FeedLanguage
		}
		langNames = func(lang string) string { return LanguageName(in, lang) }
	}
	also, alsoText := alsoParagraph(spec.Also, e.Related, langNames)
	credit := `<p class="wiredesk-credit">` + html.EscapeString(e.Attribution) + `</p>`
	if content != "" {
		e.ContentHTML = content + also + credit
	}
	if e.Summary != "" {
		e.SummaryHTML = htmlParagraphs(e.Summary)
	}
	e.SummaryHTML += also + credit
	e.Text = joinNonEmpty("\n\n", e.Summary, alsoText, e.Attribution)
}

func laterTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// leadIndex picks the lead among the eligible items (all items when none
// is eligible): highest source Priority, then earliest FirstSeen, then
// first in story order.
func leadIndex(items []wiredesk.Item, eligible []bool, sources map[string]wiredesk.Source) int {
	best := -1
	for i, it := range items {
		if !entryEligible(eligible, i) {
			continue
		}
		if best < 0 {
			best = i
			continue
		}
		p, bp := sources[it.SourceID].Priority, sources[items[best].SourceID].Priority
		if p > bp || (p == bp && it.FirstSeen.Before(items[best].FirstSeen)) {
			best = i
		}
	}
	return max(best, 0)
}

// entryEligible reports whether item i counts as eligible: eligible[i], or
// every item when eligible is nil or marks none (a story published with no
// matching item, e.g. by a caller that does not curate).
func entryEligible(eligible []bool, i int) bool {
	if !slices.Contains(eligible, true) {
		return true
	}
	return i < len(eligible) && eligible[i]
}

// rightsOf returns the rights of a source: the zero value means full, and
// an unknown source or an unknown value means headline (fail closed).
func rightsOf(sources map[string]wiredesk.Source, id string) wiredesk.Rights {
	src, ok := sources[id]
	if !ok {
		return wiredesk.RightsHeadline
	}
	switch src.Rights {
	case "", wiredesk.RightsFull:
		return wiredesk.RightsFull
	case wiredesk.RightsSummary:
		return wiredesk.RightsSummary
	}
	return wiredesk.RightsHeadline
}

func sourcePos(srcs []render.Source, id string) int {
	for i, s := range srcs {
		if s.ID == id {
			return i
		}
	}
	return 0
}

// DefaultAlso labels the links to the other wires' versions when a feed
// sets no also.
const DefaultAlso = "Also:"

// alsoParagraph returns the HTML paragraph linking the other wires'
// versions, led by label ("Also:" when empty), and its plain-text line;
// both empty when there are none. When names is set, each link whose
// language is known is followed by its name: "Also: Interfax (Russian)".
func alsoParagraph(label string, related []render.Link, names func(lang string) string) (htmlPara, text string) {
	if len(related) == 0 {
		return "", ""
	}
	if label == "" {
		label = DefaultAlso
	}
	var h, t strings.Builder
	h.WriteString(`<p class="wiredesk-also">` + html.EscapeString(label) + ` `)
	t.WriteString(label + " ")
	for i, r := range related {
		if i > 0 {
			h.WriteString(", ")
			t.WriteString(", ")
		}
		h.WriteString(`<a href="` + html.EscapeString(r.URL) + `">` + html.EscapeString(r.Title) + `</a>`)
		t.WriteString(r.Title)
		if names != nil && r.Language != "" {
			name := " (" + names(r.Language) + ")"
			h.WriteString(html.EscapeString(name))
			t.WriteString(name)
		}
		t.WriteString(" " + r.URL)
	}
	h.WriteString("</p>")
	return h.String(), t.String()
}

// htmlParagraphs escapes plain text and wraps each of its paragraphs (lines)
// in <p>.
func htmlParagraphs(text string) string {
	var b strings.Builder
	for line := range strings.SplitSeq(text, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			b.WriteString("<p>" + html.EscapeString(line) + "</p>")
		}
	}
	return b.String()
}

func joinNonEmpty(sep string, parts ...string) string {
	var kept []string
	for _, p := range parts {
		if p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, sep)
}

// leadParagraph returns the first paragraph of plain text (paragraphs are
// separated by line breaks), with white space collapsed, cut to at most
// limit characters (runes) at a word boundary. A cut text ends with "…",
// which counts towards the limit; punctuation left dangling before the
// cut is dropped. A single word longer than the limit is cut inside.
func leadParagraph(text string, limit int) string {
	var para string
	for line := range strings.SplitSeq(text, "\n") {
		if para = strings.Join(strings.Fields(line), " "); para != "" {
			break
		}
	}
	return cutWords(para, limit)
}

// cutWords cuts s (white space already collapsed) to at most limit runes
// at a word boundary, ending it with "…" when it was cut.
func cutWords(s string, limit int) string {
	if limit <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	// Byte offset just after the first limit-1 runes, leaving room for "…".
	end, n := 0, 0
	for end < len(s) && n < limit-1 {
		_, size := utf8.DecodeRuneInString(s[end:])
		end += size
		n++
	}
	cut := s[:end]
	if r, _ := utf8.DecodeRuneInString(s[end:]); !unicode.IsSpace(r) {
		// Mid-word: go back to the last space, unless the word is all there is.
		if i := strings.LastIndexFunc(cut, unicode.IsSpace); i > 0 {
			cut = cut[:i]
		}
	}
	cut = strings.TrimRightFunc(cut, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune(",;:.-–—«„“\"'(", r)
	})
	return cut + "…"
}

// plainFromHTML turns sanitised HTML into plain text: tags are dropped,
// block-level tags end a line, entities are decoded. It is enough for the
// HTML package aggregator stores (bluemonday output), not a general HTML
// parser.
func plainFromHTML(s string) string {
	var b strings.Builder
	for len(s) > 0 {
		lt := strings.IndexByte(s, '<')
		if lt < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:lt])
		gt := strings.IndexByte(s[lt:], '>')
		if gt < 0 {
			break // an unterminated tag: drop the rest
		}
		tag := strings.ToLower(strings.TrimLeft(s[lt+1:lt+gt], "/"))
		if name, _, _ := strings.Cut(tag, " "); blockTag(strings.TrimRight(name, "/")) {
			b.WriteByte('\n')
		}
		s = s[lt+gt+1:]
	}
	return html.UnescapeString(b.String())
}

func blockTag(name string) bool {
	switch name {
	case "p", "br", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6",
		"blockquote", "tr", "table", "pre", "hr", "figure", "figcaption", "section", "article":
		return true
	}
	return false
}
