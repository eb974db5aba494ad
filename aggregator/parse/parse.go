package parse

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
	ext "github.com/mmcdole/gofeed/extensions"
	"github.com/mmcdole/gofeed/rss"

	"github.com/wiredesk/wiredesk"
)

// ErrUnknownFormat is returned (wrapped) by Parse when the body is neither
// RSS, Atom nor JSON Feed: an HTML page, a non-feed XML document, an empty
// body.
var ErrUnknownFormat = errors.New("unknown feed format")

// Options tells Parse about the source whose body it parses.
type Options struct {
	// SourceID is copied into every Item and is part of Item.ID.
	SourceID string
	// FeedURL is the URL the body was fetched from, the base for relative
	// links. May be empty.
	FeedURL string
	// Language is the source's configured language, used for items when
	// neither the item nor the feed names one.
	Language string
	// Encoding forces a charset ("" = detect); see Decode.
	Encoding string
	// FallbackEncoding is used for 8-bit bodies that name no charset.
	FallbackEncoding string
	// Timezone interprets zoneless and MSK/MSD dates; nil means UTC.
	Timezone *time.Location
	// Now is the first-seen time: Published of items without a usable date
	// and FirstSeen of every item. Zero means time.Now().
	Now time.Time
}

// Result is a parsed feed.
type Result struct {
	// Title and Link are the feed's own title (plain text) and home link.
	Title, Link string
	// Language is the feed's declared language, "" when none.
	Language string
	// Format is the feed type and version: "rss 2.0", "rss 0.91",
	// "rss 1.0", "atom 1.0", "atom 0.3", "json 1.1".
	Format string
	// Encoding is Decode's charset decision.
	Encoding Decision
	// Interval is the feed's own polling hint: RSS <ttl> (minutes) or
	// sy:updatePeriod / sy:updateFrequency, the larger when both are given;
	// 0 when none.
	Interval time.Duration
	// Hub and Self are the WebSub hub and topic the feed advertises
	// (rel="hub", rel="self"); both empty when it names no hub.
	Hub, Self string
	// Items are the feed's items in document order, one per identity key.
	Items []wiredesk.Item
}

// Parse decodes body to UTF-8 (see Decode), parses it with gofeed and
// translates the result into wiredesk items (see translate.go). A body that
// is not a feed returns an error wrapping ErrUnknownFormat; a truncated or
// malformed feed returns an error naming the format, and the caller should
// keep the items it has. A valid feed with no items is not an error.
func Parse(body []byte, contentType string, opt Options) (*Result, error) {
	utf8Body, dec, err := Decode(body, contentType, opt.Encoding, opt.FallbackEncoding)
	if err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	utf8Body = stripInvalidXMLChars(utf8Body)

	if len(bytes.TrimSpace(utf8Body)) == 0 {
		return nil, fmt.Errorf("parse: empty body: %w", ErrUnknownFormat)
	}
	kind := gofeed.DetectFeedType(bytes.NewReader(utf8Body[:min(len(utf8Body), detectWindow)]))
	if kind == gofeed.FeedTypeUnknown {
		return nil, fmt.Errorf("parse: %w", ErrUnknownFormat)
	}
	p := gofeed.NewParser()
	p.KeepOriginalFeed = true
	p.RSSTranslator = rssTranslator{}
	feed, err := p.Parse(bytes.NewReader(utf8Body))
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", kindName(kind), err)
	}

	base, _ := url.Parse(strings.TrimSpace(opt.FeedURL))
	if base != nil && !base.IsAbs() {
		base = nil
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	res := &Result{
		Title:    cleanTitle(feed.Title),
		Language: strings.TrimSpace(feed.Language),
		Format:   formatName(feed),
		Encoding: dec,
		Interval: feedInterval(feed),
	}
	if feed.Link != "" {
		res.Link = canonicalURL(feed.Link, base)
	}
	res.Hub, res.Self = websubLinks(feed, base)
	res.Items = translate(feed, utf8Body, opt, base)
	return res, nil
}

// detectWindow matches gofeed's own detection peek, so that Parse reports
// the same format gofeed then parses.
const detectWindow = 4096

func kindName(k gofeed.FeedType) string {
	switch k {
	case gofeed.FeedTypeRSS:
		return "rss"
	case gofeed.FeedTypeAtom:
		return "atom"
	case gofeed.FeedTypeJSON:
		return "json"
	}
	return "feed"
}

// formatName returns "rss 2.0", "atom 1.0", "json 1.1"… JSON Feed versions
// are URLs ("https://jsonfeed.org/version/1.1"); their last segment is kept.
func formatName(f *gofeed.Feed) string {
	v := strings.TrimSpace(f.FeedVersion)
	if f.FeedType == "json" {
		v = strings.TrimSuffix(v, "/")
		if i := strings.LastIndexByte(v, '/'); i >= 0 {
			v = v[i+1:]
		}
	}
	if v == "" {
		return f.FeedType
	}
	return f.FeedType + " " + v
}

// feedInterval reads the feed's polling hint: RSS <ttl> in minutes, and
// sy:updatePeriod (hourly, daily, weekly, monthly, yearly) divided by
// sy:updateFrequency (default 1). When both are given the larger wins, so
// that polling respects both. Nonsense values count as absent.
func feedInterval(f *gofeed.Feed) time.Duration {
	var ttl time.Duration
	if r, ok := f.OriginalFeed().(*rss.Feed); ok && r != nil {
		// Minutes beyond what a Duration counts are nonsense too; compared
		// before multiplying, they cannot wrap around to a short interval.
		const maxTTL = math.MaxInt64 / int64(time.Minute)
		if n, err := strconv.ParseInt(strings.TrimSpace(r.TTL), 10, 64); err == nil && n > 0 && n <= maxTTL {
			ttl = time.Duration(n) * time.Minute
		}
	}
	return max(ttl, syInterval(f.Extensions))
}

func syInterval(e ext.Extensions) time.Duration {
	sy := e["sy"]
	if sy == nil {
		return 0
	}
	first := func(name string) string {
		if v := sy[name]; len(v) > 0 {
			return strings.ToLower(strings.TrimSpace(v[0].Value))
		}
		return ""
	}
	var period time.Duration
	switch first("updatePeriod") {
	case "hourly":
		period = time.Hour
	case "daily":
		period = 24 * time.Hour
	case "weekly":
		period = 7 * 24 * time.Hour
	case "monthly":
		period = 30 * 24 * time.Hour
	case "yearly":
		period = 365 * 24 * time.Hour
	case "":
		if first("updateFrequency") == "" {
			return 0
		}
		period = 24 * time.Hour // the module's default period
	default:
		return 0
	}
	freq := 1
	if s := first("updateFrequency"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			return 0
		}
		freq = n
	}
	return period / time.Duration(freq)
}

// stripInvalidXMLChars drops the control characters XML 1.0 forbids (C0
// except tab, LF, CR; U+FFFE, U+FFFF), which some wires leak from their
// CMS and which Go's XML decoder rejects even in non-strict mode. The input
// is valid UTF-8; it is returned unchanged when there is nothing to drop.
func stripInvalidXMLChars(b []byte) []byte {
	// Bytes, not runes: a C0 byte is never part of a multi-byte sequence,
	// and U+FFFE and U+FFFF are the only runes encoded as EF BF BE and
	// EF BF BF, whose lead byte 0xEF is never a continuation byte. Invalid
	// UTF-8 is kept as it is, as it would be rune by rune.
	bad := func(b []byte, i int) int {
		c := b[i]
		switch {
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r':
			return 1
		case c == 0xEF && i+2 < len(b) && b[i+1] == 0xBF && (b[i+2] == 0xBE || b[i+2] == 0xBF):
			return 3
		}
		return 0
	}
	i := 0
	for i < len(b) {
		if c := b[i]; c >= 0x20 && c != 0xEF {
			i++
			continue
		}
		if bad(b, i) > 0 {
			break
		}
		i++
	}
	if i == len(b) {
		return b
	}
	out := make([]byte, 0, len(b))
	out = append(out, b[:i]...)
	for i < len(b) {
		if n := bad(b, i); n > 0 {
			i += n
			continue
		}
		out = append(out, b[i])
		i++
	}
	return out
}
