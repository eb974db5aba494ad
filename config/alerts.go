package config

import (
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wiredesk/wiredesk"
)

// Alert is an [[alert]] table: which items (or which failing sources)
// alert, and through which channels.
type Alert struct {
	Name     string
	Channels []string // [[channel]] names, at least one
	// Sources and Tags choose the wires, as in a [[feed]]; with neither,
	// every wire.
	Sources []string
	Tags    []string
	// Feeds, when set, keeps only items one of these feeds' rules would
	// take (their sources, tags, include, exclude and languages).
	Feeds   []string
	Include []string // patterns, as in a [[feed]]
	Exclude []string
	// Urgent keeps only the wires' flashes: items whose title starts with
	// one of the source's urgent_prefixes or that carry one of its
	// urgent_categories.
	Urgent bool
	// MinWires is how many wires a story needs before it alerts (1: the
	// first item).
	MinWires int
	// SourceDown makes this a rule about sources instead of items: it
	// alerts when a chosen source fails or goes silent, as /status says.
	SourceDown bool
	// MaxAge drops items whose date is older than this (a wire added to the
	// config, or one that republishes its archive, does not alert).
	MaxAge time.Duration
	// Quiet hours: from QuietStart to QuietEnd (offsets from midnight in
	// Timezone; the span may cross midnight) nothing of this rule is
	// sent. Both zero: no quiet hours.
	QuietStart, QuietEnd time.Duration
	Timezone             *time.Location
}

// Channel is a [[channel]] table: where alerts go.
type Channel struct {
	Name string
	Type string // webhook, slack, telegram or smtp

	// URL is where webhook and slack channels POST. A Slack incoming
	// webhook URL is itself the credential, so it is a secret.
	URL    wiredesk.Secret
	Secret wiredesk.Secret // webhook: the HMAC-SHA256 key

	Token  wiredesk.Secret // telegram: the bot token
	ChatID string          // telegram: chat id or @channel
	APIURL string          // telegram: Bot API base URL

	SMTPHost string // smtp: host:port
	Username string // smtp: AUTH PLAIN user; empty: no auth
	Password wiredesk.Secret
	From     string
	To       []string
	StartTLS bool // smtp: require STARTTLS (default true)

	PerMinute   int           // rate limit: messages per minute
	Burst       int           // messages sent at once before the rate applies
	Timeout     time.Duration // one delivery attempt
	MaxAttempts int           // attempts before a dead letter
	Backoff     time.Duration // wait after the first failure; doubles per attempt
	MaxBackoff  time.Duration // longest wait between attempts
}

// Channel types.
const (
	ChannelWebhook  = "webhook"
	ChannelSlack    = "slack"
	ChannelTelegram = "telegram"
	ChannelSMTP     = "smtp"
)

// Defaults of [[alert]] and [[channel]] keys; see config.example.toml.
const (
	defaultAlertMaxAge   = time.Hour
	defaultTelegramAPI   = "https://api.telegram.org"
	defaultPerMinute     = 20
	defaultBurst         = 3
	defaultAlertTimeout  = 10 * time.Second
	defaultMaxAttempts   = 8
	defaultAlertBackoff  = 5 * time.Second
	defaultAlertMaxBack  = time.Hour
	maxAlertWires        = 1000
	maxChannelPerMinute  = 6000
	maxChannelAttempts   = 1000
	maxChannelRecipients = 100
)

// envRef matches a ${VAR} reference in a raw config string.
var envRef = regexp.MustCompile(`\$\{[^}]*\}`)

// secretRef sets *dst from a key that holds a secret, which must come
// from the environment: the raw value must contain a ${VAR} reference, so
// that no secret is ever written into the file.
func (t *table) secretRef(key string, dst *wiredesk.Secret) bool {
	v, present := t.ask(key)
	if !present {
		return false
	}
	if raw, ok := v.(string); ok && !envRef.MatchString(strings.ReplaceAll(raw, "$$", "")) {
		t.errorf(key, "is a secret and must be read from the environment: write \"${VARIABLE}\" (value not shown)")
		return false
	}
	before := *dst
	t.secret(key, dst)
	return *dst != before
}

func (p *parser) channels(tables []*table) []Channel {
	var out []Channel
	first := map[string]int{}
	for _, t := range tables {
		c := p.channel(t)
		if c.Name == "" {
			continue
		}
		if l, dup := first[c.Name]; dup {
			t.errorf("name", "duplicate channel name %q (first defined on line %d)", c.Name, l)
			continue
		}
		first[c.Name] = t.line("name")
		out = append(out, c)
	}
	return out
}

func (p *parser) channel(t *table) Channel {
	t.nameBy("name")
	c := Channel{
		APIURL: defaultTelegramAPI, StartTLS: true,
		PerMinute: defaultPerMinute, Burst: defaultBurst, Timeout: defaultAlertTimeout,
		MaxAttempts: defaultMaxAttempts, Backoff: defaultAlertBackoff, MaxBackoff: defaultAlertMaxBack,
	}
	if t.str("name", &c.Name) {
		if err := checkSlug(c.Name); err != nil {
			t.errorf("name", "%v", err)
		}
	} else if _, present := t.ask("name"); !present {
		t.errorf("", `missing name: add name = "…" (lowercase letters, digits, hyphens) to this [[channel]]`)
	}
	types := []string{ChannelWebhook, ChannelSlack, ChannelTelegram, ChannelSMTP}
	if _, present := t.ask("type"); !present {
		t.errorf("", "missing type: add type = \"webhook\", \"slack\", \"telegram\" or \"smtp\" to this [[channel]]")
	}
	t.enum("type", &c.Type, types...)

	// Every key is read whatever the type, so that it counts as known;
	// keys of another type are an error below.
	set := map[string]bool{}
	have := func(key string, ok bool) {
		if _, present := t.m[key]; present && ok {
			set[key] = true
		}
	}
	if _, present := t.ask("url"); present {
		var s wiredesk.Secret
		if c.Type == ChannelSlack {
			have("url", t.secretRef("url", &s))
		} else {
			have("url", t.secret2("url", &s))
		}
		if set["url"] {
			if _, err := checkHTTPURL(s.Reveal()); err != nil {
				if c.Type == ChannelSlack {
					t.errorf("url", "is not an absolute http(s) URL (value not shown)")
				} else {
					t.errorf("url", "%v", err)
				}
			}
			c.URL = s
		}
	}
	have("secret", t.secretRef("secret", &c.Secret))
	have("token", t.secretRef("token", &c.Token))
	have("chat_id", t.str("chat_id", &c.ChatID))
	if t.str("api_url", &c.APIURL) {
		set["api_url"] = true
		if _, err := checkHTTPURL(c.APIURL); err != nil {
			t.errorf("api_url", "%v", err)
		}
		c.APIURL = strings.TrimRight(c.APIURL, "/")
	}
	if t.str("host", &c.SMTPHost) {
		set["host"] = true
		if err := checkHostPort(c.SMTPHost); err != nil {
			t.errorf("host", "%v", err)
		}
	}
	have("username", t.str("username", &c.Username))
	have("password", t.secretRef("password", &c.Password))
	if t.str("from", &c.From) {
		set["from"] = true
		if _, err := mail.ParseAddress(c.From); err != nil {
			t.errorf("from", "%q is not an e-mail address such as \"Wire desk <desk@example.org>\"", c.From)
		}
	}
	if t.strs("to", &c.To) {
		set["to"] = true
		for _, a := range c.To {
			if _, err := mail.ParseAddress(a); err != nil {
				t.errorf("to", "%q is not an e-mail address", a)
			}
		}
		if len(c.To) > maxChannelRecipients {
			t.errorf("to", "%d recipients; at most %d", len(c.To), maxChannelRecipients)
		}
	}
	var tls bool
	if _, present := t.ask("starttls"); present {
		t.boolean("starttls", &tls)
		c.StartTLS, set["starttls"] = tls, true
	}
	t.integer("per_minute", &c.PerMinute, 1, maxChannelPerMinute)
	t.integer("burst", &c.Burst, 1, maxChannelPerMinute)
	t.duration("timeout", &c.Timeout, time.Second)
	t.integer("max_attempts", &c.MaxAttempts, 1, maxChannelAttempts)
	t.duration("backoff", &c.Backoff, 100*time.Millisecond)
	t.duration("max_backoff", &c.MaxBackoff, 100*time.Millisecond)
	if c.MaxBackoff < c.Backoff {
		t.errorf("max_backoff", "%s is shorter than backoff %s", wiredesk.FormatDuration(c.MaxBackoff), wiredesk.FormatDuration(c.Backoff))
	}
	p.channelKeys(t, c, set)
	t.finish()
	return c
}

// secret2 is secret for a key that may be a secret or not (a webhook URL
// may carry a token); it reports whether it set *dst.
func (t *table) secret2(key string, dst *wiredesk.Secret) bool {
	before := *dst
	t.secret(key, dst)
	return *dst != before
}

// channelKeys checks that a channel has the keys its type needs and none
// of another type's.
func (p *parser) channelKeys(t *table, c Channel, set map[string]bool) {
	need := map[string][]string{
		ChannelWebhook:  {"url"},
		ChannelSlack:    {"url"},
		ChannelTelegram: {"token", "chat_id"},
		ChannelSMTP:     {"host", "from", "to"},
	}
	allowed := map[string][]string{
		ChannelWebhook:  {"url", "secret"},
		ChannelSlack:    {"url"},
		ChannelTelegram: {"token", "chat_id", "api_url"},
		ChannelSMTP:     {"host", "username", "password", "from", "to", "starttls"},
	}
	if c.Type == "" {
		return
	}
	for _, k := range need[c.Type] {
		if _, present := t.m[k]; !present {
			t.errorf("", "missing %s: a %s channel needs %s", k, c.Type, strings.Join(need[c.Type], ", "))
		}
	}
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range set {
			if !yield(k) {
				return
			}
		}
	}) {
		if !slices.Contains(allowed[c.Type], k) {
			t.errorf(k, "is not a key of a %s channel (it has %s)", c.Type, strings.Join(allowed[c.Type], ", "))
		}
	}
	if c.Type == ChannelSMTP && c.Password != "" && c.Username == "" {
		t.errorf("password", "is set but username is not; SMTP AUTH needs both")
	}
}

func (p *parser) alerts(tables []*table, cfg *Config, sources []wiredesk.Source) []Alert {
	var out []Alert
	first := map[string]int{}
	for _, t := range tables {
		a := p.alert(t, cfg, sources)
		if a.Name == "" {
			continue
		}
		if l, dup := first[a.Name]; dup {
			t.errorf("name", "duplicate alert name %q (first defined on line %d)", a.Name, l)
			continue
		}
		first[a.Name] = t.line("name")
		out = append(out, a)
	}
	return out
}

func (p *parser) alert(t *table, cfg *Config, sources []wiredesk.Source) Alert {
	t.nameBy("name")
	a := Alert{MinWires: 1, MaxAge: defaultAlertMaxAge, Timezone: time.UTC}
	if t.str("name", &a.Name) {
		if err := checkSlug(a.Name); err != nil {
			t.errorf("name", "%v", err)
		}
	} else if _, present := t.ask("name"); !present {
		t.errorf("", `missing name: add name = "…" (lowercase letters, digits, hyphens) to this [[alert]]`)
	}
	var channels []string
	for _, c := range cfg.Channels {
		channels = append(channels, c.Name)
	}
	if t.strs("channels", &a.Channels) {
		if len(a.Channels) == 0 {
			t.errorf("channels", "is empty; name at least one [[channel]]")
		}
		t.members("channels", a.Channels, channels, "[[channel]] name")
	} else if _, present := t.ask("channels"); !present {
		t.errorf("", "missing channels: add channels = [\"…\"] naming [[channel]] tables to this [[alert]]")
	}
	var ids, tags, feeds []string
	for _, s := range sources {
		if s.ID != "" {
			ids = append(ids, s.ID)
		}
		tags = append(tags, s.Tags...)
	}
	tags = slices.Compact(slices.Sorted(slices.Values(tags)))
	for _, f := range cfg.Feeds {
		feeds = append(feeds, f.Slug)
	}
	if t.strs("sources", &a.Sources) {
		t.members("sources", a.Sources, ids, "source id")
	}
	if t.strs("tags", &a.Tags) {
		t.members("tags", a.Tags, tags, "tag carried by any source")
	}
	itemKeys := map[string]bool{}
	if t.strs("feeds", &a.Feeds) {
		itemKeys["feeds"] = true
		t.members("feeds", a.Feeds, feeds, "[[feed]] slug")
	}
	if t.strs("include", &a.Include) {
		itemKeys["include"] = true
		t.patterns("include", a.Include)
	}
	if t.strs("exclude", &a.Exclude) {
		itemKeys["exclude"] = true
		t.patterns("exclude", a.Exclude)
	}
	if _, present := t.ask("urgent"); present {
		itemKeys["urgent"] = true
		t.boolean("urgent", &a.Urgent)
	}
	if _, present := t.ask("min_wires"); present {
		itemKeys["min_wires"] = true
		t.integer("min_wires", &a.MinWires, 1, maxAlertWires)
	}
	if _, present := t.ask("max_age"); present {
		itemKeys["max_age"] = true
		t.duration("max_age", &a.MaxAge, 0)
	}
	t.boolean("source_down", &a.SourceDown)
	if a.SourceDown {
		for _, k := range slices.Sorted(func(yield func(string) bool) {
			for k := range itemKeys {
				if !yield(k) {
					return
				}
			}
		}) {
			t.errorf(k, "is a key of item rules; a rule with source_down = true alerts on sources, not items (write a second [[alert]])")
		}
	}
	var tz string
	if t.str("timezone", &tz) && tz != "" {
		loc, err := time.LoadLocation(tz)
		if err != nil || tz == "Local" {
			t.errorf("timezone", "%q is not an IANA time zone name such as \"Europe/Moscow\" or \"UTC\"", tz)
		} else {
			a.Timezone = loc
		}
	}
	var quiet string
	if t.str("quiet_hours", &quiet) && quiet != "" {
		start, end, err := parseQuietHours(quiet)
		if err != nil {
			t.errorf("quiet_hours", "%v", err)
		} else {
			a.QuietStart, a.QuietEnd = start, end
		}
	}
	t.finish()
	return a
}

// parseQuietHours reads "HH:MM-HH:MM" (the span may cross midnight).
func parseQuietHours(s string) (start, end time.Duration, err error) {
	from, to, ok := strings.Cut(strings.ReplaceAll(s, " ", ""), "-")
	bad := fmt.Errorf(`%q is not a span of the day such as "23:00-07:00"`, s)
	if !ok {
		return 0, 0, bad
	}
	if start, ok = clock(from); !ok {
		return 0, 0, bad
	}
	if end, ok = clock(to); !ok {
		return 0, 0, bad
	}
	if start == end {
		return 0, 0, fmt.Errorf("%q starts and ends at the same time; leave quiet_hours out for none", s)
	}
	return start, end, nil
}

// clock reads "HH:MM" as an offset from midnight.
func clock(s string) (time.Duration, bool) {
	h, m, ok := strings.Cut(s, ":")
	if !ok || len(m) != 2 || len(h) == 0 || len(h) > 2 {
		return 0, false
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || hh > 24 || mm < 0 || mm > 59 || hh == 24 && mm != 0 {
		return 0, false
	}
	return time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute, true
}
