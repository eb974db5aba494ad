package parse

import (
	"bytes"
	"cmp"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
)

// bigramTraining are the corpus files russianBigrams is counted from, with
// the charset each is known to be in. The detection tests below use text
// written for them, not these files.
var bigramTraining = []struct {
	path string
	enc  encoding.Encoding
}{
	{"corpus/wire/newsru.com.windows-1251.xml", charmap.Windows1251},
	{"corpus/wire/aviaport.ru.yandex.windows-1251.xml", charmap.Windows1251},
	{"corpus/wire/oren.ru.yandex.windows-1251.xml", charmap.Windows1251},
	{"corpus/wire/aif.ru.health.koi8-r.rss091.xml", charmap.KOI8R},
	{"corpus/wire/vedomosti.ru.noprolog.xml", encoding.Nop},
	{"corpus/wire/linux.org.ru.xml", encoding.Nop},
	{"corpus/encodings/windows-1251/miniflux-ibash-windows-1251.xml", charmap.Windows1251},
}

// TestRussianBigrams recounts russianBigrams from bigramTraining; with
// -update it rewrites russian_bigrams.go.
func TestRussianBigrams(t *testing.T) {
	counts := map[string]int{}
	total := 0
	for _, f := range bigramTraining {
		text, err := f.enc.NewDecoder().Bytes(readTestdata(t, f.path))
		if err != nil {
			t.Fatalf("decode %s: %v", f.path, err)
		}
		low := strings.ReplaceAll(strings.ToLower(string(text)), "ё", "е")
		for _, w := range strings.FieldsFunc(low, func(r rune) bool { return r < 'а' || r > 'я' }) {
			rs := []rune("_" + w + "_")
			for i := 1; i < len(rs); i++ {
				counts[string(rs[i-1:i+1])]++
				total++
			}
		}
	}
	pairs := make([]string, 0, len(counts))
	for p := range counts {
		pairs = append(pairs, p)
	}
	slices.SortFunc(pairs, func(a, b string) int {
		return cmp.Or(counts[b]-counts[a], strings.Compare(a, b))
	})
	pairs = pairs[:200]
	covered := 0
	for _, p := range pairs {
		covered += counts[p]
	}
	t.Logf("%d pairs counted; the top 200 cover %.1f%%", total, 100*float64(covered)/float64(total))

	var lines []string
	for i := 0; i < len(pairs); i += 20 {
		lines = append(lines, strings.Join(pairs[i:min(i+20, len(pairs))], " "))
	}
	want := strings.Join(lines, "\n")
	if *update {
		src, err := os.ReadFile("russian_bigrams.go")
		if err != nil {
			t.Fatal(err)
		}
		i := bytes.Index(src, []byte("const russianBigrams = `"))
		if i < 0 {
			t.Fatal("russian_bigrams.go has no russianBigrams constant")
		}
		out := append(src[:i:i], "const russianBigrams = `\n"+want+"\n`\n"...)
		if err := os.WriteFile("russian_bigrams.go", out, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if got := strings.TrimSpace(russianBigrams); got != want {
		t.Errorf("russianBigrams is stale; run `go test -run TestRussianBigrams -update`")
	}
}

// Text written for these tests (not taken from the training files): three
// wire items in Russian, one mostly-English item naming Russian titles, and
// Western European text.
const (
	ruTitle1 = "Правительство утвердило план строительства моста через Обь"
	ruDesc1  = "Председатель правительства подписал распоряжение о строительстве нового моста через реку Обь в Новосибирске. Работы начнутся весной следующего года и продлятся около четырёх лет, сообщили в пресс-службе кабинета министров."
	ruTitle2 = "В Казани открылась международная выставка книг"
	ruDesc2  = "Более трёхсот издательств из двенадцати стран привезли на ярмарку свои новинки. Организаторы ожидают, что за пять дней выставку посетят около пятидесяти тысяч человек."
	ruTitle3 = "Синоптики обещают жаркую погоду в выходные"
	ruDesc3  = "По данным Гидрометцентра, в субботу и воскресенье температура воздуха в Москве поднимется до тридцати градусов. Жителям советуют пить больше воды и избегать солнца в полдень."

	mixedTitle = "Moscow papers react to the summit"
	mixedDesc  = "The morning papers led with the talks: «Известия» called the meeting a breakthrough, while «Коммерсантъ» was more cautious. Analysts in London said markets barely moved after the statement."

	deTitle = "Bürgermeisterin eröffnet neue Straßenbahnlinie"
	deDesc  = "Die Stadt hat am Montag die längste Straßenbahnlinie ihrer Geschichte eröffnet. Fahrgäste können künftig ohne Umsteigen vom Bahnhof bis zum Flughafen fahren; die Fahrt dauert etwa fünfundzwanzig Minuten."
	frTitle = "Le musée rouvre ses portes après deux années de travaux"
	frDesc  = "Les visiteurs découvriront à nouveau les collections, réorganisées autour d'un parcours chronologique. L'entrée sera gratuite le premier dimanche du mois, a précisé la direction."
)

// wireDoc builds a small RSS 2.0 document; prolog is the XML declaration
// ("" for none).
func wireDoc(prolog string, items ...[2]string) string {
	var b strings.Builder
	if prolog != "" {
		b.WriteString(prolog + "\n")
	}
	b.WriteString("<rss version=\"2.0\"><channel><title>Wire</title><link>https://wire.example/</link>\n")
	for i, it := range items {
		fmt.Fprintf(&b, "<item><title>%s</title><link>https://wire.example/%d</link><description>%s</description></item>\n", it[0], i, it[1])
	}
	b.WriteString("</channel></rss>\n")
	return b.String()
}

// asciiQuotes replaces guillemets, which KOI8-R lacks.
func asciiQuotes(s string) string { return strings.NewReplacer("«", `"`, "»", `"`).Replace(s) }

func russianItems() [][2]string {
	return [][2]string{{ruTitle1, ruDesc1}, {ruTitle2, ruDesc2}, {ruTitle3, ruDesc3}}
}

// TestDetectRussianCodePages encodes the Russian items in every Cyrillic
// candidate and in windows-1251 / KOI8-R under each kind of lie, and checks
// that Decode picks the charset the bytes are in and Parse gives back the
// titles.
func TestDetectRussianCodePages(t *testing.T) {
	const utf8Prolog = `<?xml version="1.0" encoding="utf-8"?>`
	items := russianItems()
	tests := []struct {
		name        string
		enc         encoding.Encoding
		prolog      string
		contentType string
		items       [][2]string
		wantCharset string
		wantReason  string // substring
	}{
		{"windows-1251 undeclared", charmap.Windows1251, "", "", items, "windows-1251", "detected"},
		{"koi8-r undeclared", charmap.KOI8R, "", "", items, "koi8-r", "detected"},
		{"iso-8859-5 undeclared", charmap.ISO8859_5, "", "", items, "iso-8859-5", "detected"},
		{"ibm866 undeclared", charmap.CodePage866, "", "", items, "ibm866", "detected"},
		{"x-mac-cyrillic undeclared", charmap.MacintoshCyrillic, "", "", items, "x-mac-cyrillic", "detected"},
		{"windows-1251 under a utf-8 prolog", charmap.Windows1251, utf8Prolog, "", items, "windows-1251", `ignored XML prolog encoding "utf-8" on invalid UTF-8`},
		{"koi8-r under a utf-8 prolog", charmap.KOI8R, utf8Prolog, "", items, "koi8-r", "detected"},
		{"windows-1251 under a utf-8 HTTP header", charmap.Windows1251, "", "text/xml; charset=utf-8", items, "windows-1251", `ignored HTTP Content-Type charset "utf-8" on invalid UTF-8`},
		{"windows-1251 under both utf-8 labels", charmap.Windows1251, utf8Prolog, "application/rss+xml; charset=UTF-8", items, "windows-1251", "detected"},
		{"windows-1251 under a windows-1252 prolog", charmap.Windows1251, `<?xml version="1.0" encoding="windows-1252"?>`, "", items, "windows-1251", "contradicted by the bytes"},
		{"windows-1251 under an iso-8859-1 header", charmap.Windows1251, "", "text/xml; charset=ISO-8859-1", items, "windows-1251", "contradicted by the bytes"},
		{"koi8-r under a windows-1251 prolog", charmap.KOI8R, `<?xml version="1.0" encoding="windows-1251"?>`, "", items, "koi8-r", "contradicted by the bytes"},
		{"windows-1251 under a koi8-r header", charmap.Windows1251, "", "text/xml; charset=koi8-r", items, "windows-1251", "contradicted by the bytes"},
		{"correct windows-1251 prolog is kept", charmap.Windows1251, `<?xml version="1.0" encoding="windows-1251"?>`, "", items, "windows-1251", "XML prolog"},
		{"correct koi8-r header is kept", charmap.KOI8R, "", "text/xml; charset=koi8-r", items, "koi8-r", "HTTP Content-Type"},
		{"mostly Latin, a few Russian words, windows-1251", charmap.Windows1251, "", "", [][2]string{{mixedTitle, mixedDesc}}, "windows-1251", "detected"},
		{"mostly Latin, a few Russian words, koi8-r", charmap.KOI8R, "", "", [][2]string{{mixedTitle, asciiQuotes(mixedDesc)}}, "koi8-r", "detected"},
		{"mostly Latin, a few Russian words, windows-1251 under utf-8", charmap.Windows1251, utf8Prolog, "", [][2]string{{mixedTitle, mixedDesc}}, "windows-1251", "detected"},
		{"one Russian title among English items", charmap.Windows1251, "", "", [][2]string{{mixedTitle, "No comment."}, {"Markets", "Quiet day."}, {ruTitle2, "See the report."}}, "windows-1251", "detected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := encodeWith(t, tt.enc, []byte(wireDoc(tt.prolog, tt.items...)))
			if utf8.Valid(body) {
				t.Fatal("fixture is valid UTF-8; the test would not exercise detection")
			}
			out, d, err := Decode(body, tt.contentType, "", "")
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if d.Charset != tt.wantCharset {
				t.Errorf("charset = %s; want %s", d, tt.wantCharset)
			}
			if !strings.Contains(d.Reason, tt.wantReason) {
				t.Errorf("reason = %q; want it to contain %q", d.Reason, tt.wantReason)
			}
			for _, it := range tt.items {
				if !bytes.Contains(out, []byte(it[1])) {
					t.Errorf("decoded body lacks %.40q…", it[1])
				}
			}
			res, err := Parse(body, tt.contentType, Options{Now: fixedNow})
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if len(res.Items) != len(tt.items) || res.Items[0].Title != tt.items[0][0] {
				t.Errorf("Parse: %d items, first title %q; want %d, %q", len(res.Items), firstTitle(res), len(tt.items), tt.items[0][0])
			}
		})
	}
}

func firstTitle(r *Result) string {
	if len(r.Items) == 0 {
		return ""
	}
	return r.Items[0].Title
}

// TestDetectWestern checks that Western 8-bit text stays Western: without
// a label it is read as windows-1252, and a correct Western label is never
// overruled.
func TestDetectWestern(t *testing.T) {
	western := [][2]string{{deTitle, deDesc}, {frTitle, frDesc}}
	tests := []struct {
		name        string
		enc         encoding.Encoding
		prolog      string
		contentType string
		wantCharset string
		wantReason  string
	}{
		{"iso-8859-1 undeclared", charmap.ISO8859_1, "", "", "windows-1252", "detected"},
		{"windows-1252 undeclared", charmap.Windows1252, "", "", "windows-1252", "detected"},
		{"iso-8859-1 labelled", charmap.ISO8859_1, `<?xml version="1.0" encoding="ISO-8859-1"?>`, "", "windows-1252", "XML prolog"},
		{"iso-8859-15 labelled", charmap.ISO8859_15, "", "text/xml; charset=iso-8859-15", "iso-8859-15", "HTTP Content-Type"},
		{"iso-8859-1 under a utf-8 prolog", charmap.ISO8859_1, `<?xml version="1.0" encoding="utf-8"?>`, "", "windows-1252", "detected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := encodeWith(t, tt.enc, []byte(wireDoc(tt.prolog, western...)))
			out, d, err := Decode(body, tt.contentType, "", "")
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if d.Charset != tt.wantCharset || !strings.Contains(d.Reason, tt.wantReason) {
				t.Errorf("decision = %s; want %s with reason containing %q", d, tt.wantCharset, tt.wantReason)
			}
			for _, s := range []string{deTitle, frDesc} {
				if !bytes.Contains(out, []byte(s)) {
					t.Errorf("decoded body lacks %q", s)
				}
			}
		})
	}
}

// TestDetectKeepsDamagedUTF8 checks that a UTF-8 body with a stray byte
// stays UTF-8 whatever the labels say, with U+FFFD for the bad byte.
func TestDetectKeepsDamagedUTF8(t *testing.T) {
	clean := wireDoc("", russianItems()...)
	cut := strings.Index(clean, "Обь") + len("Обь")
	damaged := clean[:cut] + "\xd0" + clean[cut:]         // a lead byte without its continuation
	latin1Byte := clean[:cut] + " caf\xe9 " + clean[cut:] // one windows-1252 é
	tests := []struct {
		name, body, contentType string
	}{
		{"undeclared, cut character", damaged, ""},
		{"undeclared, one Latin-1 byte", latin1Byte, ""},
		{"windows-1251 header", damaged, "text/xml; charset=windows-1251"},
		{"windows-1252 prolog", `<?xml version="1.0" encoding="windows-1252"?>` + "\n" + damaged, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, d, err := Decode([]byte(tt.body), tt.contentType, "", "")
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if d.Charset != "utf-8" || !strings.Contains(d.Reason, "replaced") {
				t.Errorf("decision = %s; want utf-8 with invalid bytes replaced", d)
			}
			if !bytes.Contains(out, []byte(ruDesc3)) || !bytes.Contains(out, []byte("\uFFFD")) {
				t.Errorf("decoded body lost its text or has no U+FFFD")
			}
		})
	}
}

// TestPlausible pins down the word test on the shapes the detector relies on.
func TestPlausible(t *testing.T) {
	bigrams := newBigramSet()
	tests := []struct {
		word string
		want bool
	}{
		{"правительство", true},
		{"Москва", true},
		{"ТАСС", true},
		{"в", true},
		{"пРАВИТЕЛЬСТВО", false}, // case swapped: KOI8-R read as windows-1251
		{"ЪЫЬ", false},
		{"ђрѕ", false}, // Serbian letters: a Russian word read as ISO-8859-5
		{"für", true},
		{"Straße", true},
		{"élève", true},
		{"à", true},
		{"Ëåíòà", false}, // Cyrillic read as windows-1252
		{"íîâîñòåé", false},
		{"fьr", false}, // mixed scripts: German read as windows-1251
	}
	for _, tt := range tests {
		if got := plausible([]rune(tt.word), bigrams); got != tt.want {
			t.Errorf("plausible(%q) = %v; want %v", tt.word, got, tt.want)
		}
	}
	// Every letter the bigram table names is a Russian letter or an edge.
	for _, pair := range strings.Fields(russianBigrams) {
		for _, r := range pair {
			if i, ok := russianIndex(r); r != '_' && (!ok || i <= 0 || !unicode.IsLower(r)) {
				t.Errorf("russianBigrams pair %q has %q", pair, r)
			}
		}
	}
}
