package normalize_test

import (
	"fmt"
	"net/url"
	"time"

	"github.com/wiredesk/wiredesk/aggregator/normalize"
)

func ExampleParseDate() {
	moscow, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range []string{
		"Tue, 10 Jun 2025 14:03:00 MSK",
		"10 июня 2025 г., 14:03",
		"2025-06-10T14:03:00+03:00",
	} {
		t, ok := normalize.ParseDate(s, moscow)
		fmt.Println(t.UTC().Format(time.RFC3339), ok)
	}
	// Output:
	// 2025-06-10T11:03:00Z true
	// 2025-06-10T11:03:00Z true
	// 2025-06-10T11:03:00Z true
}

func ExampleCanonicalURL() {
	base, _ := url.Parse("https://www.interfax.ru/russia/")
	fmt.Println(normalize.CanonicalURL("/russia/1000?utm_source=rss&b=2&a=1#comments", base))
	// Output: https://www.interfax.ru/russia/1000?a=1&b=2
}

func ExampleLead() {
	fmt.Println(normalize.Lead("<h2>Новости</h2><p>Президент провёл встречу с губернатором.</p><p>Далее…</p>", 30))
	// Output: Президент провёл встречу с…
}

func ExampleSanitizeHTML() {
	base, _ := url.Parse("https://www.interfax.ru/russia/1000")
	fmt.Println(normalize.SanitizeHTML(`<p onclick="x()">See <a href="/photo">photo</a><script>alert(1)</script></p>`, base))
	// Output: <p>See <a href="https://www.interfax.ru/photo" rel="nofollow noopener">photo</a></p>
}
