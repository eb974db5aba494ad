package parse

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/xml"
	"html"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
	ext "github.com/mmcdole/gofeed/extensions"
	jsonfeed "github.com/mmcdole/gofeed/json"
	"github.com/mmcdole/gofeed/rss"

	"github.com/wiredesk/wiredesk"
	"github.com/wiredesk/wiredesk/aggregator/normalize"
)

// This file is the translate step (gofeed's Translator idea): gofeed's
// universal Feed, plus the original RSS/Atom structs for what the universal
// one drops (RSS <source>, guid isPermaLink, atom:source), becomes
// []wiredesk.Item.

// leadRunes bounds a summary made from content when the item has no
// description.
const leadRunes = 500

// futureSlack is how far after Now a date may lie before it is treated as
// wrong (a wire's clock or timezone error) and replaced by the first-seen
// time.
const futureSlack = 24 * time.Hour

// draft is an item being translated, with what identity needs.
type draft struct {
	item wiredesk.Item
	date time.Time // the wire's usable date, zero when guessed
}

// translate turns every gofeed item into a wiredesk.Item and assigns
// identity. GUID uniqueness is judged over the whole document: a GUID that
// several items share is not an identity on its own (wiredesk.Identity then
// uses GUID + link). When two items still get the same key — true
// duplicates in one document — the first one is kept and later ones are
// dropped, so that one poll never stores two versions of one item.
func translate(feed *gofeed.Feed, body []byte, opt Options, base *url.URL) []wiredesk.Item {
	var rssItems []*rss.Item
	var entries []*atom.Entry
	var jsonItems []*jsonfeed.Item
	switch o := feed.OriginalFeed().(type) {
	case *rss.Feed:
		if o != nil && len(o.Items) == len(feed.Items) {
			rssItems = o.Items
		}
	case *atom.Feed:
		if o != nil && len(o.Entries) == len(feed.Items) {
			entries = o.Entries
		}
	case *jsonfeed.Feed:
		if o != nil && len(o.Items) == len(feed.Items) {
			jsonItems = o.Items
		}
	}

	plain := plainAtomTitles(feed, body)

	drafts := make([]draft, 0, len(feed.Items))
	guids := make(map[string]int, len(feed.Items))
	for i, fi := range feed.Items {
		if fi == nil {
			continue
		}
		var ri *rss.Item
		if rssItems != nil {
			ri = rssItems[i]
		}
		var ae *atom.Entry
		if entries != nil {
			ae = entries[i]
		}
		// JSON Feed content_text is plain text even when it holds "<".
		textOnly := jsonItems != nil && jsonItems[i] != nil && jsonItems[i].ContentHTML == "" && jsonItems[i].ContentText != ""
		d := translateItem(fi, ri, ae, textOnly, feed.Language, opt, base)
		if plain != nil && plain[i] {
			// An Atom text construct is literal text: "<blink>" there is
			// not markup and must survive.
			d.item.Title = collapse(fi.Title)
		}
		if d.item.GUID != "" {
			guids[d.item.GUID]++
		}
		drafts = append(drafts, d)
	}

	items := make([]wiredesk.Item, 0, len(drafts))
	seen := make(map[string]bool, len(drafts))
	for _, d := range drafts {
		it := d.item
		it.Key = wiredesk.Identity(wiredesk.IdentityInput{
			GUID:       it.GUID,
			GUIDUnique: guids[it.GUID] == 1,
			Link:       it.Link,
			Title:      it.Title,
			Date:       d.date,
		})
		if seen[it.Key] {
			continue
		}
		seen[it.Key] = true
		it.SourceID = opt.SourceID
		it.ID = wiredesk.ItemID(opt.SourceID, it.Key)
		it.Hash = hashItem(it)
		items = append(items, it)
	}
	return items
}

// translateItem turns one gofeed item into a draft: link, text, dates,
// metadata and language, each in its own step. The draft's date is the
// item's own (zero when it gave none usable), for the identity.
func translateItem(fi *gofeed.Item, ri *rss.Item, ae *atom.Entry, textOnly bool, feedLang string, opt Options, base *url.URL) draft {
	it := wiredesk.Item{
		Title:     cleanTitle(fi.Title),
		GUID:      strings.TrimSpace(fi.GUID),
		FirstSeen: opt.Now,
	}
	it.Link = canonicalURL(itemLink(fi, ri), base)
	linkBase := base
	if u, err := url.Parse(it.Link); err == nil && u.IsAbs() {
		linkBase = u
	}
	it.Content = itemContent(fi, textOnly, linkBase)
	if desc := strings.TrimSpace(fi.Description); desc != "" {
		it.Summary = normalize.Text(desc)
	} else if it.Content != "" {
		it.Summary = normalize.Lead(it.Content, leadRunes)
	}
	date := itemDates(&it, fi, opt)

	it.Authors = authors(fi)
	it.Categories = dedupe(fi.Categories)
	it.Enclosures = enclosures(fi, linkBase)
	it.Image = image(fi, it.Enclosures, linkBase)

	it.Language = strings.TrimSpace(dcFirst(fi, func(dc *ext.DublinCoreExtension) []string { return dc.Language }))
	if it.Language == "" {
		it.Language = strings.TrimSpace(feedLang)
	}
	if it.Language == "" {
		it.Language = strings.TrimSpace(opt.Language)
	}
	it.Origin = origin(ri, ae, base)
	return draft{item: it, date: date}
}

// itemContent is the item's sanitised HTML: yandex:full-text, else
// content:encoded / atom content / JSON content, else a description that
// carries HTML; plain text becomes paragraphs.
func itemContent(fi *gofeed.Item, textOnly bool, linkBase *url.URL) string {
	raw := extValue(fi.Extensions, "full-text")
	fromText := false // raw is textToHTML's output
	if strings.TrimSpace(raw) == "" {
		raw = fi.Content
		if textOnly {
			raw, fromText = textToHTML(raw), true
		}
	}
	if strings.TrimSpace(raw) == "" && hasHTML(fi.Description) {
		raw, fromText = fi.Description, false
	}
	if strings.TrimSpace(raw) == "" {
		return ""
	}
	if !hasHTML(raw) {
		raw, fromText = textToHTML(raw), true
	}
	if fromText {
		// Escaped text in p and br is what the sanitiser gives back
		// unchanged (FuzzTextToHTMLIsSanitized checks it).
		return strings.TrimSpace(raw)
	}
	return strings.TrimSpace(normalize.SanitizeHTML(raw, linkBase))
}

// itemDates sets it.Published (opt.Now, with DateGuessed, when the item
// gives no usable date or one too far ahead) and it.Updated from the raw
// strings, since gofeed reads MSK and zoneless dates as UTC. It returns the
// item's own date, zero when it had none.
func itemDates(it *wiredesk.Item, fi *gofeed.Item, opt Options) time.Time {
	now := opt.Now
	var date time.Time
	usedRaw := ""
	for _, rawDate := range []string{fi.Published, dcFirst(fi, func(dc *ext.DublinCoreExtension) []string { return dc.Date }), fi.Updated} {
		rawDate = strings.TrimSpace(rawDate)
		if rawDate == "" {
			continue
		}
		if t, ok := normalize.ParseDate(rawDate, opt.Timezone); ok {
			date, usedRaw = t.UTC(), rawDate
			break
		}
	}
	if date.IsZero() || date.After(now.Add(futureSlack)) {
		date = time.Time{}
		it.Published, it.DateGuessed = now, true
	} else {
		it.Published = date
	}
	if up := strings.TrimSpace(fi.Updated); up != "" && up != usedRaw {
		if t, ok := normalize.ParseDate(up, opt.Timezone); ok {
			t = t.UTC()
			if !t.Equal(it.Published) && !t.After(now.Add(futureSlack)) {
				it.Updated = t
			}
		}
	}
	return date
}

// itemLink picks the raw link: <link>, else the first other link, else an
// RSS guid that is a permalink URL (isPermaLink not "false").
func itemLink(fi *gofeed.Item, ri *rss.Item) string {
	if l := strings.TrimSpace(fi.Link); l != "" {
		return l
	}
	for _, l := range fi.Links {
		if l = strings.TrimSpace(l); l != "" {
			return l
		}
	}
	if ri != nil && ri.GUID != nil && !strings.EqualFold(strings.TrimSpace(ri.GUID.IsPermalink), "false") {
		g := strings.TrimSpace(ri.GUID.Value)
		if u, err := url.Parse(g); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
			return g
		}
	}
	return ""
}

// canonicalURL canonicalises a link (normalize.CanonicalURL) and drops
// script and data URLs, which have no place in a published feed.
func canonicalURL(raw string, base *url.URL) string {
	raw = strings.TrimSpace(raw)
	if raw == "" || unsafeScheme(raw) {
		return ""
	}
	c := normalize.CanonicalURL(raw, base)
	if unsafeScheme(c) {
		return ""
	}
	return c
}

// resolveURL makes raw absolute against base without canonicalising it:
// media URLs may be signed, so their query is left alone.
func resolveURL(raw string, base *url.URL) string {
	raw = strings.TrimSpace(raw)
	if raw == "" || unsafeScheme(raw) {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	return u.String()
}

// unsafeScheme reports whether s is a javascript:, vbscript: or data:
// URL as a browser reads it: the WHATWG URL parser drops C0 controls and
// spaces at the start and ASCII tab and newline anywhere before it reads
// the scheme, so "java\tscript:" and "\x01javascript:" are javascript:
// too. (url.Parse refuses such URLs, and resolveURL then keeps them as
// written.)
func unsafeScheme(s string) bool {
	s = strings.TrimLeftFunc(s, func(r rune) bool { return r <= ' ' || unicode.IsSpace(r) })
	s = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, s)
	for _, p := range []string{"javascript:", "vbscript:", "data:"} {
		if len(s) >= len(p) && strings.EqualFold(s[:len(p)], p) {
			return true
		}
	}
	return false
}

// cleanTitle is plain text with whitespace collapsed.
func cleanTitle(s string) string {
	if strings.TrimSpace(s) == "" {
		return ""
	}
	return collapse(normalize.Text(s))
}

// collapse trims s and collapses its runs of white space to single spaces.
func collapse(s string) string {
	if collapsed(s) {
		return s // what Fields and Join would rebuild
	}
	return strings.Join(strings.Fields(s), " ")
}

// collapsed reports whether s has no leading, trailing or repeated white
// space and no white space other than ' ', by strings.Fields' definition.
func collapsed(s string) bool {
	prevSpace := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(s[i:])
			if unicode.IsSpace(r) {
				return false
			}
			prevSpace = false
			i += n - 1
			continue
		}
		switch c {
		case ' ':
			if prevSpace {
				return false
			}
			prevSpace = true
		case '\t', '\n', '\v', '\f', '\r':
			return false
		default:
			prevSpace = false
		}
	}
	return !prevSpace || s == ""
}

// hasHTML reports whether s contains something that looks like a tag or an
// entity, i.e. should be read as HTML rather than plain text.
func hasHTML(s string) bool {
	for i := 0; i+1 < len(s); i++ {
		if s[i] != '<' {
			continue
		}
		c := s[i+1]
		if c == '/' || c == '!' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') {
			return true
		}
	}
	return false
}

// textToHTML turns plain text (yandex:full-text, JSON content_text) into
// HTML paragraphs: blank lines separate paragraphs, single newlines become
// <br>.
func textToHTML(s string) string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	var b strings.Builder
	for _, para := range strings.Split(s, "\n\n") {
		var lines []string
		for _, l := range strings.Split(para, "\n") {
			if l = collapse(l); l != "" {
				lines = append(lines, html.EscapeString(l))
			}
		}
		if len(lines) == 0 {
			continue
		}
		b.WriteString("<p>")
		b.WriteString(strings.Join(lines, "<br>"))
		b.WriteString("</p>")
	}
	return b.String()
}

// extValue returns the text of the first extension element called name
// under any namespace prefix, preferring the "yandex" prefix.
func extValue(e ext.Extensions, name string) string {
	if v := e["yandex"][name]; len(v) > 0 && strings.TrimSpace(v[0].Value) != "" {
		return v[0].Value
	}
	for _, m := range e {
		if v := m[name]; len(v) > 0 && strings.TrimSpace(v[0].Value) != "" {
			return v[0].Value
		}
	}
	return ""
}

func dcFirst(fi *gofeed.Item, field func(*ext.DublinCoreExtension) []string) string {
	if fi.DublinCoreExt == nil {
		return ""
	}
	for _, v := range field(fi.DublinCoreExt) {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}

// authors merges the item's authors (name, else e-mail) with every
// dc:creator, deduplicated.
func authors(fi *gofeed.Item) []string {
	var names []string
	for _, p := range fi.Authors {
		if p == nil {
			continue
		}
		if n := strings.TrimSpace(p.Name); n != "" {
			names = append(names, n)
		} else if e := strings.TrimSpace(p.Email); e != "" {
			names = append(names, e)
		}
	}
	if fi.DublinCoreExt != nil {
		names = append(names, fi.DublinCoreExt.Creator...)
	}
	return dedupe(names)
}

// dedupe trims and collapses whitespace, drops empty strings and later
// case-insensitive repeats, keeping the first spelling and the order.
func dedupe(in []string) []string {
	switch len(in) {
	case 0:
		return nil
	case 1: // nothing to compare with
		if s := collapse(in[0]); s != "" {
			return []string{s}
		}
		return nil
	}
	var out []string
	seen := make(map[string]bool, len(in))
	for _, s := range in {
		s = collapse(s)
		k := strings.ToLower(s)
		if s == "" || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, s)
	}
	return out
}

func enclosures(fi *gofeed.Item, base *url.URL) []wiredesk.Enclosure {
	var out []wiredesk.Enclosure
	seen := map[string]bool{}
	for _, e := range fi.Enclosures {
		if e == nil {
			continue
		}
		u := resolveURL(e.URL, base)
		if u == "" || seen[u] {
			continue
		}
		seen[u] = true
		n, err := strconv.ParseInt(strings.TrimSpace(e.Length), 10, 64)
		if err != nil || n < 0 {
			n = 0
		}
		out = append(out, wiredesk.Enclosure{URL: u, Type: strings.ToLower(strings.TrimSpace(e.Type)), Length: n})
	}
	return out
}

// image picks the item's picture: a media:content image (also inside
// media:group), else media:thumbnail, else gofeed's item image (iTunes
// image, first <img> of the content), else an image enclosure.
func image(fi *gofeed.Item, encs []wiredesk.Enclosure, base *url.URL) string {
	isImage := func(e ext.Extension) bool {
		return strings.HasPrefix(strings.ToLower(e.Attrs["type"]), "image/") || strings.EqualFold(e.Attrs["medium"], "image")
	}
	media := fi.Extensions["media"]
	var groups []map[string][]ext.Extension
	if media != nil {
		groups = append(groups, media)
		for _, g := range media["group"] {
			groups = append(groups, g.Children)
		}
	}
	for _, g := range groups {
		for _, c := range g["content"] {
			if isImage(c) {
				if u := resolveURL(c.Attrs["url"], base); u != "" {
					return u
				}
			}
		}
	}
	for _, g := range groups {
		for _, c := range g["thumbnail"] {
			if u := resolveURL(c.Attrs["url"], base); u != "" {
				return u
			}
		}
	}
	if fi.Image != nil {
		if u := resolveURL(fi.Image.URL, base); u != "" {
			return u
		}
	}
	for _, e := range encs {
		if strings.HasPrefix(e.Type, "image/") {
			return e.URL
		}
	}
	return ""
}

// origin is the feed the wire itself credits: RSS <source url="…">, or an
// Atom entry's atom:source.
func origin(ri *rss.Item, ae *atom.Entry, base *url.URL) *wiredesk.Origin {
	var o wiredesk.Origin
	switch {
	case ri != nil && ri.Source != nil:
		o = wiredesk.Origin{URL: resolveURL(ri.Source.URL, base), Title: cleanTitle(ri.Source.Title)}
	case ae != nil && ae.Source != nil:
		o.Title = cleanTitle(ae.Source.Title)
		for _, rel := range []string{"self", "alternate", ""} {
			for _, l := range ae.Source.Links {
				if l != nil && l.Rel == rel && o.URL == "" {
					o.URL = resolveURL(l.Href, base)
				}
			}
		}
	}
	if o.URL == "" && o.Title == "" {
		return nil
	}
	return &o
}

// hashItem hashes the fields a reader sees, so that an edited item is
// detected: title, link, summary, content, image, the wire's own dates,
// authors, categories, enclosures. It leaves out FirstSeen and a guessed
// Published (both change with every poll of an undated item) and the
// identity fields.
func hashItem(it wiredesk.Item) string {
	// One sha256 over the whole length-prefixed byte stream, built in one
	// buffer: the same digest as writing field by field.
	n := 12 * 8
	for _, s := range []string{it.Title, it.Link, it.Summary, it.Content, it.Image} {
		n += len(s)
	}
	buf := make([]byte, 0, n+64)
	field := func(s string) {
		buf = binary.BigEndian.AppendUint64(buf, uint64(len(s)))
		buf = append(buf, s...)
	}
	var scratch [64]byte
	date := func(t time.Time) {
		if t.IsZero() {
			field("")
			return
		}
		d := t.UTC().AppendFormat(scratch[:0], time.RFC3339Nano)
		buf = binary.BigEndian.AppendUint64(buf, uint64(len(d)))
		buf = append(buf, d...)
	}
	count := func(n int64) {
		d := strconv.AppendInt(scratch[:0], n, 10)
		buf = binary.BigEndian.AppendUint64(buf, uint64(len(d)))
		buf = append(buf, d...)
	}
	field(it.Title)
	field(it.Link)
	field(it.Summary)
	field(it.Content)
	field(it.Image)
	if it.DateGuessed {
		field("")
	} else {
		date(it.Published)
	}
	date(it.Updated)
	count(int64(len(it.Authors)))
	for _, a := range it.Authors {
		field(a)
	}
	count(int64(len(it.Categories)))
	for _, c := range it.Categories {
		field(c)
	}
	count(int64(len(it.Enclosures)))
	for _, e := range it.Enclosures {
		field(e.URL)
		field(e.Type)
		count(e.Length)
	}
	sum := sha256.Sum256(buf)
	return hex.EncodeToString(sum[:])
}

// plainAtomTitles reports, per entry, whether an Atom entry title is a
// plain-text construct (type "text", or no type, or Atom 0.3 "text/plain").
// gofeed decodes text and HTML titles alike and drops the type, so the
// entry titles' type attributes are read again from the body — only when
// some title holds "<" or "&", which otherwise would not matter. It returns
// nil when not needed or when the entries cannot be matched up.
func plainAtomTitles(feed *gofeed.Feed, body []byte) []bool {
	if feed.FeedType != "atom" {
		return nil
	}
	needed := false
	for _, it := range feed.Items {
		if it != nil && strings.ContainsAny(it.Title, "<&") {
			needed = true
			break
		}
	}
	if !needed {
		return nil
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = false
	var plain []bool
	depth, entryDepth, titled := 0, -1, false
	for {
		tok, err := d.Token()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			atomNS := t.Name.Space == "" || t.Name.Space == "http://www.w3.org/2005/Atom" || t.Name.Space == "http://purl.org/atom/ns#"
			switch {
			case entryDepth < 0 && atomNS && strings.EqualFold(t.Name.Local, "entry"):
				entryDepth, titled = depth, false
				plain = append(plain, false)
			case entryDepth >= 0 && depth == entryDepth+1 && !titled && atomNS && strings.EqualFold(t.Name.Local, "title"):
				titled = true
				var typ, mode string
				for _, a := range t.Attr {
					switch strings.ToLower(a.Name.Local) {
					case "type":
						typ = strings.ToLower(strings.TrimSpace(a.Value))
					case "mode":
						mode = strings.ToLower(strings.TrimSpace(a.Value))
					}
				}
				plain[len(plain)-1] = (typ == "" || typ == "text" || typ == "text/plain") && mode != "escaped"
			}
		case xml.EndElement:
			if depth == entryDepth {
				entryDepth = -1
			}
			depth--
		}
	}
	if len(plain) != len(feed.Items) {
		return nil
	}
	return plain
}
