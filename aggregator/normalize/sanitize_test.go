package normalize

import (
	"net/url"
	"strings"
	"testing"

	xhtml "golang.org/x/net/html"
)

func mustURL(tb testing.TB, s string) *url.URL {
	tb.Helper()
	u, err := url.Parse(s)
	if err != nil {
		tb.Fatal(err)
	}
	return u
}

func TestSanitizeHTML(t *testing.T) {
	base := mustURL(t, "https://www.interfax.ru/russia/1000/")
	tests := []struct {
		name string
		in   string
		base *url.URL
		want string
	}{
		{"plain text", "Путин провёл встречу", nil, "Путин провёл встречу"},
		{"keeps structure", "<h2>H</h2><p><b>b</b> <em>e</em></p><ul><li>1</li></ul><ol start=\"3\"><li>3</li></ol><blockquote>q</blockquote>",
			nil, "<h2>H</h2><p><b>b</b> <em>e</em></p><ul><li>1</li></ul><ol start=\"3\"><li>3</li></ol><blockquote>q</blockquote>"},
		{"table", `<table><tr><th scope="col">a</th><td colspan="2" style="x">b</td></tr></table>`, nil,
			`<table><tr><th scope="col">a</th><td colspan="2">b</td></tr></table>`},
		{"script removed with content", "a<script>alert(1)</script>b", nil, "ab"},
		{"style iframe object removed", `<style>p{}</style><iframe src="https://evil"></iframe><object data="x">fallback</object>ok`, nil, "ok"},
		{"on attributes removed", `<p onclick="x()" onmouseover="y()">t</p><img src="https://a/i.png" onerror="alert(1)">`, nil,
			`<p>t</p><img src="https://a/i.png">`},
		{"javascript href removed", `<a href="javascript:alert(1)">x</a>`, nil, "x"},
		{"javascript href obfuscated", `<a href="jav&#x09;ascript:alert(1)">x</a><a href=" JAVASCRIPT:alert(1)">y</a>`, nil, "xy"},
		{"vbscript removed", `<a href="vbscript:msgbox(1)">x</a>`, nil, "x"},
		{"data image removed", `<img src="data:image/png;base64,iVBORw0KGgo=" alt="a">`, nil, `<img alt="a">`},
		{"class id style removed", `<p class="c" id="i" style="color:red">t</p>`, nil, "<p>t</p>"},
		{"link gets rel", `<a href="https://ex.com/a" rel="me" target="_blank">x</a>`, nil,
			`<a href="https://ex.com/a" rel="nofollow noopener">x</a>`},
		{"relative link kept without base", `<a href="/news/1">x</a><img src="i.jpg">`, nil,
			`<a href="/news/1" rel="nofollow noopener">x</a><img src="i.jpg">`},
		{"relative resolved", `<a href="/news/1">x</a><img src="i.jpg"><a href="../2?a=1#f">y</a><blockquote cite="/q">q</blockquote>`, base,
			`<a href="https://www.interfax.ru/news/1" rel="nofollow noopener">x</a><img src="https://www.interfax.ru/russia/1000/i.jpg"><a href="https://www.interfax.ru/russia/2?a=1#f" rel="nofollow noopener">y</a><blockquote cite="https://www.interfax.ru/q">q</blockquote>`},
		{"scheme relative resolved", `<img src="//cdn.ex.com/i.png">`, base, `<img src="https://cdn.ex.com/i.png">`},
		{"absolute untouched", `<a href="http://other.ru/x">x</a>`, base, `<a href="http://other.ru/x" rel="nofollow noopener">x</a>`},
		{"file base not used", `<img src="i.jpg">`, mustURL(t, "file:///srv/feed.xml"), `<img src="i.jpg">`},
		{"mailto kept", `<a href="mailto:desk@ex.com">m</a>`, nil, `<a href="mailto:desk@ex.com" rel="nofollow noopener">m</a>`},
		{"cyrillic link", `<a href="https://пример.рф/путь">ссылка</a>`, nil, `<a href="https://%D0%BF%D1%80%D0%B8%D0%BC%D0%B5%D1%80.%D1%80%D1%84/%D0%BF%D1%83%D1%82%D1%8C" rel="nofollow noopener">ссылка</a>`},
		{"entities kept escaped", `<p>AT&amp;T &lt;b&gt; &#8212;</p>`, nil, "<p>AT&amp;T &lt;b&gt; —</p>"},
		{"unknown tags stripped content kept", `<font color="red">red</font><center>c</center>`, nil, "redc"},
		{"cdata leftover", `<![CDATA[<p>x</p>]]>`, nil, "<p>x</p>"},
		{"rtl dir kept", `<p dir="rtl" lang="ur">پاکستان</p>`, nil, `<p dir="rtl" lang="ur">پاکستان</p>`},
		{"srcset removed", `<img src="https://a/i.png" srcset="https://evil/x 2x">`, nil, `<img src="https://a/i.png">`},
		{"svg removed", `<svg><script>alert(1)</script></svg>ok`, nil, "ok"},
		{"form removed", `<form action="x"><input name="a"><button>b</button></form>ok`, nil, "ok"},
		{"unclosed left unclosed", `<p><b>bold`, nil, "<p><b>bold"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SanitizeHTML(tt.in, tt.base)
			if got != tt.want {
				t.Errorf("SanitizeHTML(%q, %v) =\n%s\nwant\n%s", tt.in, tt.base, got, tt.want)
			}
			checkSafe(t, tt.in, got)
		})
	}
}

// allowedTags is the sanitiser's element list, as the documentation gives it.
var allowedTags = strings.Fields(`p br hr div span section article aside b strong i em u s del ins sub sup
	small mark abbr cite dfn code kbd samp var pre time h1 h2 h3 h4 h5 h6 ul ol li dl dt dd blockquote q
	figure figcaption details summary table caption thead tbody tfoot tr th td a img`)

// checkSafe tokenises sanitised output and reports any element, attribute
// or URL outside the policy.
func checkSafe(t *testing.T, in, out string) {
	t.Helper()
	z := xhtml.NewTokenizer(strings.NewReader(out))
	for {
		tt := z.Next()
		if tt == xhtml.ErrorToken {
			return
		}
		if tt == xhtml.CommentToken || tt == xhtml.DoctypeToken {
			t.Errorf("SanitizeHTML(%q) = %q keeps a comment or doctype", in, out)
			continue
		}
		if tt != xhtml.StartTagToken && tt != xhtml.SelfClosingTagToken && tt != xhtml.EndTagToken {
			continue
		}
		tok := z.Token()
		if !containsString(allowedTags, tok.Data) {
			t.Errorf("SanitizeHTML(%q) = %q keeps element <%s>", in, out, tok.Data)
		}
		for _, a := range tok.Attr {
			if strings.HasPrefix(a.Key, "on") || a.Key == "style" || a.Key == "srcset" || a.Key == "class" || a.Key == "id" {
				t.Errorf("SanitizeHTML(%q) = %q keeps attribute %s", in, out, a.Key)
			}
			if a.Key == "href" || a.Key == "src" || a.Key == "cite" {
				u, err := url.Parse(a.Val)
				if err != nil {
					t.Errorf("SanitizeHTML(%q) = %q keeps unparseable %s=%q", in, out, a.Key, a.Val)
					continue
				}
				if s := strings.ToLower(u.Scheme); s != "" && s != "http" && s != "https" && s != "mailto" {
					t.Errorf("SanitizeHTML(%q) = %q keeps %s=%q", in, out, a.Key, a.Val)
				}
			}
		}
	}
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func FuzzSanitizeHTML(f *testing.F) {
	for _, s := range []string{
		`<p onclick="x()">Hi <a href="/x">l</a><img src="i.png" onerror=alert(1)></p>`,
		`<a href="javascript:alert(1)">x</a>`, `<script>alert(1)</script>`, `<![CDATA[<p>x</p>]]>`,
		`<img src="data:image/png;base64,AAAA">`, `<svg><a xlink:href="javascript:x">y</a></svg>`,
		`<a href="  jav&#x0A;ascript:alert(1)">x</a>`, `<table><tr><td colspan=2>x`,
	} {
		f.Add(s, "https://ex.com/a/b")
	}
	f.Add(string(readTestdata(f, "huffpost.canada.xml")), "http://ex.com/")
	f.Fuzz(func(t *testing.T, s, base string) {
		b, err := url.Parse(base)
		if err != nil {
			b = nil
		}
		out := SanitizeHTML(s, b)
		checkSafe(t, s, out)
		// Sanitised HTML is its own sanitised form: a wire that carries
		// another's (or our) sanitised text gets the same text again.
		if again := SanitizeHTML(out, b); again != out {
			t.Errorf("SanitizeHTML(%q) = %q; sanitised again it becomes %q", s, out, again)
		}
	})
}
