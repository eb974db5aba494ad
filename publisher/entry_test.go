package publisher

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/wiredesk/wiredesk"
	"github.com/wiredesk/wiredesk/publisher/render"
)

// entryT0 is the first-seen time of the first item in entry tests.
var entryT0 = time.Date(2026, 5, 12, 8, 0, 0, 0, time.UTC)

const entryBaseURL = "http://localhost:8080"

// entrySources are the sources of the entry tests, one per rights level.
func entrySources() map[string]wiredesk.Source {
	return map[string]wiredesk.Source{
		"interfax": {ID: "interfax", Name: "Interfax", URL: "https://www.interfax.ru/rss.asp"},
		"tass":     {ID: "tass", Name: "TASS", URL: "https://desk:hunter2@tass.ru/rss/v2.xml?token=s3cret", Rights: wiredesk.RightsSummary},
		"ria":      {ID: "ria", Name: "RIA", URL: "https://ria.ru/export/rss2/index.xml", Rights: wiredesk.RightsHeadline},
		"rferl":    {ID: "rferl", Name: "RFE/RL", URL: "https://www.rferl.org/api/x", Rights: wiredesk.RightsFull, Priority: 5},
	}
}

func entryContext() EntryContext {
	return EntryContext{BaseURL: entryBaseURL, Sources: entrySources()}
}

// entryItem is the n-th report of a story, by source src, first seen n
// minutes after entryT0. Its text fields name the source so that tests can
// look for them in the output.
func entryItem(src string, n int) wiredesk.Item {
	at := entryT0.Add(time.Duration(n) * time.Minute)
	upper := strings.ToUpper(src)
	return wiredesk.Item{
		ID:         fmt.Sprintf("%s/%020d", src, n),
		SourceID:   src,
		GUID:       fmt.Sprintf("%s-guid-%d", src, n),
		Link:       fmt.Sprintf("https://%s.example/news/%d", src, n),
		Title:      "Title by " + upper,
		Summary:    "Summary text by " + upper + ".",
		Content:    "<p>Content text by " + upper + " &amp; more.</p>",
		Authors:    []string{"Author of " + upper},
		Categories: []string{"Category of " + upper},
		Enclosures: []wiredesk.Enclosure{{URL: "https://" + src + ".example/photo.jpg", Type: "image/jpeg", Length: 10}},
		Image:      "https://" + src + ".example/image.jpg",
		Language:   "en",
		Published:  at,
		FirstSeen:  at,
		StoryID:    "story-1",
	}
}

func entryStory(id string, items ...wiredesk.Item) wiredesk.Story {
	st := wiredesk.Story{ID: id, Items: items}
	if len(items) > 0 {
		st.Created = items[0].FirstSeen
		st.Updated = items[len(items)-1].FirstSeen
	}
	return st
}

func entrySpec() wiredesk.Feed {
	return wiredesk.Feed{Slug: "wire", Title: "Wire", Cluster: true}
}

// checkCredit checks that the attribution ends the HTML as its own
// paragraph and the text as its last line.
func checkCredit(t *testing.T, e render.Entry) {
	t.Helper()
	credit := `<p class="wiredesk-credit">` + e.Attribution + `</p>`
	if !strings.HasSuffix(e.SummaryHTML, credit) {
		t.Errorf("SummaryHTML = %q; want it to end with %q", e.SummaryHTML, credit)
	}
	if e.ContentHTML != "" && !strings.HasSuffix(e.ContentHTML, credit) {
		t.Errorf("ContentHTML = %q; want it to end with %q", e.ContentHTML, credit)
	}
	lines := strings.Split(e.Text, "\n")
	if got := lines[len(lines)-1]; got != e.Attribution {
		t.Errorf("last line of Text = %q; want %q", got, e.Attribution)
	}
}

func TestStoryEntryRights(t *testing.T) {
	tests := []struct {
		name        string
		lead        string
		wantContent string // ContentHTML before the credit; "" for none
		wantSummary string // plain Summary
		wantMedia   bool   // enclosures and image
		wantMeta    bool   // authors and categories
	}{
		{"full", "interfax", "<p>Content text by INTERFAX &amp; more.</p>", "Summary text by INTERFAX.", true, true},
		{"summary", "tass", "", "Summary text by TASS.", false, true},
		{"headline", "ria", "", "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := entryStory("s1", entryItem(tt.lead, 0))
			e := StoryEntry(entrySpec(), st, nil, entryContext())
			checkCredit(t, e)
			if e.Title != "Title by "+strings.ToUpper(tt.lead) {
				t.Errorf("Title = %q; want the lead's title", e.Title)
			}
			if e.Link != st.Items[0].Link {
				t.Errorf("Link = %q; want %q", e.Link, st.Items[0].Link)
			}
			gotContent := strings.TrimSuffix(e.ContentHTML, `<p class="wiredesk-credit">`+e.Attribution+`</p>`)
			if gotContent != tt.wantContent {
				t.Errorf("ContentHTML without credit = %q; want %q", gotContent, tt.wantContent)
			}
			if e.Summary != tt.wantSummary {
				t.Errorf("Summary = %q; want %q", e.Summary, tt.wantSummary)
			}
			if tt.wantSummary != "" && !strings.HasPrefix(e.SummaryHTML, "<p>"+tt.wantSummary+"</p>") {
				t.Errorf("SummaryHTML = %q; want it to start with the escaped summary", e.SummaryHTML)
			}
			if tt.wantSummary == "" && e.Text != e.Attribution {
				t.Errorf("Text = %q; want only the credit %q", e.Text, e.Attribution)
			}
			if got := len(e.Enclosures) > 0 || e.Image != ""; got != tt.wantMedia {
				t.Errorf("media published = %v; want %v", got, tt.wantMedia)
			}
			if got := len(e.Authors) > 0 || len(e.Categories) > 0; got != tt.wantMeta {
				t.Errorf("authors/categories published = %v; want %v", got, tt.wantMeta)
			}
		})
	}
}

func TestStoryEntryFullWithoutContent(t *testing.T) {
	it := entryItem("interfax", 0)
	it.Content = ""
	it.Summary = "First line & <more>.\nSecond line."
	e := StoryEntry(entrySpec(), entryStory("s1", it), nil, entryContext())
	want := "<p>First line &amp; &lt;more&gt;.</p><p>Second line.</p>"
	if !strings.HasPrefix(e.ContentHTML, want) {
		t.Errorf("ContentHTML = %q; want the summary as escaped paragraphs %q", e.ContentHTML, want)
	}
	checkCredit(t, e)
}

func TestStoryEntrySummaryFromContent(t *testing.T) {
	it := entryItem("tass", 0)
	it.Summary = ""
	it.Content = "<p>Первый абзац &laquo;ТАСС&raquo;.</p><p>Второй абзац.</p>"
	e := StoryEntry(entrySpec(), entryStory("s1", it), nil, entryContext())
	if want := "Первый абзац «ТАСС»."; e.Summary != want {
		t.Errorf("Summary = %q; want the first paragraph of the content %q", e.Summary, want)
	}
	if e.ContentHTML != "" {
		t.Errorf("ContentHTML = %q; want none for a summary-rights source", e.ContentHTML)
	}
}

func TestAttribution(t *testing.T) {
	tests := []struct {
		name     string
		sources  []string
		template string
		and      string
		want     string
	}{
		{"one", []string{"interfax"}, "", "", "With reporting by Interfax"},
		{"two", []string{"interfax", "tass"}, "", "", "With reporting by Interfax and TASS"},
		{"three", []string{"interfax", "tass", "ria"}, "", "", "With reporting by Interfax, TASS and RIA"},
		{"russian", []string{"interfax", "tass", "ria"}, "По данным {sources}", "и", "По данным Interfax, TASS и RIA"},
		{"order of first report", []string{"tass", "interfax", "tass"}, "", "", "With reporting by TASS and Interfax"},
		{"unknown source by id", []string{"interfax", "afp"}, "", "", "With reporting by Interfax and afp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var items []wiredesk.Item
			for i, s := range tt.sources {
				items = append(items, entryItem(s, i))
			}
			spec := entrySpec()
			spec.Attribution, spec.AttributionAnd = tt.template, tt.and
			e := StoryEntry(spec, entryStory("s1", items...), nil, entryContext())
			if e.Attribution != tt.want {
				t.Errorf("Attribution = %q; want %q", e.Attribution, tt.want)
			}
			checkCredit(t, e)
			var ids []string
			for _, s := range e.Sources {
				ids = append(ids, s.ID)
			}
			if got, want := strings.Join(ids, ","), strings.Join(wiredesk.Story{Items: items}.SourceIDs(), ","); got != want {
				t.Errorf("Sources = %s; want %s (order of first report)", got, want)
			}
		})
	}
}

func TestLeadSelection(t *testing.T) {
	tests := []struct {
		name     string
		items    []wiredesk.Item
		eligible []bool
		want     string // lead source
	}{
		{"earliest when priorities tie", []wiredesk.Item{entryItem("tass", 0), entryItem("interfax", 1)}, nil, "tass"},
		{"highest priority", []wiredesk.Item{entryItem("interfax", 0), entryItem("rferl", 1)}, nil, "rferl"},
		{"ineligible item never leads", []wiredesk.Item{entryItem("interfax", 0), entryItem("rferl", 1)}, []bool{true, false}, "interfax"},
		{"eligible later item", []wiredesk.Item{entryItem("interfax", 0), entryItem("tass", 1)}, []bool{false, true}, "tass"},
		{"none eligible: all count", []wiredesk.Item{entryItem("interfax", 0), entryItem("rferl", 1)}, []bool{false, false}, "rferl"},
		{"first seen, not slice order", func() []wiredesk.Item {
			a, b := entryItem("tass", 5), entryItem("interfax", 1)
			return []wiredesk.Item{a, b}
		}(), nil, "interfax"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := StoryEntry(entrySpec(), entryStory("s1", tt.items...), tt.eligible, entryContext())
			if got := e.Sources[e.Lead].ID; got != tt.want {
				t.Errorf("lead = %s; want %s", got, tt.want)
			}
			if want := "Title by " + strings.ToUpper(tt.want); e.Title != want {
				t.Errorf("Title = %q; want %q", e.Title, want)
			}
			for _, r := range e.Related {
				if strings.Contains(r.URL, tt.want+".example") {
					t.Errorf("Related %v links the lead itself", r)
				}
			}
		})
	}
}

func TestStoryEntryRelatedAndDates(t *testing.T) {
	a, b, c := entryItem("interfax", 0), entryItem("tass", 30), entryItem("ria", 60)
	b.Modified = entryT0.Add(3 * time.Hour)
	st := entryStory("s1", a, b, c)
	st.Updated = entryT0.Add(2 * time.Hour)
	e := StoryEntry(entrySpec(), st, []bool{true, false, true}, entryContext())

	wantRelated := []render.Link{{Title: "TASS", URL: b.Link, Language: "en"}, {Title: "RIA", URL: c.Link, Language: "en"}}
	if fmt.Sprint(e.Related) != fmt.Sprint(wantRelated) {
		t.Errorf("Related = %v; want %v", e.Related, wantRelated)
	}
	wantAlso := `<p class="wiredesk-also">Also: <a href="` + b.Link + `">TASS</a>, <a href="` + c.Link + `">RIA</a></p><p class="wiredesk-credit">`
	if !strings.Contains(e.ContentHTML, wantAlso) || !strings.Contains(e.SummaryHTML, wantAlso) {
		t.Errorf("HTML = %q; want the Also paragraph right before the credit: %q", e.ContentHTML, wantAlso)
	}
	ru := entrySpec()
	ru.Also = "Также:"
	if e := StoryEntry(ru, st, []bool{true, false, true}, entryContext()); !strings.Contains(e.ContentHTML, `<p class="wiredesk-also">Также: <a href=`) ||
		!strings.Contains(e.Text, "Также: TASS") {
		t.Errorf("feed with also = %q: HTML %q, text %q", ru.Also, e.ContentHTML, e.Text)
	}
	if !e.Published.Equal(a.Published) {
		t.Errorf("Published = %v; want the lead's date %v", e.Published, a.Published)
	}
	if !e.Updated.Equal(b.Modified) {
		t.Errorf("Updated = %v; want the latest Modified %v", e.Updated, b.Modified)
	}
	wantOrig := []render.Original{
		{Source: "interfax", GUID: a.GUID, URL: a.Link, Language: "en"},
		{Source: "tass", GUID: b.GUID, URL: b.Link, Language: "en"},
		{Source: "ria", GUID: c.GUID, URL: c.Link, Language: "en"},
	}
	if fmt.Sprint(e.Originals) != fmt.Sprint(wantOrig) {
		t.Errorf("Originals = %v; want %v", e.Originals, wantOrig)
	}
	// Categories: eligible items only (tass is not), never from a
	// headline-only source (ria).
	if got, want := strings.Join(e.Categories, "|"), "Category of INTERFAX"; got != want {
		t.Errorf("Categories = %q; want %q", got, want)
	}
	for _, src := range e.Sources {
		if polled := entrySources()[src.ID].URL; src.URL == polled || strings.Contains(src.URL, "hunter2") || strings.Contains(src.URL, "s3cret") {
			t.Errorf("source %s credited with %q, its polled URL", src.ID, src.URL)
		}
	}
}

// TestCreditURL checks which URL a wire is credited with: public_url, else
// its feed's home link when that may be published, never the polled URL.
func TestCreditURL(t *testing.T) {
	tests := []struct {
		name      string
		src       wiredesk.Source
		feedLink  string
		wantURL   string
		wantInRSS bool
	}{
		{"public_url wins", wiredesk.Source{URL: "https://desk:pw@tass.example/rss?apikey=k", PublicURL: "https://tass.ru/"}, "https://tass.example/", "https://tass.ru/", true},
		{"feed link without public_url", wiredesk.Source{URL: "https://desk:pw@tass.example/rss?apikey=k"}, "https://tass.ru/", "https://tass.ru/", true},
		{"feed link with credentials is not published", wiredesk.Source{URL: "https://tass.example/rss"}, "https://tass.example/?apikey=k", "", false},
		{"feed link with userinfo is not published", wiredesk.Source{URL: "https://tass.example/rss"}, "https://desk@tass.example/", "", false},
		{"no link: credited by name only, never the polled URL", wiredesk.Source{URL: "https://www.interfax.ru/rss.asp"}, "", "", false},
		{"file URLs are never published", wiredesk.Source{URL: "file:///srv/wire.xml"}, "file:///srv/", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := tt.src
			src.ID, src.Name = "tass", "TASS"
			ec := EntryContext{BaseURL: entryBaseURL, Sources: map[string]wiredesk.Source{"tass": src}, Links: map[string]string{"tass": tt.feedLink}}
			e := StoryEntry(entrySpec(), entryStory("s1", entryItem("tass", 0)), nil, ec)
			if got := e.Sources[0].URL; got != tt.wantURL {
				t.Errorf("credited URL = %q; want %q", got, tt.wantURL)
			}
			var buf bytes.Buffer
			if err := render.Write(&buf, render.RSS, render.Feed{Title: "Wire", Entries: []render.Entry{e}}); err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(buf.String(), "<source url="); got != tt.wantInRSS {
				t.Errorf("RSS has <source url>: %v; want %v\n%s", got, tt.wantInRSS, buf.String())
			}
			for _, leak := range []string{src.URL, "pw@", "apikey"} {
				for _, f := range render.Formats() {
					buf.Reset()
					if err := render.Write(&buf, f, render.Feed{Title: "Wire", Entries: []render.Entry{e}}); err != nil {
						t.Fatal(err)
					}
					if strings.Contains(buf.String(), leak) {
						t.Errorf("%s output contains %q", f, leak)
					}
				}
			}
		})
	}
}

// TestCreditsAcrossLanguages checks that a story joining wires in two
// languages credits every wire whatever the feed's language rules, and that
// its "also" links say which language each linked version is in, in the
// feed's language; a story in one language keeps plain links.
func TestCreditsAcrossLanguages(t *testing.T) {
	inLang := func(it wiredesk.Item, lang string) wiredesk.Item { it.Language = lang; return it }
	rferl := entryItem("rferl", 0)
	interfax := inLang(entryItem("interfax", 5), "ru")
	tass := inLang(entryItem("tass", 9), "ru")
	tassEN := entryItem("tass", 12)
	noLang := inLang(entryItem("ria", 20), "")
	tests := []struct {
		name         string
		spec         func(f *wiredesk.Feed)
		feedLanguage string
		items        []wiredesk.Item
		eligible     []bool
		wantCredit   string
		wantAlso     string // the plain-text also line
		wantHTML     string // a piece of the HTML also paragraph
	}{
		{
			name:       "English story that absorbed Russian wires",
			spec:       func(f *wiredesk.Feed) { f.Languages = []string{"en"} },
			items:      []wiredesk.Item{rferl, interfax, tass},
			eligible:   []bool{true, false, false}, // the Russian items are not in the feed's languages
			wantCredit: "With reporting by RFE/RL, Interfax and TASS",
			wantAlso:   "Also: Interfax (Russian) " + interfax.Link + ", TASS (Russian) " + tass.Link,
			wantHTML:   `<a href="` + interfax.Link + `">Interfax</a> (Russian), <a href="` + tass.Link + `">TASS</a> (Russian)</p>`,
		},
		{
			name: "Russian feed: names in Russian, every link labelled",
			spec: func(f *wiredesk.Feed) {
				f.Also = "Также:"
				f.Attribution = "По сообщениям {sources}"
				f.AttributionAnd = "и"
			},
			feedLanguage: "ru",
			items:        []wiredesk.Item{interfax, tassEN, tass},
			wantCredit:   "По сообщениям Interfax и TASS",
			wantAlso:     "Также: TASS (англ.) " + tassEN.Link + ", TASS (рус.) " + tass.Link,
			wantHTML:     `<a href="` + tassEN.Link + `">TASS</a> (англ.), `,
		},
		{
			name:         "the default label is English, and so are the names after it",
			feedLanguage: "ru",
			items:        []wiredesk.Item{interfax, tassEN},
			wantCredit:   "With reporting by Interfax and TASS",
			wantAlso:     "Also: TASS (English) " + tassEN.Link,
		},
		{
			name:         "a language of the region the feed has no name for is shown by its tag",
			spec:         func(f *wiredesk.Feed) { f.Also = "Auch:" },
			feedLanguage: "de",
			items:        []wiredesk.Item{rferl, inLang(entryItem("interfax", 5), "kk-KZ"), inLang(entryItem("tass", 9), "xx")},
			wantCredit:   "With reporting by RFE/RL, Interfax and TASS",
			wantAlso:     "Auch: Interfax (Kazakh) https://interfax.example/news/5, TASS (xx) https://tass.example/news/9",
		},
		{
			name:       "the source's language stands in for an item without one",
			items:      []wiredesk.Item{rferl, inLang(entryItem("interfax", 5), "")},
			wantCredit: "With reporting by RFE/RL and Interfax",
			wantAlso:   "Also: Interfax (Russian) https://interfax.example/news/5",
		},
		{
			name:       "one language: plain links",
			items:      []wiredesk.Item{rferl, tassEN},
			wantCredit: "With reporting by RFE/RL and TASS",
			wantAlso:   "Also: TASS " + tassEN.Link,
		},
		{
			name:       "an unknown language is not a second language",
			items:      []wiredesk.Item{rferl, noLang},
			wantCredit: "With reporting by RFE/RL and RIA",
			wantAlso:   "Also: RIA " + noLang.Link,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := entrySpec()
			if tt.spec != nil {
				tt.spec(&spec)
			}
			ec := entryContext()
			ec.Sources["interfax"] = sourceInLanguage(ec.Sources["interfax"], "ru")
			ec.FeedLanguage = tt.feedLanguage
			e := StoryEntry(spec, entryStory("s1", tt.items...), tt.eligible, ec)
			if e.Attribution != tt.wantCredit {
				t.Errorf("Attribution = %q; want %q", e.Attribution, tt.wantCredit)
			}
			checkCredit(t, e)
			if !strings.Contains(e.Text, "\n\n"+tt.wantAlso+"\n\n") {
				t.Errorf("Text = %q; want the also line %q", e.Text, tt.wantAlso)
			}
			if !strings.Contains(e.SummaryHTML, tt.wantHTML) {
				t.Errorf("SummaryHTML = %q; want %q in it", e.SummaryHTML, tt.wantHTML)
			}
		})
	}
}

func sourceInLanguage(s wiredesk.Source, lang string) wiredesk.Source {
	s.Language = lang
	return s
}

func TestLanguageName(t *testing.T) {
	tests := []struct{ feed, lang, want string }{
		{"en", "ru", "Russian"},
		{"en-GB", "RU-ru", "Russian"},
		{"", "en-US", "English"},
		{"ru", "en", "англ."},
		{"ru-RU", "kk", "каз."},
		{"de", "ru", "Russian"},
		{"en", "sr-Latn", "sr-Latn"},
	}
	for _, tt := range tests {
		if got := LanguageName(tt.feed, tt.lang); got != tt.want {
			t.Errorf("LanguageName(%q, %q) = %q; want %q", tt.feed, tt.lang, got, tt.want)
		}
	}
	// Every language named in English is named in Russian too.
	for code := range languageNames["en"] {
		if _, ok := languageNames["ru"][code]; !ok {
			t.Errorf("language %s has an English name but no Russian one", code)
		}
	}
}

// TestStoryEntryDecisions checks that the editors' decisions are published
// with the story, their stories named by entry id.
func TestStoryEntryDecisions(t *testing.T) {
	at := entryT0.Add(time.Hour)
	st := entryStory("interfax/1", entryItem("interfax", 0), entryItem("tass", 1))
	st.Decisions = []wiredesk.StoryDecision{
		{Kind: wiredesk.DecisionMerge, From: "tass/1", To: "interfax/1", Items: []string{"tass/1"}, At: at, By: "anna"},
		{Kind: wiredesk.DecisionSplit, From: "interfax/1", To: "ap/7~3", Items: []string{"ap/7"}, At: at.Add(time.Minute), By: "boris"},
	}
	e := StoryEntry(entrySpec(), st, nil, entryContext())
	want := []render.Decision{
		{Kind: "merge", From: "tag:localhost,2026:story/tass/1", To: "tag:localhost,2026:story/interfax/1", At: at, By: "anna"},
		{Kind: "split", From: "tag:localhost,2026:story/interfax/1", To: "tag:localhost,2026:story/ap/7~3", At: at.Add(time.Minute), By: "boris"},
	}
	if fmt.Sprint(e.Decisions) != fmt.Sprint(want) {
		t.Errorf("Decisions = %v\nwant %v", e.Decisions, want)
	}
	if e := StoryEntry(entrySpec(), entryStory("s1", entryItem("interfax", 0)), nil, entryContext()); e.Decisions != nil {
		t.Errorf("a story without decisions publishes %v", e.Decisions)
	}
}

func TestCategoriesDeduped(t *testing.T) {
	a, b := entryItem("interfax", 0), entryItem("tass", 1)
	a.Categories = []string{"Politics", " Kazakhstan ", ""}
	b.Categories = []string{"politics", "Economy", "Kazakhstan"}
	e := StoryEntry(entrySpec(), entryStory("s1", a, b), nil, entryContext())
	if got, want := strings.Join(e.Categories, "|"), "Politics|Kazakhstan|Economy"; got != want {
		t.Errorf("Categories = %q; want %q", got, want)
	}
}

// TestHeadlineTextNeverPublished renders stories that involve the
// headline-only source RIA in every format and checks that nothing of its
// text, bylines, categories or media appears anywhere.
func TestHeadlineTextNeverPublished(t *testing.T) {
	ec := entryContext()
	spec := entrySpec()
	ria := entryItem("ria", 0)
	forbidden := []string{"text by RIA", "of RIA", "ria.example/photo", "ria.example/image"}

	// A second deployment where RIA outranks every other wire.
	ecRIA := EntryContext{BaseURL: ec.BaseURL, Sources: entrySources()}
	src := ecRIA.Sources["ria"]
	src.Priority = 10
	ecRIA.Sources["ria"] = src

	stories := []struct {
		name  string
		entry render.Entry
		title bool // RIA's title is the entry's title
	}{
		{"alone", StoryEntry(spec, entryStory("s1", ria), nil, ec), true},
		{"second wire", StoryEntry(spec, entryStory("s2", entryItem("interfax", 0), entryItem("ria", 2)), nil, ec), false},
		{"first wire, full-rights lead by priority", StoryEntry(spec, entryStory("s3", entryItem("ria", 0), entryItem("rferl", 3)), []bool{false, true}, ec), false},
		{"leads by priority", StoryEntry(spec, entryStory("s4", entryItem("interfax", 0), entryItem("ria", 1)), nil, ecRIA), true},
		{"summary-rights story", StoryEntry(spec, entryStory("s5", entryItem("tass", 0), entryItem("ria", 5)), nil, ec), false},
		{"unclustered item", ItemEntry(spec, ria, ec), true},
	}
	feed := render.Feed{ID: FeedID(entryBaseURL, "wire"), Title: "Wire", Updated: entryT0}
	for _, s := range stories {
		feed.Entries = append(feed.Entries, s.entry)
		t.Run(s.name, func(t *testing.T) {
			e := s.entry
			if got := e.Title == "Title by RIA"; got != s.title {
				t.Errorf("Title = %q; RIA title shown = %v, want %v", e.Title, got, s.title)
			}
			if !strings.Contains(e.Attribution, "RIA") {
				t.Errorf("Attribution = %q; want RIA credited", e.Attribution)
			}
		})
	}
	for _, format := range render.Formats() {
		t.Run(string(format), func(t *testing.T) {
			var buf bytes.Buffer
			if err := render.Write(&buf, format, feed); err != nil {
				t.Fatalf("render: %v", err)
			}
			out := buf.String()
			for _, f := range forbidden {
				if strings.Contains(out, f) {
					t.Errorf("%s output contains %q from the headline-only source", format, f)
				}
			}
			if !strings.Contains(out, "Content text by INTERFAX") && format != render.JSON {
				t.Errorf("%s output lacks the full-rights content; the test would prove nothing", format)
			}
		})
	}
}

func TestIDs(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"feed id drops the port", FeedID("http://localhost:8080", "central-asia"), "tag:localhost,2026:feeds/central-asia"},
		{"feed id lower-cases the host", FeedID("https://Wire.Example.ORG/desk/", "ru"), "tag:wire.example.org,2026:feeds/ru"},
		{"feed id without a base url", FeedID("", "x"), "tag:localhost,2026:feeds/x"},
		{"ipv6 host", FeedID("http://[::1]:8080", "x"), "tag:--1,2026:feeds/x"},
		{"entry id", EntryID("http://localhost:8080", "ru", "01HX3K"), "tag:localhost,2026:feeds/ru/story/01HX3K"},
		{"entry id escaped", EntryID("http://localhost:8080", "ru", "a b%c#d"), "tag:localhost,2026:feeds/ru/story/a%20b%25c%23d"},
		{"item entry id keeps slash", ItemEntryID("http://localhost:8080", "ru", "interfax/9f86d081"), "tag:localhost,2026:feeds/ru/item/interfax/9f86d081"},
		{"cyrillic escaped", EntryID("http://localhost:8080", "ru", "ё"), "tag:localhost,2026:feeds/ru/story/%D1%91"},
		{"story id across feeds", StoryID("http://localhost:8080", "01HX3K"), "tag:localhost,2026:story/01HX3K"},
		{"item id across feeds", ItemID("http://localhost:8080", "interfax/9f86d081"), "tag:localhost,2026:item/interfax/9f86d081"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q; want %q", tt.got, tt.want)
			}
		})
	}
}

// TestIDStability checks that a story keeps its entry id whatever joins
// it and in every format, that each feed gives a shared story its own
// entry id (newsboat keys items by guid alone) while StoryID stays the
// same, and that distinct stories and items never share one.
func TestIDStability(t *testing.T) {
	ec := entryContext()
	one := entryStory("s1", entryItem("interfax", 0))
	two := entryStory("s1", entryItem("interfax", 0), entryItem("rferl", 1))
	other := wiredesk.Feed{Slug: "other", Title: "Other", Attribution: "Via {sources}", Cluster: true}
	e1 := StoryEntry(entrySpec(), one, nil, ec)
	e2 := StoryEntry(entrySpec(), two, []bool{false, true}, ec)
	if e1.ID != e2.ID {
		t.Errorf("entry id changed from %q to %q when a wire joined", e1.ID, e2.ID)
	}
	eOther := StoryEntry(other, two, []bool{false, true}, ec)
	if eOther.ID == e2.ID {
		t.Errorf("feeds %q and %q share entry id %q", entrySpec().Slug, other.Slug, e2.ID)
	}
	if eOther.StoryID != e1.StoryID || e1.StoryID == "" {
		t.Errorf("story ids %q and %q; want one id across feeds", e1.StoryID, eOther.StoryID)
	}
	i1, i2 := ItemEntry(entrySpec(), two.Items[0], ec), ItemEntry(other, two.Items[0], ec)
	if i1.ID == i2.ID || i1.StoryID != i2.StoryID {
		t.Errorf("item entry ids %q, %q (story ids %q, %q); want distinct entry ids and one story id", i1.ID, i2.ID, i1.StoryID, i2.StoryID)
	}

	ids := map[string]string{}
	add := func(what, id string) {
		if prev, ok := ids[id]; ok {
			t.Errorf("%s and %s share id %q", prev, what, id)
		}
		ids[id] = what
	}
	for _, sid := range []string{"s1", "s2", "a/b", "a%2Fb", "a b", "a%20b", "interfax/00000000000000000000"} {
		add("story "+sid, StoryEntry(entrySpec(), entryStory(sid, entryItem("interfax", 0)), nil, ec).ID)
	}
	for _, it := range two.Items {
		add("item "+it.ID, ItemEntry(entrySpec(), it, ec).ID)
	}

	feed := render.Feed{ID: FeedID(entryBaseURL, "wire"), Title: "Wire", Updated: entryT0, Entries: []render.Entry{e2}}
	for _, format := range render.Formats() {
		var buf bytes.Buffer
		if err := render.Write(&buf, format, feed); err != nil {
			t.Fatalf("render %s: %v", format, err)
		}
		if !strings.Contains(buf.String(), e1.ID) {
			t.Errorf("%s output lacks the story id %q", format, e1.ID)
		}
	}
}

func TestItemEntry(t *testing.T) {
	it := entryItem("tass", 0)
	it.Modified = entryT0.Add(time.Hour)
	e := ItemEntry(entrySpec(), it, entryContext())
	if want := "tag:localhost,2026:feeds/wire/item/tass/00000000000000000000"; e.ID != want {
		t.Errorf("ID = %q; want %q", e.ID, want)
	}
	if e.Attribution != "With reporting by TASS" || len(e.Related) != 0 || len(e.Originals) != 1 {
		t.Errorf("entry = %+v; want one TASS credit, no related links, one original", e)
	}
	if !e.Updated.Equal(it.Modified) {
		t.Errorf("Updated = %v; want %v", e.Updated, it.Modified)
	}
	checkCredit(t, e)
}

func TestLeadParagraph(t *testing.T) {
	long := strings.Repeat("слово ", 80) // 480 runes
	tests := []struct {
		name, in, want string
	}{
		{"short", "Short lead.", "Short lead."},
		{"first paragraph only", "\n  First  para.\nSecond para.", "First para."},
		{"exactly the limit", strings.Repeat("a", 300), strings.Repeat("a", 300)},
		{"cut at a word boundary", long, strings.TrimSpace(strings.Repeat("слово ", 50)) + "…"},
		{"cut inside a word goes back", "ab " + long, "ab " + strings.TrimSpace(strings.Repeat("слово ", 49)) + "…"},
		{"one long word", strings.Repeat("я", 301), strings.Repeat("я", 299) + "…"},
		{"dangling punctuation dropped", strings.Repeat("a", 290) + ", «bbbbbbbbbbbbbbb", strings.Repeat("a", 290) + "…"},
		{"empty", " \n\t", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := leadParagraph(tt.in, leadRunes)
			if got != tt.want {
				t.Errorf("leadParagraph(%q) = %q; want %q", tt.in, got, tt.want)
			}
			if n := utf8.RuneCountInString(got); n > leadRunes {
				t.Errorf("leadParagraph gave %d runes; want at most %d", n, leadRunes)
			}
		})
	}
}

func FuzzLeadParagraph(f *testing.F) {
	f.Add("Москва. 12 мая. INTERFAX.RU - Назарбаев и Путин обсудили сотрудничество.", 40)
	f.Add(strings.Repeat("word ", 100), 300)
	f.Add("a\nb", 1)
	f.Fuzz(func(t *testing.T, text string, limit int) {
		if limit < 0 || limit > 1000 || !utf8.ValidString(text) {
			t.Skip()
		}
		got := leadParagraph(text, limit)
		if n := utf8.RuneCountInString(got); n > limit {
			t.Fatalf("leadParagraph(%q, %d) = %q: %d runes", text, limit, got, n)
		}
		if !utf8.ValidString(got) {
			t.Fatalf("leadParagraph(%q, %d) = %q: invalid UTF-8", text, limit, got)
		}
		if strings.Contains(got, "\n") {
			t.Fatalf("leadParagraph(%q, %d) = %q: more than one paragraph", text, limit, got)
		}
		// Uncut text is the whole first paragraph; cut text is a prefix of it
		// ending at a word boundary, unless one word fills the limit.
		var first string
		for line := range strings.SplitSeq(text, "\n") {
			if first = strings.Join(strings.Fields(line), " "); first != "" {
				break
			}
		}
		body, cut := strings.CutSuffix(got, "…")
		if !cut || strings.HasSuffix(first, "…") && got == first {
			if got != first && limit > 0 {
				t.Fatalf("leadParagraph(%q, %d) = %q; want the first paragraph %q", text, limit, got, first)
			}
			return
		}
		if !strings.HasPrefix(first, body) {
			t.Fatalf("leadParagraph(%q, %d) = %q; not a prefix of %q", text, limit, got, first)
		}
	})
}

func TestPlainFromHTML(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<p>One &amp; two</p><p>Three</p>", "\nOne & two\n\nThree\n"},
		{"a<br/>b<br>c", "a\nb\nc"},
		{`<a href="x">link</a> text`, "link text"},
		{"broken <b", "broken "},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := plainFromHTML(tt.in); got != tt.want {
				t.Errorf("plainFromHTML(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}

func ExampleStoryEntry() {
	ec := EntryContext{
		BaseURL: "http://localhost:8080",
		Sources: map[string]wiredesk.Source{
			"interfax": {Name: "Интерфакс", URL: "https://www.interfax.ru/rss.asp"},
			"tass":     {Name: "ТАСС", URL: "https://tass.ru/rss/v2.xml", Rights: wiredesk.RightsHeadline},
		},
	}
	spec := wiredesk.Feed{Slug: "ru", Attribution: "По данным {sources}", AttributionAnd: "и", Cluster: true}
	t0 := time.Date(2026, 5, 12, 8, 0, 0, 0, time.UTC)
	st := wiredesk.Story{ID: "01HX3K", Items: []wiredesk.Item{
		{SourceID: "interfax", Title: "Назарбаев встретился с Путиным", Link: "https://www.interfax.ru/world/1", Summary: "Лидеры обсудили транзит.", FirstSeen: t0},
		{SourceID: "tass", Title: "Путин и Назарбаев", Link: "https://tass.ru/politika/2", Summary: "Текст ТАСС не публикуется.", FirstSeen: t0.Add(time.Minute)},
	}}
	e := StoryEntry(spec, st, nil, ec)
	fmt.Println(e.ID)
	fmt.Println(e.Title)
	fmt.Println(e.Text)
	// Output:
	// tag:localhost,2026:feeds/ru/story/01HX3K
	// Назарбаев встретился с Путиным
	// Лидеры обсудили транзит.
	//
	// Also: ТАСС https://tass.ru/politika/2
	//
	// По данным Интерфакс и ТАСС
}

// TestStoryEntryUpdated checks when an entry reads as updated. The stories
// a fresh pass saves share one storage second; their entries must not (the
// W3C validator warns on entries with one atom:updated), so they take the
// wires' own dates. A wire that joins in a later poll, or an editor's
// change, makes the entry updated at that time.
func TestStoryEntryUpdated(t *testing.T) {
	pass := time.Date(2026, 11, 29, 6, 0, 0, 0, time.UTC)
	item := func(src string, published, seen time.Time) wiredesk.Item {
		return wiredesk.Item{ID: src + published.String(), SourceID: src, Title: "t", Link: "https://" + src + ".example/1",
			Published: published, FirstSeen: seen}
	}
	p1 := time.Date(2026, 11, 29, 4, 10, 0, 0, time.UTC)
	p2 := time.Date(2026, 11, 29, 5, 20, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		st   wiredesk.Story
		want time.Time
	}{
		{"one wire, fresh pass", wiredesk.Story{Created: pass, Updated: pass,
			Items: []wiredesk.Item{item("interfax", p1, pass)}}, p1},
		{"two wires in one pass: the later report", wiredesk.Story{Created: pass, Updated: pass.Add(2 * time.Second),
			Items: []wiredesk.Item{item("interfax", p1, pass), item("tass", p2, pass.Add(2*time.Second))}}, p2},
		{"a wire joins at the next poll", wiredesk.Story{Created: pass, Updated: pass.Add(10 * time.Minute),
			Items: []wiredesk.Item{item("interfax", p1, pass), item("tass", p2, pass.Add(10*time.Minute))}}, pass.Add(10 * time.Minute)},
		{"an editor changes it an hour later", wiredesk.Story{Created: pass, Updated: pass.Add(time.Hour),
			Items: []wiredesk.Item{item("interfax", p1, pass)}}, pass.Add(time.Hour)},
		// A split changes two stories at one instant: the one the item left
		// reads as updated then (the case above); the new one is a new
		// entry, whose wire's date is its updated time, else a split
		// always gave two entries of a feed one atom:updated.
		{"an editor splits it out of another story", wiredesk.Story{ID: "interfax/1~1", Created: pass, Updated: pass.Add(time.Hour),
			Items:     []wiredesk.Item{item("interfax", p1, pass)},
			Decisions: []wiredesk.StoryDecision{{Kind: wiredesk.DecisionSplit, From: "tass/2", To: "interfax/1~1", At: pass.Add(time.Hour)}}}, p1},
		{"split out, then a wire joins", wiredesk.Story{ID: "interfax/1~1", Created: pass, Updated: pass.Add(2 * time.Hour),
			Items:     []wiredesk.Item{item("interfax", p1, pass), item("tass", p2, pass.Add(2*time.Hour))},
			Decisions: []wiredesk.StoryDecision{{Kind: wiredesk.DecisionSplit, From: "tass/2", To: "interfax/1~1", At: pass.Add(time.Hour)}}}, pass.Add(2 * time.Hour)},
		{"split out, then an editor changes it", wiredesk.Story{ID: "interfax/1~1", Created: pass, Updated: pass.Add(3 * time.Hour),
			Items:     []wiredesk.Item{item("interfax", p1, pass)},
			Decisions: []wiredesk.StoryDecision{{Kind: wiredesk.DecisionSplit, From: "tass/2", To: "interfax/1~1", At: pass.Add(time.Hour)}}}, pass.Add(3 * time.Hour)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := StoryEntry(wiredesk.Feed{Slug: "f"}, tc.st, nil, entryContext())
			if !e.Updated.Equal(tc.want) {
				t.Errorf("updated %v, want %v", e.Updated, tc.want)
			}
		})
	}
}
