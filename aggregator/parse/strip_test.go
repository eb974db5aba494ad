package parse

import (
	"bytes"
	"testing"
	"unicode/utf8"
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
