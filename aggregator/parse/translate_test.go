package parse

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wiredesk/wiredesk"
)

// rssDoc wraps item XML in an RSS 2.0 document with the namespaces the
// tests use.
func rssDoc(channelExtra, items string) []byte {
	return []byte(`<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:yandex="http://news.yandex.ru" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/">
<channel><title>T</title><link>https://wire.example/</link>` + channelExtra + items + `</channel></rss>`)
}

func mustParse(t *testing.T, body []byte, opt Options) *Result {
	t.Helper()
	if opt.Now.IsZero() {
		opt.Now = fixedNow
	}
	res, err := Parse(body, "", opt)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return res
}

func TestIdentity(t *testing.T) {
	tests := []struct {
		name     string
		items    string
		wantKeys []string
	}{
		{
			name:     "unique GUIDs",
			items:    `<item><guid>a</guid><link>https://x.example/1</link></item><item><guid>b</guid><link>https://x.example/1</link></item>`,
			wantKeys: []string{"guid:a", "guid:b"},
		},
		{
			name:     "duplicate GUID falls back to GUID + link",
			items:    `<item><guid>same</guid><link>https://x.example/1</link></item><item><guid>same</guid><link>https://x.example/2</link></item>`,
			wantKeys: []string{"guid+link:same https://x.example/1", "guid+link:same https://x.example/2"},
		},
		{
			name:     "duplicate GUID and link: first kept",
			items:    `<item><title>first</title><guid>same</guid><link>https://x.example/1</link></item><item><title>second</title><guid>same</guid><link>https://x.example/1</link></item>`,
			wantKeys: []string{"guid+link:same https://x.example/1"},
		},
		{
			name:     "GUID is trimmed before counting",
			items:    `<item><guid> a </guid><link>https://x.example/1</link></item><item><guid>a</guid><link>https://x.example/2</link></item>`,
			wantKeys: []string{"guid+link:a https://x.example/1", "guid+link:a https://x.example/2"},
		},
		{
			name:     "missing GUID uses the canonical link",
			items:    `<item><link>https://X.example/1?utm_source=rss</link></item><item><link>https://x.example/2</link></item>`,
			wantKeys: []string{"link:https://x.example/1", "link:https://x.example/2"},
		},
		{
			name:     "same link without GUID: first kept",
			items:    `<item><title>one</title><link>https://x.example/1</link></item><item><title>two</title><link>https://x.example/1?utm_medium=feed</link></item>`,
			wantKeys: []string{"link:https://x.example/1"},
		},
		{
			name:     "permalink GUID gives the link",
			items:    `<item><guid>https://x.example/p/1</guid></item><item><guid isPermaLink="false">https://x.example/p/2</guid></item>`,
			wantKeys: []string{"guid:https://x.example/p/1", "guid:https://x.example/p/2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := mustParse(t, rssDoc("", tt.items), Options{SourceID: "s"})
			var got []string
			for _, it := range res.Items {
				got = append(got, it.Key)
				if want := wiredesk.ItemID("s", it.Key); it.ID != want || it.SourceID != "s" {
					t.Errorf("item %q: ID %q, SourceID %q; want %q, %q", it.Key, it.ID, it.SourceID, want, "s")
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.wantKeys) {
				t.Errorf("keys = %q; want %q", got, tt.wantKeys)
			}
		})
	}

	t.Run("no GUID, no link: hash of title and date, stable across polls", func(t *testing.T) {
		body := rssDoc("", `<item><title>Undated</title></item><item><title>Dated</title><pubDate>Sun, 01 Mar 2026 10:00:00 +0000</pubDate></item>`)
		a := mustParse(t, body, Options{SourceID: "s", Now: fixedNow})
		b := mustParse(t, body, Options{SourceID: "s", Now: fixedNow.Add(time.Hour)})
		for i := range a.Items {
			if !strings.HasPrefix(a.Items[i].Key, "hash:") {
				t.Errorf("item %d key = %q; want a hash key", i, a.Items[i].Key)
			}
			if a.Items[i].ID != b.Items[i].ID || a.Items[i].Hash != b.Items[i].Hash {
				t.Errorf("item %d: ID/Hash changed with Now: %s/%s vs %s/%s", i, a.Items[i].ID, a.Items[i].Hash, b.Items[i].ID, b.Items[i].Hash)
			}
		}
	})
}

func TestDates(t *testing.T) {
	msk := moscow(t)
	tests := []struct {
		name        string
		item        string
		loc         *time.Location
		wantPub     time.Time
		wantGuessed bool
		wantUpdated time.Time
	}{
		{"MSK zone name", `<pubDate>Mon, 02 Mar 2026 10:15:00 MSK</pubDate>`, msk, time.Date(2026, 3, 2, 7, 15, 0, 0, time.UTC), false, time.Time{}},
		{"zoneless in source zone", `<pubDate>2026-03-02 09:00:00</pubDate>`, msk, time.Date(2026, 3, 2, 6, 0, 0, 0, time.UTC), false, time.Time{}},
		{"zoneless without zone is UTC", `<pubDate>2026-03-02 09:00:00</pubDate>`, nil, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), false, time.Time{}},
		{"Russian month name", `<pubDate>2 марта 2026, 08:30</pubDate>`, msk, time.Date(2026, 3, 2, 5, 30, 0, 0, time.UTC), false, time.Time{}},
		{"Russian weekday and month", `<pubDate>Пн, 02 мар 2026 10:00:00 +0300</pubDate>`, msk, time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC), false, time.Time{}},
		{"dc:date only", `<dc:date>2026-03-01T11:30:00+03:00</dc:date>`, msk, time.Date(2026, 3, 1, 8, 30, 0, 0, time.UTC), false, time.Time{}},
		{"pubDate and distinct dc:date", `<pubDate>Sun, 01 Mar 2026 10:00:00 +0300</pubDate><dc:date>2026-03-01T11:30:00+03:00</dc:date>`, msk, time.Date(2026, 3, 1, 7, 0, 0, 0, time.UTC), false, time.Date(2026, 3, 1, 8, 30, 0, 0, time.UTC)},
		{"unparseable pubDate falls back to dc:date", `<pubDate>вчера</pubDate><dc:date>2026-03-01T11:30:00+03:00</dc:date>`, msk, time.Date(2026, 3, 1, 8, 30, 0, 0, time.UTC), false, time.Time{}},
		{"missing date", ``, msk, fixedNow, true, time.Time{}},
		{"unparseable date", `<pubDate>вчера вечером</pubDate>`, msk, fixedNow, true, time.Time{}},
		{"less than a day ahead is kept", `<pubDate>Mon, 02 Mar 2026 11:00:00 +0000</pubDate>`, nil, time.Date(2026, 3, 2, 11, 0, 0, 0, time.UTC), false, time.Time{}},
		{"more than a day ahead is guessed", `<pubDate>Mon, 02 Mar 2026 13:00:00 +0000</pubDate>`, nil, fixedNow, true, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := mustParse(t, rssDoc("", `<item><guid>g</guid>`+tt.item+`</item>`), Options{Timezone: tt.loc})
			it := res.Items[0]
			if !it.Published.Equal(tt.wantPub) || it.DateGuessed != tt.wantGuessed {
				t.Errorf("Published = %v (guessed %v); want %v (guessed %v)", it.Published, it.DateGuessed, tt.wantPub, tt.wantGuessed)
			}
			if !it.Updated.Equal(tt.wantUpdated) {
				t.Errorf("Updated = %v; want %v", it.Updated, tt.wantUpdated)
			}
			if it.FirstSeen != fixedNow {
				t.Errorf("FirstSeen = %v; want %v", it.FirstSeen, fixedNow)
			}
		})
	}
}

func TestContent(t *testing.T) {
	tests := []struct {
		name        string
		item        string
		wantContent string // substring; "" means Content must be empty
		notContent  string
		wantSummary string
	}{
		{
			name: "yandex:full-text wins over content:encoded",
			item: `<description>Lead.</description><content:encoded>&lt;p&gt;encoded&lt;/p&gt;</content:encoded><yandex:full-text>Full text one.

Full text two.</yandex:full-text>`,
			wantContent: "<p>Full text one.</p><p>Full text two.</p>",
			notContent:  "encoded",
			wantSummary: "Lead.",
		},
		{
			name:        "content:encoded sanitised, relative links resolved against the item link",
			item:        `<link>https://wire.example/a/1.html</link><content:encoded><![CDATA[<p onclick="x()">Body <a href="2.html">next</a></p><script>evil()</script>]]></content:encoded>`,
			wantContent: `href="https://wire.example/a/2.html"`,
			notContent:  "evil",
			wantSummary: "Body next",
		},
		{
			name:        "HTML description becomes content and plain summary",
			item:        `<description>&lt;p&gt;Hello &lt;b&gt;world&lt;/b&gt;&lt;/p&gt;</description>`,
			wantContent: "<b>world</b>",
			wantSummary: "Hello world",
		},
		{
			name:        "plain description gives no content",
			item:        `<description>Just text &amp; more.</description>`,
			wantSummary: "Just text & more.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := mustParse(t, rssDoc("", `<item><guid>g</guid>`+tt.item+`</item>`), Options{FeedURL: "https://wire.example/rss"})
			it := res.Items[0]
			if tt.wantContent == "" && it.Content != "" || !strings.Contains(it.Content, tt.wantContent) {
				t.Errorf("Content = %q; want it to contain %q", it.Content, tt.wantContent)
			}
			if tt.notContent != "" && strings.Contains(it.Content, tt.notContent) {
				t.Errorf("Content = %q; want no %q", it.Content, tt.notContent)
			}
			if it.Summary != tt.wantSummary {
				t.Errorf("Summary = %q; want %q", it.Summary, tt.wantSummary)
			}
		})
	}
}

func TestFields(t *testing.T) {
	res := mustParse(t, rssDoc(`<language>ru-RU</language>`, `
<item><guid>1</guid><title>  Two
  lines &amp;amp; entity </title>
<author>ed@wire.example (Editor)</author><dc:creator>Анна</dc:creator><dc:creator>анна</dc:creator>
<category> A </category><category>a</category><category></category><category>B</category>
<enclosure url="/v.mp4" type="Video/MP4" length="12345678901"/><enclosure url="/v.mp4" type="video/mp4" length="1"/>
<source url="https://origin.example/rss"> Origin </source>
<dc:language>en</dc:language></item>
<item><guid>2</guid><link>javascript:alert(1)</link></item>`), Options{FeedURL: "https://wire.example/rss", Language: "kk"})
	it := res.Items[0]
	checks := []struct{ name, got, want string }{
		{"title", it.Title, "Two lines & entity"},
		{"authors", fmt.Sprint(it.Authors), "[Editor Анна]"},
		{"categories", fmt.Sprint(it.Categories), "[A B]"},
		{"enclosures", fmt.Sprint(it.Enclosures), "[{https://wire.example/v.mp4 video/mp4 12345678901}]"},
		{"origin", fmt.Sprint(*it.Origin), "{https://origin.example/rss Origin}"},
		{"item language", it.Language, "en"},
		{"feed language", res.Items[1].Language, "ru-RU"},
		{"unsafe link dropped", res.Items[1].Link, ""},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q; want %q", c.name, c.got, c.want)
		}
	}
	noLang := mustParse(t, rssDoc("", `<item><guid>1</guid></item>`), Options{Language: "kk"})
	if got := noLang.Items[0].Language; got != "kk" {
		t.Errorf("source language fallback = %q; want %q", got, "kk")
	}
}

// Script and data URLs are dropped from links, images, enclosures and
// origins also when written as a browser still reads them: with a tab or
// newline inside the scheme, or a control character before it.
func TestScriptURLsDropped(t *testing.T) {
	tests := []struct{ name, url string }{
		{"plain", "javascript:alert(1)"},
		{"upper case", "JavaScript:alert(1)"},
		{"leading space", "  javascript:alert(1)"},
		{"tab in the scheme", "java&#9;script:alert(1)"},
		{"newline in the scheme", "java&#10;script:alert(1)"},
		{"carriage return in the scheme", "vb&#13;script:msgbox(1)"},
		{"data with a tab", "da&#9;ta:text/html,x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := mustParse(t, rssDoc("", `<item><guid>1</guid><link>`+tt.url+`</link>`+
				`<enclosure url="`+tt.url+`" type="image/jpeg" length="1"/><source url="`+tt.url+`">O</source></item>`),
				Options{FeedURL: "https://wire.example/rss"})
			it := res.Items[0]
			if it.Link != "" || it.Image != "" || len(it.Enclosures) != 0 || it.Origin.URL != "" {
				t.Errorf("kept: link %q, image %q, enclosures %v, origin %q", it.Link, it.Image, it.Enclosures, it.Origin.URL)
			}
		})
	}
	// A JSON Feed may carry the C0 controls XML cannot.
	doc := `{"version":"https://jsonfeed.org/version/1.1","title":"W","items":[{"id":"1","title":"a",` +
		`"url":"\u0001javascript:alert(1)","image":"\u0000javascript:alert(2)","content_text":"x",` +
		`"attachments":[{"url":" \u001fdata:text/html,x","mime_type":"image/png"}]}]}`
	it := mustParse(t, []byte(doc), Options{FeedURL: "https://wire.example/feed.json"}).Items[0]
	if it.Link != "" || it.Image != "" || len(it.Enclosures) != 0 {
		t.Errorf("JSON Feed kept: link %q, image %q, enclosures %v", it.Link, it.Image, it.Enclosures)
	}
}

func TestHash(t *testing.T) {
	base := `<item><guid>g</guid><title>Title</title><link>https://x.example/1</link><description>Text</description><pubDate>Sun, 01 Mar 2026 10:00:00 +0000</pubDate><category>c</category></item>`
	hash := func(items string, now time.Time) string {
		return mustParse(t, rssDoc("", items), Options{Now: now}).Items[0].Hash
	}
	h0 := hash(base, fixedNow)
	if h := hash(base, fixedNow.Add(time.Hour)); h != h0 {
		t.Errorf("hash changed with Now: %s vs %s", h, h0)
	}
	edits := map[string]string{
		"title":    strings.Replace(base, "<title>Title", "<title>Title (updated)", 1),
		"summary":  strings.Replace(base, ">Text<", ">Text, corrected<", 1),
		"link":     strings.Replace(base, "x.example/1", "x.example/2", 1),
		"date":     strings.Replace(base, "10:00:00", "10:05:00", 1),
		"category": strings.Replace(base, "<category>c", "<category>d", 1),
		"author":   strings.Replace(base, "<title>", "<author>a@b.example (A)</author><title>", 1),
	}
	for name, edited := range edits {
		if h := hash(edited, fixedNow); h == h0 {
			t.Errorf("edit of %s left the hash unchanged", name)
		}
	}
	undated := `<item><guid>g</guid><title>T</title></item>`
	if a, b := hash(undated, fixedNow), hash(undated, fixedNow.Add(48*time.Hour)); a != b {
		t.Errorf("hash of an undated item changed with Now: %s vs %s", a, b)
	}
}

func TestInterval(t *testing.T) {
	tests := []struct {
		name, channel string
		want          time.Duration
	}{
		{"none", ``, 0},
		{"ttl", `<ttl>30</ttl>`, 30 * time.Minute},
		{"bad ttl", `<ttl>soon</ttl>`, 0},
		{"negative ttl", `<ttl>-5</ttl>`, 0},
		{"largest ttl a Duration counts", `<ttl>153722867</ttl>`, 153722867 * time.Minute},
		{"ttl too long for a Duration", `<ttl>153722868</ttl>`, 0},
		{"ttl that wrapped around to 26s", `<ttl>307445735</ttl>`, 0},
		{"sy hourly", `<sy:updatePeriod>hourly</sy:updatePeriod>`, time.Hour},
		{"sy daily twice", `<sy:updatePeriod> Daily </sy:updatePeriod><sy:updateFrequency>2</sy:updateFrequency>`, 12 * time.Hour},
		{"sy frequency alone is per day", `<sy:updateFrequency>48</sy:updateFrequency>`, 30 * time.Minute},
		{"sy bad period", `<sy:updatePeriod>often</sy:updatePeriod>`, 0},
		{"both: the larger", `<ttl>5</ttl><sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>4</sy:updateFrequency>`, 15 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mustParse(t, rssDoc(tt.channel, ""), Options{}).Interval; got != tt.want {
				t.Errorf("Interval = %v; want %v", got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	wire := readTestdata(t, "wire-msk.xml")
	tests := []struct {
		name       string
		body       string
		wantFormat string // in the error text
		unknown    bool   // errors.Is ErrUnknownFormat
	}{
		{name: "empty", body: "", unknown: true},
		{name: "whitespace", body: " \n ", unknown: true},
		{name: "HTML page", body: "<!DOCTYPE html><html><head><title>x</title></head><body></body></html>", unknown: true},
		{name: "non-feed XML", body: `<?xml version="1.0"?><note><to>x</to></note>`, unknown: true},
		{name: "truncated RSS", body: string(wire[:len(wire)/2]), wantFormat: "parse rss"},
		{name: "truncated Atom", body: `<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title><entry><title>a`, wantFormat: "parse atom"},
		{name: "broken JSON", body: `{"version": "https://jsonfeed.org/version/1.1", "items": [`, wantFormat: "parse json"},
		{name: "truncated corpus feed", body: string(readTestdata(t, "corpus/broken/feedjira-InvalidDateFormat.xml")), wantFormat: "parse rss"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Parse([]byte(tt.body), "", Options{Now: fixedNow})
			if err == nil {
				t.Fatalf("Parse = %d items, nil error; want an error", len(res.Items))
			}
			if errors.Is(err, ErrUnknownFormat) != tt.unknown {
				t.Errorf("error %q: errors.Is(ErrUnknownFormat) = %v; want %v", err, !tt.unknown, tt.unknown)
			}
			if !strings.Contains(err.Error(), tt.wantFormat) {
				t.Errorf("error %q; want it to contain %q", err, tt.wantFormat)
			}
		})
	}

	t.Run("valid feed without items", func(t *testing.T) {
		res := mustParse(t, rssDoc("", ""), Options{})
		if len(res.Items) != 0 || res.Title != "T" {
			t.Errorf("got %d items, title %q; want 0 items, title %q", len(res.Items), res.Title, "T")
		}
	})
	t.Run("control characters are dropped", func(t *testing.T) {
		res := mustParse(t, rssDoc("", "<item><guid>1</guid><title>Bell\x07 and \x00null</title></item>"), Options{})
		if got := res.Items[0].Title; got != "Bell and null" {
			t.Errorf("title = %q; want %q", got, "Bell and null")
		}
	})
}
