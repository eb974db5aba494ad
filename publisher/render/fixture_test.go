package render

import (
	"fmt"
	"time"
)

// Dates of the fixture feed, all fixed so that golden files are stable.
var (
	fixtureUpdated = time.Date(2026, 5, 12, 12, 0, 0, 0, time.UTC)
	msk            = time.FixedZone("MSK", 3*60*60)
)

// sampleFeed is the golden fixture: a Russian two-wire story with related
// links, an English full-text entry whose title and HTML need escaping and
// whose enclosure is larger than 2 GiB, and a headline-only entry.
func sampleFeed() Feed {
	interfax := Source{ID: "interfax", Name: "Интерфакс", URL: "https://www.interfax.ru/", Updated: time.Date(2026, 5, 12, 11, 30, 0, 0, msk)}
	tass := Source{ID: "tass", Name: "ТАСС", URL: "https://tass.ru/"}
	rferl := Source{ID: "rferl", Name: "RFE/RL", URL: "https://www.rferl.org/api/zrqiteuuir", Updated: time.Date(2026, 5, 12, 7, 0, 0, 0, time.UTC)}
	reuters := Source{ID: "reuters", Name: "Reuters"} // no public URL: no RSS <source>
	return Feed{
		ID:          "tag:localhost,2026:feeds/central-asia",
		Slug:        "central-asia",
		Title:       "Центральная Азия & <соседи>",
		Description: "Казахстан, Киргизия, Таджикистан — по сообщениям агентств",
		Language:    "ru",
		HomeURL:     "http://localhost:8080/",
		FeedURLs: map[Format]string{
			RSS:  "http://localhost:8080/feeds/central-asia.rss",
			Atom: "http://localhost:8080/feeds/central-asia.atom",
			JSON: "http://localhost:8080/feeds/central-asia.json",
		},
		HubURL:      "https://hub.example/",
		Updated:     fixtureUpdated,
		Generator:   "wiredesk 0.1.0",
		TTL:         5 * time.Minute,
		PrevArchive: "http://localhost:8080/feeds/central-asia/archive/3.atom",
		Entries: []Entry{
			{
				ID:          "tag:localhost,2026:feeds/central-asia/story/01HX3K",
				StoryID:     "tag:localhost,2026:story/01HX3K",
				Title:       "Назарбаев встретился с Путиным в Москве",
				Link:        "https://www.interfax.ru/world/1000001",
				Published:   time.Date(2026, 5, 12, 11, 30, 0, 0, msk),
				Updated:     time.Date(2026, 5, 12, 9, 5, 0, 0, time.UTC),
				ContentHTML: `<p>МОСКВА, 12 мая. Нурсултан Назарбаев и Владимир Путин обсудили «сотрудничество &amp; транзит».</p><p class="wiredesk-also">Also: <a href="https://tass.ru/politika/2000002">ТАСС</a></p><p class="wiredesk-credit">При участии Интерфакс и ТАСС</p>`,
				SummaryHTML: `<p>Нурсултан Назарбаев и Владимир Путин обсудили «сотрудничество &amp; транзит».</p><p class="wiredesk-also">Also: <a href="https://tass.ru/politika/2000002">ТАСС</a></p><p class="wiredesk-credit">При участии Интерфакс и ТАСС</p>`,
				Text:        "Нурсултан Назарбаев и Владимир Путин обсудили «сотрудничество & транзит».\n\nAlso: ТАСС https://tass.ru/politika/2000002\n\nПри участии Интерфакс и ТАСС",
				Summary:     "Нурсултан Назарбаев и Владимир Путин обсудили «сотрудничество & транзит».",
				Attribution: "При участии Интерфакс и ТАСС",
				Authors:     []string{"Иван Петров"},
				Categories:  []string{"Казахстан", "Политика"},
				Enclosures:  []Enclosure{{URL: "https://www.interfax.ru/ftproot/photos/1.jpg", Type: "image/jpeg", Length: 48213}},
				Image:       "https://www.interfax.ru/ftproot/photos/1.jpg",
				Language:    "ru",
				Sources:     []Source{interfax, tass},
				Originals: []Original{
					{Source: "interfax", GUID: "https://www.interfax.ru/world/1000001", URL: "https://www.interfax.ru/world/1000001", Language: "ru"},
					{Source: "tass", GUID: "2000002", URL: "https://tass.ru/politika/2000002", Language: "ru"},
				},
				Related: []Link{{Title: "ТАСС", URL: "https://tass.ru/politika/2000002", Language: "ru"}},
				// An editor merged TASS's story in, after an earlier split
				// of another item.
				Decisions: []Decision{
					{Kind: "split", From: "tag:localhost,2026:story/01HX3K", To: "tag:localhost,2026:story/ap/77~1", At: time.Date(2026, 5, 12, 9, 1, 0, 0, time.UTC), By: "boris"},
					{Kind: "merge", From: "tag:localhost,2026:story/tass/2000002", To: "tag:localhost,2026:story/01HX3K", At: time.Date(2026, 5, 12, 9, 5, 0, 0, msk), By: "Анна & <desk>"},
				},
			},
			{
				ID:          "tag:localhost,2026:feeds/central-asia/story/01HX3M",
				StoryID:     "tag:localhost,2026:story/01HX3M",
				Title:       `AT&T <b>bold</b> & "quoted" <script>alert(1)</script>`,
				Link:        "https://www.rferl.org/a/kazakhstan-oil/1.html?utm=x&page=2",
				Published:   time.Date(2026, 5, 12, 7, 0, 0, 0, time.UTC),
				Updated:     time.Date(2026, 5, 12, 7, 0, 0, 0, time.UTC),
				ContentHTML: `<p>Oil output rose 5% &lt;year on year&gt; &amp; exports held.</p><p><img src="https://www.rferl.org/img/1.png" alt=""></p><p class="wiredesk-credit">With reporting by RFE/RL</p>`,
				SummaryHTML: `<p>Oil output rose 5% &lt;year on year&gt; &amp; exports held.</p><p class="wiredesk-credit">With reporting by RFE/RL</p>`,
				Text:        "Oil output rose 5% <year on year> & exports held.\n\nWith reporting by RFE/RL",
				Summary:     "Oil output rose 5% <year on year> & exports held.",
				Attribution: "With reporting by RFE/RL",
				Categories:  []string{"Energy & Oil"},
				Enclosures: []Enclosure{
					{URL: "https://www.rferl.org/audio/1.mp3", Type: "audio/mpeg", Length: 3_000_000_000},
					{URL: "https://www.rferl.org/audio/1.ogg", Type: "audio/ogg", Length: 1_000},
				},
				Language:  "en",
				Sources:   []Source{rferl},
				Originals: []Original{{Source: "rferl", GUID: "rferl-1", URL: "https://www.rferl.org/a/kazakhstan-oil/1.html?utm=x&page=2"}},
			},
			{
				ID:          "tag:localhost,2026:feeds/central-asia/item/reuters/9f86d081884c7d659a2f",
				StoryID:     "tag:localhost,2026:item/reuters/9f86d081884c7d659a2f",
				Title:       "Kyrgyz parliament < quorum after walkout",
				Link:        "https://example.com/reuters/kyrgyz-1",
				Published:   time.Date(2026, 5, 11, 22, 15, 0, 0, time.UTC),
				SummaryHTML: `<p class="wiredesk-credit">With reporting by Reuters</p>`,
				Text:        "With reporting by Reuters",
				Attribution: "With reporting by Reuters",
				Sources:     []Source{reuters},
				Originals:   []Original{{Source: "reuters", GUID: "urn:reuters:9", URL: "https://example.com/reuters/kyrgyz-1"}},
			},
		},
	}
}

// archiveFeed is an RFC 5005 archive page of the fixture feed.
func archiveFeed() Feed {
	f := sampleFeed()
	f.Archive = true
	f.HubURL = ""
	f.FeedURLs = map[Format]string{Atom: "http://localhost:8080/feeds/central-asia/archive/3.atom"}
	f.PrevArchive = "http://localhost:8080/feeds/central-asia/archive/2.atom"
	f.Current = "http://localhost:8080/feeds/central-asia.atom"
	f.Entries = f.Entries[1:]
	return f
}

// bigFeed is a feed of n entries for benchmarks.
func bigFeed(n int) Feed {
	f := sampleFeed()
	base := f.Entries
	f.Entries = make([]Entry, n)
	for i := range f.Entries {
		e := base[i%len(base)]
		e.ID = fmt.Sprintf("tag:localhost,2026:story/%06d", i)
		e.Published = e.Published.Add(-time.Duration(i) * time.Minute)
		f.Entries[i] = e
	}
	return f
}

// sampleOPML is the fixture list of published feeds.
func sampleOPML() []OPMLFeed {
	return []OPMLFeed{
		{Title: "Центральная Азия & <соседи>", Description: "Казахстан, Киргизия", XMLURL: "http://localhost:8080/feeds/central-asia.rss", HTMLURL: "http://localhost:8080/"},
		{Title: "Russia wire", XMLURL: "http://localhost:8080/feeds/russia.rss", HTMLURL: "http://localhost:8080/"},
	}
}
