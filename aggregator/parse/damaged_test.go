package parse

import (
	"os"
	"path/filepath"
	"testing"
)

// damagedCases are bodies around damagedUTF8's early stop: UTF-8 with one
// stray byte among few or many characters, 8-bit Cyrillic, a mix.
var damagedCases = []string{
	"", "a", "\xff", "ж\xff", "жжжжжжжж\xff", "\xffжжжжжжжж", "жжжжжжж\xffжжжжжжжжж",
	"\xe0\xe1\xe2 abc \xe0", "abc" + string(make([]byte, 40)) + "\xc0",
	"привет мир, \xcf\xf0\xe8\xe2\xe5\xf2 " + "привет привет привет привет привет привет привет",
	"\xc0\x80\xed\xa0\x80\xf4\x90\x80\x80ж",
}

// TestDamagedUTF8Agrees checks that damagedUTF8, which stops reading when
// the rest cannot change its answer, answers as counting the whole body
// does, and gives the whole body's counts when it says yes.
func TestDamagedUTF8Agrees(t *testing.T) {
	bodies := append([]string{}, damagedCases...)
	files, err := filepath.Glob(filepath.Join("testdata", "*.xml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		bodies = append(bodies, string(b))
	}
	for _, s := range bodies {
		checkDamagedUTF8(t, []byte(s))
	}
}

func checkDamagedUTF8(t *testing.T, b []byte) {
	t.Helper()
	good, bad := utf8Sequences(b)
	want := bad > 0 && good >= damagedUTF8Ratio*bad
	g, d, ok := damagedUTF8(b)
	if ok != want || ok && (g != good || d != bad) {
		t.Errorf("damagedUTF8(%.60q…) = %d, %d, %v; counting all of it: %d, %d, %v", b, g, d, ok, good, bad, want)
	}
}

func FuzzDamagedUTF8Agrees(f *testing.F) {
	for _, s := range damagedCases {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkDamagedUTF8(t, b) })
}
