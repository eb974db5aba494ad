package render

import (
	"bytes"
	"encoding/json"
	"html"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
	ext "github.com/mmcdole/gofeed/extensions"
	jsonfeed "github.com/mmcdole/gofeed/json"
	"github.com/mmcdole/gofeed/rss"
)

// render encodes f in format or fails the test.
func render(t *testing.T, format Format, f Feed) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, format, f); err != nil {
		t.Fatalf("Write(%s): %v", format, err)
	}
	return buf.Bytes()
}

func eq[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v; want %v", what, got, want)
	}
}

func eqSlice[T comparable](t *testing.T, what string, got, want []T) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s = %+v; want %+v", what, got, want)
	}
}

func eqTime(t *testing.T, what string, got *time.Time, want time.Time) {
	t.Helper()
	if got == nil {
		t.Errorf("%s missing; want %v", what, want)
		return
	}
	if !got.Equal(want) {
		t.Errorf("%s = %v; want %v", what, got, want)
	}
}

// TestRoundTripRSS parses our RSS with gofeed's RSS parser and compares
// every field we write, with and without wd:decision elements.
func TestRoundTripRSS(t *testing.T) {
	for _, elements := range []bool{false, true} {
		t.Run("decision_elements="+strconv.FormatBool(elements), func(t *testing.T) {
			f := sampleFeed()
			f.DecisionElements = elements
			roundTripRSS(t, f)
		})
	}
}

func roundTripRSS(t *testing.T, f Feed) {
	got, err := (&rss.Parser{}).Parse(bytes.NewReader(render(t, RSS, f)))
	if err != nil {
		t.Fatalf("gofeed rss: %v", err)
	}
	eq(t, "version", got.Version, "2.0")
	eq(t, "title", got.Title, f.Title)
	eq(t, "link", got.Link, f.HomeURL)
	eq(t, "description", got.Description, f.Description)
	eq(t, "language", got.Language, f.Language)
	eq(t, "generator", got.Generator, f.Generator)
	eq(t, "ttl", got.TTL, "5")
	eqTime(t, "lastBuildDate", got.LastBuildDateParsed, f.Updated)
	var links []string
	for _, l := range got.Extensions["atom"]["link"] {
		links = append(links, l.Attrs["rel"]+" "+l.Attrs["type"]+" "+l.Attrs["href"])
	}
	eqSlice(t, "atom:link", links, []string{"self application/rss+xml " + f.FeedURLs[RSS], "hub  " + f.HubURL})

	if len(got.Items) != len(f.Entries) {
		t.Fatalf("got %d items; want %d", len(got.Items), len(f.Entries))
	}
	for i, e := range f.Entries {
		it := got.Items[i]
		t.Run(e.ID, func(t *testing.T) {
			eq(t, "title", it.Title, e.Title)
			eq(t, "link", it.Link, e.Link)
			eq(t, "description", it.Description, e.SummaryHTML)
			eq(t, "content:encoded", it.Content, e.ContentHTML)
			if it.GUID == nil {
				t.Fatalf("no guid")
			}
			eq(t, "guid", it.GUID.Value, e.ID)
			eq(t, "guid isPermaLink", it.GUID.IsPermalink, "false")
			eqTime(t, "pubDate", it.PubDateParsed, e.Published)
			var cats []string
			for _, c := range it.Categories {
				cats = append(cats, c.Domain+"|"+c.Value)
			}
			eqSlice(t, "categories", cats, wantCategories(e, false))
			var creators []string
			if it.DublinCoreExt != nil {
				creators = it.DublinCoreExt.Creator
			}
			eqSlice(t, "dc:creator", creators, e.Authors)
			if len(e.Enclosures) > 0 {
				if it.Enclosure == nil {
					t.Fatalf("no enclosure")
				}
				eq(t, "enclosure url", it.Enclosure.URL, e.Enclosures[0].URL)
				eq(t, "enclosure type", it.Enclosure.Type, e.Enclosures[0].Type)
				eq(t, "enclosure length", it.Enclosure.Length, strconv.FormatInt(e.Enclosures[0].Length, 10))
			}
			lead := e.Sources[e.Lead]
			if lead.URL == "" {
				if it.Source != nil {
					t.Errorf("<source url=%q> for a wire without a public URL", it.Source.URL)
				}
				return
			}
			if it.Source == nil {
				t.Fatalf("no <source>")
			}
			eq(t, "source url", it.Source.URL, lead.URL)
			eq(t, "source name", it.Source.Title, lead.Name)
			eqSlice(t, "wd:decision", extDecisions(it.Extensions), wantElements(&f, e))
		})
	}
}

// TestRoundTripAtom parses our Atom with gofeed's Atom parser and compares
// every field we write.
func TestRoundTripAtom(t *testing.T) {
	elements := sampleFeed()
	elements.DecisionElements = true
	for _, f := range []Feed{sampleFeed(), archiveFeed(), elements} {
		t.Run(f.FeedURLs[Atom], func(t *testing.T) {
			got, err := (&atom.Parser{}).Parse(bytes.NewReader(render(t, Atom, f)))
			if err != nil {
				t.Fatalf("gofeed atom: %v", err)
			}
			eq(t, "id", got.ID, f.ID)
			eq(t, "title", got.Title, f.Title)
			eq(t, "subtitle", got.Subtitle, f.Description)
			eq(t, "language", got.Language, f.Language)
			eqTime(t, "updated", got.UpdatedParsed, f.Updated)
			if got.Generator == nil {
				t.Fatalf("no generator")
			}
			eq(t, "generator", got.Generator.Value, f.Generator)
			var links []string
			for _, l := range got.Links {
				links = append(links, l.Rel+" "+l.Href)
			}
			want := []string{"self " + f.FeedURLs[Atom], "alternate " + f.HomeURL}
			if f.HubURL != "" {
				want = append(want, "hub "+f.HubURL)
			}
			if f.Current != "" {
				want = append(want, "current "+f.Current)
			}
			want = append(want, "prev-archive "+f.PrevArchive)
			eqSlice(t, "links", links, want)
			_, archived := got.Extensions["fh"]["archive"]
			eq(t, "fh:archive", archived, f.Archive)

			if len(got.Entries) != len(f.Entries) {
				t.Fatalf("got %d entries; want %d", len(got.Entries), len(f.Entries))
			}
			for i, e := range f.Entries {
				checkAtomEntry(t, got.Entries[i], e, &f)
			}
		})
	}
}

func checkAtomEntry(t *testing.T, ae *atom.Entry, e Entry, f *Feed) {
	t.Helper()
	lead := e.Sources[e.Lead]
	eq(t, "id", ae.ID, e.ID)
	eq(t, "title", ae.Title, wantAtomTitle(e))
	eqTime(t, "published", ae.PublishedParsed, e.Published)
	_, updated := e.dates(time.Time{})
	eqTime(t, "updated", ae.UpdatedParsed, updated)
	var authors []string
	for _, a := range ae.Authors {
		authors = append(authors, a.Name)
	}
	wantAuthors := e.Authors
	if len(wantAuthors) == 0 {
		wantAuthors = []string{lead.Name}
	}
	eqSlice(t, "authors", authors, wantAuthors)
	var links []string
	for _, l := range ae.Links {
		links = append(links, l.Rel+" "+l.Href+" "+l.Title+" "+l.Length+" "+l.Hreflang)
	}
	wantLinks := []string{"alternate " + e.Link + "   "}
	for _, r := range e.Related {
		wantLinks = append(wantLinks, "related "+r.URL+" "+r.Title+"  "+r.Language)
	}
	for _, enc := range e.Enclosures {
		wantLinks = append(wantLinks, "enclosure "+enc.URL+"  "+strconv.FormatInt(enc.Length, 10)+" ")
	}
	eqSlice(t, "links", links, wantLinks)
	var cats []string
	for _, c := range ae.Categories {
		cats = append(cats, c.Scheme+"|"+c.Term+"|"+c.Label)
	}
	eqSlice(t, "categories", cats, wantCategories(e, true))
	eq(t, "summary", ae.Summary, e.SummaryHTML)
	if e.ContentHTML == "" {
		if ae.Content != nil {
			t.Errorf("content = %q; want none", ae.Content.Value)
		}
	} else if ae.Content == nil {
		t.Errorf("no content; want %q", e.ContentHTML)
	} else {
		eq(t, "content", ae.Content.Value, e.ContentHTML)
		eq(t, "content type", ae.Content.Type, "html")
	}
	if ae.Source == nil {
		t.Fatalf("no atom:source")
	}
	wantID := lead.URL
	if wantID == "" {
		wantID = sourceID(f.ID, lead.ID)
	}
	eq(t, "source id", ae.Source.ID, wantID)
	eq(t, "source title", ae.Source.Title, lead.Name)
	wantUpdated := lead.Updated
	if wantUpdated.IsZero() {
		wantUpdated = updated
	}
	eqTime(t, "source updated", ae.Source.UpdatedParsed, wantUpdated)
	if lead.URL == "" {
		if len(ae.Source.Links) != 0 {
			t.Errorf("atom:source links %v for a wire without a public URL", ae.Source.Links)
		}
		return
	}
	if len(ae.Source.Links) == 0 {
		t.Fatalf("atom:source has no link")
	}
	eq(t, "source link", ae.Source.Links[0].Rel+" "+ae.Source.Links[0].Href, "alternate "+lead.URL)
	eqSlice(t, "wd:decision", extDecisions(ae.Extensions), wantElements(f, e))
}

// wantAtomTitle is the atom:title gofeed should read for e: the title, or
// its HTML when it holds markup-like text and so goes out as type="html"
// (gofeed gives an HTML title as HTML).
func wantAtomTitle(e Entry) string {
	if markupLike.MatchString(e.Title) {
		return html.EscapeString(e.Title)
	}
	return e.Title
}

// wantCategories is what the category round trip should read for e, one
// "domain|value" (RSS) or "scheme|term|label" (Atom) line each: e's
// categories, then one per distinct decision kind.
func wantCategories(e Entry, atom bool) []string {
	var out []string
	for _, c := range e.Categories {
		if atom {
			out = append(out, "|"+c+"|")
		} else {
			out = append(out, "|"+c)
		}
	}
	seen := map[string]bool{}
	for _, d := range e.Decisions {
		if seen[d.Kind] {
			continue
		}
		seen[d.Kind] = true
		if atom {
			out = append(out, DecisionScheme+"|"+d.Kind+"|"+decisionLabel(d.Kind))
		} else {
			out = append(out, DecisionScheme+"|"+d.Kind)
		}
	}
	return out
}

// wantElements is what extDecisions should read for e in f: its decisions
// with f.DecisionElements, else none.
func wantElements(f *Feed, e Entry) []string {
	if !f.DecisionElements {
		return nil
	}
	return wantDecisions(e)
}

// extDecisions reads the wd:decision elements gofeed found, one line each.
func extDecisions(x ext.Extensions) []string {
	var out []string
	for _, d := range x["wd"]["decision"] {
		out = append(out, strings.Join([]string{d.Attrs["kind"], d.Attrs["from"], d.Attrs["to"], d.Attrs["at"], d.Attrs["by"]}, " "))
	}
	return out
}

// wantDecisions is what extDecisions should read for e.
func wantDecisions(e Entry) []string {
	var out []string
	for _, d := range e.Decisions {
		out = append(out, strings.Join([]string{d.Kind, d.From, d.To, d.At.UTC().Format(time.RFC3339), d.By}, " "))
	}
	return out
}

// TestRoundTripJSON parses our JSON Feed with gofeed's JSON parser and reads
// what gofeed does not know (hubs, _wiredesk) with encoding/json.
func TestRoundTripJSON(t *testing.T) {
	f := sampleFeed()
	doc := render(t, JSON, f)
	got, err := (&jsonfeed.Parser{}).Parse(bytes.NewReader(doc))
	if err != nil {
		t.Fatalf("gofeed json: %v", err)
	}
	eq(t, "version", got.Version, jsonFeedVersion)
	eq(t, "title", got.Title, f.Title)
	eq(t, "home_page_url", got.HomePageURL, f.HomeURL)
	eq(t, "feed_url", got.FeedURL, f.FeedURLs[JSON])
	eq(t, "description", got.Description, f.Description)
	eq(t, "language", got.Language, f.Language)

	var raw struct {
		Hubs  []jsonHub `json:"hubs"`
		Items []struct {
			Wiredesk jsonWiredesk `json:"_wiredesk"`
		} `json:"items"`
	}
	if err := json.Unmarshal(doc, &raw); err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	eqSlice(t, "hubs", raw.Hubs, []jsonHub{{Type: "WebSub", URL: f.HubURL}})

	if len(got.Items) != len(f.Entries) || len(raw.Items) != len(f.Entries) {
		t.Fatalf("got %d items; want %d", len(got.Items), len(f.Entries))
	}
	for i, e := range f.Entries {
		it := got.Items[i]
		t.Run(e.ID, func(t *testing.T) {
			eq(t, "id", it.ID, e.ID)
			eq(t, "url", it.URL, e.Link)
			eq(t, "title", it.Title, e.Title)
			wantHTML := e.ContentHTML
			if wantHTML == "" {
				wantHTML = e.SummaryHTML
			}
			eq(t, "content_html", it.ContentHTML, wantHTML)
			if it.ContentHTML == "" && it.ContentText == "" {
				t.Errorf("item has neither content_html nor content_text")
			}
			eq(t, "summary", it.Summary, e.Summary)
			eq(t, "image", it.Image, e.Image)
			published, updated := e.dates(time.Time{})
			eq(t, "date_published", it.DatePublished, published.UTC().Format(time.RFC3339))
			eq(t, "date_modified", it.DateModified, updated.UTC().Format(time.RFC3339))
			var authors []string
			for _, a := range it.Authors {
				authors = append(authors, a.Name)
			}
			eqSlice(t, "authors", authors, e.Authors)
			eqSlice(t, "tags", it.Tags, e.Categories)
			eq(t, "language", it.Language, e.Language)
			var atts []Enclosure
			if it.Attachments != nil {
				for _, a := range *it.Attachments {
					atts = append(atts, Enclosure{URL: a.URL, Type: a.MimeType, Length: a.SizeInBytes})
				}
			}
			eqSlice(t, "attachments", atts, e.Enclosures)

			wd := raw.Items[i].Wiredesk
			var srcs []Source
			for _, s := range wd.Sources {
				srcs = append(srcs, Source{ID: s.ID, Name: s.Name, URL: s.URL})
			}
			var wantSrcs []Source
			for _, s := range e.Sources {
				wantSrcs = append(wantSrcs, Source{ID: s.ID, Name: s.Name, URL: s.URL})
			}
			eq(t, "_wiredesk.story", wd.Story, e.StoryID)
			eqSlice(t, "_wiredesk.sources", srcs, wantSrcs)
			var origs []Original
			for _, o := range wd.Items {
				origs = append(origs, Original(o))
			}
			eqSlice(t, "_wiredesk.items", origs, e.Originals)
			var decs []string
			for _, d := range wd.Decisions {
				decs = append(decs, strings.Join([]string{d.Kind, d.From, d.To, d.At, d.By}, " "))
			}
			eqSlice(t, "_wiredesk.decisions", decs, wantDecisions(e))
		})
	}
}

// TestRoundTripUniversal checks that gofeed's format detection reads every
// format and agrees on ids, titles, links and dates, as a reader keyed by
// guid would see them.
func TestRoundTripUniversal(t *testing.T) {
	f := sampleFeed()
	for _, format := range Formats() {
		t.Run(string(format), func(t *testing.T) {
			got, err := gofeed.NewParser().Parse(bytes.NewReader(render(t, format, f)))
			if err != nil {
				t.Fatalf("gofeed: %v", err)
			}
			eq(t, "title", got.Title, f.Title)
			eq(t, "language", got.Language, f.Language)
			if len(got.Items) != len(f.Entries) {
				t.Fatalf("got %d items; want %d", len(got.Items), len(f.Entries))
			}
			for i, e := range f.Entries {
				it := got.Items[i]
				eq(t, "guid", it.GUID, e.ID)
				wantTitle := e.Title
				if format == Atom {
					wantTitle = wantAtomTitle(e)
				}
				eq(t, "title", it.Title, wantTitle)
				eq(t, "link", it.Link, e.Link)
				eqTime(t, "published", it.PublishedParsed, e.Published)
				// gofeed names an Atom category by its label when it has one.
				var wantCats []string
				for _, c := range wantCategories(e, format == Atom) {
					parts := strings.Split(c, "|")
					if format == Atom && parts[2] != "" {
						wantCats = append(wantCats, parts[2])
					} else {
						wantCats = append(wantCats, parts[1])
					}
				}
				if format == JSON {
					wantCats = e.Categories
				}
				eqSlice(t, "categories", it.Categories, wantCats)
			}
		})
	}
}
