package config

import (
	"fmt"
	"maps"
	"math"
	"net"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/language"

	"github.com/wiredesk/wiredesk"
)

// Defaults of the keys that have one; see config.example.toml.
const (
	defaultListen        = "127.0.0.1:8080"
	defaultUserAgent     = "wiredesk/VERSION (+https://github.com/wiredesk/wiredesk)"
	defaultFeedLimit     = 50
	maxFeedLimit         = 1000
	minSourceInterval    = time.Second
	defaultArchivePeriod = 24 * time.Hour
	// Per-poll bounds, so that one hostile or broken source costs bounded
	// time, memory and disk whatever it sends (issue 11). A wire publishes
	// tens of items per hour and titles of a line; a document of 185,000
	// items or a 5 MB title is a flood, not news.
	defaultMaxItems   = 500        // items taken from one document, newest first
	maxMaxItems       = 1_000_000  // the most max_items accepts
	defaultMaxTitle   = 2_000      // bytes of a title
	defaultMaxSummary = 16_000     // bytes of a plain-text summary
	defaultMaxContent = 256_000    // bytes of sanitised HTML content
	maxTextCap        = 64_000_000 // the most a text cap accepts
)

// config decodes the whole document.
func (p *parser) config(raw map[string]any) *Config {
	root := &table{p: p, m: raw}
	cfg := &Config{}
	p.server(root.sub("server"), &cfg.Server)
	p.storage(root.sub("storage"), &cfg.Storage)
	p.poll(root.sub("poll"), &cfg.Poll)
	p.publish(root.sub("publish"), &cfg.Publish)
	p.cluster(root.sub("cluster"), &cfg.Cluster)
	p.log(root.sub("log"), &cfg.Log)

	firstID := map[string]int{} // source id → line of its first definition
	var all []wiredesk.Source   // every source, also those without an id, for tag checks
	for _, t := range root.elements("source") {
		// A source with problems is kept, so that feeds naming it are not
		// reported too; any problem discards the whole Config anyway.
		src := p.source(t, cfg.Poll.Interval)
		all = append(all, src)
		if src.ID == "" {
			continue
		}
		if l, dup := firstID[src.ID]; dup {
			t.errorf("id", "duplicate source id %q (first defined on line %d)", src.ID, l)
			continue
		}
		firstID[src.ID] = t.line("id")
		cfg.Sources = append(cfg.Sources, src)
	}
	firstSlug := map[string]int{}
	for _, t := range root.elements("feed") {
		f := p.feed(t, all)
		if f.Slug == "" {
			continue
		}
		if l, dup := firstSlug[f.Slug]; dup {
			t.errorf("slug", "duplicate feed slug %q (first defined on line %d)", f.Slug, l)
			continue
		}
		firstSlug[f.Slug] = t.line("slug")
		cfg.Feeds = append(cfg.Feeds, f)
	}
	cfg.Channels = p.channels(root.elements("channel"))
	cfg.Alerts = p.alerts(root.elements("alert"), cfg, all)
	root.finish()
	p.checkUnknown()
	return cfg
}

func (p *parser) server(t *table, s *Server) {
	*s = Server{
		Listen:            defaultListen,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		ShutdownTimeout:   10 * time.Second,
		MaxHeaderBytes:    64 * 1000,
		Timezone:          time.Local,
	}
	if t.str("listen", &s.Listen) {
		if err := checkHostPort(s.Listen); err != nil {
			t.errorf("listen", "%v", err)
		}
	}
	if t.str("admin_listen", &s.AdminListen) && s.AdminListen != "" {
		if err := checkHostPort(s.AdminListen); err != nil {
			t.errorf("admin_listen", "%v", err)
		} else if s.AdminListen == s.Listen {
			t.errorf("admin_listen", "%q is the same as listen; leave admin_listen empty to serve admin paths on the public listener", s.AdminListen)
		}
	}
	s.BaseURL = defaultBaseURL(s.Listen)
	if t.str("base_url", &s.BaseURL) {
		if u, err := checkHTTPURL(s.BaseURL); err != nil {
			t.errorf("base_url", "%v", err)
		} else if u.RawQuery != "" || u.Fragment != "" {
			t.errorf("base_url", "%q must not have a query or fragment", s.BaseURL)
		}
		s.BaseURL = strings.TrimRight(s.BaseURL, "/")
	}
	t.secret("admin_token", &s.AdminToken)
	t.zone("timezone", &s.Timezone)
	t.duration("read_header_timeout", &s.ReadHeaderTimeout, 0)
	t.duration("read_timeout", &s.ReadTimeout, 0)
	t.duration("write_timeout", &s.WriteTimeout, 0)
	t.duration("idle_timeout", &s.IdleTimeout, 0)
	t.duration("shutdown_timeout", &s.ShutdownTimeout, 0)
	mhb := int64(s.MaxHeaderBytes)
	t.size("max_header_bytes", &mhb, math.MaxInt32)
	s.MaxHeaderBytes = int(mhb)
	t.finish()
}

// defaultBaseURL is "http://" + listen, with "localhost" for an empty or
// unspecified (0.0.0.0, ::) host.
func defaultBaseURL(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "http://" + listen
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

func checkHostPort(s string) error {
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Errorf(`%q is not host:port; write for example "127.0.0.1:8080" or ":8080"`, s)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q: port %q is not a number from 0 to 65535", s, port)
	}
	return nil
}

// checkHTTPURL parses an absolute http or https URL with a host.
func checkHTTPURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return nil, fmt.Errorf("%q is not an absolute URL such as https://example.org/", wiredesk.RedactURL(s))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%q: scheme %q is not supported; use http or https", wiredesk.RedactURL(s), u.Scheme)
	}
	return u, nil
}

func (p *parser) storage(t *table, s *Storage) {
	*s = Storage{Path: "wiredesk.db", Retention: 720 * time.Hour, LockTimeout: 5 * time.Second}
	if t.str("path", &s.Path) && strings.TrimSpace(s.Path) == "" {
		t.errorf("path", "must not be empty")
	}
	s.Path = p.abs(s.Path)
	t.duration("retention", &s.Retention, time.Nanosecond)
	t.duration("lock_timeout", &s.LockTimeout, time.Nanosecond)
	t.finish()
}

// abs resolves a file path against the config file's folder.
func (p *parser) abs(path string) string {
	if path == "" || filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(p.dir, path)
}

func (p *parser) poll(t *table, s *Poll) {
	*s = Poll{
		Interval:     5 * time.Minute,
		Timeout:      wiredesk.DefaultFetchTimeout,
		MinInterval:  time.Minute,
		MaxInterval:  24 * time.Hour,
		MaxBackoff:   6 * time.Hour,
		HostDelay:    500 * time.Millisecond,
		Concurrency:  16,
		PerHost:      2,
		MaxRedirects: wiredesk.DefaultMaxRedirects,
		MaxBody:      wiredesk.DefaultMaxBody,
		UserAgent:    defaultUserAgent,
		MaxItems:     defaultMaxItems,
		MaxTitle:     defaultMaxTitle,
		MaxSummary:   defaultMaxSummary,
		MaxContent:   defaultMaxContent,
	}
	t.duration("interval", &s.Interval, minSourceInterval)
	t.duration("timeout", &s.Timeout, time.Nanosecond)
	t.integer("concurrency", &s.Concurrency, 1, math.MaxInt)
	t.integer("per_host", &s.PerHost, 1, math.MaxInt)
	t.duration("host_delay", &s.HostDelay, 0)
	t.size("max_body", &s.MaxBody, math.MaxInt64)
	t.integer("max_redirects", &s.MaxRedirects, 0, math.MaxInt)
	if t.str("user_agent", &s.UserAgent) {
		if strings.TrimSpace(s.UserAgent) == "" {
			t.errorf("user_agent", "must not be empty")
		} else if strings.ContainsFunc(s.UserAgent, isControl) {
			t.errorf("user_agent", "must not contain control characters or line breaks")
		}
	}
	t.duration("min_interval", &s.MinInterval, minSourceInterval)
	t.duration("max_interval", &s.MaxInterval, minSourceInterval)
	t.duration("max_backoff", &s.MaxBackoff, minSourceInterval)
	if s.MinInterval > s.MaxInterval {
		t.errorf("max_interval", "%s is shorter than min_interval %s", wiredesk.FormatDuration(s.MaxInterval), wiredesk.FormatDuration(s.MinInterval))
	}
	t.integer("max_items", &s.MaxItems, 1, maxMaxItems)
	t.size("max_title", &s.MaxTitle, maxTextCap)
	t.size("max_summary", &s.MaxSummary, maxTextCap)
	t.size("max_content", &s.MaxContent, maxTextCap)
	for _, c := range []struct {
		key string
		n   int64
	}{{"max_title", s.MaxTitle}, {"max_summary", s.MaxSummary}, {"max_content", s.MaxContent}} {
		// A cap must leave room for a character and the "…" that marks the cut.
		if c.n < 16 {
			t.errorf(c.key, "%d bytes is too small; write at least \"16B\"", c.n)
		}
	}
	t.finish()
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

func (p *parser) publish(t *table, s *Publish) {
	*s = Publish{OutDir: "public", ArchivePeriod: defaultArchivePeriod}
	if t.str("out_dir", &s.OutDir) && strings.TrimSpace(s.OutDir) == "" {
		t.errorf("out_dir", "must not be empty")
	}
	s.OutDir = p.abs(s.OutDir)
	if t.str("hub", &s.Hub) && s.Hub != "" {
		if _, err := checkHTTPURL(s.Hub); err != nil {
			t.errorf("hub", "%v", err)
		}
	}
	t.duration("archive_period", &s.ArchivePeriod, time.Minute)
	t.boolean("decision_elements", &s.DecisionElements)
	// archive_size (entries per page) numbered pages from the oldest entry,
	// so retention renumbered them; it is still accepted, so that old
	// files load, but it does nothing, and a warning says so.
	var archiveSize int
	t.integer("archive_size", &archiveSize, 1, math.MaxInt)
	if _, set := t.m["archive_size"]; set {
		t.warnf("archive_size", "no longer used and ignored: each archive page now holds archive_period of entries and keeps its number; delete this key")
	}
	t.finish()
}

func (p *parser) cluster(t *table, s *Cluster) {
	*s = Cluster{Window: wiredesk.DefaultClusterWindow, Threshold: DefaultClusterThreshold}
	t.duration("window", &s.Window, time.Nanosecond)
	if v, ok := t.ask("threshold"); ok {
		var f float64
		switch v := v.(type) {
		case float64:
			f = v
		case int64:
			f = float64(v)
		default:
			t.errorf("threshold", "must be a number between 0 and 1 (without quotes), not %s", typeName(v))
			f = s.Threshold
		}
		if !(f > 0 && f <= 1) {
			t.errorf("threshold", "%v is out of range: need 0 < threshold ≤ 1", f)
		} else {
			s.Threshold = f
		}
	}
	t.finish()
}

func (p *parser) log(t *table, s *Log) {
	*s = Log{Level: "info", Format: "text"}
	t.enum("level", &s.Level, "debug", "info", "warn", "error")
	t.enum("format", &s.Format, "auto", "text", "json")
	if s.Format == "auto" {
		// "auto" chose JSON whenever stderr was not a terminal; logs are
		// text everywhere now unless "json" is asked for.
		t.warnf("format", `"auto" now means "text" (text logs everywhere, JSON off a terminal no more); write "text", or "json" for JSON`)
	}
	t.finish()
}

// enum sets *dst from a string key that must be one of values.
func (t *table) enum(key string, dst *string, values ...string) {
	var s string
	if !t.str(key, &s) {
		return
	}
	if !slices.Contains(values, s) {
		msg := fmt.Sprintf("%q is not one of %s", s, strings.Join(values, ", "))
		if sg := suggest(s, values); sg != "" {
			msg += fmt.Sprintf("; did you mean %q?", sg)
		}
		t.errorf(key, "%s", msg)
		return
	}
	*dst = s
}

// slugRE is the form of source ids and feed slugs.
var slugRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

func checkSlug(s string) error {
	if !slugRE.MatchString(s) {
		return fmt.Errorf("%q must be lowercase letters a-z, digits and single inner hyphens, such as %q", s, slugify(s))
	}
	return nil
}

// slugify proposes a valid slug for s (for error messages).
func slugify(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if 'a' <= r && r <= 'z' || '0' <= r && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	if b.Len() == 0 {
		return "my-wire"
	}
	return b.String()
}

// nameBy names an array element in errors by its id or slug, when it has
// a plain one, instead of by its position.
func (t *table) nameBy(key string) {
	v, _ := t.ask(key)
	if s, ok := v.(string); ok && s != "" && !strings.Contains(s, "$") {
		t.name = fmt.Sprintf("%s %q", t.schema, s)
	}
}

func (p *parser) source(t *table, defaultInterval time.Duration) wiredesk.Source {
	t.nameBy("id")
	s := wiredesk.Source{Interval: defaultInterval, Rights: wiredesk.RightsFull, Timezone: time.UTC, Enabled: true}
	if t.str("id", &s.ID) {
		if err := checkSlug(s.ID); err != nil {
			t.errorf("id", "%v", err)
		}
	} else if _, present := t.ask("id"); !present {
		t.errorf("", `missing id: add id = "…" (lowercase letters, digits, hyphens) to this [[source]]`)
	}
	s.Name = s.ID
	if t.str("name", &s.Name) && strings.TrimSpace(s.Name) == "" {
		t.errorf("name", "must not be empty; leave it out to use the id")
	}
	if raw, present, ok := t.rawString("url"); ok {
		if u, err := p.sourceURL(raw); err != nil {
			t.errorf("url", "%v", err)
		} else {
			s.URL = u
		}
	} else if !present {
		t.errorf("", "missing url: add url = \"https://…\" (http, https or a file path) to this [[source]]")
	}
	if t.str("public_url", &s.PublicURL) && s.PublicURL != "" {
		if _, err := checkHTTPURL(s.PublicURL); err != nil {
			t.errorf("public_url", "%v", err)
		} else if !wiredesk.IsPublicURL(s.PublicURL) {
			t.errorf("public_url", "%q carries credentials (userinfo or a key, token or password parameter); it is published in every feed", wiredesk.RedactURL(s.PublicURL))
		}
	}
	t.duration("interval", &s.Interval, minSourceInterval)
	if t.strs("tags", &s.Tags) {
		s.Tags = slices.Compact(slices.Sorted(slices.Values(s.Tags)))
	}
	t.languageTag("language", &s.Language)
	var rights string
	if t.str("rights", &rights) {
		switch r := wiredesk.Rights(rights); r {
		case wiredesk.RightsFull, wiredesk.RightsSummary, wiredesk.RightsHeadline:
			s.Rights = r
		default:
			t.enumError("rights", rights, "full", "summary", "headline")
		}
	}
	t.charset("encoding", &s.Encoding)
	t.charset("fallback_encoding", &s.FallbackEncoding)
	t.zone("timezone", &s.Timezone)
	t.integer("priority", &s.Priority, math.MinInt32, math.MaxInt32)
	t.boolean("enabled", &s.Enabled)
	t.boolean("urgent", &s.Urgent)
	if s.Urgent && s.Interval < wiredesk.FastLaneInterval {
		t.errorf("interval", "%s is shorter than %s, the shortest interval of an urgent source", wiredesk.FormatDuration(s.Interval), wiredesk.FormatDuration(wiredesk.FastLaneInterval))
	}
	prefixes := t.strs("urgent_prefixes", &s.UrgentPrefixes)
	categories := t.strs("urgent_categories", &s.UrgentCategories)
	if !prefixes && !categories {
		s.UrgentPrefixes = wiredesk.DefaultUrgentPrefixes()
	}
	t.headers("headers", &s.Headers)
	userOK := t.str("username", &s.Username)
	_, userSet := t.m["username"]
	t.secret("password", &s.Password)
	if s.Password != "" && s.Username == "" && (userOK || !userSet) {
		t.errorf("password", "is set but username is not; HTTP basic auth needs both")
	}
	t.finish()
	return s
}

func (t *table) enumError(key, got string, values ...string) {
	msg := fmt.Sprintf("%q is not one of %s", got, strings.Join(values, ", "))
	if sg := suggest(got, values); sg != "" {
		msg += fmt.Sprintf("; did you mean %q?", sg)
	}
	t.errorf(key, "%s", msg)
}

// sourceURL checks a source URL and turns file paths into absolute file://
// URLs. file://dir/x.xml, file:dir/x.xml and plain relative paths resolve
// against the config folder.
func (p *parser) sourceURL(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", fmt.Errorf("must not be empty")
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", fmt.Errorf("%q is not a valid URL", wiredesk.RedactURL(s))
	}
	switch u.Scheme {
	case "http", "https":
		if u.Host == "" {
			return "", fmt.Errorf("%q has no host", wiredesk.RedactURL(s))
		}
		return s, nil
	case "file":
		var path string
		switch {
		case strings.HasPrefix(s, "file:///"):
			path = u.Path
		case strings.HasPrefix(s, "file://localhost/"):
			path = u.Path
		case strings.HasPrefix(s, "file://"):
			path = strings.TrimPrefix(s, "file://")
		default:
			path = strings.TrimPrefix(s, "file:")
		}
		if unescaped, err := url.PathUnescape(path); err == nil {
			path = unescaped
		}
		return p.fileURL(path)
	case "":
		if looksLikeHost(s) {
			return "", fmt.Errorf("%q has no scheme; write https://%s", s, s)
		}
		return p.fileURL(s)
	default:
		if len(u.Scheme) == 1 { // a Windows drive letter, C:\feeds\x.xml
			return p.fileURL(s)
		}
		return "", fmt.Errorf("scheme %q is not supported; use http, https or file", u.Scheme)
	}
}

func (p *parser) fileURL(path string) (string, error) {
	if strings.TrimSpace(path) == "" {
		return "", fmt.Errorf("file URL has no path")
	}
	path = p.abs(filepath.FromSlash(path))
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path)}
	if !strings.HasPrefix(u.Path, "/") {
		u.Path = "/" + u.Path
	}
	return u.String(), nil
}

// looksLikeHost reports whether a scheme-less URL starts with a host name
// such as www.interfax.ru rather than a folder or file name.
func looksLikeHost(s string) bool {
	first, _, _ := strings.Cut(s, "/")
	labels := strings.Split(first, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || strings.IndexFunc(l, func(r rune) bool {
			return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '-')
		}) >= 0 {
			return false
		}
	}
	tld := strings.ToLower(labels[len(labels)-1])
	switch tld {
	case "xml", "rss", "atom", "json", "rdf", "txt", "html", "htm", "feed":
		return false
	}
	return len(tld) >= 2 && strings.IndexFunc(tld, func(r rune) bool { return r < 'a' || r > 'z' }) < 0
}

func (t *table) languageTag(key string, dst *string) {
	var s string
	if !t.str(key, &s) || s == "" {
		return
	}
	tag, err := language.Parse(s)
	if err != nil {
		t.errorf(key, "%q is not a language tag such as \"ru\", \"en\" or \"en-GB\"", s)
		return
	}
	*dst = tag.String()
}

func (t *table) charset(key string, dst *string) {
	var s string
	if !t.str(key, &s) || s == "" {
		return
	}
	if _, err := htmlindex.Get(s); err != nil {
		t.errorf(key, "%q is not a known charset label such as \"utf-8\", \"windows-1251\" or \"koi8-r\"", s)
		return
	}
	*dst = strings.ToLower(strings.TrimSpace(s))
}

// headers decodes a table of header name → value; values may be secrets
// and never appear in errors.
func (t *table) headers(key string, dst *map[string]wiredesk.Secret) {
	v, present := t.ask(key)
	if !present {
		return
	}
	m, isMap := v.(map[string]any)
	if !isMap {
		t.errorf(key, `must be a table such as { "X-Api-Key" = "${API_KEY}" }, not %s`, typeName(v))
		return
	}
	sub := &table{p: t.p, ov: t.ov, m: m, schema: t.schema + "." + key, path: append(slices.Clip(t.path), key), name: t.keyName(key)}
	out := make(map[string]wiredesk.Secret, len(m))
	for _, name := range slices.Sorted(maps.Keys(m)) {
		if !validHeaderName(name) {
			sub.errorf(name, "%q is not a valid HTTP header name", name)
			continue
		}
		s, isStr := m[name].(string)
		if !isStr {
			sub.errorf(name, "must be a string (in quotes), not %s", typeName(m[name]))
			continue
		}
		s, ok := sub.expand(name, s)
		if !ok {
			continue
		}
		if strings.ContainsFunc(s, func(r rune) bool { return r == '\r' || r == '\n' || r == 0 }) {
			sub.errorf(name, "value contains a line break (value not shown)")
			continue
		}
		out[name] = wiredesk.Secret(s)
	}
	*dst = out
}

func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

func (p *parser) feed(t *table, sources []wiredesk.Source) wiredesk.Feed {
	t.nameBy("slug")
	f := wiredesk.Feed{Limit: defaultFeedLimit, Attribution: wiredesk.DefaultAttribution, Cluster: true}
	if t.str("slug", &f.Slug) {
		if err := checkSlug(f.Slug); err != nil {
			t.errorf("slug", "%v", err)
		}
	} else if _, present := t.ask("slug"); !present {
		t.errorf("", `missing slug: add slug = "…" (lowercase letters, digits, hyphens; used in the feed URL) to this [[feed]]`)
	}
	if t.str("title", &f.Title) {
		if strings.TrimSpace(f.Title) == "" {
			t.errorf("title", "must not be empty")
		}
	} else if _, present := t.ask("title"); !present {
		t.errorf("", `missing title: add title = "…" to this [[feed]]`)
	}
	t.str("description", &f.Description)
	t.languageTag("language", &f.Language)

	var ids, tags []string
	for _, s := range sources {
		if s.ID != "" {
			ids = append(ids, s.ID)
		}
		tags = append(tags, s.Tags...)
	}
	tags = slices.Compact(slices.Sorted(slices.Values(tags)))
	if t.strs("sources", &f.Sources) {
		t.members("sources", f.Sources, ids, "source id")
	}
	if t.strs("tags", &f.Tags) {
		t.members("tags", f.Tags, tags, "tag carried by any source")
	}
	if t.strs("include", &f.Include) {
		t.patterns("include", f.Include)
	}
	if t.strs("exclude", &f.Exclude) {
		t.patterns("exclude", f.Exclude)
	}
	if t.strs("languages", &f.Languages) {
		for j, l := range f.Languages {
			tag, err := language.Parse(l)
			if err != nil {
				t.errorf("languages", "%q is not a language tag such as \"ru\" or \"en\"", l)
				continue
			}
			f.Languages[j] = tag.String()
		}
	}
	t.duration("max_age", &f.MaxAge, 0)
	t.integer("limit", &f.Limit, 1, maxFeedLimit)
	if t.str("attribution", &f.Attribution) && !strings.Contains(f.Attribution, "{sources}") {
		t.errorf("attribution", `must contain "{sources}", where the names of the wires go, as in %q`, wiredesk.DefaultAttribution)
	}
	t.str("attribution_and", &f.AttributionAnd)
	t.str("also", &f.Also)
	t.boolean("cluster", &f.Cluster)
	if selectedSources(f, sources) > 1 {
		f.MaxPerSource = (f.Limit + 1) / 2
	}
	t.integer("max_per_source", &f.MaxPerSource, 0, maxFeedLimit)
	t.finish()
	return f
}

// selectedSources counts the configured sources feed f takes items from:
// those it lists or that carry one of its tags; every source when it names
// neither. Its max_per_source is on by default only when this is above one,
// since a one-wire feed has nobody to crowd out.
func selectedSources(f wiredesk.Feed, sources []wiredesk.Source) int {
	if len(f.Sources) == 0 && len(f.Tags) == 0 {
		return len(sources)
	}
	n := 0
	for _, s := range sources {
		if slices.Contains(f.Sources, s.ID) || slices.ContainsFunc(s.Tags, func(tag string) bool { return slices.Contains(f.Tags, tag) }) {
			n++
		}
	}
	return n
}

// members reports each value of key that is not in known, or repeated.
func (t *table) members(key string, values, known []string, what string) {
	seen := map[string]bool{}
	for _, v := range values {
		if seen[v] {
			t.errorf(key, "%q is listed twice", v)
			continue
		}
		seen[v] = true
		if slices.Contains(known, v) {
			continue
		}
		msg := fmt.Sprintf("%q is not a %s", v, what)
		if s := suggest(v, known); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		} else if len(known) > 0 {
			msg += "; known: " + strings.Join(known, ", ")
		}
		t.errorf(key, "%s", msg)
	}
}

// patterns checks include/exclude patterns: a word, a word with * wildcards,
// or a /regular expression/.
func (t *table) patterns(key string, pats []string) {
	for _, pat := range pats {
		pat = strings.TrimSpace(pat)
		if len(pat) >= 2 && strings.HasPrefix(pat, "/") && strings.HasSuffix(pat, "/") {
			inner := pat[1 : len(pat)-1]
			if inner == "" {
				t.errorf(key, "pattern %s is an empty regular expression", pat)
			} else if _, err := regexp.Compile(inner); err != nil {
				t.errorf(key, "pattern %s: %v", pat, err)
			}
			continue
		}
		if strings.HasPrefix(pat, "/") {
			t.errorf(key, "pattern %q starts with / but does not end with /; write /regex/ for a regular expression", pat)
			continue
		}
		if strings.Trim(pat, "* ") == "" {
			t.errorf(key, "pattern %q matches everything; leave it out", pat)
		}
	}
}
