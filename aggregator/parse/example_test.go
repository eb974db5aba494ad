package parse_test

import (
	"fmt"
	"time"

	"github.com/wiredesk/wiredesk/aggregator/parse"
	"golang.org/x/text/encoding/charmap"
)

// A wire that names its charset only in the HTTP header: gofeed alone would
// fail with "invalid UTF-8"; Decode transcodes once and fixes the prolog.
func ExampleDecode() {
	body, _ := charmap.Windows1251.NewEncoder().Bytes([]byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>Интерфакс</title></channel></rss>`))
	out, d, err := parse.Decode(body, "application/rss+xml; charset=windows-1251", "", "")
	if err != nil {
		panic(err)
	}
	fmt.Println(d)
	fmt.Println(string(out))
	// Output:
	// windows-1251 (HTTP Content-Type charset)
	// <?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Интерфакс</title></channel></rss>
}

func ExampleParse() {
	body := []byte(`<rss version="2.0"><channel><title>Wire</title><ttl>10</ttl>
<item><title>Talks  held</title><link>/news/1?utm_source=rss</link><guid>n-1</guid><pubDate>Mon, 02 Mar 2026 10:15:00 MSK</pubDate></item>
</channel></rss>`)
	res, err := parse.Parse(body, "text/xml", parse.Options{
		SourceID: "wire",
		FeedURL:  "https://wire.example/rss",
		Timezone: time.FixedZone("MSK", 3*60*60),
		Now:      time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC),
	})
	if err != nil {
		panic(err)
	}
	it := res.Items[0]
	fmt.Println(res.Format, res.Interval)
	fmt.Println(it.Key, it.Title, it.Link)
	fmt.Println(it.Published, it.DateGuessed)
	// Output:
	// rss 2.0 10m0s
	// guid:n-1 Talks held https://wire.example/news/1
	// 2026-03-02 07:15:00 +0000 UTC false
}
