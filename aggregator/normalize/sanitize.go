package normalize

import (
	"html"
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/microcosm-cc/bluemonday"
	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// SanitizeHTML returns safe HTML with relative href/src resolved against base
// (nil = leave as is).
//
// The policy is bluemonday's UGC policy narrowed for republishing wire
// copy:
//
//   - Kept: p, br, hr, div, span, section, article, aside; b, strong, i, em,
//     u, s, del, ins, sub, sup, small, mark, abbr, cite, q, dfn, code, kbd,
//     samp, var, pre, time; h1–h6; ul, ol (start, reversed), li, dl, dt, dd;
//     blockquote (cite); figure, figcaption; details, summary; table,
//     caption, thead, tbody, tfoot, tr, th, td (colspan, rowspan, scope);
//     a (href, title); img (src, alt, title, width, height). dir and lang
//     anywhere, so right-to-left copy stays right.
//   - Removed with their content: script, style, iframe, frame, object,
//     embed, noscript, title, template, svg, math, form controls.
//     Every other element is removed and its content kept.
//   - Removed attributes: every on* handler, style, class, id (ids would
//     clash in the pages that show our feeds), srcset, and anything not
//     listed above.
//   - URLs must parse and be http, https, mailto or relative. javascript:,
//     vbscript: and data: are removed, data: images included: they bloat
//     every feed we publish, feed readers block them, and real wires link
//     their images.
//   - Every a[href] gets rel="nofollow noopener" (any rel of the source is
//     dropped): nofollow because we republish third-party links; noopener
//     so a reader that opens links in a new tab cannot be tab-nabbed. No
//     noreferrer: wires should see the traffic we send them.
//
// bluemonday percent-encodes non-ASCII URLs (an IDN host too) and does not
// close elements the input left open.
//
// When base is an absolute http or https URL, relative a href, img src,
// blockquote cite and q cite are resolved against it. Other bases (file://
// demo sources) leave them as they are. Leftover CDATA markers are removed.
func SanitizeHTML(html string, base *url.URL) string {
	html = unwrapCDATA(html)
	out := sanitize(html)
	if !needsRewrite(out, base) {
		return out
	}
	return rewriteLinks(out, base)
}

// sanitizer builds the bluemonday policy once. A Policy is safe for
// concurrent use once built, and nothing changes it afterwards.
var sanitizer = sync.OnceValue(func() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowStandardURLs() // http, https, mailto, relative; must parse
	p.RequireNoFollowOnLinks(false)
	p.AllowAttrs("dir").Matching(bluemonday.Direction).Globally()
	p.AllowAttrs("lang").Matching(regexp.MustCompile(`^[a-zA-Z]{2,8}(-[a-zA-Z0-9]{1,8})*$`)).Globally()

	p.AllowElements("p", "br", "hr", "div", "span", "section", "article", "aside",
		"b", "strong", "i", "em", "u", "s", "del", "ins", "sub", "sup", "small", "mark",
		"abbr", "cite", "dfn", "code", "kbd", "samp", "var", "pre", "time",
		"h1", "h2", "h3", "h4", "h5", "h6", "ul", "li", "dl", "dt", "dd",
		"figure", "figcaption", "details", "summary",
		"table", "caption", "thead", "tbody", "tfoot", "tr")
	p.AllowAttrs("title").Matching(bluemonday.Paragraph).OnElements("abbr", "a", "img")
	p.AllowAttrs("datetime").Matching(regexp.MustCompile(`^[0-9T:+\-. Z]{4,40}$`)).OnElements("time", "del", "ins")
	p.AllowAttrs("cite").OnElements("blockquote", "q")
	p.AllowElements("q", "blockquote")
	p.AllowAttrs("start").Matching(bluemonday.Integer).OnElements("ol")
	p.AllowAttrs("reversed").Matching(regexp.MustCompile(`^(|reversed)$`)).OnElements("ol")
	p.AllowElements("ol")
	p.AllowAttrs("colspan", "rowspan").Matching(bluemonday.Integer).OnElements("td", "th")
	p.AllowAttrs("scope").Matching(regexp.MustCompile(`^(row|col|rowgroup|colgroup)$`)).OnElements("th")
	p.AllowElements("td", "th")
	p.AllowAttrs("open").Matching(regexp.MustCompile(`^(|open)$`)).OnElements("details")

	p.AllowAttrs("href").OnElements("a")
	p.AllowElements("a")
	p.AllowAttrs("src").OnElements("img")
	p.AllowAttrs("alt").Matching(bluemonday.Paragraph).OnElements("img")
	p.AllowAttrs("width", "height").Matching(bluemonday.NumberOrPercent).OnElements("img")

	p.SkipElementsContent("template", "svg", "math", "select", "button", "textarea", "embed", "applet")
	return p
})

// sanitize is the policy's Sanitize(s), with the plain start of s copied
// instead of tokenised.
//
// bluemonday reads s as the HTML tokenizer's tokens, one at a time, and
// writes each as it is when it is a start or end tag of an element the
// policy allows without attributes and the tag has none (token.String:
// "<p>", "</p>"), and text escaped (html.EscapeString). A text run with no
// byte that escaping or the tokenizer changes ('&', '<', '>', quotes, CR,
// NUL) comes out as it went in, and so does a simple tag (plainTag)
// written exactly as token.String writes it. Its state after such tokens
// is its state at the start, but for the most recently started element,
// which it reads only when that is script or style: so from the first
// token that is not plain on, it writes what it writes for the rest of s
// alone. The rest starts at a tag or at a text run, where the tokenizer
// is in its data state either way. When the rest is only white space,
// Sanitize would return it unescaped, so s goes whole
// (TestSanitizeFastAgrees, FuzzSanitizeFastAgrees).
func sanitize(s string) string {
	n := plainPrefix(s)
	if n == 0 {
		return sanitizer().Sanitize(s)
	}
	rest := s[n:]
	if strings.TrimSpace(rest) == "" {
		if rest == "" {
			return s
		}
		return sanitizer().Sanitize(s)
	}
	return s[:n] + sanitizer().Sanitize(rest)
}

// plainPrefix returns the length of the longest start of s made of plain
// text runs and plain tags (see sanitize) that ends where a token ends: a
// text run is taken whole or not at all.
func plainPrefix(s string) int {
	i := 0
	for i < len(s) {
		if s[i] == '<' {
			n := plainTag(s[i:])
			if n == 0 {
				return i
			}
			i += n
			continue
		}
		j := i
		for j < len(s) && s[j] != '<' {
			if plainTextByte[s[j]] {
				return i
			}
			j++
		}
		i = j
	}
	return i
}

// plainTextByte marks the bytes that escaping or the tokenizer changes in
// text: a run holding one is left to bluemonday.
var plainTextByte = [256]bool{'&': true, '<': true, '>': true, '\'': true, '"': true, '\r': true, 0: true}

// plainTags are the tags copied as they are: start and end tags of
// elements the policy allows without attributes, in the form token.String
// writes them. None is a raw-text element, after which the tokenizer
// would read text differently (TestPlainTagsKept checks the policy keeps
// each).
var plainTags = [...]string{
	"<p>", "</p>", "<b>", "</b>", "<i>", "</i>", "<em>", "</em>",
	"<strong>", "</strong>", "<blockquote>", "</blockquote>", "<br>", "<br/>",
}

// plainTag returns the length of the plain tag s starts with, or 0.
func plainTag(s string) int {
	for _, t := range plainTags {
		if strings.HasPrefix(s, t) {
			return len(t)
		}
	}
	return 0
}

// needsRewrite reports whether the sanitised html has links to resolve or
// rel attributes to add.
func needsRewrite(s string, base *url.URL) bool {
	if strings.Contains(s, "<a ") {
		return true
	}
	return resolvable(base) && (strings.Contains(s, "src=") || strings.Contains(s, "cite="))
}

// resolvable reports whether relative links may be resolved against base.
func resolvable(base *url.URL) bool {
	return base != nil && base.Host != "" && (base.Scheme == "http" || base.Scheme == "https")
}

// rewriteLinks resolves relative URLs against base and sets rel on links in
// html that bluemonday has already made safe.
//
// Only the tags that may change are tokenised. In bluemonday's output every
// '<' starts a tag and every tag ends at the first '>': text and attribute
// values are escaped, comments and doctypes are dropped, and the policy
// allows no raw-text element (script, style, textarea, title, xmp…) in
// which the tokenizer would read them otherwise.
func rewriteLinks(s string, base *url.URL) string {
	if !resolvable(base) {
		base = nil
	}
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		s = s[i:]
		j := strings.IndexByte(s, '>')
		if j < 0 {
			b.WriteString(s)
			return b.String()
		}
		tag := s[:j+1]
		s = s[j+1:]
		// bluemonday writes tag names in lower case, one space before
		// the first attribute.
		if strings.HasPrefix(tag, "<a ") || strings.HasPrefix(tag, "<img ") || strings.HasPrefix(tag, "<blockquote ") || strings.HasPrefix(tag, "<q ") {
			tok, ok := readTag(tag)
			if !ok {
				z := xhtml.NewTokenizer(strings.NewReader(tag))
				if tt := z.Next(); tt == xhtml.StartTagToken || tt == xhtml.SelfClosingTagToken {
					tok, ok = z.Token(), true
				}
			}
			if ok {
				rewriteTag(&tok, base)
				b.WriteString(tok.String())
				continue
			}
		}
		b.WriteString(tag)
	}
}

// rewriteTag resolves the URL attributes of one tag and sets rel on links.
func rewriteTag(tok *xhtml.Token, base *url.URL) {
	attrs := tok.Attr[:0]
	hasHref := false
	for _, at := range tok.Attr {
		switch at.Key {
		case "rel":
			continue
		case "href", "src", "cite":
			if at.Key == "href" {
				hasHref = true
			}
			at.Val = resolve(at.Val, base)
		}
		attrs = append(attrs, at)
	}
	if tok.DataAtom == atom.A && hasHref {
		attrs = append(attrs, xhtml.Attribute{Key: "rel", Val: "nofollow noopener"})
	}
	tok.Attr = attrs
}

// resolve makes a relative reference absolute against base. It leaves
// absolute and unparseable references alone, and everything when base is
// nil.
func resolve(ref string, base *url.URL) string {
	if base == nil {
		return ref
	}
	u, err := url.Parse(strings.TrimSpace(ref))
	if err != nil || u.IsAbs() {
		return ref
	}
	return base.ResolveReference(u).String()
}

// readTag reads a start tag in the exact form html.Token.String writes,
// which is how bluemonday writes every tag: "<name", then ` key="value"`
// for each attribute with the value escaped, then ">" or "/>". It reports
// false for anything else (rewriteLinks then asks the tokenizer), so that
// its result is always the tokenizer's.
func readTag(tag string) (xhtml.Token, bool) {
	tok := xhtml.Token{Type: xhtml.StartTagToken}
	rest, ok := strings.CutPrefix(tag, "<")
	if !ok {
		return tok, false
	}
	if rest, ok = strings.CutSuffix(rest, ">"); !ok {
		return tok, false
	}
	if r, ok := strings.CutSuffix(rest, "/"); ok {
		tok.Type, rest = xhtml.SelfClosingTagToken, r
	}
	name, rest, _ := strings.Cut(rest, " ")
	if name == "" || !isLowerName(name) {
		return tok, false
	}
	tok.Data, tok.DataAtom = name, atom.Lookup([]byte(name))
	for rest != "" {
		key, after, ok := strings.Cut(rest, `="`)
		if !ok || key == "" || !isLowerName(key) {
			return tok, false
		}
		val, after, ok := strings.Cut(after, `"`)
		if !ok || !plainEscaped(val) {
			return tok, false
		}
		if after != "" {
			if after[0] != ' ' {
				return tok, false
			}
			after = after[1:]
			if after == "" {
				return tok, false
			}
		}
		tok.Attr = append(tok.Attr, xhtml.Attribute{Key: key, Val: html.UnescapeString(val)})
		rest = after
	}
	return tok, true
}

// isLowerName reports whether s is made of lower-case ASCII letters,
// digits, '-' and ':' only.
func isLowerName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z') && !('0' <= c && c <= '9') && c != '-' && c != ':' {
			return false
		}
	}
	return true
}

// plainEscaped reports whether s is an attribute value as html.Token.String
// escapes it: no control bytes, no '<', '>', quote, and every '&' starts
// one of the references that escaping writes.
func plainEscaped(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < ' ' || c == 0x7f || c == '<' || c == '>' || c == '\'' || c == '"':
			return false
		case c == '&':
			r := s[i:]
			if !strings.HasPrefix(r, "&amp;") && !strings.HasPrefix(r, "&#39;") && !strings.HasPrefix(r, "&lt;") &&
				!strings.HasPrefix(r, "&gt;") && !strings.HasPrefix(r, "&#34;") && !strings.HasPrefix(r, "&#13;") {
				return false
			}
		}
	}
	return true
}
