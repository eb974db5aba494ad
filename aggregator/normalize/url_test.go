package normalize

import (
	"net/url"
	"testing"
)

func TestCanonicalURL(t *testing.T) {
	base := mustURL(t, "https://www.interfax.ru/russia/1000/")
	tests := []struct {
		name string
		in   string
		base *url.URL
		want string
	}{
		{"already canonical", "https://www.interfax.ru/russia/1000", nil, "https://www.interfax.ru/russia/1000"},
		{"trim", "  https://ex.com/a \n", nil, "https://ex.com/a"},
		{"lower scheme host", "HTTPS://WWW.Ex.COM/Path", nil, "https://www.ex.com/Path"},
		{"default ports", "http://ex.com:80/a", nil, "http://ex.com/a"},
		{"default https port", "https://ex.com:443/a", nil, "https://ex.com/a"},
		{"other port kept", "https://ex.com:8443/a", nil, "https://ex.com:8443/a"},
		{"http on 443 kept", "http://ex.com:443/a", nil, "http://ex.com:443/a"},
		{"empty port", "https://ex.com:/a", nil, "https://ex.com/a"},
		{"empty path", "https://ex.com", nil, "https://ex.com/"},
		{"fragment dropped", "https://ex.com/a#comments", nil, "https://ex.com/a"},
		{"hashbang kept", "https://ex.com/#!/news/1", nil, "https://ex.com/#!/news/1"},
		{"route fragment kept", "https://ex.com/#/news/1", nil, "https://ex.com/#/news/1"},
		{"utm removed", "https://ex.com/a?utm_source=rss&utm_medium=feed&UTM_Campaign=x&id=5", nil, "https://ex.com/a?id=5"},
		{"all tracking removed", "https://ex.com/a?fbclid=1&gclid=2&yclid=3&ysclid=4&mc_cid=5&mc_eid=6&_openstat=7&igshid=8&msclkid=9&at_medium=RSS&at_campaign=k", nil, "https://ex.com/a"},
		{"sorted stable", "https://ex.com/a?b=2&a=1&b=1&c", nil, "https://ex.com/a?a=1&b=2&b=1&c"},
		{"empty query dropped", "https://ex.com/a?", nil, "https://ex.com/a"},
		{"empty parts dropped", "https://ex.com/a?&&x=1&", nil, "https://ex.com/a?x=1"},
		{"generic names kept", "https://ex.com/a?from=rss&ref=x", nil, "https://ex.com/a?from=rss&ref=x"},
		{"encoded name matched", "https://ex.com/a?utm%5Fsource=x&k=v", nil, "https://ex.com/a?k=v"},
		{"query escapes upper", "https://ex.com/a?q=%d0%b4", nil, "https://ex.com/a?q=%D0%B4"},
		{"query non-ascii encoded", "https://ex.com/a?q=Да да", nil, "https://ex.com/a?q=%D0%94%D0%B0%20%D0%B4%D0%B0"},
		{"plus kept", "https://ex.com/a?q=a+b", nil, "https://ex.com/a?q=a+b"},
		{"semicolon kept", "https://ex.com/a?a=1;b=2", nil, "https://ex.com/a?a=1;b=2"},
		{"dot segments", "https://ex.com/a/./b/../c", nil, "https://ex.com/a/c"},
		{"path encoding", "https://ex.com/%7Euser/Путь", nil, "https://ex.com/~user/%D0%9F%D1%83%D1%82%D1%8C"},
		{"encoded slash kept", "https://ex.com/a%2Fb", nil, "https://ex.com/a%2Fb"},
		{"idn kept", "https://Пример.РФ/новости?id=1", nil, "https://пример.рф/%D0%BD%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8?id=1"},
		{"punycode kept", "https://xn--e1afmkfd.xn--p1ai/", nil, "https://xn--e1afmkfd.xn--p1ai/"},
		{"idn with port and user", "http://u:p@ПРИМЕР.рф:80/", nil, "http://u:p@пример.рф/"},
		{"relative with base", "/news/1?utm_source=x#top", base, "https://www.interfax.ru/news/1"},
		{"relative path with base", "../999/", base, "https://www.interfax.ru/russia/999/"},
		{"scheme relative with base", "//cdn.ex.com/a", base, "https://cdn.ex.com/a"},
		{"absolute ignores base", "http://other.ru/x", base, "http://other.ru/x"},
		{"relative without base", "news/../1?b=1&a=2#x", nil, "news/../1?a=2&b=1"},
		{"scheme relative without base", "//CDN.ex.com/a", nil, "//cdn.ex.com/a"},
		{"mailto", "MAILTO:desk@ex.com", nil, "mailto:desk@ex.com"},
		{"unparseable", " http://a b.com/x ", nil, "http://a b.com/x"},
		{"unparseable percent", "http://ex.com/%zz", nil, "http://ex.com/%zz"},
		{"empty", "", nil, ""},
		{"ipv6 port", "http://[::1]:80/a", nil, "http://[::1]/a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := CanonicalURL(tt.in, tt.base)
			if got != tt.want {
				t.Errorf("CanonicalURL(%q, %v) = %q; want %q", tt.in, tt.base, got, tt.want)
			}
			if again := CanonicalURL(got, nil); again != got {
				t.Errorf("CanonicalURL(%q) = %q; not idempotent: %q", tt.in, got, again)
			}
		})
	}
}

func FuzzCanonicalURL(f *testing.F) {
	for _, s := range []string{
		"https://ex.com/a?utm_source=rss&b=2&a=1#f", "HTTP://Пример.РФ:80/Путь?q=Да", "/news/../1",
		"//cdn/a", "mailto:x@y", "https://ex.com:/a%2Fb?%d0", "http://[::1]:80/", "#!/x", "a b",
		"https://www.bbc.co.uk/news/world-48437447?at_medium=RSS&at_campaign=KARANGA",
	} {
		f.Add(s, "https://www.interfax.ru/russia/1000/")
	}
	f.Fuzz(func(t *testing.T, s, base string) {
		var b *url.URL
		if base != "" {
			var err error
			if b, err = url.Parse(base); err != nil {
				b = nil
			}
		}
		got := CanonicalURL(s, b)
		if again := CanonicalURL(got, nil); again != got {
			t.Errorf("CanonicalURL(%q, %q) = %q; CanonicalURL of that = %q", s, base, got, again)
		}
	})
}
