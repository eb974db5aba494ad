package normalize

import (
	"html"
	"strings"
	"unicode"
	"unicode/utf8"

	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Text turns a possibly-HTML string into plain text: entities decoded, tags stripped
// (block tags become spaces), whitespace collapsed, trimmed.
//
// The content of script, style, noscript, iframe, template, title, textarea
// and the like is dropped, as are comments. Every run of white space
// (including no-break and other Unicode spaces) becomes one ASCII space;
// zero-width characters, soft hyphens and control characters are removed;
// invalid UTF-8 becomes U+FFFD. Leftover CDATA markers ("<![CDATA[", "]]>")
// are removed and their content kept. Inline tags join their text without a
// space ("<b>Hel</b>lo" → "Hello"); block tags and <br> separate it.
//
// Feeds often escape their HTML twice ("&amp;lt;p&amp;gt;", "&amp;nbsp;").
// When the text of a first pass still holds a character reference (an "&"
// followed by a name or number and ";"), Text runs a second pass over it, so
// such markup is stripped too; so is a string with no tags whose decoded
// text holds some ("&lt;p&gt;Lead&lt;/p&gt;"). Markup escaped three times
// is left as text. A text that holds a literal "&lt;b&gt;" meant as such is
// rare enough in news to accept this.
func Text(s string) string {
	s = unwrapCDATA(s)
	if strings.IndexByte(s, '<') < 0 && strings.IndexByte(s, '&') < 0 {
		var w spaceWriter
		w.grow(len(s))
		w.writeString(s)
		return w.String()
	}
	var out string
	if strings.IndexByte(s, '<') < 0 {
		// No markup: decoding entities is all the tokenizer would do.
		var w spaceWriter
		w.grow(len(s))
		w.writeString(html.UnescapeString(s))
		out = w.String()
	} else {
		out = htmlText(s)
	}
	if hasCharRef(out) || (!looksLikeHTML(s) && looksLikeHTML(out)) {
		out = htmlText(out)
	}
	return out
}

// htmlText is one pass of Text over markup.
func htmlText(s string) string {
	var w spaceWriter
	w.grow(len(s))
	walk(s, func(text []byte) { w.write(text) }, func(atom.Atom, bool) { w.space() })
	return w.String()
}

// Lead returns the first paragraph of html/text as plain text, at most max runes,
// cut at a word boundary (with "…" when cut).
//
// In HTML the paragraphs are the text of block elements (p, div, li,
// blockquote, td…) and runs separated by two or more <br>; headings and
// figure captions are skipped, as is any paragraph with no text (an image on
// its own). In plain text (s has no tags) paragraphs are separated by blank
// lines or, when there are none, by line breaks. The paragraph goes through
// Text. When it is longer than max runes it is cut at the last space that
// keeps it within max runes, trailing punctuation is dropped and "…" is
// appended, so the result is at most max+1 runes; a single word longer than
// max is cut inside the word. max ≤ 0 gives "".
func Lead(s string, max int) string {
	if max <= 0 {
		return ""
	}
	s = unwrapCDATA(s)
	var p string
	if looksLikeHTML(s) {
		p = htmlLead(s)
	} else {
		p = plainLead(s)
	}
	return truncate(p, max)
}

// htmlLead returns the text of the first non-empty paragraph of markup.
func htmlLead(s string) string {
	var (
		w    spaceWriter
		skip int // depth inside headings and captions
		brs  int // consecutive <br> since the last text
	)
	done := func() bool { return w.Len() > 0 }
	walkUntil(s, func(text []byte) bool {
		if skip > 0 {
			return false
		}
		if brs >= 2 && done() && !isBlank(text) {
			return true
		}
		if !isBlank(text) {
			if brs == 1 {
				w.space()
			}
			brs = 0
		}
		w.write(text)
		return false
	}, func(a atom.Atom, start bool) bool {
		switch a {
		case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Figcaption, atom.Caption:
			if start {
				skip++
			} else if skip > 0 {
				skip--
			}
			return done()
		case atom.Br:
			brs++
			return false
		case atom.Img, atom.Picture, atom.Source, atom.Video, atom.Audio, atom.Object, atom.Embed:
			w.space() // inline content, not a paragraph boundary
			return false
		}
		return done()
	})
	return w.String()
}

// plainLead returns the first non-empty paragraph of plain text, through Text.
func plainLead(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var paras []string
	if hasBlankLine(s) {
		paras = splitBlankLines(s)
	} else {
		paras = strings.Split(s, "\n")
	}
	for _, p := range paras {
		if t := Text(p); t != "" {
			return t
		}
	}
	return ""
}

// hasBlankLine reports whether s has a line holding only white space
// between two others.
func hasBlankLine(s string) bool {
	return len(splitBlankLines(strings.TrimSpace(s))) > 1
}

// splitBlankLines splits s at lines that hold only white space.
func splitBlankLines(s string) []string {
	var paras []string
	var cur strings.Builder
	for line := range strings.Lines(s) {
		if strings.TrimSpace(line) == "" {
			if cur.Len() > 0 {
				paras = append(paras, cur.String())
				cur.Reset()
			}
			continue
		}
		cur.WriteString(line)
	}
	if cur.Len() > 0 {
		paras = append(paras, cur.String())
	}
	return paras
}

// truncate cuts plain text t to at most max runes at a word boundary,
// appending "…" when it cuts.
func truncate(t string, max int) string {
	if utf8.RuneCountInString(t) <= max {
		return t
	}
	// byte offset just after the max-th rune
	end, n := 0, 0
	for i := range t {
		if n == max {
			end = i
			break
		}
		n++
	}
	cut := t[:end]
	if r, _ := utf8.DecodeRuneInString(t[end:]); r != ' ' {
		if sp := strings.LastIndexByte(cut, ' '); sp > 0 {
			cut = cut[:sp]
		}
	}
	cut = strings.TrimRightFunc(cut, func(r rune) bool {
		return r == ' ' || (unicode.IsPunct(r) && r != ')' && r != '»' && r != '"' && r != '”')
	})
	if cut == "" { // nothing but punctuation: hard cut
		cut = t[:end]
	}
	return cut + "…"
}

// walk tokenises s and reports text and block boundaries.
func walk(s string, text func([]byte), block func(a atom.Atom, start bool)) {
	walkUntil(s, func(b []byte) bool { text(b); return false }, func(a atom.Atom, start bool) bool {
		block(a, start)
		return false
	})
}

// walkUntil tokenises s and reports text and block boundaries until a
// callback returns true. The content of elements that never show as text
// (script, style, iframe, noscript, title, textarea, template…) and comments
// are dropped. The raw content of the obsolete <xmp> and <plaintext> is
// tokenised again, at most two levels deep, since it may hold markup.
func walkUntil(s string, text func([]byte) bool, block func(a atom.Atom, start bool) bool) {
	walkDepth(s, 0, text, block)
}

func walkDepth(s string, depth int, text func([]byte) bool, block func(a atom.Atom, start bool) bool) bool {
	z := xhtml.NewTokenizer(strings.NewReader(s))
	var (
		rawA     atom.Atom // raw-text element whose content comes next
		template int
	)
	for {
		tt := z.Next()
		switch tt {
		case xhtml.ErrorToken:
			return false
		case xhtml.TextToken:
			a := rawA
			rawA = 0
			switch {
			case template > 0:
			case a == atom.Xmp || a == atom.Plaintext:
				if depth < 2 && walkDepth(string(z.Text()), depth+1, text, block) {
					return true
				}
			case a != 0:
				// script, style, iframe, noscript, title, textarea…: dropped
			default:
				if text(z.Text()) {
					return true
				}
			}
		case xhtml.StartTagToken, xhtml.SelfClosingTagToken, xhtml.EndTagToken:
			rawA = 0
			name, _ := z.TagName()
			a := atom.Lookup(name)
			start := tt != xhtml.EndTagToken
			switch a {
			case atom.Template:
				if tt == xhtml.StartTagToken {
					template++
				} else if tt == xhtml.EndTagToken && template > 0 {
					template--
				}
				continue
			case atom.Script, atom.Style, atom.Iframe, atom.Noembed, atom.Noframes,
				atom.Noscript, atom.Textarea, atom.Title, atom.Xmp, atom.Plaintext:
				// "<script/>" starts a script like "<script>" does: HTML
				// ignores the slash on these elements, and the tokenizer
				// reads what follows as their raw content either way.
				if tt != xhtml.EndTagToken {
					rawA = a
				}
				continue
			}
			if template == 0 && isBlock(a) && block(a, start) {
				return true
			}
		default:
			rawA = 0
		}
	}
}

// isBlock reports whether an element separates words.
func isBlock(a atom.Atom) bool {
	switch a {
	case atom.Address, atom.Article, atom.Aside, atom.Blockquote, atom.Br, atom.Caption,
		atom.Center, atom.Dd, atom.Details, atom.Dialog, atom.Dir, atom.Div, atom.Dl, atom.Dt,
		atom.Fieldset, atom.Figcaption, atom.Figure, atom.Footer, atom.Form, atom.H1, atom.H2,
		atom.H3, atom.H4, atom.H5, atom.H6, atom.Header, atom.Hgroup, atom.Hr, atom.Li,
		atom.Main, atom.Menu, atom.Nav, atom.Ol, atom.P, atom.Pre, atom.Section, atom.Summary,
		atom.Table, atom.Tbody, atom.Td, atom.Tfoot, atom.Th, atom.Thead, atom.Tr, atom.Ul,
		atom.Body, atom.Html, atom.Head, atom.Img, atom.Option, atom.Legend, atom.Video,
		atom.Audio, atom.Object, atom.Embed, atom.Picture, atom.Source:
		return true
	}
	return false
}

// spaceWriter accumulates text with white space collapsed to single spaces,
// no leading or trailing space, and invisible characters removed.
type spaceWriter struct {
	b       strings.Builder
	pending bool
	joined  bool // something was dropped or a token ended since the last rune
}

func (w *spaceWriter) grow(n int) { w.b.Grow(n) }

// Len is the number of bytes written so far.
func (w *spaceWriter) Len() int { return w.b.Len() }

// String returns the text written so far.
func (w *spaceWriter) String() string { return w.b.String() }

// space marks a word boundary.
func (w *spaceWriter) space() {
	if w.b.Len() > 0 {
		w.pending = true
	}
}

// write adds the text of one token. Text tokens are joined without a space,
// except where the join would make a '<' and a letter look like a tag:
// "<<b>i>" is "< i>", not "<i>". The same holds where a dropped character
// stood between them.
func (w *spaceWriter) write(p []byte) {
	w.joined = true
	for len(p) > 0 {
		r, size := utf8.DecodeRune(p)
		w.rune(r)
		p = p[size:]
		if !w.joined && !w.pending {
			// A visible rune was just written: the runes that follow up
			// to the next space, dropped or invalid one are written as
			// they are, which is what rune would do with each of them.
			n := plainRun(p)
			w.b.Write(p[:n])
			p = p[n:]
		}
	}
}

func (w *spaceWriter) writeString(s string) {
	w.joined = true
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		w.rune(r)
		s = s[size:]
		if !w.joined && !w.pending {
			n := plainRun(s)
			w.b.WriteString(s[:n])
			s = s[n:]
		}
	}
}

// plainRun returns the length of the longest prefix of p made of valid
// runes that rune writes unchanged when nothing is pending: no white space,
// control, invisible character or invalid UTF-8.
func plainRun[T string | []byte](p T) int {
	i := 0
	for i < len(p) {
		c := p[i]
		if c < utf8.RuneSelf {
			if c <= ' ' || c == 0x7f {
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(string(p[i:min(len(p), i+utf8.UTFMax)]))
		if (r == utf8.RuneError && size == 1) || invisible(r) || isUnicodeSpace(r) {
			return i
		}
		i += size
	}
	return i
}

// isUnicodeSpace reports whether rune treats a non-ASCII r as white space.
func isUnicodeSpace(r rune) bool {
	// Every Unicode space (White_Space or Zs) above U+007F is U+0085,
	// U+00A0 or at least U+1680; the test below is only a shortcut.
	if r < 0x1680 && r != 0x85 && r != 0xa0 {
		return false
	}
	return unicode.IsSpace(r) || unicode.Is(unicode.Zs, r)
}

func (w *spaceWriter) rune(r rune) {
	switch {
	case r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' || r == '\v':
		w.space()
		return
	case r < 0x20 || r == 0x7f || invisible(r):
		w.joined = true
		return
	case r >= utf8.RuneSelf && isUnicodeSpace(r):
		w.space()
		return
	}
	if w.joined && !w.pending && (r == '/' || r == '!' || r == '?' || (r|0x20 >= 'a' && r|0x20 <= 'z')) {
		if n := w.b.Len(); n > 0 && w.b.String()[n-1] == '<' {
			w.pending = true
		}
	}
	w.joined = false
	if w.pending {
		w.b.WriteByte(' ')
		w.pending = false
	}
	if r < utf8.RuneSelf {
		w.b.WriteByte(byte(r))
	} else {
		w.b.WriteRune(r)
	}
}

// invisible reports the characters Text drops: C1 controls, soft hyphen,
// zero-width space, word joiner and BOM. Zero-width (non-)joiners and bidi
// marks are kept: Urdu, Persian and Arabic text needs them.
func invisible(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f:
		return true
	case r == 0xad, r == 0x200b, r == 0x2060, r == 0xfeff:
		return true
	}
	return false
}

func isBlank(p []byte) bool {
	for len(p) > 0 {
		r, size := utf8.DecodeRune(p)
		if !unicode.IsSpace(r) && !invisible(r) && r != 0x200c && r != 0x200d {
			return false
		}
		p = p[size:]
	}
	return true
}

// unwrapCDATA removes CDATA markers that a broken feed left in its text.
func unwrapCDATA(s string) string {
	if strings.Contains(s, "<![CDATA[") {
		s = strings.ReplaceAll(s, "<![CDATA[", "")
	}
	if strings.Contains(s, "]]>") {
		s = strings.ReplaceAll(s, "]]>", "")
	}
	return s
}

// looksLikeHTML reports whether s holds something the HTML tokenizer would
// read as a tag or comment.
func looksLikeHTML(s string) bool {
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 || i+1 >= len(s) {
			return false
		}
		c := s[i+1]
		if c|0x20 >= 'a' && c|0x20 <= 'z' {
			return true
		}
		if (c == '/' || c == '!' || c == '?') && i+2 < len(s) {
			return true // an end tag, comment or bogus comment
		}
		s = s[i+1:]
	}
}

// hasCharRef reports whether s holds an HTML character reference: "&" then a
// name or "#" number, then ";".
func hasCharRef(s string) bool {
	for {
		i := strings.IndexByte(s, '&')
		if i < 0 {
			return false
		}
		s = s[i+1:]
		j := 0
		if j < len(s) && s[j] == '#' {
			j++
			if j < len(s) && (s[j] == 'x' || s[j] == 'X') {
				j++
			}
		}
		k := j
		for k < len(s) && k-j < 32 && (isDigit(s[k]) || (s[k]|0x20 >= 'a' && s[k]|0x20 <= 'z')) {
			k++
		}
		if k > j && k < len(s) && s[k] == ';' && html.UnescapeString("&"+s[:k+1]) != "&"+s[:k+1] {
			return true
		}
	}
}
