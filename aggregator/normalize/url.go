package normalize

import (
	"net/url"
	"strings"
)

// CanonicalURL canonicalises a link: resolved against base, lower-case scheme and host,
// default port and fragment dropped, tracking parameters removed, remaining query
// parameters sorted; IDN host kept; unparseable input returned trimmed.
func CanonicalURL(raw string, base *url.URL) string {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	u.Fragment = ""
	return u.String()
}
