// Package render encodes a prepared feed as RSS 2.0, Atom 1.0, JSON Feed 1.1
// and OPML 2.0. It decides nothing about what a feed contains: curation,
// rights and attribution are applied by package publisher before an Entry
// reaches it. Every encoder writes UTF-8 and is deterministic: the same Feed
// gives the same bytes, so callers may hash the output for an ETag and skip
// rewriting unchanged files.
//
// # Encoders
//
// Write encodes a Feed in one Format (RSS, Atom or JSON, one unexported
// encoder each) and ContentType gives its media type. OPML writes the list
// of published feeds.
//
// Credit travels in every format: the attribution paragraph ends the HTML
// (publisher puts it there), RSS items carry <source url="FEED">Name</source>,
// Atom entries carry atom:source (id, title, self link) and rel="related"
// links to the other wires' versions (with hreflang), and JSON Feed items
// carry the "_wiredesk" extension listing every source and original item
// (with its language).
//
// Editors' decisions that shaped a story travel with it: JSON Feed items
// list them in "_wiredesk"."decisions" ({"kind","from","to","at","by"},
// from and to being story ids), RSS items and Atom entries carry one
// standard category per decision kind in the DecisionScheme domain/scheme
// (<category domain="…/decision">merge</category>, <category
// scheme="…/decision" term="merge" label="Merged by an editor"/>), which
// names no editor. With Feed.DecisionElements they also carry each
// decision in full as <wd:decision kind from to at by/> in the NSWiredesk
// namespace, declared only when used; that is opt-in because the W3C
// validator warns "Use of unknown namespace" for any namespace it does not
// know.
//
// Dates are written in UTC: RFC 1123 with a numeric zone ("+0000") in RSS
// and OPML, RFC 3339 in Atom and JSON Feed.
//
// RSS allows one enclosure per item in practice (the RSS Advisory Board's
// profile; feedvalidator warns about more), so RSS carries the first
// enclosure only; Atom and JSON Feed carry all of them.
//
// # Why not gorilla/feeds
//
// github.com/gorilla/feeds v1.2.0 was evaluated and is not used by the
// encoders. TestGorillaFeedsEvaluation (gorilla_test.go) feeds it everything
// its API accepts and checks its output, so the findings below are re-checked
// on every test run and a fixed upstream version would fail that test:
//
//   - RSS <source> gets the feed URL as its text and no url attribute
//     (RSS 2.0 requires url; the text is the source's name):
//     <source>https://www.interfax.ru/rss.asp</source>.
//   - RSS: no xmlns:atom and no atom:link rel="self" or rel="hub"; no
//     language or ttl (feeds.Feed has neither); no item <category>
//     (feeds.Item has no categories); <guid> without isPermaLink, so readers
//     take our tag: URI for a URL; <author> is a name where RSS wants an
//     e-mail address.
//   - Atom: entries never get <published> although Item.Created is set; no
//     atom:source; no <category term>; the feed <id> is the link href and
//     Feed.Id is ignored; the feed has one <link> (no distinct self and
//     alternate, no hub, no RFC 5005 prev-archive/current, no fh:archive).
//   - The generic structs are closed, and the exported per-format structs
//     (RssItem, AtomEntry) have string fields where we need elements with
//     attributes (Source, Category) and no slot for extra namespaces.
//   - JSON Feed types are the closest fit, but JSONAttachment writes its size
//     as "size" (JSON Feed says size_in_bytes) in an int32, BannerImage is
//     tagged "banner_", JSONItem has no language and no field that could
//     carry the "_wiredesk" extension.
//
// gorilla's output would therefore be invalid (RSS <source>, guid) or
// insufficient (credit, ids, categories, archives) in every format, so this
// package owns small encoding/xml and encoding/json structs instead; they are
// checked by golden files, by a round trip through gofeed and, in CI, by
// xmllint, feedparser, newsboat and the npm parsers.
package render
