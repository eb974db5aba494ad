package parse

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", filepath.FromSlash(name)))
	if err != nil {
		t.Fatalf("read testdata: %v", err)
	}
	return b
}

// newsru is a windows-1251 wire feed whose charset is named in its prolog;
// its first item title, as feedparser decodes it:
const (
	newsruFile  = "corpus/wire/newsru.com.windows-1251.xml"
	newsruTitle = "В Турции психически нездоровый мужчина взорвал хлопушку в здании Минюста"
)

// TestGofeedCharsetClaims pins down the gofeed behaviour that Decode exists
// for. If gofeed changes, these fail and Decode's design needs a second look.
func TestGofeedCharsetClaims(t *testing.T) {
	body := readTestdata(t, newsruFile)

	t.Run("prolog label is honoured", func(t *testing.T) {
		f, err := gofeed.NewParser().Parse(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("Parse: %v", err)
		}
		if got := strings.TrimSpace(f.Items[0].Title); got != newsruTitle {
			t.Errorf("title = %q; want %q", got, newsruTitle)
		}
	})
	t.Run("charset only in HTTP header fails with invalid UTF-8", func(t *testing.T) {
		noLabel := bytes.Replace(body, []byte(` encoding="windows-1251"`), nil, 1)
		if bytes.Equal(noLabel, body) {
			t.Fatal("fixture has no windows-1251 prolog label")
		}
		_, err := gofeed.NewParser().Parse(bytes.NewReader(noLabel))
		if err == nil || !strings.Contains(err.Error(), "invalid UTF-8") {
			t.Errorf("Parse error = %v; want an invalid UTF-8 error", err)
		}
	})
	t.Run("charset.NewReader before gofeed decodes twice", func(t *testing.T) {
		r, err := charset.NewReader(bytes.NewReader(body), "application/rss+xml; charset=windows-1251")
		if err != nil {
			t.Fatalf("NewReader: %v", err)
		}
		f, err := gofeed.NewParser().Parse(r)
		if err != nil {
			t.Fatalf("Parse: %v", err)
		}
		got := strings.TrimSpace(f.Items[0].Title)
		if got == newsruTitle || !strings.HasPrefix(got, "Р’ РўСѓСЂС†") {
			t.Errorf("title = %q; want mojibake starting %q", got, "Р’ РўСѓСЂС†")
		}
	})
	t.Run("Parse decodes once", func(t *testing.T) {
		noLabel := bytes.Replace(body, []byte(` encoding="windows-1251"`), nil, 1)
		res, err := Parse(noLabel, "application/rss+xml; charset=windows-1251", Options{Now: fixedNow})
		if err != nil {
			t.Fatalf("Parse: %v", err)
		}
		if got := res.Items[0].Title; got != newsruTitle {
			t.Errorf("title = %q; want %q", got, newsruTitle)
		}
	})
}

func encodeWith(t testing.TB, e encoding.Encoding, s []byte) []byte {
	t.Helper()
	b, err := e.NewEncoder().Bytes(s)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	return b
}

// utf8Newsru is the newsru feed re-encoded as UTF-8 with the prolog label
// removed, the source for the UTF-16/32 fixtures built below.
func utf8Newsru(t testing.TB) []byte {
	t.Helper()
	out, _, err := Decode(readTestdata(t, newsruFile), "", "", "")
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	return out
}

func TestDecodeMatrix(t *testing.T) {
	newsru := readTestdata(t, newsruFile)
	noLabel := bytes.Replace(newsru, []byte(` encoding="windows-1251"`), nil, 1)
	lying := bytes.Replace(newsru, []byte(`encoding="windows-1251"`), []byte(`encoding="iso-8859-1"`), 1)
	u8 := utf8Newsru(t)
	u16le := unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM)
	u16be := unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM)
	u32le := utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM)
	u32be := utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM)
	bom := func(b []byte, e encoding.Encoding) []byte { return encodeWith(t, e, append([]byte("\uFEFF"), b...)) }

	tests := []struct {
		name              string
		body              []byte
		contentType       string
		override          string
		fallback          string
		wantCharset       string
		wantReason        string // substring
		wantText          string // must appear in the decoded body
		wantFirstTitle    string // when set, Parse's first item title
		wantFeedTitle     string // when set, Parse's feed title
		wantNoParseResult bool   // the fixture is not a parseable feed
	}{
		{name: "windows-1251 via prolog", body: newsru, wantCharset: "windows-1251", wantReason: "XML prolog", wantFirstTitle: newsruTitle},
		{name: "windows-1251 via HTTP header only", body: noLabel, contentType: "application/rss+xml; charset=windows-1251", wantCharset: "windows-1251", wantReason: "HTTP Content-Type", wantFirstTitle: newsruTitle},
		{name: "windows-1251 via malformed HTTP header", body: noLabel, contentType: "text/xml;charset=cp1251;;", wantCharset: "windows-1251", wantReason: "HTTP Content-Type", wantFirstTitle: newsruTitle},
		{name: "windows-1251 via override over a lying prolog", body: lying, override: "windows-1251", wantCharset: "windows-1251", wantReason: "forced", wantFirstTitle: newsruTitle},
		{name: "override beats HTTP header", body: noLabel, contentType: "text/xml; charset=koi8-r", override: "cp1251", wantCharset: "windows-1251", wantReason: "forced", wantFirstTitle: newsruTitle},
		{name: "windows-1251 via fallback", body: noLabel, fallback: "windows-1251", wantCharset: "windows-1251", wantReason: "fallback", wantFirstTitle: newsruTitle},
		{name: "prolog beats fallback", body: newsru, fallback: "koi8-r", wantCharset: "windows-1251", wantReason: "XML prolog", wantFirstTitle: newsruTitle},
		{name: "no label, no fallback: detected", body: noLabel, wantCharset: "windows-1251", wantReason: "detected from the bytes", wantFirstTitle: newsruTitle},
		{name: "windows-1251 ibash", body: readTestdata(t, "corpus/encodings/windows-1251/miniflux-ibash-windows-1251.xml"), wantCharset: "windows-1251", wantFirstTitle: "Цитата #17703", wantFeedTitle: "iBash.Org.Ru"},
		{name: "koi8-r via prolog", body: readTestdata(t, "corpus/encodings/koi8-r/miniflux-koi8r-prolog.xml"), wantCharset: "koi8-r", wantReason: "XML prolog", wantFirstTitle: "Первая новость", wantFeedTitle: "Пример RSS ленты"},
		{name: "koi8-r wire rss 0.91", body: readTestdata(t, "corpus/wire/aif.ru.health.koi8-r.rss091.xml"), wantCharset: "koi8-r", wantFirstTitle: "Как пережить новогоднюю ночь", wantFeedTitle: "www.AIF.ru"},
		{name: "koi8-r without label via fallback", body: readTestdata(t, "corpus/encodings/koi8-r/feedparser-koi8r-noprolog.xml"), fallback: "koi8-r", wantCharset: "koi8-r", wantReason: "fallback", wantFirstTitle: "Как пережить новогоднюю ночь"},
		{name: "iso-8859-1 via prolog", body: readTestdata(t, "corpus/encodings/iso-8859-1/miniflux-iso-8859-1-prolog.xml"), wantCharset: "windows-1252", wantReason: `"ISO-8859-1"`, wantFeedTitle: "Café"},
		{name: "iso-8859-1 without prolog: detected", body: readTestdata(t, "corpus/encodings/iso-8859-1/miniflux-lecerclepsy-noprolog.xml"), wantCharset: "windows-1252", wantReason: "detected from the bytes", wantFirstTitle: "Perturbateurs endocriniens : quels effets sur le cerveau ?"},
		{name: "windows-1252 euro", body: readTestdata(t, "corpus/encodings/windows-1252/miniflux-windows-1252.xml"), wantCharset: "windows-1252", wantFeedTitle: "Euro €"},
		{name: "windows-1252 smart quotes labelled latin1", body: readTestdata(t, "corpus/broken/feedvalidator-xml_bad_encoding_declaration-cp1252-as-latin1.xml"), wantCharset: "windows-1252", wantText: "\u201c"},
		{name: "us-ascii label on 8-bit data", body: readTestdata(t, "corpus/broken/feedvalidator-xml_declares_wrong_encoding.xml"), wantCharset: "windows-1252", wantFeedTitle: "£"},
		{name: "UTF-8 BOM", body: readTestdata(t, "corpus/encodings/utf-8/gofeed-rss_feed_bom.xml"), wantCharset: "utf-8", wantReason: "byte order mark", wantFeedTitle: "Feed Title"},
		{name: "UTF-8 BOM beats us-ascii prolog", body: readTestdata(t, "corpus/broken/feedvalidator-xml_utf-8_bom_with_ascii_declaration.xml"), wantCharset: "utf-8", wantReason: "byte order mark"},
		{name: "UTF-16BE BOM", body: readTestdata(t, "corpus/encodings/utf-16/feedparser-utf-16be-bom.xml"), wantCharset: "utf-16be", wantReason: "byte order mark", wantText: "Description:"},
		{name: "UTF-16LE declared without BOM", body: readTestdata(t, "corpus/encodings/utf-16/feedparser-utf-16le-declared-nobom.xml"), wantCharset: "utf-16le", wantReason: "without BOM", wantText: "Description:"},
		{name: "UTF-16LE autodetect without BOM", body: readTestdata(t, "corpus/encodings/utf-16/feedparser-utf-16le-autodetect-noprolog.xml"), wantCharset: "utf-16le", wantText: "Description:"},
		{name: "UTF-16BE without BOM", body: readTestdata(t, "corpus/feedparser-suite/encoding/utf-16be.xml"), wantCharset: "utf-16be", wantText: "Description:"},
		{name: "UTF-32LE BOM", body: readTestdata(t, "corpus/feedparser-suite/encoding/utf-32le-bom.xml"), wantCharset: "utf-32le", wantReason: "byte order mark", wantText: "Description:"},
		{name: "UTF-32BE without BOM", body: readTestdata(t, "corpus/feedparser-suite/encoding/utf_32.xml"), wantCharset: "utf-32be", wantText: "Description:"},
		{name: "Cyrillic UTF-16LE with BOM", body: bom(u8, u16le), wantCharset: "utf-16le", wantFirstTitle: newsruTitle},
		{name: "Cyrillic UTF-16BE with BOM", body: bom(u8, u16be), wantCharset: "utf-16be", wantFirstTitle: newsruTitle},
		{name: "Cyrillic UTF-16LE without BOM", body: encodeWith(t, u16le, u8), wantCharset: "utf-16le", wantFirstTitle: newsruTitle},
		{name: "Cyrillic UTF-16BE without BOM", body: encodeWith(t, u16be, u8), wantCharset: "utf-16be", wantFirstTitle: newsruTitle},
		{name: "Cyrillic UTF-32LE with BOM", body: bom(u8, u32le), wantCharset: "utf-32le", wantFirstTitle: newsruTitle},
		{name: "Cyrillic UTF-32BE without BOM", body: encodeWith(t, u32be, u8), wantCharset: "utf-32be", wantFirstTitle: newsruTitle},
		{name: "mislabelled UTF-8: prolog says ISO-8859-1", body: readTestdata(t, "corpus/broken/miniflux-utf8-incorrect-prolog.xml"), wantCharset: "utf-8", wantReason: "valid UTF-8", wantFirstTitle: "Café", wantFeedTitle: "테스트 피드"},
		{name: "mislabelled UTF-8: prolog says windows-1252", body: readTestdata(t, "corpus/broken/miniflux-windows-1252-incorrect-prolog.xml"), wantCharset: "utf-8", wantFeedTitle: "Euro €"},
		{name: "mislabelled UTF-8: header says windows-1251", body: u8, contentType: "text/xml; charset=windows-1251", wantCharset: "utf-8", wantFirstTitle: newsruTitle},
		{name: "invalid prolog label on UTF-8", body: readTestdata(t, "corpus/broken/miniflux-invalid-prolog.xml"), wantCharset: "utf-8", wantFirstTitle: "Café"},
		{name: "unknown prolog label on ASCII", body: readTestdata(t, "corpus/broken/feedvalidator-xml_declares_unknown_encoding.xml"), wantCharset: "utf-8", wantReason: `ignored unknown XML prolog encoding "x-fake"`},
		{name: "ASCII follows the prolog label", body: []byte(`<?xml version="1.0" encoding="koi8-r"?><rss version="2.0"><channel><title>a</title></channel></rss>`), wantCharset: "koi8-r", wantReason: "XML prolog", wantFeedTitle: "a"},
		{name: "utf-16 label on 8-bit data is ignored", body: bytes.Replace(newsru, []byte(`"windows-1251"`), []byte(`"utf-16"`), 1), fallback: "windows-1251", wantCharset: "windows-1251", wantReason: `ignored XML prolog encoding "utf-16" on 8-bit data`, wantFirstTitle: newsruTitle},
		{name: "UTF-8 label with a damaged byte", body: append(bytes.Clone(u8[:len(u8)-200]), append([]byte{0xD0}, u8[len(u8)-200:]...)...), contentType: "text/xml; charset=utf-8", wantCharset: "utf-8", wantReason: "invalid bytes replaced", wantFirstTitle: newsruTitle},
		{name: "JSON with BOM", body: append([]byte{0xEF, 0xBB, 0xBF}, readTestdata(t, "corpus/formats/jsonfeed11/gofeed-version_json_11.json")...), wantCharset: "utf-8", wantText: `"version"`},
		{name: "JSON is UTF-8 whatever the header says", body: readTestdata(t, "corpus/formats/jsonfeed10/feed-rs-jsonfeed_spec_1.json"), contentType: "application/feed+json; charset=windows-1251", wantCharset: "utf-8", wantReason: "JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, d, err := Decode(tt.body, tt.contentType, tt.override, tt.fallback)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if d.Charset != tt.wantCharset {
				t.Errorf("charset = %q (%s); want %q", d.Charset, d.Reason, tt.wantCharset)
			}
			if !strings.Contains(d.Reason, tt.wantReason) {
				t.Errorf("reason = %q; want it to contain %q", d.Reason, tt.wantReason)
			}
			if !utf8.Valid(out) {
				t.Errorf("output is not valid UTF-8")
			}
			if bytes.HasPrefix(out, []byte{0xEF, 0xBB, 0xBF}) {
				t.Errorf("output keeps a BOM")
			}
			if enc := prologEncoding(out); enc != "" && !strings.EqualFold(enc, "utf-8") {
				t.Errorf("output prolog encoding = %q; want utf-8", enc)
			}
			if tt.wantText != "" && !bytes.Contains(out, []byte(tt.wantText)) {
				t.Errorf("output lacks %q:\n%.300s", tt.wantText, out)
			}
			if tt.wantFirstTitle == "" && tt.wantFeedTitle == "" {
				return
			}
			res, err := Parse(tt.body, tt.contentType, Options{Encoding: tt.override, FallbackEncoding: tt.fallback, Now: fixedNow})
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if res.Encoding != d {
				t.Errorf("Parse encoding = %v; want %v", res.Encoding, d)
			}
			if tt.wantFeedTitle != "" && res.Title != tt.wantFeedTitle {
				t.Errorf("feed title = %q; want %q", res.Title, tt.wantFeedTitle)
			}
			if tt.wantFirstTitle != "" {
				if len(res.Items) == 0 {
					t.Fatalf("no items")
				}
				if res.Items[0].Title != tt.wantFirstTitle {
					t.Errorf("first title = %q; want %q", res.Items[0].Title, tt.wantFirstTitle)
				}
			}
		})
	}
}

func TestDecodeBadConfig(t *testing.T) {
	body := []byte("<rss><channel><title>\xe9</title></channel></rss>")
	tests := []struct{ name, override, fallback string }{
		{"unknown override", "klingon", ""},
		{"replacement-only override", "iso-2022-kr", ""},
		{"unknown fallback", "", "klingon"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Decode(body, "", tt.override, tt.fallback)
			if err == nil {
				t.Errorf("Decode(override %q, fallback %q) = nil error; want one", tt.override, tt.fallback)
			}
		})
	}
}

func TestRewriteProlog(t *testing.T) {
	tests := []struct {
		name, in string
		insert   bool
		want     string
	}{
		{"replace double quoted", `<?xml version="1.0" encoding="windows-1251"?><rss/>`, false, `<?xml version="1.0" encoding="utf-8"?><rss/>`},
		{"replace single quoted", `<?xml version='1.0' encoding='KOI8-R' standalone='yes'?><rss/>`, false, `<?xml version='1.0' encoding='utf-8' standalone='yes'?><rss/>`},
		{"spaces around =", "<?xml version=\"1.0\"\n  encoding = \"cp1251\" ?><rss/>", false, "<?xml version=\"1.0\"\n  encoding = \"utf-8\" ?><rss/>"},
		{"add to prolog without encoding", `<?xml version="1.0"?><rss/>`, false, `<?xml version="1.0" encoding="utf-8"?><rss/>`},
		{"utf-8 left alone", `<?xml version="1.0" encoding="UTF-8"?><rss/>`, false, `<?xml version="1.0" encoding="UTF-8"?><rss/>`},
		{"insert when missing", "\n<rss/>", true, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss/>"},
		{"no insert for UTF-8 input", "<rss/>", false, "<rss/>"},
		{"not XML", `{"version":"x"}`, true, `{"version":"x"}`},
		{"xml-stylesheet is not a prolog", `<?xml-stylesheet href="a"?><rss/>`, false, `<?xml-stylesheet href="a"?><rss/>`},
		{"unterminated encoding value replaced whole", `<?xml encoding="?><rss/>`, false, `<?xml version="1.0" encoding="utf-8"?><rss/>`},
		{"unterminated value after version", `<?xml version="1.0" encoding='cp1251?><rss/>`, false, `<?xml version="1.0" encoding="utf-8"?><rss/>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(rewriteProlog([]byte(tt.in), tt.insert)); got != tt.want {
				t.Errorf("rewriteProlog(%q, %v) = %q; want %q", tt.in, tt.insert, got, tt.want)
			}
		})
	}
}

// contentTypeCharset reads the charset of well-formed and malformed
// headers alike; a header with bytes strings.ToLower would lengthen or
// shorten (invalid UTF-8, the Kelvin sign, dotted İ) once made the
// lenient path slice at the wrong offset, or past the end.
func TestContentTypeCharset(t *testing.T) {
	tests := []struct{ name, ct, want string }{
		{"empty", "", ""},
		{"none", "text/xml", ""},
		{"well-formed", "text/xml; charset=windows-1251", "windows-1251"},
		{"quoted", `text/xml; charset="koi8-r"`, "koi8-r"},
		{"trailing semicolon", "text/xml;charset=cp1251;", "cp1251"},
		{"upper case", "text/xml;CHARSET=CP1251;", "CP1251"},
		{"invalid UTF-8 before", "\xddChArset=", ""},
		{"invalid UTF-8 then a charset", "\xdd;charset=koi8-r;", "koi8-r"},
		{"Kelvin sign before", "\u212a;charset=koi8-r;", "koi8-r"},
		{"dotted capital I before", "\u0130;charset=koi8-r;", "koi8-r"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := contentTypeCharset(tt.ct); got != tt.want {
				t.Errorf("contentTypeCharset(%q) = %q; want %q", tt.ct, got, tt.want)
			}
		})
	}
}
