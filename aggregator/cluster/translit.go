package cluster

// skeleton reduces a lowercase Russian or English word to the consonant
// classes a reader hears, so that the spellings of one name in the two
// scripts meet: "Купянск"/"Kupyansk" → "kpnsk", "Айзекман"/"Isaacman" →
// "skmn", "Джоли"/"Jolie" → "dsl", "Хассан"/"Hassan" → "hsn", "Рютте"/
// "Rutte" → "rt". Vowels, й, ь and ъ are dropped; voiced and voiceless
// sibilants (с з ц ш щ ж; s z sh zh ts tz) are one class, г and х with g, h
// and kh another (Гамбург/Hamburg, Харьков/Kharkiv), в with v and w; a run
// of one class counts once. The result keeps at most maxSkeleton classes:
// loanwords then meet whatever their endings ("конфронтац"/"confront" →
// "knfrn").
//
// The classes follow the common Russian–English transliteration schemes
// (BGN/PCGN, the passport scheme of 2014, and the older spellings wires
// still use: Tokayev/Tokaev, Kiev/Kyiv, Yevgeny/Evgeny); see
// testdata/README.md for the table and what it gets wrong.
func skeleton(w string, buf []byte) []byte {
	out := buf[:0]
	var last byte
	emit := func(c byte) {
		if c != last && len(out) < maxSkeleton {
			out = append(out, c)
		}
		last = c
	}
	vowel := func() { last = 0 }
	b := []byte(w)
	for i := 0; i < len(b); {
		c := b[i]
		if c < 0x80 {
			next := byte(0)
			if i+1 < len(b) {
				next = b[i+1]
			}
			i++
			switch c {
			case 'a', 'e', 'i', 'o', 'u', 'y':
				vowel()
			case 'b':
				emit('b')
			case 'p':
				if next == 'h' {
					i++
					emit('f')
				} else {
					emit('p')
				}
			case 'f':
				emit('f')
			case 'v', 'w':
				emit('v')
			case 'd':
				emit('d')
			case 't':
				switch next {
				case 'h':
					i++
					emit('t')
				case 's', 'z':
					i++
					emit('s')
				case 'c':
					if i+1 < len(b) && b[i+1] == 'h' {
						i += 2
						emit('c')
					} else {
						emit('t')
					}
				default:
					emit('t')
				}
			case 'g', 'h':
				emit('h')
			case 'k':
				if next == 'h' {
					i++
					emit('h')
				} else {
					emit('k')
				}
			case 'q':
				emit('k')
			case 'c':
				switch next {
				case 'h':
					i++
					emit('c')
				case 'e', 'i', 'y':
					emit('s')
				case 'k':
					i++
					emit('k')
				case 'z':
					i++
					emit('c')
				default:
					emit('k')
				}
			case 'x':
				emit('k')
				emit('s')
			case 'j':
				emit('d')
				emit('s')
			case 's', 'z':
				if next == 'h' {
					i++
				}
				emit('s')
			case 'l':
				emit('l')
			case 'm':
				emit('m')
			case 'n':
				emit('n')
			case 'r':
				emit('r')
			default:
				last = 0
			}
			continue
		}
		r, size := decodeRune(w, i)
		i += size
		switch r {
		case 'а', 'е', 'ё', 'и', 'о', 'у', 'ы', 'э', 'ю', 'я', 'й', 'і', 'ї', 'є':
			vowel()
		case 'ь', 'ъ':
		case 'б':
			emit('b')
		case 'п':
			emit('p')
		case 'ф':
			emit('f')
		case 'в':
			emit('v')
		case 'д':
			// дж is j: Джоли/Jolie.
			emit('d')
		case 'т':
			emit('t')
		case 'г', 'х', 'ґ':
			emit('h')
		case 'к':
			emit('k')
		case 'с', 'з', 'ц', 'ш', 'щ', 'ж':
			emit('s')
		case 'ч':
			emit('c')
		case 'л':
			emit('l')
		case 'м':
			emit('m')
		case 'н':
			emit('n')
		case 'р':
			emit('r')
		default:
			last = 0
		}
	}
	return out
}

// maxSkeleton is how many consonant classes a skeleton keeps.
const maxSkeleton = 5

// minSkeleton is the shortest skeleton of a name that is evidence: shorter
// ones ("rt", "dn") are shared by too many unrelated words of the other
// language. minSkeletonLower is the same for a word written in lower case,
// which is a name far less often and meets common words of the other
// language by chance ("место"/"most").
const (
	minSkeleton      = 3
	minSkeletonLower = 4
)
