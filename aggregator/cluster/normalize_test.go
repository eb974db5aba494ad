package cluster

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/wiredesk/wiredesk"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name, title, lead, want string
	}{
		{"tass dateline", "Путин провел переговоры", "МОСКВА, 12 мая. /ТАСС/. Президент России провел переговоры.",
			"путин провел переговоры президент россии провел переговоры"},
		{"itar-tass dateline", "", "БАГДАД, 3 января. /ИТАР-ТАСС/. Вертолет упал.", "вертолет упал"},
		{"interfax dateline", "", "Москва. 27 февраля. INTERFAX.RU - Курс доллара вырос.", "курс доллара вырос"},
		{"ria dateline", "", "МОСКВА, 12 мая - РИА Новости. Банк России понизил курс.", "банк россии понизил курс"},
		{"interfax english", "", "MOSCOW, May 12 (Interfax) - Gazprom said.", "gazprom said"},
		{"ap dateline", "", "ALMATY, Kazakhstan (AP) — Protesters gathered.", "protesters gathered"},
		{"reuters dateline", "", "WASHINGTON (Reuters) - The number rose.", "the number rose"},
		{"bare reuters", "", "(Reuters) - The number rose.", "the number rose"},
		{"bare tass", "", "/TASS/. The president said.", "the president said"},
		{"bare ria", "", "РИА Новости. Президент заявил.", "президент заявил"},
		{"caps city dash", "", "NEW YORK — Stocks fell.", "stocks fell"},
		{"pti colon", "", "BHUBANESWAR: Patnaik took oath.", "patnaik took oath"},
		{"afp", "", "Washington (AFP) - Biden said.", "biden said"},
		{"hyphenated city", "", "ПЕТРОПАВЛОВСК-КАМЧАТСКИЙ, 3 июня. /ТАСС/. Землетрясение.", "землетрясение"},
		{"marker in the middle", "", "По словам источника /ТАСС/, он ушел (Reuters) вчера.", "по словам источника он ушел вчера"},
		{"not a dateline: sentence with a number", "", "Москва, 12 человек пострадали.", "москва 12 человек пострадали"},
		{"not a dateline: names", "", "Президент России Владимир Путин прибыл.", "президент россии владимир путин прибыл"},
		{"numbers kept with decimal comma", "Курс 91,42 рубля", "", "курс 91.42 рубля"},
		{"decimal point and thousands", "Claims at 231,000 and 4.8", "", "claims at 231.000 and 4.8"},
		{"yo and case", "ЁЛКА Ёжик", "", "елка ежик"},
		{"nfkc and fold", "Ｆｕｌｌ ＷＩＤＴＨ Straße", "", "full width strasse"},
		{"punctuation stripped", "«Газпром»: Украина — «ворует»!", "", "газпром украина ворует"},
		{"stress mark dropped", "Александро́ва", "", "александрова"},
		{"letters and digits split", "Ан-140 COVID-19 5кг", "", "ан 140 covid 19 5 кг"},
		{"empty", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Normalize(tt.title, tt.lead); got != tt.want {
				t.Errorf("Normalize(%q, %q) = %q; want %q", tt.title, tt.lead, got, tt.want)
			}
		})
	}
}

func TestLeadIsCut(t *testing.T) {
	long := strings.Repeat("слово ", 200) // 1200 runes
	got := Normalize("", long)
	if n := len(strings.Fields(got)); n < 30 || n > 67 {
		t.Errorf("Normalize kept %d words of a 200-word summary; want about 400 runes' worth", n)
	}
}

func TestSimilarity(t *testing.T) {
	item := func(title, lead string) wiredesk.Item { return wiredesk.Item{Title: title, Summary: lead} }
	tests := []struct {
		name     string
		a, b     wiredesk.Item
		min, max float64
	}{
		{"identical", item("Путин провел переговоры с Эрдоганом", "Стороны обсудили газ."),
			item("Путин провел переговоры с Эрдоганом", "Стороны обсудили газ."), 1, 1},
		{"inflected forms meet", item("Переговоры Путина и Эрдогана", ""), item("Путин и Эрдоган провели переговоры", ""), 0.7, 1},
		{"number words meet digits", item("Two killed in crash", ""), item("2 killed in crash", ""), 1, 1},
		{"different title numbers conflict", item("Курс доллара 91,42 рубля", ""), item("Курс доллара 91,60 рубля", ""), 0, 0.2},
		{"nothing shared", item("Пожар в Марьине", ""), item("Biden meets Kishida", ""), 0, 0},
		{"empty", item("", ""), item("", ""), 0, 0},
		{"datelines do not count", item("", "МОСКВА, 12 мая. /ТАСС/. Пожар на складе."),
			item("", "МОСКВА, 12 мая. /ТАСС/. Курс евро вырос."), 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Similarity(tt.a, tt.b)
			if got < tt.min || got > tt.max {
				t.Errorf("Similarity = %.3f; want in [%.2f, %.2f]", got, tt.min, tt.max)
			}
			if back := Similarity(tt.b, tt.a); back != got {
				t.Errorf("Similarity is not symmetric: %.6f vs %.6f", got, back)
			}
		})
	}
}

// FuzzNormalize checks invariants of Normalize on any input: no panic;
// valid UTF-8 in NFC; no upper-case letters, no ё, no punctuation but a
// decimal point between digits, no
// leading, trailing or doubled spaces; and idempotence —
// Normalize(Normalize(t, l), "") == Normalize(t, l).
func FuzzNormalize(f *testing.F) {
	for _, p := range loadPairs(f) {
		f.Add(p.A.Title, p.A.Summary)
	}
	f.Add("Ｆｕｌｌ ＷＩＤＴＨ Straße ǅ", "ALMATY, Kazakhstan (AP) — 1,5 1.2.3 ٣٤")
	f.Fuzz(func(t *testing.T, title, lead string) {
		got := Normalize(title, lead)
		if !utf8.ValidString(got) {
			t.Fatalf("Normalize(%q, %q) = %q: invalid UTF-8", title, lead, got)
		}
		if strings.HasPrefix(got, " ") || strings.HasSuffix(got, " ") || strings.Contains(got, "  ") {
			t.Fatalf("Normalize(%q, %q) = %q: stray spaces", title, lead, got)
		}
		for i, r := range got {
			if r == '.' && i > 0 && i+1 < len(got) && isASCIIDigit(got[i-1]) && isASCIIDigit(got[i+1]) {
				continue // a decimal separator
			}
			if r == 'ё' || unicode.IsUpper(r) || unicode.IsPunct(r) || r != ' ' && unicode.IsSpace(r) {
				t.Fatalf("Normalize(%q, %q) = %q: contains %q", title, lead, got, r)
			}
		}
		if !norm.NFC.IsNormalString(got) {
			t.Fatalf("Normalize(%q, %q) = %q: not NFC", title, lead, got)
		}
		if again := Normalize(got, ""); again != got {
			t.Fatalf("not idempotent: Normalize(%q, %q) = %q, then %q", title, lead, got, again)
		}
	})
}
