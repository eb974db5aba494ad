package parse

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/mmcdole/gofeed"
	"golang.org/x/text/encoding/charmap"
)

// benchFeed builds a feed of n items in the given format ("rss" or "atom"),
// about 1 KB of Russian text per item.
func benchFeed(format string, n int) []byte {
	var b strings.Builder
	para := strings.Repeat("Президент провел переговоры с делегацией, стороны обсудили сотрудничество. ", 6)
	if format == "atom" {
		b.WriteString(`<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Лента</title><link href="https://wire.example/"/><id>urn:x</id><updated>2026-03-01T10:00:00Z</updated>`)
		for i := range n {
			fmt.Fprintf(&b, `<entry><title>Новость номер %d</title><link href="https://wire.example/n/%d.html?utm_source=rss"/><id>urn:wire:%d</id><updated>2026-03-01T%02d:%02d:00+03:00</updated><author><name>Автор</name></author><category term="Политика"/><summary>%s</summary><content type="html">&lt;p&gt;%s&lt;/p&gt;&lt;p&gt;&lt;a href="/x"&gt;ссылка&lt;/a&gt;&lt;/p&gt;</content></entry>`, i, i, i, i%24, i%60, para[:200], para)
		}
		b.WriteString(`</feed>`)
		return []byte(b.String())
	}
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Лента</title><link>https://wire.example/</link><ttl>5</ttl>`)
	for i := range n {
		fmt.Fprintf(&b, `<item><title>Новость номер %d</title><link>https://wire.example/n/%d.html?utm_source=rss</link><guid>wire-%d</guid><pubDate>Sun, 01 Mar 2026 %02d:%02d:00 MSK</pubDate><dc:creator>Автор</dc:creator><category>Политика</category><description><![CDATA[<p>%s</p><p><a href="/x">ссылка</a></p>]]></description></item>`, i, i, i, i%24, i%60, para)
	}
	b.WriteString(`</channel></rss>`)
	return []byte(b.String())
}

// cp1251Feed is a ~50 KB windows-1251 RSS feed.
func cp1251Feed(b *testing.B) []byte {
	b.Helper()
	u := benchFeed("rss", 40)
	u = bytes.Replace(u, []byte(`encoding="utf-8"`), []byte(`encoding="windows-1251"`), 1)
	out, err := charmap.Windows1251.NewEncoder().Bytes(u)
	if err != nil {
		b.Fatal(err)
	}
	return out
}

func BenchmarkDecodeWindows1251(b *testing.B) {
	body := cp1251Feed(b)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Decode(body, "", "", ""); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeUTF8(b *testing.B) {
	body := benchFeed("rss", 40)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Decode(body, "", "", ""); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParse compares Parse (decode + gofeed + translate) with gofeed
// alone on the same 50-item bytes; the ratio of the two ns/op is the cost
// of decoding, date repair, sanitising and identity.
func BenchmarkParse(b *testing.B) {
	for _, format := range []string{"rss", "atom"} {
		body := benchFeed(format, 50)
		b.Run(format+"/parse", func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				res, err := Parse(body, "", Options{SourceID: "bench", FeedURL: "https://wire.example/rss", Now: fixedNow})
				if err != nil || len(res.Items) != 50 {
					b.Fatalf("Parse: %v, %d items", err, len(res.Items))
				}
			}
		})
		b.Run(format+"/gofeed", func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				f, err := gofeed.NewParser().Parse(bytes.NewReader(body))
				if err != nil || len(f.Items) != 50 {
					b.Fatalf("gofeed: %v", err)
				}
			}
		})
	}
}
