// Tests that each fast path gives what its plain definition gives.

package parse

import (
	"bytes"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wiredesk/wiredesk/aggregator/normalize"
)

// stripRunes is the definition stripInvalidXMLChars must match: rune by
// rune, invalid UTF-8 kept byte by byte.
func stripRunes(b []byte) []byte {
	var out []byte
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if !((r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0xFFFE || r == 0xFFFF) {
			out = append(out, b[i:i+n]...)
		}
		i += n
	}
	return out
}

func FuzzStripInvalidXMLChars(f *testing.F) {
	for _, s := range []string{
		"plain", "a\x00b\x1fc\td\ne\rf", "x\uFFFEy\uFFFFz\uFFFD", "\xef\xbf", "\xef\xbf\xbe\xef",
		"\xe0\xef\xbf\xbe", "\xf0\x9f\x98\x80\x01", "Привет\x0bмир",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := stripInvalidXMLChars(b), stripRunes(b); !bytes.Equal(got, want) {
			t.Errorf("stripInvalidXMLChars(%q) = %q; want %q", b, got, want)
		}
	})
}

// FuzzTextToHTMLIsSanitized checks what translateItem relies on to skip the
// sanitiser for plain text: textToHTML's output is already its own
// sanitised form, whatever the base.
func FuzzTextToHTMLIsSanitized(f *testing.F) {
	for _, s := range []string{
		"Президент провёл встречу.\n\nВторой абзац\nстрока", `a <b> & "q" 'x' src=/x cite=y <a href="/z">`,
		"]]> <![CDATA[ &amp; &lt;p&gt; &#39;", "\x00\x01 \u00a0\u200b\r\n\rx", "\xff\xfe", "<script>alert(1)</script>",
	} {
		f.Add(s, "https://wire.example/n/1.html")
	}
	f.Fuzz(func(t *testing.T, s, base string) {
		b, err := url.Parse(base)
		if err != nil {
			b = nil
		}
		h := textToHTML(s)
		if got := normalize.SanitizeHTML(h, b); got != h {
			t.Errorf("SanitizeHTML(textToHTML(%q)) = %q; want %q", s, got, h)
		}
	})
}

func FuzzCollapse(f *testing.F) {
	for _, s := range []string{"", " ", "a", "a b", " a", "a ", "a  b", "a\tb", "a\u00a0b", "a\u0085b", "\xff b", "Путин и\u3000Си"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := collapse(s), strings.Join(strings.Fields(s), " "); got != want {
			t.Errorf("collapse(%q) = %q; want %q", s, got, want)
		}
	})
}
