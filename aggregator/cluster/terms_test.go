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
		want := lx.appendKeys(nil, []byte(tt.word), false, false, false)
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
