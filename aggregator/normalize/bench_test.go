package normalize

import (
	"encoding/xml"
	"testing"
	"time"
)

// articles returns the HTML descriptions of the HuffPost Canada feed
// (about 4 KB and 9 KB).
func articles(b testing.TB) []string {
	b.Helper()
	var doc struct {
		Items []struct {
			Description string `xml:"description"`
		} `xml:"channel>item"`
	}
	if err := xml.Unmarshal(readTestdata(b, "huffpost.canada.xml"), &doc); err != nil {
		b.Fatal(err)
	}
	var out []string
	for _, it := range doc.Items {
		out = append(out, it.Description)
	}
	return out
}

func BenchmarkParseDate(b *testing.B) {
	msk, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		b.Skip(err)
	}
	for _, bc := range []struct{ name, in string }{
		{"RFC1123", "Tue, 10 Jun 2025 14:03:00 +0300"},
		{"RFC3339", "2025-06-10T14:03:00.123+03:00"},
		{"MSK", "Tue, 10 Jun 2025 14:03:00 MSK"},
		{"Russian", "Пн, 10 июня 2025 г., 14:03"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := ParseDate(bc.in, msk); !ok {
					b.Fatal("unparsed")
				}
			}
		})
	}
}

func BenchmarkCanonicalURL(b *testing.B) {
	base := mustURL(b, "https://www.interfax.ru/russia/")
	for _, bc := range []struct{ name, in string }{
		{"clean", "https://www.interfax.ru/russia/1000000"},
		{"tracking", "https://www.bbc.co.uk/news/world-48437447?at_medium=RSS&at_campaign=KARANGA&utm_source=x&b=1&a=2#top"},
		{"relative", "../world/1000000?utm_source=rss"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				CanonicalURL(bc.in, base)
			}
		})
	}
}

func BenchmarkSanitizeHTML(b *testing.B) {
	base := mustURL(b, "https://www.huffingtonpost.ca/")
	for _, a := range articles(b) {
		if len(a) < 1000 {
			continue
		}
		b.Run(sizeName(len(a)), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(a)))
			for b.Loop() {
				SanitizeHTML(a, base)
			}
		})
	}
}

func BenchmarkText(b *testing.B) {
	for _, a := range articles(b) {
		if len(a) < 1000 {
			continue
		}
		b.Run(sizeName(len(a)), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(a)))
			for b.Loop() {
				Text(a)
			}
		})
	}
	b.Run("title", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			Text("Путин провёл встречу &laquo;по видеосвязи&raquo;")
		}
	})
}

func BenchmarkLead(b *testing.B) {
	for _, a := range articles(b) {
		if len(a) < 1000 {
			continue
		}
		b.Run(sizeName(len(a)), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Lead(a, 300)
			}
		})
	}
}

func sizeName(n int) string {
	return string(rune('0'+n/1000)) + "KB"
}
