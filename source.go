package wiredesk

import (
	"net/url"
	"time"
)

// Rights says how much of a source's text may be republished.
type Rights string

// The rights a source may grant; the zero value means RightsFull.
const (
	RightsFull     Rights = "full"     // title, summary and full content
	RightsSummary  Rights = "summary"  // title, a plain-text lead of at most 300 characters, link
	RightsHeadline Rights = "headline" // title and link only
)

// Source is one wire feed as configured in a [[source]] table.
type Source struct {
	ID   string // stable key, [a-z0-9-]
	Name string // credited in attribution lines
	URL  string // http, https or absolute file:// URL
	// PublicURL is the URL published feeds credit the wire with (RSS
	// <source url>, atom:source, _wiredesk.sources[].url): its public feed
	// or home page. Empty: the home link of the wire's own feed. URL, which
	// may be a paid or private endpoint, is never published.
	PublicURL string
	Interval  time.Duration // poll interval
	Tags      []string
	Language  string // BCP 47 tag, e.g. "ru"; may be empty
	Rights    Rights
	// Encoding forces a charset ("windows-1251") when the wire lies.
	Encoding string
	// FallbackEncoding is used when nothing in the body or headers names a
	// charset and the body is not valid UTF-8.
	FallbackEncoding string
	// Timezone interprets zoneless and MSK/MSD dates; nil means UTC.
	Timezone *time.Location
	Priority int // higher leads a shared story
	Enabled  bool
	Headers  map[string]Secret // extra request headers, values may be secrets
	Username string
	Password Secret
	// UrgentPrefixes and UrgentCategories mark the wire's flashes for
	// [[alert]] rules with urgent = true: a title that starts with one of
	// the prefixes ("МОЛНИЯ", "BREAKING"), or an item carrying one of the
	// categories, ignoring case. Config fills in DefaultUrgentPrefixes() when
	// a source sets neither.
	UrgentPrefixes   []string
	UrgentCategories []string
	// Urgent puts the source in the fast lane: its interval may be as
	// short as FastLaneInterval, below [poll] min_interval, still with
	// conditional GET, the per-host limits and the feed's own ttl.
	Urgent bool
}

// FastLaneInterval is the shortest poll interval of an urgent source.
const FastLaneInterval = 15 * time.Second

// DefaultUrgentPrefixes returns the title prefixes that mark a flash on a
// source that names no urgency markers of its own.
func DefaultUrgentPrefixes() []string {
	return []string{"МОЛНИЯ", "СРОЧНО", "BREAKING", "URGENT", "FLASH"}
}

// Redacted returns the source URL with any userinfo password and any query
// parameter that looks like a credential replaced by "REDACTED", for logs,
// errors and status pages.
func (s Source) Redacted() string { return RedactURL(s.URL) }

// RedactURL hides the password in u's userinfo and the values of query
// parameters whose names suggest credentials (key, token, password, secret,
// auth, sig). Unparseable URLs are returned as "REDACTED".
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return redacted
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), redacted)
		}
	}
	if u.RawQuery != "" {
		q := u.Query()
		changed := false
		for k := range q {
			if secretParam(k) {
				q[k] = []string{redacted}
				changed = true
			}
		}
		if changed {
			u.RawQuery = q.Encode()
		}
	}
	return u.String()
}

// IsPublicURL reports whether raw may be published: an absolute http or
// https URL with a host, no userinfo and no query parameter whose name
// suggests a credential (those RedactURL hides).
func IsPublicURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return false
	}
	for k := range u.Query() {
		if secretParam(k) {
			return false
		}
	}
	return true
}

func secretParam(name string) bool {
	n := []byte(name)
	for i, c := range n {
		if 'A' <= c && c <= 'Z' {
			n[i] = c + 'a' - 'A'
		}
	}
	s := string(n)
	for _, w := range []string{"key", "token", "pass", "secret", "auth", "sig", "session"} {
		if contains(s, w) {
			return true
		}
	}
	return false
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// State is the health of a source after its last poll.
type State string

// Source states, as shown by `wiredesk sources` and /status.
const (
	StateNew         State = "new"          // never polled
	StateOK          State = "ok"           // last poll stored the feed
	StateNotModified State = "not-modified" // last poll answered 304
	StateError       State = "error"        // last poll failed
	StateBackoff     State = "backoff"      // failing repeatedly or rate limited; waiting
	StateDisabled    State = "disabled"     // 410 Gone, or enabled = false
)

// SourceState is what wiredesk remembers about a source between polls.
type SourceState struct {
	SourceID     string
	State        State
	ETag         string
	LastModified string // the Last-Modified header, verbatim
	LastStatus   int    // last HTTP status (0 for file:// or network errors)
	LastAttempt  time.Time
	LastSuccess  time.Time // last 200 or 304
	LastNewItem  time.Time // last time a poll stored a new item
	LastError    string    // one line, secrets redacted; empty after a success
	Failures     int       // consecutive failures
	NextDue      time.Time // earliest next attempt (interval, backoff or Retry-After)
	// MovedTo is the target of a permanent redirect (301/308), recorded but
	// never written back into the config.
	MovedTo string
	// FeedInterval is the feed's own lower bound on polling (ttl,
	// sy:updatePeriod, Cache-Control max-age); zero when none.
	FeedInterval time.Duration
	FeedTitle    string
	FeedLink     string
	// Encoding records the charset decision of the last parse and why.
	Encoding string
	// GoneURL is the URL that answered 410 Gone; while the configured URL
	// is still this one the source stays disabled.
	GoneURL string
	// Hub and Self are the WebSub hub and topic URL the feed advertises
	// (rel="hub", rel="self"); empty when it advertises none.
	Hub, Self string
}
