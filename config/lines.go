package config

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// The TOML decoder keeps key positions to itself, and for arrays of tables
// it would keep only one position per key anyway. lineIndex therefore
// scans the document once more (after the decoder has accepted it) and
// records the line of every table header and key, with the index of each
// [[array]] element in the path, so that a problem in the third [[source]]
// points at the third [[source]].

// pathSep joins path elements in lineIndex keys; arrIdx marks an array
// element index. Neither can appear in a key the scanner records from
// ordinary TOML.
const (
	pathSep = "\x1f"
	arrIdx  = "\x1e"
)

// elem returns the path element for the i-th (0-based) element of an array
// of tables.
func elem(i int) string { return arrIdx + strconv.Itoa(i) }

func joinPath(p []string) string { return strings.Join(p, pathSep) }

// lineIndex maps a key path to the line where it is first defined.
type lineIndex struct {
	lines  map[string]int
	arrays map[string]int // array-of-tables path → elements seen so far
}

// line returns the line of path, or of its nearest recorded ancestor, or 0.
func (x *lineIndex) line(path []string) int {
	for n := len(path); n > 0; n-- {
		if l, ok := x.lines[joinPath(path[:n])]; ok {
			return l
		}
	}
	return 0
}

func (x *lineIndex) record(path []string, line int) {
	k := joinPath(path)
	if _, ok := x.lines[k]; !ok {
		x.lines[k] = line
	}
}

// indexLines scans a TOML document that the decoder has already accepted.
// On malformed input it records what it can and never panics or loops.
func indexLines(doc string) *lineIndex {
	s := &scanner{
		src:  strings.TrimPrefix(doc, "\ufeff"),
		line: 1,
		x:    &lineIndex{lines: map[string]int{}, arrays: map[string]int{}},
	}
	s.document()
	return s.x
}

type scanner struct {
	src  string
	i    int
	line int
	x    *lineIndex
}

func (s *scanner) eof() bool { return s.i >= len(s.src) }

func (s *scanner) peek() byte {
	if s.eof() {
		return 0
	}
	return s.src[s.i]
}

func (s *scanner) advance() {
	if !s.eof() {
		if s.src[s.i] == '\n' {
			s.line++
		}
		s.i++
	}
}

// space skips blanks, and also newlines and comments when multiline is set.
func (s *scanner) space(multiline bool) {
	for !s.eof() {
		switch c := s.peek(); {
		case c == ' ' || c == '\t' || c == '\r':
			s.advance()
		case multiline && c == '\n':
			s.advance()
		case multiline && c == '#':
			s.skipLine()
		default:
			return
		}
	}
}

// skipLine skips to the start of the next line.
func (s *scanner) skipLine() {
	for !s.eof() && s.peek() != '\n' {
		s.i++
	}
	s.advance()
}

func (s *scanner) document() {
	var table []string
	for {
		s.space(true)
		if s.eof() {
			return
		}
		start := s.i
		if s.peek() == '[' {
			table = s.header()
		} else {
			line := s.line
			key := s.key()
			if len(key) > 0 {
				path := append(append([]string(nil), table...), key...)
				s.recordAll(table, key, line)
				s.space(false)
				if s.peek() == '=' {
					s.advance()
					s.space(false)
					s.value(path)
				}
			}
		}
		// Anything left on the line is a comment or garbage.
		s.space(false)
		if !s.eof() && s.peek() != '\n' {
			s.skipLine()
		}
		if s.i == start {
			s.advance()
		}
	}
}

// recordAll records base+key and every dotted prefix of key.
func (s *scanner) recordAll(base, key []string, line int) {
	for n := 1; n <= len(key); n++ {
		p := append(append([]string(nil), base...), key[:n]...)
		s.x.record(p, line)
	}
}

// header reads [a.b] or [[a.b]] and returns the resolved table path.
func (s *scanner) header() []string {
	line := s.line
	s.advance() // [
	array := s.peek() == '['
	if array {
		s.advance()
	}
	s.space(false)
	key := s.key()
	s.space(false)
	for !s.eof() && s.peek() == ']' {
		s.advance()
	}
	var path []string
	for n, k := range key {
		path = append(path, k)
		last := n == len(key)-1
		count := s.x.arrays[joinPath(path)]
		switch {
		case last && array:
			s.x.record(path, line)
			s.x.arrays[joinPath(path)] = count + 1
			path = append(path, elem(count))
		case count > 0:
			path = append(path, elem(count-1))
		}
	}
	if len(path) > 0 {
		s.x.record(path, line)
	}
	return path
}

// key reads a possibly dotted key; it stops before '=' or ']'.
func (s *scanner) key() []string {
	var parts []string
	for {
		s.space(false)
		var part string
		switch c := s.peek(); {
		case c == '"':
			part = s.basicString()
		case c == '\'':
			part = s.literalString()
		case isBare(c):
			start := s.i
			for !s.eof() && isBare(s.peek()) {
				s.i++
			}
			part = s.src[start:s.i]
		default:
			return parts
		}
		parts = append(parts, part)
		s.space(false)
		if s.peek() != '.' {
			return parts
		}
		s.advance()
	}
}

func isBare(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-'
}

// value skips one value; inside inline tables it records the keys.
func (s *scanner) value(path []string) {
	switch c := s.peek(); {
	case c == '"':
		if strings.HasPrefix(s.src[s.i:], `"""`) {
			s.multiline(`"""`, true)
		} else {
			s.basicString()
		}
	case c == '\'':
		if strings.HasPrefix(s.src[s.i:], `'''`) {
			s.multiline(`'''`, false)
		} else {
			s.literalString()
		}
	case c == '[':
		s.array(path)
	case c == '{':
		s.inlineTable(path)
	default:
		for !s.eof() {
			c := s.peek()
			if c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ',' || c == ']' || c == '}' || c == '#' {
				return
			}
			s.i++
		}
	}
}

func (s *scanner) array(path []string) {
	s.advance() // [
	for !s.eof() {
		s.space(true)
		switch s.peek() {
		case ']':
			s.advance()
			return
		case ',':
			s.advance()
		default:
			start := s.i
			s.value(path)
			if s.i == start {
				s.advance()
			}
		}
	}
}

func (s *scanner) inlineTable(path []string) {
	s.advance() // {
	for !s.eof() {
		s.space(true)
		switch s.peek() {
		case '}':
			s.advance()
			return
		case ',':
			s.advance()
			continue
		}
		start := s.i
		line := s.line
		key := s.key()
		if len(key) > 0 {
			s.recordAll(path, key, line)
			s.space(false)
			if s.peek() == '=' {
				s.advance()
				s.space(true)
				s.value(append(append([]string(nil), path...), key...))
			}
		}
		if s.i == start {
			s.advance()
		}
	}
}

// basicString reads "..." and returns its (roughly) unescaped content.
func (s *scanner) basicString() string {
	s.advance() // "
	var b strings.Builder
	for !s.eof() {
		c := s.peek()
		switch c {
		case '"':
			s.advance()
			return b.String()
		case '\n': // not valid TOML; stop at the line end
			return b.String()
		case '\\':
			s.advance()
			e := s.peek()
			s.advance()
			switch e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'e':
				b.WriteByte(0x1b)
			case 'u', 'U', 'x':
				n := map[byte]int{'u': 4, 'U': 8, 'x': 2}[e]
				if s.i+n <= len(s.src) {
					if r, err := strconv.ParseUint(s.src[s.i:s.i+n], 16, 32); err == nil && utf8.ValidRune(rune(r)) {
						b.WriteRune(rune(r))
						s.i += n
					}
				}
			default:
				b.WriteByte(e)
			}
		default:
			b.WriteByte(c)
			s.i++
		}
	}
	return b.String()
}

func (s *scanner) literalString() string {
	s.advance() // '
	start := s.i
	for !s.eof() && s.peek() != '\'' && s.peek() != '\n' {
		s.i++
	}
	v := s.src[start:s.i]
	if s.peek() == '\'' {
		s.advance()
	}
	return v
}

// multiline skips a """ or ”' string, including up to two quotes that
// belong to the content just before the closing delimiter.
func (s *scanner) multiline(delim string, escapes bool) {
	s.i += len(delim)
	for !s.eof() {
		if escapes && s.peek() == '\\' {
			s.advance()
			s.advance()
			continue
		}
		if strings.HasPrefix(s.src[s.i:], delim) {
			s.i += len(delim)
			for n := 0; n < 2 && s.peek() == delim[0]; n++ {
				s.i++
			}
			return
		}
		s.advance()
	}
}
