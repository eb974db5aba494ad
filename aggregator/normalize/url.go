package normalize

import (
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"
)

// CanonicalURL canonicalises a link: resolved against base, lower-case scheme and host,
// default port and fragment dropped, tracking parameters removed, remaining query
// parameters sorted; IDN host kept; unparseable input returned trimmed.
//
// In detail:
//   - Leading and trailing white space is trimmed; a reference that net/url
//     cannot parse is returned so, and nothing else is done to it.
//   - A relative reference is resolved against base when base is not nil;
//     with a nil base it stays relative, dot segments included, and its
//     query and fragment are cleaned the same way. Dot segments ("/a/../b")
//     of absolute URLs are removed.
//   - Scheme and host are lower-cased; ":80" on http and ":443" on https are
//     dropped, as is an empty port; a URL with a host and no path gets "/".
//   - The host is written as Unicode when the input gave it so
//     ("http://пример.рф/"); punycode hosts stay punycode. No IDNA mapping
//     is applied beyond lower case.
//   - The path is written in its standard percent-encoding: "/Путь" and
//     "/%D0%9F%D1%83%D1%82%D1%8C" give the same result, "%7E" becomes "~",
//     and an encoded slash "%2F" is kept as it is.
//   - The fragment is dropped, except a hash-bang or route fragment ("#!…",
//     "#/…"), which single-page sites use to tell pages apart.
//   - Query parameters whose name is a tracking parameter (see
//     isTrackingParam) are removed; the others are sorted by name, keeping
//     the order of repeated names, and empty ones dropped. Values are kept as
//     written, except that spaces, control and non-ASCII bytes are
//     percent-encoded and percent-escapes are written in upper case.
//
// CanonicalURL is idempotent: CanonicalURL(CanonicalURL(x, b), nil) equals
// CanonicalURL(x, b).
func CanonicalURL(raw string, base *url.URL) string {
	s := canonicalOnce(raw, base)
	// A few degenerate inputs ("//://") need more than one step to reach
	// their canonical form; iterate so that the result is a fixed point.
	for range 4 {
		next := canonicalOnce(s, nil)
		if next == s {
			break
		}
		s = next
	}
	return s
}

// canonicalOnce is one step of CanonicalURL.
func canonicalOnce(raw string, base *url.URL) string {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	if base != nil {
		u = base.ResolveReference(u)
	} else if u.Opaque == "" && (u.Scheme != "" || u.Host != "") {
		// ResolveReference also removes dot segments. A relative
		// reference stays as it is: its dot segments mean something.
		u = (&url.URL{Scheme: u.Scheme, Host: u.Host}).ResolveReference(u)
	}
	if u.Host != "" && strings.Trim(u.Host, ":") == "" {
		return raw // "//::": an authority with neither host nor port
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	if port := u.Port(); port == "" && strings.HasSuffix(u.Host, ":") {
		u.Host = strings.TrimRight(u.Host, ":")
	} else if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		u.Host = strings.TrimSuffix(u.Host, ":"+port)
	}
	if u.Host != "" && u.Path == "" && u.Opaque == "" {
		u.Path = "/"
	}
	if !strings.Contains(strings.ToUpper(u.RawPath), "%2F") {
		u.RawPath = "" // write the path in its standard encoding
	}
	if !strings.HasPrefix(u.Fragment, "!") && !strings.HasPrefix(u.Fragment, "/") {
		u.Fragment, u.RawFragment = "", ""
	}
	u.ForceQuery = false
	u.RawQuery = cleanQuery(u.RawQuery)

	s := u.String()
	if u.Host != "" && !isASCII(u.Host) {
		// Keep an IDN host readable: url.URL.String percent-encodes it.
		prefix := u.Scheme + "://"
		if u.Scheme == "" {
			prefix = "//"
		}
		if u.User != nil {
			prefix += u.User.String() + "@"
		}
		enc := strings.TrimPrefix((&url.URL{Host: u.Host}).String(), "//")
		if rest, ok := strings.CutPrefix(s, prefix+enc); ok {
			s = prefix + u.Host + rest
		}
	}
	return s
}

// cleanQuery removes tracking parameters and empty parts from a raw query,
// sorts what is left by name (stable) and normalises its encoding.
func cleanQuery(q string) string {
	if q == "" {
		return ""
	}
	parts := strings.Split(q, "&")
	kept := parts[:0]
	for _, p := range parts {
		if p == "" {
			continue
		}
		if isTrackingParam(paramName(p)) {
			continue
		}
		kept = append(kept, normEscapes(p))
	}
	slices.SortStableFunc(kept, func(a, b string) int {
		return strings.Compare(paramName(a), paramName(b))
	})
	return strings.Join(kept, "&")
}

// paramName returns the decoded name of one "name=value" query part.
func paramName(p string) string {
	name, _, _ := strings.Cut(p, "=")
	if dec, err := url.QueryUnescape(name); err == nil {
		return dec
	}
	return name
}

// isTrackingParam reports whether a query parameter only tracks the reader
// and never selects content. Matching ignores case. The list:
//
//   - utm_* (Google Analytics campaign tags), _ga, _gl, gclid, gclsrc, dclid,
//     gbraid, wbraid (Google Ads)
//   - fbclid (Facebook), igshid (Instagram), twclid (X/Twitter), ttclid
//     (TikTok), li_fat_id (LinkedIn), msclkid (Microsoft Ads), epik
//     (Pinterest)
//   - yclid, ysclid (Yandex), _openstat (Openstat, common on Russian sites)
//   - mc_cid, mc_eid (Mailchimp), _hsenc, _hsmi, __hstc, __hssc, __hsfp
//     (HubSpot), mkt_tok (Marketo), vero_id, vero_conv (Vero), oly_anon_id,
//     oly_enc_id (Omeda), rb_clickid, wickedid, s_cid
//   - at_medium, at_campaign, at_* (AT Internet / Piano, used by the BBC)
//
// Generic names such as "from", "ref" or "source" are kept: some sites
// select content with them.
func isTrackingParam(name string) bool {
	n := strings.ToLower(name)
	if strings.HasPrefix(n, "utm_") || strings.HasPrefix(n, "at_") {
		return true
	}
	switch n {
	case "_ga", "_gl", "gclid", "gclsrc", "dclid", "gbraid", "wbraid",
		"fbclid", "igshid", "twclid", "ttclid", "li_fat_id", "msclkid", "epik",
		"yclid", "ysclid", "_openstat",
		"mc_cid", "mc_eid", "_hsenc", "_hsmi", "__hstc", "__hssc", "__hsfp",
		"mkt_tok", "vero_id", "vero_conv", "oly_anon_id", "oly_enc_id",
		"rb_clickid", "wickedid", "s_cid":
		return true
	}
	return false
}

// normEscapes percent-encodes spaces, control and non-ASCII bytes and
// upper-cases the hex digits of existing escapes.
func normEscapes(p string) string {
	clean := true
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c <= ' ' || c >= 0x7f || (c == '%' && i+2 < len(p) && (isLowerHex(p[i+1]) || isLowerHex(p[i+2]))) {
			clean = false
			break
		}
	}
	if clean {
		return p
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(p) + 16)
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c <= ' ' || c >= 0x7f:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		case c == '%' && i+2 < len(p) && isHex(p[i+1]) && isHex(p[i+2]):
			b.WriteByte('%')
			b.WriteString(strings.ToUpper(p[i+1 : i+3]))
			i += 2
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isHex(c byte) bool { return isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'f') }

func isLowerHex(c byte) bool { return c >= 'a' && c <= 'f' }

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
