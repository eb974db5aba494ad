package main

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/wiredesk/wiredesk"
	"github.com/wiredesk/wiredesk/config"
	"github.com/wiredesk/wiredesk/desk/web"
	"github.com/wiredesk/wiredesk/internal/wiring"
	"github.com/wiredesk/wiredesk/publisher"
)

// deskConfig is the desk's configuration pages (web.ConfigEditor) on the
// running daemon: tables come from the hand-written config and the desk's
// overlay (config.Tables), saves go to the overlay (config.UpdateOverlay)
// and are applied as SIGHUP applies a reload, and audited.
type deskConfig struct{ d *daemon }

var _ web.ConfigEditor = deskConfig{}

// newSourceTable and newFeedTable are the starting text of a new table.
const (
	newSourceTable = "id = \"\"\nname = \"\"\nurl = \"https://\"\nlanguage = \"\"\ntags = []\n"
	newFeedTable   = "slug = \"\"\ntitle = \"\"\nsources = []\ntags = []\ninclude = []\nexclude = []\n"
)

func (c deskConfig) Sources(ctx context.Context) ([]web.SourceHealth, int, error) {
	cfg := c.d.config()
	rows, err := sourceRows(ctx, c.d.db, cfg.Sources, time.Now())
	if err != nil {
		return nil, 0, err
	}
	tables, _, rev, err := config.Tables(cfg.File)
	if err != nil {
		return nil, 0, err
	}
	fromDesk := map[string]bool{}
	for _, t := range tables {
		fromDesk[t.Key] = t.FromDesk
	}
	out := make([]web.SourceHealth, len(rows))
	for i, r := range rows {
		src := cfg.Sources[i]
		out[i] = web.SourceHealth{ID: src.ID, Name: src.Name, URL: src.Redacted(), Enabled: src.Enabled, FromDesk: fromDesk[src.ID],
			State: r.State, LastSuccess: r.LastSuccess, HTTPStatus: r.HTTPStatus, Items: r.Items, LastError: r.LastError}
	}
	return out, rev, nil
}

func (c deskConfig) FeedList(ctx context.Context) ([]web.FeedEntry, int, error) {
	_, tables, rev, err := config.Tables(c.d.config().File)
	if err != nil {
		return nil, 0, err
	}
	out := make([]web.FeedEntry, 0, len(tables))
	for _, t := range tables {
		title, _ := t.Table["title"].(string)
		out = append(out, web.FeedEntry{Slug: t.Key, Title: title, FromDesk: t.FromDesk})
	}
	return out, rev, nil
}

func (c deskConfig) Table(ctx context.Context, kind, key string) (web.TableEdit, error) {
	t, rev, err := c.current(kind, key)
	if err != nil {
		return web.TableEdit{}, err
	}
	te := web.TableEdit{Kind: kind, Key: key, Revision: rev, Enabled: true}
	if key == "" {
		te.Text = map[string]string{web.KindSource: newSourceTable, web.KindFeed: newFeedTable}[kind]
		return te, nil
	}
	if te.Text, err = config.EncodeTable(hideLiterals(t.Table)); err != nil {
		return web.TableEdit{}, err
	}
	te.FromDesk = t.FromDesk
	if on, ok := t.Table["enabled"].(bool); ok {
		te.Enabled = on
	}
	return te, nil
}

// current returns the merged table of kind and key (none for key "") and
// the overlay's revision; an unknown key matches wiredesk.ErrNotFound.
func (c deskConfig) current(kind, key string) (config.Table, int, error) {
	sources, feeds, rev, err := config.Tables(c.d.config().File)
	if err != nil {
		return config.Table{}, 0, err
	}
	if key == "" {
		return config.Table{}, rev, nil
	}
	list := sources
	if kind == web.KindFeed {
		list = feeds
	}
	for _, t := range list {
		if t.Key == key {
			return t, rev, nil
		}
	}
	return config.Table{}, rev, fmt.Errorf("%s %q: %w", kind, key, wiredesk.ErrNotFound)
}

func (c deskConfig) Save(ctx context.Context, ch web.ConfigChange) error {
	d := c.d
	d.applyMu.Lock()
	defer d.applyMu.Unlock()
	old, _, err := c.current(ch.Kind, ch.Key)
	if err != nil {
		return err
	}
	var change func(*config.Overlay) error
	var action string
	var after map[string]any
	switch {
	case ch.Op == "save":
		t, err := c.checkTable(ch.Kind, ch.Key, ch.Table)
		if err != nil {
			return err
		}
		after = t
		action = map[bool]string{true: ch.Kind + " add", false: ch.Kind + " edit"}[ch.Key == ""]
		change = func(ov *config.Overlay) error { upsert(ov, ch.Kind, t); return nil }
	case ch.Kind == web.KindSource && (ch.Op == "enable" || ch.Op == "disable"):
		if ch.Key == "" {
			return fmt.Errorf("%s which source: %w", ch.Op, wiredesk.ErrNotFound)
		}
		if ps := config.CheckSecretRefs(old.Table); len(ps) > 0 {
			return &web.Problems{{Key: ps[0].Key, Msg: "source " + ch.Key + " has a credential written literally in the config file; " +
				"change it there (or to a ${VAR} reference) before the desk can copy the source"}}
		}
		after = maps.Clone(old.Table)
		after["enabled"] = ch.Op == "enable"
		action = "source " + ch.Op
		change = func(ov *config.Overlay) error { upsert(ov, ch.Kind, after); return nil }
	case ch.Kind == web.KindFeed && ch.Op == "delete":
		if ch.Key == "" {
			return fmt.Errorf("delete which feed: %w", wiredesk.ErrNotFound)
		}
		action = "feed delete" // after stays nil: nothing
		change = func(ov *config.Overlay) error {
			// Out of the overlay, and out of the hand-written file's
			// feeds (a slug the file lacks is removed harmlessly).
			ov.Feeds = slices.DeleteFunc(ov.Feeds, func(m map[string]any) bool { return m["slug"] == ch.Key })
			if !slices.Contains(ov.RemovedFeeds, ch.Key) {
				ov.RemovedFeeds = append(ov.RemovedFeeds, ch.Key)
			}
			return nil
		}
	default:
		return fmt.Errorf("%s %s: %w", ch.Op, ch.Kind, wiredesk.ErrRefused)
	}
	cfg, err := config.UpdateOverlay(d.config().File, ch.Revision, ch.By, os.LookupEnv, change)
	if err != nil {
		return configError(err)
	}
	d.apply(context.WithoutCancel(ctx), cfg)
	key := ch.Key
	if key == "" {
		key = tableKey(ch.Kind, after)
	}
	before := ""
	if ch.Key != "" {
		before = oneLine(hideLiterals(old.Table))
	}
	_, err = d.db.AppendAudit(ctx, wiredesk.AuditEntry{At: time.Now().UTC(), User: ch.By, Action: action,
		Target: ch.Kind + " " + key, Before: before, After: oneLine(after)})
	if err != nil {
		d.log.Error("desk audit", "action", action, "user", ch.By, "error", err)
	}
	d.log.Info("desk changed the configuration", "action", action, "target", key, "user", ch.By, "revision", cfg.Revision)
	return nil
}

// checkTable decodes and checks an edited table: the key cannot change,
// a new key must be new, credentials are ${VAR} references only, and
// the desk adds http(s) sources only (a file:// URL stays as the config
// file has it).
func (c deskConfig) checkTable(kind, key, text string) (map[string]any, error) {
	t, err := config.DecodeTable("table", text)
	if err != nil {
		return nil, configError(err)
	}
	got := tableKey(kind, t)
	idKey := map[string]string{web.KindSource: "id", web.KindFeed: "slug"}[kind]
	switch {
	case got == "":
		return nil, &web.Problems{{Key: idKey, Msg: "is required"}}
	case key != "" && got != key:
		return nil, &web.Problems{{Key: idKey, Msg: fmt.Sprintf("cannot change from %q: add a new %s instead", key, kind)}}
	case key == "":
		if _, _, err := c.current(kind, got); err == nil {
			return nil, &web.Problems{{Key: idKey, Msg: fmt.Sprintf("%s %q exists; edit it instead", kind, got)}}
		}
	}
	var old map[string]any
	if key != "" {
		o, _, err := c.current(kind, key)
		if err != nil {
			return nil, err
		}
		old = o.Table
	}
	if ps := checkEnvRefs(kind, t, old, c.guardedVar); len(ps) > 0 {
		return nil, &ps
	}
	if kind != web.KindSource {
		return t, nil
	}
	if ps := config.CheckSecretRefs(t); len(ps) > 0 {
		return nil, configError(&ps)
	}
	if u, _ := t["url"].(string); u != "" {
		// A ${VAR} is not a URL's text (its braces are not allowed in the
		// userinfo, where a wire's password goes): the scheme is read
		// with each reference standing for a plain value.
		pu, err := url.Parse(envRefName.ReplaceAllString(u, "x"))
		if err != nil || pu.Scheme != "http" && pu.Scheme != "https" {
			var was string
			if key != "" {
				old, _, _ := c.current(kind, key)
				was, _ = old.Table["url"].(string)
			}
			if u != was {
				return nil, &web.Problems{{Key: "url", Msg: "the desk adds http and https sources; a file source belongs in the config file"}}
			}
		}
	}
	return t, nil
}

// envRefName is a ${VAR} reference; it captures the name.
var envRefName = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// credentialKeys are the keys of a source table whose values go to the
// wire as the request's address and credentials; of the URL only the
// parts its redacted form hides (shownURLRefs).
var credentialKeys = []string{"url", "username", "password", "headers"}

// checkEnvRefs returns the problems with the ${VAR} references of table
// t saved at the desk over old (nil for a new table). Every string of a
// table reads the daemon's environment, but only the credential keys of a
// source keep the value off the pages: anywhere else (a name, a title, a
// tag, a rule) it is shown on the desk, /status and in the feeds, so a
// reference there must be one the table already had, as the hand-written
// file has it. And no key may name a variable that guarded reports: one
// holding a secret of the daemon's own (the admin token, which also
// manages users, or an alert channel's credentials), which a desk admin
// could otherwise send to a server of theirs as a wire's password.
func checkEnvRefs(kind string, t, old map[string]any, guarded func(name string) bool) web.Problems {
	var ps web.Problems
	for _, k := range slices.Sorted(maps.Keys(t)) {
		had := envRefs(old[k])
		var shown []string // references of the URL its redacted form shows
		if u, ok := t[k].(string); ok && k == "url" {
			shown = shownURLRefs(u)
		}
		for _, name := range envRefs(t[k]) {
			switch {
			case guarded(name):
				ps = append(ps, web.Problem{Key: k, Msg: "${" + name + "} is one of the daemon's own secrets (its admin token, an alert channel's credential, WIREDESK_ADMIN_TOKEN or WIREDESK_PASSWORD); the desk cannot use it"})
			case slices.Contains(had, name):
			case k == "url" && slices.Contains(shown, name):
				ps = append(ps, web.Problem{Key: k, Msg: "${" + name + "}: the sources page and /status show this part of the URL; " +
					"a reference from the daemon's environment goes in the URL's password or a key, token or password parameter only"})
			case kind == web.KindSource && slices.Contains(credentialKeys, k):
			default:
				ps = append(ps, web.Problem{Key: k, Msg: "${" + name + "}: a value read from the daemon's environment would be shown on pages and in the feeds; " +
					"the desk writes ${VAR} references only in a source's url, username, password and headers"})
			}
		}
	}
	return ps
}

// shownURLRefs returns the names of the ${VAR} references of a source URL
// that its redacted form (wiredesk.RedactURL: the sources page, /status,
// errors) shows: those outside the password and the credential-like query
// parameters.
func shownURLRefs(raw string) []string {
	var names []string
	marked := envRefName.ReplaceAllStringFunc(strings.ReplaceAll(raw, "$$", ""), func(ref string) string {
		names = append(names, envRefName.FindStringSubmatch(ref)[1])
		return fmt.Sprintf("wdref%dx", len(names)-1) // letters and digits: no escaping changes it
	})
	red := wiredesk.RedactURL(marked)
	var out []string
	for i, name := range names {
		if strings.Contains(red, fmt.Sprintf("wdref%dx", i)) {
			out = append(out, name)
		}
	}
	return out
}

// envRefs returns the names of the ${VAR} references in a decoded TOML
// value ("$$" is a literal dollar, not the start of one).
func envRefs(v any) []string {
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			for _, m := range envRefName.FindAllStringSubmatch(strings.ReplaceAll(v, "$$", ""), -1) {
				out = append(out, m[1])
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		case []map[string]any:
			for _, x := range v {
				walk(x)
			}
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(v)) {
				walk(v[k])
			}
		}
	}
	walk(v)
	return out
}

// guardedVar reports whether the desk may not read variable name: one of
// wiredesk's own (WIREDESK_ADMIN_TOKEN, WIREDESK_PASSWORD), or one whose
// value is a secret of the daemon itself rather than of a wire.
func (c deskConfig) guardedVar(name string) bool {
	if name == "WIREDESK_ADMIN_TOKEN" || name == "WIREDESK_PASSWORD" {
		return true
	}
	v, ok := os.LookupEnv(name)
	if !ok || v == "" {
		return false
	}
	cfg := c.d.config()
	own := []wiredesk.Secret{cfg.Server.AdminToken}
	for _, ch := range cfg.Channels {
		own = append(own, ch.URL, ch.Secret, ch.Token, ch.Password)
	}
	for _, s := range own {
		if s.Reveal() != "" && subtle.ConstantTimeCompare([]byte(s.Reveal()), []byte(v)) == 1 {
			return true
		}
	}
	return false
}

func tableKey(kind string, t map[string]any) string {
	k, _ := t[map[string]string{web.KindSource: "id", web.KindFeed: "slug"}[kind]].(string)
	return k
}

// upsert puts t into the overlay in place of the table of the same key,
// or at the end; a feed saved again is no longer removed.
func upsert(ov *config.Overlay, kind string, t map[string]any) {
	key := tableKey(kind, t)
	list := &ov.Sources
	if kind == web.KindFeed {
		list = &ov.Feeds
		ov.RemovedFeeds = slices.DeleteFunc(ov.RemovedFeeds, func(s string) bool { return s == key })
	}
	for i, m := range *list {
		if tableKey(kind, m) == key {
			(*list)[i] = t
			return
		}
	}
	*list = append(*list, t)
}

// configError turns the config package's problems into the desk's, with
// key and message, and a stale revision into web.ErrStale.
func configError(err error) error {
	if errors.Is(err, config.ErrConflict) {
		return fmt.Errorf("%w: %v", web.ErrStale, err)
	}
	var es *config.Errors
	if errors.As(err, &es) {
		ps := make(web.Problems, 0, len(*es))
		for _, e := range *es {
			msg := e.Msg
			if e.Line > 0 && e.Key == "" {
				msg = fmt.Sprintf("line %d: %s", e.Line, msg)
			}
			ps = append(ps, web.Problem{Key: e.Key, Msg: msg})
		}
		return &ps
	}
	return err
}

// hideLiterals returns t with every credential written literally (in a
// hand-written file) hidden, so that no page or audit entry shows it;
// saving the hidden text is refused until a ${VAR} takes its place.
func hideLiterals(t map[string]any) map[string]any {
	ps := config.CheckSecretRefs(t)
	if len(ps) == 0 {
		return t
	}
	const hidden = "(literal credential hidden: write a ${VAR} reference)"
	out := maps.Clone(t)
	for _, p := range ps {
		switch {
		case p.Key == "password":
			out["password"] = hidden
		case p.Key == "url":
			u, _ := t["url"].(string)
			out["url"] = wiredesk.RedactURL(u)
		case strings.HasPrefix(p.Key, "headers."):
			h, _ := out["headers"].(map[string]any)
			h = maps.Clone(h)
			h[strings.TrimPrefix(p.Key, "headers.")] = hidden
			out["headers"] = h
		}
	}
	return out
}

// oneLine writes a table in a line for the audit log: key = value; …
func oneLine(t map[string]any) string {
	if t == nil {
		return ""
	}
	keys := slices.Sorted(maps.Keys(t))
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s = %v", k, t[k]))
	}
	sort.Strings(parts)
	return strings.Join(parts, "; ")
}

// tryTable is the configuration with the edited table in the overlay,
// not saved.
func (c deskConfig) tryTable(kind, key, text string) (*config.Config, string, error) {
	t, err := c.checkTable(kind, key, text)
	if err != nil {
		return nil, "", err
	}
	cfg, err := config.TryOverlay(c.d.config().File, os.LookupEnv, func(ov *config.Overlay) error { upsert(ov, kind, t); return nil })
	if err != nil {
		return nil, "", configError(err)
	}
	return cfg, tableKey(kind, t), nil
}

func (c deskConfig) TestFetch(ctx context.Context, key, text string) (web.FetchReport, error) {
	cfg, id, err := c.tryTable(web.KindSource, key, text)
	if err != nil {
		return web.FetchReport{}, err
	}
	i := slices.IndexFunc(cfg.Sources, func(s wiredesk.Source) bool { return s.ID == id })
	if i < 0 {
		return web.FetchReport{}, fmt.Errorf("source %q: %w", id, wiredesk.ErrNotFound)
	}
	return testFetch(ctx, cfg, cfg.Sources[i], c.d.log)
}

// testFetch fetches and parses src once exactly as a poll would (the
// poller's Probe: request, per-host limits, charset settings, link base
// without credentials) and stores nothing: what `wiredesk fetch` prints.
func testFetch(ctx context.Context, cfg *config.Config, src wiredesk.Source, log *slog.Logger) (web.FetchReport, error) {
	resp, res, err := wiring.Prober(cfg, log, version()).Probe(ctx, src)
	if err != nil {
		return web.FetchReport{}, fmt.Errorf("%s: %w", src.Redacted(), err)
	}
	rep := web.FetchReport{URL: src.Redacted(), Title: res.Title, Link: res.Link, Format: fmt.Sprint(res.Format),
		Charset: res.Encoding.Charset, CharsetReason: res.Encoding.Reason, HTTPStatus: resp.Status, Bytes: len(resp.Body),
		ContentType: resp.ContentType}
	for _, it := range res.Items {
		rep.Items = append(rep.Items, web.FetchItem{ID: it.ID, Title: it.Title, Link: it.Link, Date: it.Published, DateGuessed: it.DateGuessed})
	}
	return rep, nil
}

func (c deskConfig) PreviewFeed(ctx context.Context, key, text string) ([]web.FeedDecision, error) {
	cfg, slug, err := c.tryTable(web.KindFeed, key, text)
	if err != nil {
		return nil, err
	}
	pub := wiring.Publisher(cfg, c.d.db, c.d.log, version())
	defer pub.Close()
	ds, err := pub.Preview(ctx, slug, time.Time{})
	if err != nil {
		return nil, err
	}
	return feedDecisions(ds), nil
}

// feedDecisions are the publisher's decisions as the desk's feed pages
// show them, with an editor's headline where there is one.
func feedDecisions(ds []publisher.Decision) []web.FeedDecision {
	out := make([]web.FeedDecision, 0, len(ds))
	for _, dec := range ds {
		fd := web.FeedDecision{StoryID: dec.Story.ID, Sources: dec.Story.SourceIDs(), Picked: dec.Picked, Reason: dec.Reason}
		if len(dec.Story.Items) > 0 {
			fd.Title, fd.Date = dec.Story.Items[0].Title, dec.Story.Items[0].Date()
		}
		if dec.Story.Marks.Headline != "" {
			fd.Title = dec.Story.Marks.Headline
		}
		out = append(out, fd)
	}
	return out
}
