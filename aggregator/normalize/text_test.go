package normalize

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "  Hello,   world \n", "Hello, world"},
		{"empty", "", ""},
		{"only tags", "<p><br/></p>", ""},
		{"cyrillic", "<p>Путин <b>провёл</b> встречу</p>", "Путин провёл встречу"},
		{"entities", "AT&amp;T &mdash; &#8212; &#x2014; &laquo;ТАСС&raquo;", "AT&T — — — «ТАСС»"},
		{"nbsp collapses", "a&nbsp;&nbsp; b\u00a0\u2009c", "a b c"},
		{"double escaped nbsp", "Москва&amp;nbsp;— ТАСС", "Москва — ТАСС"},
		{"double escaped markup", "&lt;p&gt;Hello &amp;amp; bye&lt;/p&gt;", "Hello & bye"},
		{"escaped markup without tags", "&lt;p&gt;Lead&lt;/p&gt;&lt;p&gt;Next", "Lead Next"},
		{"escaped twice is left as text", "&amp;lt;b&amp;gt;Bold&amp;lt;/b&amp;gt;", "<b>Bold</b>"},
		{"escaped lt with tags stays", "<p>a &lt;b&gt; c</p>", "a <b> c"},
		{"escaped lt alone stays", "a &lt; b and c&gt;d", "a < b and c>d"},
		{"literal lt", "x < y", "x < y"},
		{"inline joins", "<b>Hel</b>lo <i>wor</i>ld", "Hello world"},
		{"block separates", "<p>one</p><p>two</p><div>three</div>four<br>five<li>six</li>", "one two three four five six"},
		{"headings and tables", "<h1>Title</h1><table><tr><td>a</td><td>b</td></tr></table>", "Title a b"},
		{"nested", "<div><p>a <span><em>b</em></span></p><ul><li><b>c</b></li></ul></div>", "a b c"},
		{"script dropped", "before<script>alert('<p>x</p>')</script>after", "beforeafter"},
		{"style dropped", "<style>p{color:red}</style><p>text</p>", "text"},
		{"self-closed script still starts one", "<sCript/>0<A0", ""},
		{"self-closed script up to its end tag", "<script/>x</script>y", "y"},
		{"noscript iframe title dropped", "<title>T</title><noscript><img src=x></noscript><iframe>i</iframe>body", "body"},
		{"template dropped", "<template><p>hidden</p></template>shown", "shown"},
		{"comment dropped", "a<!-- comment -->b", "ab"},
		{"cdata leftover", "<![CDATA[<p>Lead</p>]]>", "Lead"},
		{"cdata end only", "text]]>", "text"},
		{"img alt ignored", `<img src="a.png" alt="alt text">caption`, "caption"},
		{"zero width and soft hyphen", "co\u00adop\u200bera\ufefftion", "cooperation"},
		{"controls", "a\x00b\x07c\x7f", "abc"},
		{"invalid utf8", "a\xffb", "a\ufffdb"},
		{"urdu keeps joiners", "پاکستان\u200cی", "پاکستان\u200cی"},
		{"xmp content tokenised", "<xmp><b>x</b></xmp>", "x"},
		{"no tag made by joining", "<<b>script>x<<!---->i>", "< script>x< i>"},
		{"unclosed tag", "text <b>bold", "text bold"},
		{"broken tag", "text <a href=", "text"},
		{"newlines tabs", "line1\n\tline2\r\nline3", "line1 line2 line3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Text(tt.in); got != tt.want {
				t.Errorf("Text(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestLead(t *testing.T) {
	tests := []struct {
		name string
		in   string
		max  int
		want string
	}{
		{"first p", "<p>First para.</p><p>Second para.</p>", 100, "First para."},
		{"skips empty and image p", `<p><img src="x.jpg"></p><p> </p><p>Lead here.</p><p>More</p>`, 100, "Lead here."},
		{"skips heading", "<h2>Headline</h2><p>Lead.</p>", 100, "Lead."},
		{"skips figcaption", `<figure><img src=x><figcaption>Photo: AP</figcaption></figure><p>Lead.</p>`, 100, "Lead."},
		{"image inline", `<p>Text <img src=x> more</p><p>no</p>`, 100, "Text more"},
		{"no p: br br", "МОСКВА, 10 июня. /ТАСС/. Текст<br> продолжение<br/><br/>Второй абзац", 100, "МОСКВА, 10 июня. /ТАСС/. Текст продолжение"},
		{"text before p", "Lead text<p>second</p>", 100, "Lead text"},
		{"div blocks", "<div><div>One</div><div>Two</div></div>", 100, "One"},
		{"plain blank lines", "First para\nstill first.\n\nSecond para.", 100, "First para still first."},
		{"plain lines", "\nFirst line.\nSecond line.", 100, "First line."},
		{"plain entities", "Tom &amp; Jerry\nnext", 100, "Tom & Jerry"},
		{"double escaped html", "&lt;p&gt;Lead&lt;/p&gt;&lt;p&gt;Next&lt;/p&gt;", 100, "Lead Next"},
		{"cut at word", "<p>Один два три четыре</p>", 11, "Один два…"},
		{"cut before space", "<p>Один два три четыре</p>", 12, "Один два три…"},
		{"cut exactly at space", "<p>Один два три</p>", 8, "Один два…"},
		{"fits exactly", "Один два три", 12, "Один два три"},
		{"cut drops punctuation", "One, two, three", 9, "One, two…"},
		{"cut comma", "One, two three", 5, "One…"},
		{"long word hard cut", "Supercalifragilistic", 5, "Super…"},
		{"zero max", "text", 0, ""},
		{"empty", "", 10, ""},
		{"cdata", "<![CDATA[<p>Lead</p><p>x</p>]]>", 10, "Lead"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Lead(tt.in, tt.max)
			if got != tt.want {
				t.Errorf("Lead(%q, %d) = %q; want %q", tt.in, tt.max, got, tt.want)
			}
			if n := utf8.RuneCountInString(got); tt.max > 0 && n > tt.max+1 {
				t.Errorf("Lead(%q, %d) has %d runes; want at most %d", tt.in, tt.max, n, tt.max+1)
			}
		})
	}
}

// checkPlain reports what is wrong with t as the output of Text or Lead.
func checkPlain(t *testing.T, fn, in, out string) {
	t.Helper()
	if strings.Contains(out, "  ") {
		t.Errorf("%s(%q) = %q has a double space", fn, in, out)
	}
	if out != strings.TrimSpace(out) {
		t.Errorf("%s(%q) = %q is not trimmed", fn, in, out)
	}
	if strings.ContainsAny(out, "\n\t\r") {
		t.Errorf("%s(%q) = %q has a line break or tab", fn, in, out)
	}
	if !utf8.ValidString(out) {
		t.Errorf("%s(%q) = %q is not valid UTF-8", fn, in, out)
	}
	// Without character references in the input, every '<' in the output
	// was text to the tokenizer, never the start of a tag.
	if !strings.Contains(in, "&") && looksLikeHTML(out) {
		t.Errorf("%s(%q) = %q holds markup", fn, in, out)
	}
}

func FuzzText(f *testing.F) {
	for _, s := range []string{
		"<p>Путин <b>провёл</b> встречу</p>", "&amp;nbsp;&#8212;", "<script>x</script>y",
		"<![CDATA[<p>a</p>]]>", "<xmp><b>x</b></xmp>", "a\u00a0 b", "<p>One</p><p>Two</p>",
		"First\n\nSecond", "x<br><br>y", "<</>", "<plaintext><b>",
	} {
		f.Add(s, 20)
	}
	f.Add(string(readTestdata(f, "huffpost.canada.xml")), 200)
	f.Fuzz(func(t *testing.T, s string, max int) {
		checkPlain(t, "Text", s, Text(s))
		max %= 500
		lead := Lead(s, max)
		checkPlain(t, "Lead", s, lead)
		if n := utf8.RuneCountInString(lead); max >= 0 && n > max+1 {
			t.Errorf("Lead(%q, %d) = %q has %d runes", s, max, lead, n)
		}
		if max <= 0 && lead != "" {
			t.Errorf("Lead(%q, %d) = %q; want empty", s, max, lead)
		}
	})
}

// FuzzSpaceWriterRuns checks the run-copying fast path of spaceWriter.write
// and writeString against feeding every rune through rune, the definition.
func FuzzSpaceWriterRuns(f *testing.F) {
	for _, s := range []string{
		"Путин провёл встречу", "a\u00a0 b\u200bc", "<\u00adb>", "x\xffy\uFFFDz", "\u3000\u2028 \u0085",
		"<", "a<", "<\x01b", "  lead", "\u1680x",
	} {
		f.Add(s, "<b", 3)
	}
	f.Fuzz(func(t *testing.T, a, b string, split int) {
		var fast, fastS, slow spaceWriter
		for _, s := range []string{a, b} {
			fast.write([]byte(s))
			fastS.writeString(s)
			slow.joined = true
			for len(s) > 0 {
				r, size := utf8.DecodeRuneInString(s)
				slow.rune(r)
				s = s[size:]
			}
			if split%2 == 0 {
				fast.space()
				fastS.space()
				slow.space()
			}
		}
		if got, want := fast.String(), slow.String(); got != want {
			t.Errorf("write(%q, %q) = %q; want %q", a, b, got, want)
		}
		if got, want := fastS.String(), slow.String(); got != want {
			t.Errorf("writeString(%q, %q) = %q; want %q", a, b, got, want)
		}
	})
}
