package cluster

import "testing"

// TestGivenNames checks that a capitalised word right before another
// capitalised word is a key but not a name, so that a report writing
// "Александр Овечкин" and one writing "Ovechkin" do not count the first name
// as a name the other lacks.
func TestGivenNames(t *testing.T) {
	lx := defaultLexicon()
	tests := []struct {
		title, lead string
		word        string // a word of the text
		name        bool   // whether its key is a name
	}{
		{"Goalie tries to steal the puck", "The forward Alexander Ovechkin scored", "alexander", false},
		{"Goalie tries to steal the puck", "The forward Alexander Ovechkin scored", "ovechkin", true},
		{"Рекорд", "Нападающий «Вашингтона» Александр Овечкин забросил", "александр", false},
		{"Рекорд", "Нападающий «Вашингтона» Александр Овечкин забросил", "вашингтона", true},
		{"Рекорд", "Нападающий «Вашингтона» Александр Овечкин забросил", "овечкин", true},
		// Punctuation between two names keeps both.
		{"Talks", "Officials from Kazakhstan, Kyrgyzstan met", "kazakhstan", true},
		// An acronym is a name, whatever follows it.
		{"Talks", "The head of NATO Mark Rutte said", "nato", true},
		{"Talks", "The head of NATO Mark Rutte said", "mark", false},
		{"Talks", "The head of NATO Mark Rutte said", "rutte", true},
	}
	for _, tt := range tests {
		ks := keys(tt.title, tt.lead, lx)
		want, _ := lx.appendKeys(nil, []byte(tt.word), false, false, false)
		if len(want) == 0 {
			t.Fatalf("%q gives no key", tt.word)
		}
		found := false
		for _, k := range ks {
			if slot(k) == slot(want[0]) {
				found = true
				if k.name() != tt.name {
					t.Errorf("%q in %q: name %v, want %v", tt.word, tt.lead, k.name(), tt.name)
				}
			}
		}
		if !found {
			t.Errorf("%q in %q: no key", tt.word, tt.lead)
		}
	}
}

// TestPhrases checks that two words in a row that a table writes with a
// hyphen meet the table's concept, inflected or not, and only when
// nothing but white space separates them.
func TestPhrases(t *testing.T) {
	lx := defaultLexicon()
	kndr, _ := lx.appendKeys(nil, []byte("кндр"), false, true, true)
	tests := []struct {
		title string
		want  bool
	}{
		{"North Korea launches a ballistic missile", true},
		{"Пуск ракеты из Северной Кореи", true},
		{"В Северную Корею прибыла делегация", true},
		{"Storm hits the north. Korea braces", false},
		{"South Korea launches a satellite", false},
	}
	for _, tt := range tests {
		found := false
		for _, k := range keys(tt.title, "", lx) {
			if slot(k) == slot(kndr[0]) {
				found = true
			}
		}
		if found != tt.want {
			t.Errorf("%q has the concept of КНДР: %v, want %v", tt.title, found, tt.want)
		}
	}
}

// TestNamesMeetAcrossScripts checks spellings of one name in the two
// scripts that share a key: surnames the Russian stemmer cuts short
// ("Косачев" → "косач") meet through their skeleton whatever their case,
// and a name of the tables whose stem another concept also claims
// ("медведев"/"медведь") meets through its written form.
func TestNamesMeetAcrossScripts(t *testing.T) {
	lx := defaultLexicon()
	for _, tt := range []struct{ ru, en string }{
		{"косачев", "kosachev"},   // not in the tables: skeletons
		{"косачевым", "kosachev"}, // instrumental
		{"рогова", "rogov"},       // genitive
		{"медведев", "medvedev"},  // the tables; "медвед" is also the bear's stem
		{"медведевым", "medvedev"},
		{"маск", "musk"}, // "маск" is also the mask's stem
		{"путина", "putin"},
	} {
		ka, _ := lx.appendKeys(nil, []byte(tt.ru), false, true, true)
		kb, _ := lx.appendKeys(nil, []byte(tt.en), false, true, true)
		shared := false
		for _, a := range ka {
			for _, b := range kb {
				shared = shared || slot(a) == slot(b)
			}
		}
		if !shared {
			t.Errorf("%s and %s share no key", tt.ru, tt.en)
		}
	}
}
