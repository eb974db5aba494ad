package normalize

import (
	"net/url"
	"strings"
	"testing"

	xhtml "golang.org/x/net/html"
)

// rewriteLinksTokenizer is the definition rewriteLinks must match: it
// tokenises the whole of bluemonday's output and rewrites every a, img,
// blockquote and q start tag.
func rewriteLinksTokenizer(s string, base *url.URL) string {
	if !resolvable(base) {
		base = nil
	}
	var b strings.Builder
	z := xhtml.NewTokenizer(strings.NewReader(s))
	for {
		tt := z.Next()
		switch tt {
		case xhtml.ErrorToken:
			return b.String()
		case xhtml.StartTagToken, xhtml.SelfClosingTagToken:
			raw := string(z.Raw())
			if strings.HasPrefix(raw, "<a ") || strings.HasPrefix(raw, "<img ") || strings.HasPrefix(raw, "<blockquote ") || strings.HasPrefix(raw, "<q ") {
				tok := z.Token()
				rewriteTag(&tok, base)
				b.WriteString(tok.String())
				continue
			}
		}
		b.Write(z.Raw())
	}
}

// FuzzRewriteLinks checks that scanning bluemonday's output for tags gives
// what tokenising all of it gives.
func FuzzRewriteLinks(f *testing.F) {
	for _, s := range []string{
		`<p onclick="x()">Hi <a href="/x" rel="me">l</a><img src="i.png" onerror=alert(1)></p>`,
		`<a href="a>b" title='x"y'>t</a>`, `<q cite="../c">q</q><blockquote cite=/d>b</blockquote>`,
		`<xmp><a href="/x">y</a></xmp>`, `<textarea><a href=/x>`, `<!-- <a href=/x> -->`,
		`<a href="/x"/><img src=/i />`, `a < b > c <a href="/&amp;&lt;">`, "<a href=\"/\x00x\">",
	} {
		f.Add(s, "https://ex.com/a/b")
	}
	f.Add(string(readTestdata(f, "huffpost.canada.xml")), "http://ex.com/")
	f.Fuzz(func(t *testing.T, s, base string) {
		b, err := url.Parse(base)
		if err != nil {
			b = nil
		}
		clean := sanitizer().Sanitize(unwrapCDATA(s))
		if got, want := rewriteLinks(clean, b), rewriteLinksTokenizer(clean, b); got != want {
			t.Errorf("rewriteLinks(%q) = %q; want %q", clean, got, want)
		}
	})
}

func TestReadTag(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{`<a href="/x?a=1&amp;b=2" title="&#34;q&#34;">`, true},
		{`<img src="/i.png" alt="a &lt; b"/>`, true},
		{`<q>`, true},
		{`<a href=/x>`, false},
		{`<a HREF="/x">`, false},
		{`<a href="&copy;">`, false},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := readTag(tc.in)
			if ok != tc.ok {
				t.Fatalf("readTag(%q) ok = %v; want %v", tc.in, ok, tc.ok)
			}
			if !ok {
				return
			}
			z := xhtml.NewTokenizer(strings.NewReader(tc.in))
			z.Next()
			if want := z.Token(); got.String() != want.String() || got.DataAtom != want.DataAtom || len(got.Attr) != len(want.Attr) {
				t.Errorf("readTag(%q) = %#v; want %#v", tc.in, got, want)
			}
		})
	}
}
