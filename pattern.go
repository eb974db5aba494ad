package wiredesk

import (
	"fmt"
	"regexp"
	"strings"
)

// patternWordChar is the class of characters that make up a word: letters,
// combining marks, digits and the underscore, in any script. RE2's \b only
// knows ASCII, so word boundaries are spelt out with this class instead.
const patternWordChar = `\p{L}\p{M}\p{N}_`

// PatternExpr turns one include/exclude pattern of a [[feed]] or [[alert]]
// into a case-insensitive RE2 expression. A pattern is one of:
//
//   - a plain word or phrase ("Nazarbaev", "Central Asia"): matches whole
//     words only, in any script; "Nazarbaev" does not match "Nazarbaeva";
//   - a word with * wildcards ("Kazakh*"): * stands for any run of word
//     characters, so "Kazakh*" matches "Kazakhstan";
//   - /regex/ (RE2 syntax), matched anywhere in the text.
func PatternExpr(text string) (string, error) {
	t := strings.TrimSpace(text)
	if t == "" {
		return "", fmt.Errorf("pattern %q: empty", text)
	}
	if len(t) >= 2 && strings.HasPrefix(t, "/") && strings.HasSuffix(t, "/") {
		inner := t[1 : len(t)-1]
		if inner == "" {
			return "", fmt.Errorf("pattern %q: empty regular expression", text)
		}
		return `(?i)` + inner, nil
	}
	words := strings.Fields(t)
	for i, w := range words {
		parts := strings.Split(w, "*")
		for j, p := range parts {
			parts[j] = regexp.QuoteMeta(p)
		}
		words[i] = strings.Join(parts, `[`+patternWordChar+`]*`)
	}
	return `(?i)(?:^|[^` + patternWordChar + `])` + strings.Join(words, `\s+`) + `(?:[^` + patternWordChar + `]|$)`, nil
}
