package normalize

import "testing"

// sanitizeCases are inputs where the plain start ends in every way it can:
// at a tag that is not plain, at text with a byte escaping changes, at
// white space only, and not at all.
var sanitizeCases = []string{
	"", " ", "\r", "<p>", "<p>\r", "<p> \r\n", "<p>x</p>\n", "<p>x</p>\n<p>y",
	"<p>Президент заявил</p>\n<blockquote><p>цитата</p></blockquote>\n",
	`<p>a <a href="https://ex.com/n/1.html">b</a> c</p>`,
	`<p><img src="https://ex.com/i/1.jpg" alt="x" width="640" height="360"/></p>`,
	`<p><b>x</b> y</p><p>it's</p>`, `<p>"q"</p>`, "<p>a &amp; b</p>", "<p>a > b</p>",
	"<p>a\x00b</p>", "<p>a\r\nb</p>", "<p>a < b</p>", "<p><script>x</script>y",
	"<p><style>x</style>", "<p><title><b>x</title>", "<p><textarea><p>x", "<P>x</P>",
	"<p>x<!-- c --><p>y", "<br><br/></br><b/>", "<p>x</p><svg><p>y</p></svg><p>z",
	"<p>x</p></a><p>y", "<b>x<p>y</b>z</p>", "<p>x</p><p id=\"a\">y</p>", "<p>x<", "<p>x</p> ",
	"<p>x</p>\r", "<p>x</p><", "<strong>s</strong><em>e</em><i>i</i>",
}

// TestSanitizeFastAgrees checks that sanitize, which copies the plain
// start of its input, gives what the policy gives for the whole input.
func TestSanitizeFastAgrees(t *testing.T) {
	inputs := append(append([]string{}, sanitizeCases...), articles(t)...)
	for _, s := range inputs {
		if got, want := sanitize(s), sanitizer().Sanitize(s); got != want {
			t.Errorf("sanitize(%q) = %q; the policy gives %q", s, got, want)
		}
	}
}

// TestPlainTagsKept checks that the policy writes every plain tag as it
// is, between text and in a row, so copying them is what it does.
func TestPlainTagsKept(t *testing.T) {
	for _, tag := range plainTags {
		for _, s := range []string{tag, "x" + tag + "y", tag + tag} {
			if got := sanitizer().Sanitize(s); got != s {
				t.Errorf("the policy gives %q for %q: %q is not plain", got, s, tag)
			}
			if n := plainPrefix(s); n != len(s) {
				t.Errorf("plainPrefix(%q) = %d; want %d", s, n, len(s))
			}
		}
	}
}

// FuzzSanitizeFastAgrees is TestSanitizeFastAgrees on any input.
func FuzzSanitizeFastAgrees(f *testing.F) {
	for _, s := range sanitizeCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := sanitize(s), sanitizer().Sanitize(s); got != want {
			t.Errorf("sanitize(%q) = %q; the policy gives %q", s, got, want)
		}
	})
}
