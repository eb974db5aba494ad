package cluster

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
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
		{"nfkc and fold", "Ｆｕｌｌ ＷＩＤＴＨ Straße", "", "full width straße"},
		{"punctuation stripped", "«Газпром»: Украина — «ворует»!", "", "газпром украина ворует"},
		{"stress mark dropped", "Александро́ва", "", "александрова"},
		{"letters and digits split", "Ан-140 COVID-19 5кг", "", "ан 140 covid 19 5 кг"},
		{"dotted initialisms", "U.S. Navy, U.K. and U.N.", "Sanctions of the E.U. and the U.S.A.", "us navy uk and un sanctions of the eu and the usa"},
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

// FuzzNormalize checks invariants of Normalize on any input: no panic;
// valid UTF-8 in NFC; no upper-case letters, no ё, no punctuation but a
// decimal point between digits, no
// leading, trailing or doubled spaces; and idempotence —
// Normalize(Normalize(t, l), "") == Normalize(t, l).
func FuzzNormalize(f *testing.F) {
	items, err := loadRealSet("testdata/real/day-2025-11-06")
	if err != nil {
		f.Fatal(err)
	}
	for _, it := range items[:40] {
		f.Add(it.Title, it.Summary)
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
