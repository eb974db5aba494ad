package cluster

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// datelinePieces are the fragments randomDateline strings are made of: the
// letters, digits, punctuation and words the dateline patterns look for,
// and near misses.
var datelinePieces = strings.Fields(`МОСКВА Москва москва NEW YORK New ALMATY Kazakhstan WASHINGTON
	ПЕТРОПАВЛОВСК-КАМЧАТСКИЙ O'Hare St. Ёлка MUMBAI BHUBANESWAR А B Ж
	12 3 2024 1 123 мая февраля May Sept Sep. Dec января Jan. Mayo
	/ТАСС/ /TASS/ /ИТАР-ТАСС/ / ТАСС / /РИА /x/ /abcdefghijklmnopqrstuvwxyz0123456789/
	(Reuters) (AP) (AFP) (Interfax) (Интерфакс) (РИА Новости) (Xinhua) (UPI) (foo) ( )
	INTERFAX.RU Interfax.ru РИА Новости RIA Novosti ИТАР-ТАСС ТАСС TASS Reuters ПРАЙМ ИНТЕРФАКС
	- – — : , . ; / ( ) « » \n \t`)

// randomDateline joins random pieces with random separators.
func randomDateline(r *rand.Rand) string {
	var b strings.Builder
	for range r.IntN(14) {
		p := datelinePieces[r.IntN(len(datelinePieces))]
		switch p {
		case `\n`:
			p = "\n"
		case `\t`:
			p = "\t"
		}
		b.WriteString(p)
		switch r.IntN(6) {
		case 0:
		case 1:
			b.WriteString("  ")
		default:
			b.WriteByte(' ')
		}
	}
	if r.IntN(2) == 0 {
		b.WriteString("Президент заявил (Reuters) о /ТАСС/ чем-то.")
	}
	return b.String()
}

// oracleInputs returns title/summary pairs: the labelled set, synthetic
// corpus items with every dateline form, and random dateline-like strings.
func oracleInputs(t testing.TB) [][2]string {
	var in [][2]string
	for _, p := range loadPairs(t) {
		in = append(in, [2]string{p.A.Title, p.A.Summary}, [2]string{p.B.Title, p.B.Summary})
	}
	c := newCorpus(7)
	datelines := []string{"", "МОСКВА, 12 мая. /ТАСС/. ", "Москва. 27 февраля. INTERFAX.RU - ", "MOSCOW, May 12 (Interfax) - ",
		"ALMATY, Kazakhstan (AP) — ", "WASHINGTON (Reuters) - ", "/TASS/. ", "NEW YORK — ", "MUMBAI: ", "МОСКВА, 12 мая - РИА Новости. "}
	for i := range 3000 {
		it := c.item(i)
		body := it.Summary[strings.IndexAny(it.Summary, "/(")+1:]
		in = append(in, [2]string{it.Title, it.Summary}, [2]string{it.Title, datelines[i%len(datelines)] + body})
	}
	r := rand.New(rand.NewPCG(3, 5))
	for range 20000 {
		in = append(in, [2]string{randomDateline(r), randomDateline(r)})
	}
	return in
}

func TestFeaturesMatchOracle(t *testing.T) {
	for _, in := range oracleInputs(t) {
		checkOracle(t, in[0], in[1])
		if t.Failed() {
			return
		}
	}
}

func checkOracle(t *testing.T, title, summary string) {
	t.Helper()
	for _, s := range []string{title, summary} {
		if got, want := stripDateline(s), refStripDateline(s); got != want {
			t.Errorf("stripDateline(%q) = %q; oracle %q", s, got, want)
		}
	}
	if got, want := features(title, summary), refFeatures(title, summary); !slices.Equal(got, want) {
		t.Errorf("features(%q, %q) = %v; oracle %v", title, summary, got, want)
	}
}

// FuzzFeaturesMatchOracle holds the fast text pipeline to the reference
// one (oracle_test.go) on any input.
func FuzzFeaturesMatchOracle(f *testing.F) {
	for i, in := range oracleInputs(f) {
		if i%7 == 0 {
			f.Add(in[0], in[1])
		}
	}
	f.Fuzz(func(t *testing.T, title, summary string) {
		checkOracle(t, title, summary)
	})
}

func TestOracleInputsReachDatelines(t *testing.T) {
	// The comparison is only worth something if the inputs take every
	// branch: count the inputs each dateline pattern cuts.
	cuts := map[string]int{}
	for _, in := range oracleInputs(t) {
		for _, s := range in {
			head := s[:refRuneBoundary(s, refDatelineSpan)]
			for name, re := range map[string]interface{ FindStringIndex(string) []int }{
				"cityDate": refCityDateRE, "cityAgency": refCityAgencyRE, "capsCity": refCapsCityRE, "agencyLead": refAgencyLeadRE} {
				if re.FindStringIndex(head) != nil {
					cuts[name]++
				}
			}
		}
	}
	for _, name := range []string{"cityDate", "cityAgency", "capsCity", "agencyLead"} {
		if cuts[name] < 200 {
			t.Errorf("%s matches %d inputs; want at least 200", name, cuts[name])
		}
	}
	t.Log(cuts)
}
