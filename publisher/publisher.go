// Package publisher curates stored stories into the configured feeds and
// delivers them: it renders every feed in every format when its content
// changes (Refresh), serves the prepared bytes over HTTP with validators,
// caching headers and gzip (Handler), writes the same bytes to a folder
// (Export), pings a WebSub hub after a feed changes, and explains its
// choices (Preview).
//
// It leaves encoding to package render and reading the database to the
// caller: a Reader, which cmd/wiredesk adapts from storage, supplies the
// stories.
package publisher

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wiredesk/wiredesk"
	"github.com/wiredesk/wiredesk/publisher/render"
)

// Reader is what the publisher needs from storage: the stories with
// activity since a time, each with its items in order of first report, and
// the home links the sources' own feeds gave (SourceState.FeedLink, by
// source id), which credit a source that has no public_url.
type Reader interface {
	RecentStories(ctx context.Context, since time.Time) ([]wiredesk.Story, error)
	SourceLinks(ctx context.Context) (map[string]string, error)
}

// Options configure a Publisher. The zero value of each field is usable
// unless its comment says otherwise.
type Options struct {
	// BaseURL is the public root of the HTTP server, e.g.
	// "https://wire.example.org"; self links and ids derive from it.
	// Required.
	BaseURL   string
	Generator string // "wiredesk VERSION"
	Title     string // of the index page and the OPML list; default "wiredesk"
	// Hub is the WebSub hub URL; empty disables WebSub.
	Hub string
	// ArchivePeriod is the span of first-seen time one RFC 5005 archive
	// page covers (see archive.go); zero disables archives.
	ArchivePeriod time.Duration
	// DecisionElements also publishes each editor's decision in full as a
	// wd:decision element in RSS and Atom (render.Feed.DecisionElements);
	// by default they carry one standard category per decision kind.
	DecisionElements bool
	// Retention is how long storage keeps items ([storage] retention);
	// archive periods that began longer ago are not published. Zero: no
	// limit beyond Window.
	Retention time.Duration
	Sources   []wiredesk.Source
	Feeds     []wiredesk.Feed
	Now       func() time.Time // default time.Now
	Log       *slog.Logger     // default: discard
	// HTTPClient sends WebSub pings; default a client with a 30s timeout.
	HTTPClient *http.Client
	// Window is how far back Refresh reads stories; default 30 days.
	// Archive pages cover only this window (see archive.go).
	Window time.Duration
	// HubRetry is the delay before the first retry of a failed WebSub
	// ping; it doubles for each further attempt. Default 5s.
	HubRetry time.Duration
}

// defaultWindow is how far back Refresh reads when Options.Window is zero.
const defaultWindow = 30 * 24 * time.Hour

// defaultMaxAge is the Cache-Control max-age of a feed whose sources set
// no interval.
const defaultMaxAge = 5 * time.Minute

// Publisher renders, serves and exports the configured feeds. Its methods
// are safe for concurrent use. Call Close when done to stop WebSub pings.
type Publisher struct {
	r     Reader
	index *template.Template
	page  *template.Template // a feed's reading page
	hv    headerValues

	mu  sync.Mutex // guards cfg
	cfg *settings

	refreshMu sync.Mutex // serialises Refresh
	site      atomic.Pointer[site]

	hub *pinger
}

// settings are Options with defaults applied and rules compiled.
type settings struct {
	opt     Options
	base    string // BaseURL without a trailing slash
	sources map[string]wiredesk.Source
	rules   map[string]*Rules
	errs    map[string]error // feed slug → compile error
}

// New returns a Publisher reading stories from r. It renders nothing until
// Refresh is called.
func New(r Reader, opt Options) *Publisher {
	p := &Publisher{r: r, hv: newHeaderValues()}
	p.index, p.page = parsePageTemplates()
	p.cfg = newSettings(opt)
	p.hub = newPinger(p.cfg.opt.HTTPClient, p.cfg.opt.Log, p.cfg.opt.HubRetry)
	return p
}

func newSettings(opt Options) *settings {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.Title == "" {
		opt.Title = "wiredesk"
	}
	if opt.Window <= 0 {
		opt.Window = defaultWindow
	}
	if opt.HTTPClient == nil {
		opt.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if opt.HubRetry <= 0 {
		opt.HubRetry = 5 * time.Second
	}
	s := &settings{
		opt:     opt,
		base:    strings.TrimRight(opt.BaseURL, "/"),
		sources: make(map[string]wiredesk.Source, len(opt.Sources)),
		rules:   make(map[string]*Rules, len(opt.Feeds)),
		errs:    map[string]error{},
	}
	for _, src := range opt.Sources {
		s.sources[src.ID] = src
	}
	for _, f := range opt.Feeds {
		r, err := Compile(f)
		if err != nil {
			s.errs[f.Slug] = err
			continue
		}
		s.rules[f.Slug] = r
	}
	return s
}

// Reconfigure replaces the feeds, sources and other options (after a
// SIGHUP). The next Refresh renders with them; until then the documents
// rendered before are served. The WebSub client and retry delay stay those
// given to New.
func (p *Publisher) Reconfigure(opt Options) {
	s := newSettings(opt)
	p.mu.Lock()
	p.cfg = s
	p.mu.Unlock()
}

func (p *Publisher) settings() *settings {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cfg
}

// site is one complete rendering of every document, swapped in atomically.
type site struct {
	docs  map[string]*doc // by URL path, e.g. "/feeds/central-asia.rss"
	paths []string        // the keys of docs, sorted
}

// doc is one prepared document with everything needed to serve it.
type doc struct {
	path string // URL path
	file string // path under the export folder; "" when not exported
	slug string // feed slug; "" for the index and the OPML list
	// live is true for a feed's current RSS, Atom and JSON documents: the
	// ones WebSub announces.
	live bool
	// initial is true when the document was first rendered by the
	// Publisher's first Refresh, which announces nothing (see Export).
	initial bool

	body     []byte
	modified time.Time

	// gz is body gzipped, nil when gzip does not make it smaller; set once
	// by gzipped (see prepare for when).
	gzOnce sync.Once
	gz     []byte

	// Header values, prepared once; shared read-only by every response.
	contentType, etag, gzETag, lastModified, cacheControl, length, gzLength []string
	// html is true for the HTML pages (the index, the reading pages),
	// which writeDoc sends with their Content-Security-Policy.
	html bool
}

// prepare fills in everything derived from body: gzip and header values.
func (d *doc) prepare(contentType, cacheControl string, modified time.Time) {
	d.modified = modified.UTC().Truncate(time.Second)
	sum := sha256.Sum256(d.body)
	tag := hex.EncodeToString(sum[:12])
	d.contentType = []string{contentType}
	d.html = strings.HasPrefix(contentType, "text/html")
	d.cacheControl = []string{cacheControl}
	d.etag = []string{`"` + tag + `"`}
	d.gzETag = []string{`"` + tag + `-gzip"`}
	d.lastModified = []string{d.modified.Format(http.TimeFormat)}
	d.length = []string{strconv.Itoa(len(d.body))}
	if d.live || d.slug == "" {
		// Feeds, the index and the OPML list are read all the time:
		// compress them now, off the request path. Archive pages are read
		// rarely and there can be thousands; each is compressed on its
		// first gzip request instead (profiling a first Refresh showed
		// gzip at 61% of it).
		d.gzipped()
	}
}

// gzipped returns the gzipped body, compressing it on the first call; nil
// when gzip does not make it smaller.
func (d *doc) gzipped() []byte {
	d.gzOnce.Do(func() {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression) // the level is valid
		_, _ = zw.Write(d.body)                                     // writes to a bytes.Buffer do not fail
		_ = zw.Close()
		if buf.Len() < len(d.body) {
			d.gz = buf.Bytes()
			d.gzLength = []string{strconv.Itoa(len(d.gz))}
		}
	})
	return d.gz
}

// Refresh reads the stories of the window, curates and renders every feed
// in every format together with its archive pages, the index page and the
// OPML list, and swaps them in at once. A document whose bytes did not
// change keeps its ETag and Last-Modified. It returns the slugs of the
// feeds with a changed document, sorted; on the first Refresh that is every
// feed.
//
// When a hub is configured, Refresh asks it, in the background, to fetch
// each changed live feed URL; the first Refresh of a Publisher announces
// nothing, since it cannot tell what changed (Export announces what it
// rewrites instead).
//
// A feed whose rules do not compile or that fails to render keeps the
// documents it had, if any, and its error is part of the returned error;
// the other feeds are still published.
func (p *Publisher) Refresh(ctx context.Context) (changed []string, err error) {
	p.refreshMu.Lock()
	defer p.refreshMu.Unlock()
	cfg := p.settings()
	now := cfg.opt.Now()
	stories, err := p.r.RecentStories(ctx, now.Add(-cfg.opt.Window))
	if err != nil {
		return nil, fmt.Errorf("read stories: %w", err)
	}
	links, err := p.r.SourceLinks(ctx)
	if err != nil {
		return nil, fmt.Errorf("read source links: %w", err)
	}
	old := p.site.Load()
	docs, failed, errs := p.render(cfg, stories, links, now)
	for _, slug := range failed {
		if old == nil {
			continue
		}
		for path, d := range old.docs {
			if d.slug == slug {
				docs[path] = d
			}
		}
	}

	next := &site{docs: docs}
	changedSlugs := map[string]bool{}
	var ping []string
	for path, d := range docs {
		next.paths = append(next.paths, path)
		if old != nil {
			if od := old.docs[path]; od != nil && (od == d || bytes.Equal(od.body, d.body)) {
				docs[path] = od
				continue
			}
		}
		d.initial = old == nil
		d.prepare(d.contentType[0], d.cacheControl[0], now)
		if d.slug != "" {
			changedSlugs[d.slug] = true
		}
		if d.live && old != nil {
			ping = append(ping, cfg.base+path)
		}
	}
	slices.Sort(next.paths)
	p.site.Store(next)

	for slug := range changedSlugs {
		changed = append(changed, slug)
	}
	slices.Sort(changed)
	if cfg.opt.Hub != "" && len(ping) > 0 {
		slices.Sort(ping)
		p.hub.publish(cfg.opt.Hub, ping)
	}
	level := slog.LevelDebug
	if len(changed) > 0 {
		level = slog.LevelInfo
	}
	cfg.opt.Log.Log(ctx, level, "feeds rendered", "feeds", len(cfg.opt.Feeds), "stories", len(stories),
		"documents", len(docs), "changed_feeds", changed, "duration_ms", cfg.opt.Now().Sub(now).Milliseconds())
	return changed, errors.Join(errs...)
}

// render builds the body of every document. The returned docs carry only
// body, paths and the content type and cache control to prepare them with.
func (p *Publisher) render(cfg *settings, stories []wiredesk.Story, links map[string]string, now time.Time) (docs map[string]*doc, failed []string, errs []error) {
	docs = map[string]*doc{}
	ec := EntryContext{BaseURL: cfg.base, Sources: cfg.sources, Links: links}
	var listed []listedFeed
	shortest := time.Duration(0)
	for _, spec := range cfg.opt.Feeds {
		rules, ok := cfg.rules[spec.Slug]
		if !ok {
			failed = append(failed, spec.Slug)
			errs = append(errs, cfg.errs[spec.Slug])
			continue
		}
		maxAge := feedMaxAge(rules, cfg)
		if shortest == 0 || maxAge < shortest {
			shortest = maxAge
		}
		fec := ec
		fec.FeedLanguage = feedLanguage(spec, rules, cfg)
		fdocs, live, err := p.renderFeed(cfg, spec, rules, rules.Curate(stories, cfg.sources, now), fec, maxAge, now)
		if err != nil {
			failed = append(failed, spec.Slug)
			errs = append(errs, fmt.Errorf("render feed %s: %w", spec.Slug, err))
			continue
		}
		for _, d := range fdocs {
			docs[d.path] = d
		}
		listed = append(listed, listedFeed{spec: spec, urls: feedURLs(cfg.base, spec.Slug),
			page: cfg.base + feedPagePath(spec.Slug), live: live})
	}
	if shortest == 0 {
		shortest = defaultMaxAge
	}
	cc := cacheControl(shortest)

	var buf bytes.Buffer
	if err := render.OPML(&buf, cfg.opt.Title, opmlFeeds(listed), time.Time{}); err != nil {
		errs = append(errs, fmt.Errorf("render OPML: %w", err))
	} else {
		docs[opmlPath] = newDoc(opmlPath, "feeds.opml", "", buf.Bytes(), opmlContentType, cc)
	}
	buf = bytes.Buffer{}
	if err := p.index.Execute(&buf, indexData{Title: cfg.opt.Title, OPML: cfg.base + opmlPath, Feeds: indexFeeds(listed)}); err != nil {
		errs = append(errs, fmt.Errorf("render index: %w", err))
	} else {
		docs["/"] = newDoc("/", "", "", buf.Bytes(), "text/html; charset=utf-8", cc)
	}
	return docs, failed, errs
}

// renderFeed renders one feed's live documents, reading page and archive
// pages, and returns the live entries for the index page.
func (p *Publisher) renderFeed(cfg *settings, spec wiredesk.Feed, rules *Rules, ds []Decision, ec EntryContext, maxAge time.Duration, now time.Time) ([]*doc, []render.Entry, error) {
	var live []render.Entry
	var matched []archived
	for _, d := range ds {
		if !d.Picked && !d.Matched() {
			continue
		}
		e := entryOf(spec, d, ec)
		if d.Picked {
			live = append(live, e)
		}
		matched = append(matched, archived{entry: e, created: d.Story.Created, picked: d.Picked})
	}
	urls := feedURLs(cfg.base, spec.Slug)
	base := render.Feed{
		ID:          FeedID(cfg.base, spec.Slug),
		Slug:        spec.Slug,
		Title:       cmp.Or(spec.Title, spec.Slug),
		Description: spec.Description,
		Language:    feedLanguage(spec, rules, cfg),
		HomeURL:     cfg.base + "/",
		FeedURLs:    urls,
		HubURL:      cfg.opt.Hub,
		Generator:   cfg.opt.Generator,
		TTL:         maxAge,

		DecisionElements: cfg.opt.DecisionElements,
	}
	plan := planArchive(matched, now, archiveHorizon(cfg.opt, now), cfg.opt.ArchivePeriod)
	cc := cacheControl(maxAge)

	var out []*doc
	for _, format := range render.Formats() {
		f := base
		f.Entries = live
		if format == render.Atom {
			f.Entries = append(slices.Clip(live), plan.extra...)
			if len(plan.pages) > 0 {
				f.PrevArchive = archiveURL(cfg.base, spec.Slug, plan.pages[len(plan.pages)-1].n)
			}
		}
		var buf bytes.Buffer
		if err := render.Write(&buf, format, f); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", format, err)
		}
		path := feedPath(spec.Slug, format)
		d := newDoc(path, spec.Slug+"."+string(format), spec.Slug, buf.Bytes(), render.ContentType(format), cc)
		d.live = true
		out = append(out, d)
	}
	for i, page := range plan.pages {
		f := base
		f.HubURL = ""
		f.FeedURLs = map[render.Format]string{render.Atom: archiveURL(cfg.base, spec.Slug, page.n)}
		f.Current = urls[render.Atom]
		f.Archive = true
		f.Entries = page.entries
		if i > 0 {
			f.PrevArchive = archiveURL(cfg.base, spec.Slug, plan.pages[i-1].n)
		}
		if i+1 < len(plan.pages) {
			f.NextArchive = archiveURL(cfg.base, spec.Slug, plan.pages[i+1].n)
		}
		var buf bytes.Buffer
		if err := render.Write(&buf, render.Atom, f); err != nil {
			return nil, nil, fmt.Errorf("archive page %d: %w", page.n, err)
		}
		// The newest page gains its next-archive link when the next page
		// appears; the others are final.
		pageCC := archiveCacheControl
		if f.NextArchive == "" {
			pageCC = cc
		}
		path := archivePath(spec.Slug, page.n)
		out = append(out, newDoc(path, strings.TrimPrefix(path, "/feeds/"), spec.Slug, buf.Bytes(),
			render.ContentType(render.Atom), pageCC))
	}
	var buf bytes.Buffer
	err := p.page.Execute(&buf, feedPageData{SiteTitle: cfg.opt.Title, Home: cfg.base + "/", Title: base.Title,
		Desc: spec.Description, Language: base.Language, Links: feedLinks(urls), Updated: newPageTime(newestTime(live)),
		Entries: pageEntries(live, base.Language)})
	if err != nil {
		return nil, nil, fmt.Errorf("reading page: %w", err)
	}
	path := feedPagePath(spec.Slug)
	out = append(out, newDoc(path, spec.Slug+".html", spec.Slug, buf.Bytes(), "text/html; charset=utf-8", cc))
	return out, live, nil
}

// archiveHorizon is the earliest first-seen time whose stories Refresh is
// sure to read in full: now minus the shorter of Window and Retention.
func archiveHorizon(opt Options, now time.Time) time.Time {
	keep := opt.Window
	if opt.Retention > 0 && opt.Retention < keep {
		keep = opt.Retention
	}
	return now.Add(-keep)
}

// entryOf builds the published entry of a picked or archived decision,
// with the headline an editor set, if any.
func entryOf(spec wiredesk.Feed, d Decision, ec EntryContext) render.Entry {
	var e render.Entry
	if !spec.Cluster {
		e = ItemEntry(spec, d.Story.Items[0], ec)
	} else {
		e = StoryEntry(spec, d.Story, d.Eligible, ec)
	}
	if m := d.Story.Marks; m.Headline != "" {
		e.Title = m.Headline
		// A new title is a new version of the entry: readers that go by
		// the updated time show it.
		e.Updated = laterTime(e.Updated, m.At)
	}
	return e
}

// newDoc returns an unprepared document; Refresh prepares it when its
// bytes are new.
func newDoc(path, file, slug string, body []byte, contentType, cacheControl string) *doc {
	return &doc{path: path, file: file, slug: slug, body: body,
		contentType: []string{contentType}, cacheControl: []string{cacheControl}}
}

// The paths of the documents, as served and as exported.
const (
	opmlPath        = "/feeds.opml"
	opmlContentType = "text/x-opml; charset=utf-8"
)

func feedPath(slug string, f render.Format) string { return "/feeds/" + slug + "." + string(f) }

func feedURLs(base, slug string) map[render.Format]string {
	urls := map[render.Format]string{}
	for _, f := range render.Formats() {
		urls[f] = base + feedPath(slug, f)
	}
	return urls
}

// feedSources returns the configured sources a feed selects, in config
// order.
func feedSources(r *Rules, cfg *settings) []wiredesk.Source {
	var out []wiredesk.Source
	for _, src := range cfg.opt.Sources {
		if r.selects(src) {
			out = append(out, src)
		}
	}
	return out
}

// feedMaxAge is the shortest poll interval among the feed's sources: no
// reader gains by asking more often than the fastest wire can change.
func feedMaxAge(r *Rules, cfg *settings) time.Duration {
	var d time.Duration
	for _, src := range feedSources(r, cfg) {
		if src.Interval > 0 && (d == 0 || src.Interval < d) {
			d = src.Interval
		}
	}
	if d == 0 {
		return defaultMaxAge
	}
	return d
}

// feedLanguage is the feed's language, else that of its first source.
func feedLanguage(spec wiredesk.Feed, r *Rules, cfg *settings) string {
	if spec.Language != "" {
		return spec.Language
	}
	for _, src := range feedSources(r, cfg) {
		if src.Language != "" {
			return src.Language
		}
	}
	return ""
}

func cacheControl(maxAge time.Duration) string {
	return "public, max-age=" + strconv.Itoa(int(maxAge/time.Second))
}

// Preview curates the stories with activity since the given time (zero:
// the Publisher's window) for the feed with this slug and returns every
// decision, picked first, for `wiredesk preview`. It renders nothing. An
// unknown slug is an error wrapping wiredesk.ErrNotFound.
func (p *Publisher) Preview(ctx context.Context, slug string, since time.Time) ([]Decision, error) {
	cfg := p.settings()
	idx := slices.IndexFunc(cfg.opt.Feeds, func(f wiredesk.Feed) bool { return f.Slug == slug })
	if idx < 0 {
		return nil, fmt.Errorf("feed %q: %w", slug, wiredesk.ErrNotFound)
	}
	if err := cfg.errs[slug]; err != nil {
		return nil, err
	}
	now := cfg.opt.Now()
	if since.IsZero() {
		since = now.Add(-cfg.opt.Window)
	}
	stories, err := p.r.RecentStories(ctx, since)
	if err != nil {
		return nil, fmt.Errorf("read stories: %w", err)
	}
	return cfg.rules[slug].Curate(stories, cfg.sources, now), nil
}

// Close stops WebSub pings that are waiting to be retried and waits for
// the ones in flight to end. The Publisher keeps serving and rendering,
// but announces nothing more.
func (p *Publisher) Close() error {
	p.hub.close()
	return nil
}

// Wait waits until every WebSub ping queued so far has succeeded or given
// up, or ctx is done. `once` calls it before exiting so that its pings are
// not lost.
func (p *Publisher) Wait(ctx context.Context) error { return p.hub.wait(ctx) }
