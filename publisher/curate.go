package publisher

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/wiredesk/wiredesk"
)

// Decision is the curation verdict on one story for one feed. Preview shows
// every Decision; rendering uses the picked ones.
type Decision struct {
	// Story is the story judged. For a feed with Cluster = false it is a
	// one-item story built around a single item (see Curate).
	Story wiredesk.Story
	// Eligible[i] reports whether Story.Items[i] passed every rule.
	Eligible []bool
	// Picked is true when the story is published in the live feed.
	Picked bool
	// Reason says why a story that is not picked was dropped, e.g.
	// "excluded by 'sport'", "source tass not in feed", "beyond limit 50".
	// Empty for a picked story.
	Reason string
	// ItemReasons[i] says why Story.Items[i] was dropped; empty for an
	// eligible item.
	ItemReasons []string
}

// Matched reports whether at least one of the story's items passed every
// rule. A matched story that is not picked was cut by the feed's limit; it
// may still appear on an RFC 5005 archive page.
func (d Decision) Matched() bool { return slices.Contains(d.Eligible, true) }

// Rules are a feed's curation rules, compiled once. A Rules is immutable and
// safe for concurrent use.
type Rules struct {
	spec      wiredesk.Feed
	sources   map[string]bool
	tags      map[string]bool
	languages []string // lower case
	include   []pattern
	exclude   []pattern
}

// pattern is one include/exclude rule: the text as the config wrote it and
// the case-insensitive expression it compiles to.
type pattern struct {
	text string
	re   *regexp.Regexp
}

// Compile checks and compiles a feed's include and exclude patterns. A
// pattern is one of:
//
//   - a plain word or phrase ("Nazarbaev", "Central Asia"): matches whole
//     words only, in any script, case-insensitively; "Nazarbaev" does not
//     match "Nazarbaeva";
//   - a word with * wildcards ("Kazakh*"): * stands for any run of word
//     characters, so "Kazakh*" matches "Kazakhstan" and "Kazakhs";
//   - /regex/ (RE2 syntax), matched case-insensitively anywhere in the text.
//
// Patterns are matched against an item's title, summary and each category
// separately.
func Compile(spec wiredesk.Feed) (*Rules, error) {
	r := &Rules{spec: spec}
	if len(spec.Sources) > 0 {
		r.sources = make(map[string]bool, len(spec.Sources))
		for _, id := range spec.Sources {
			r.sources[id] = true
		}
	}
	if len(spec.Tags) > 0 {
		r.tags = make(map[string]bool, len(spec.Tags))
		for _, t := range spec.Tags {
			r.tags[strings.ToLower(t)] = true
		}
	}
	for _, l := range spec.Languages {
		r.languages = append(r.languages, strings.ToLower(l))
	}
	var err error
	if r.include, err = compilePatterns(spec.Include); err != nil {
		return nil, fmt.Errorf("feed %s: include: %w", spec.Slug, err)
	}
	if r.exclude, err = compilePatterns(spec.Exclude); err != nil {
		return nil, fmt.Errorf("feed %s: exclude: %w", spec.Slug, err)
	}
	return r, nil
}

func compilePatterns(texts []string) ([]pattern, error) {
	var ps []pattern
	for _, t := range texts {
		expr, err := patternExpr(t)
		if err != nil {
			return nil, err
		}
		re, err := regexp.Compile(expr)
		if err != nil {
			return nil, fmt.Errorf("pattern %q: %w", t, err)
		}
		ps = append(ps, pattern{text: t, re: re})
	}
	return ps, nil
}

// patternExpr turns one pattern into an RE2 expression; the syntax is
// shared with [[alert]] rules (wiredesk.PatternExpr).
func patternExpr(text string) (string, error) { return wiredesk.PatternExpr(text) }

// match returns the first pattern of ps that matches the item's title,
// summary or one of its categories.
func match(ps []pattern, it wiredesk.Item) (pattern, bool) {
	for _, p := range ps {
		if p.re.MatchString(it.Title) || p.re.MatchString(it.Summary) {
			return p, true
		}
		for _, c := range it.Categories {
			if p.re.MatchString(c) {
				return p, true
			}
		}
	}
	return pattern{}, false
}

// itemReason returns why it is left out of the feed, or "" when it passes
// every rule. The rules are checked in the order source, language, age,
// exclude, include, so an item that matches both an include and an exclude
// pattern is excluded.
func (r *Rules) itemReason(it wiredesk.Item, sources map[string]wiredesk.Source, now time.Time) string {
	src, known := sources[it.SourceID]
	if !known {
		src.ID = it.SourceID
	}
	switch {
	case r.sources == nil && r.tags == nil:
		if sources != nil && !known {
			return fmt.Sprintf("source %s not configured", it.SourceID)
		}
	case !r.selects(src):
		return fmt.Sprintf("source %s not in feed", it.SourceID)
	}
	if len(r.languages) > 0 {
		lang := it.Language
		if lang == "" {
			lang = src.Language
		}
		if !r.languageOK(lang) {
			if lang == "" {
				lang = "unknown"
			}
			return fmt.Sprintf("language %s not in %v", lang, r.spec.Languages)
		}
	}
	if r.spec.MaxAge > 0 && it.Date().Before(now.Add(-r.spec.MaxAge)) {
		return "older than max_age " + wiredesk.FormatDuration(r.spec.MaxAge)
	}
	if p, ok := match(r.exclude, it); ok {
		return fmt.Sprintf("excluded by '%s'", p.text)
	}
	if len(r.include) > 0 {
		if _, ok := match(r.include, it); !ok {
			return "no include pattern matched"
		}
	}
	return ""
}

// selects reports whether the feed takes items from src: it is listed in
// the feed's sources or carries one of its tags, or the feed names neither.
func (r *Rules) selects(src wiredesk.Source) bool {
	if r.sources == nil && r.tags == nil {
		return true
	}
	return r.sources[src.ID] || r.hasTag(src.Tags)
}

func (r *Rules) hasTag(tags []string) bool {
	for _, t := range tags {
		if r.tags[strings.ToLower(t)] {
			return true
		}
	}
	return false
}

// languageOK reports whether lang is one of the feed's languages; "ru-RU"
// counts as "ru".
func (r *Rules) languageOK(lang string) bool {
	lang = strings.ToLower(lang)
	for _, l := range r.languages {
		if lang == l || strings.HasPrefix(lang, l+"-") {
			return true
		}
	}
	return false
}

// Curate applies spec to stories and returns one Decision per story: the
// picked stories first, newest first (a story an editor pinned to this
// feed first while its pin lasts), then the dropped ones (those cut by
// the limit first, newest first). sources maps source ids to their
// configuration, for tags and languages; with a nil map every source id is
// taken as configured. now is the reference for max_age.
//
// A story is in the feed when any of its items passes every rule. A feed
// with Cluster = false judges each item on its own: each becomes a one-item
// Decision whose Story.ID is the item's id.
//
// When the feed's patterns do not compile, every story is dropped with the
// compile error as its reason.
func Curate(spec wiredesk.Feed, stories []wiredesk.Story, sources map[string]wiredesk.Source, now time.Time) []Decision {
	r, err := Compile(spec)
	if err != nil {
		ds := make([]Decision, 0, len(stories))
		for _, st := range stories {
			ds = append(ds, Decision{Story: st, Eligible: make([]bool, len(st.Items)),
				Reason: "invalid rules: " + err.Error(), ItemReasons: repeat(err.Error(), len(st.Items))})
		}
		return ds
	}
	return r.Curate(stories, sources, now)
}

// Curate is Curate with rules compiled beforehand. An editor's marks on a
// story (wiredesk.StoryMarks) override the rules: a story spiked from this
// feed is dropped with the reason "spiked by NAME".
func (r *Rules) Curate(stories []wiredesk.Story, sources map[string]wiredesk.Source, now time.Time) []Decision {
	if !r.spec.Cluster {
		stories = splitStories(stories)
	}
	ds := make([]Decision, 0, len(stories))
	for _, st := range stories {
		d := Decision{Story: st, Eligible: make([]bool, len(st.Items)), ItemReasons: make([]string, len(st.Items))}
		for i, it := range st.Items {
			d.ItemReasons[i] = r.itemReason(it, sources, now)
			d.Eligible[i] = d.ItemReasons[i] == ""
		}
		if st.Marks.SpikedFrom(r.spec.Slug) {
			// An editor's spike overrides every rule: the story is out of
			// the live feed and its archive pages.
			why := "spiked by " + cmp.Or(st.Marks.By, "an editor")
			for i := range st.Items {
				d.Eligible[i], d.ItemReasons[i] = false, why
			}
		}
		if len(st.Items) == 0 {
			d.Reason = "story has no items"
		} else if !d.Matched() {
			d.Reason = storyReason(d.ItemReasons)
		}
		ds = append(ds, d)
	}
	slices.SortStableFunc(ds, func(a, b Decision) int {
		if a.Matched() != b.Matched() {
			if a.Matched() {
				return -1
			}
			return 1
		}
		// A story an editor pinned comes first while the pin lasts.
		if pa, pb := a.Story.Marks.PinnedIn(r.spec.Slug, now), b.Story.Marks.PinnedIn(r.spec.Slug, now); pa != pb {
			if pa {
				return -1
			}
			return 1
		}
		if c := storyDate(b.Story).Compare(storyDate(a.Story)); c != 0 {
			return c
		}
		return cmp.Compare(a.Story.ID, b.Story.ID)
	})
	r.pick(ds)
	return ds
}

// pick marks the matched decisions of ds (sorted, matched first, newest
// first) that make the live feed: at most Limit, and at most MaxPerSource
// led by one source, so that a wire that floods cannot push the others'
// stories out. A story counts for the source of its first eligible item.
func (r *Rules) pick(ds []Decision) {
	n := 0
	perSource := map[string]int{}
	for i := range ds {
		if !ds[i].Matched() {
			break
		}
		if r.spec.Limit > 0 && n >= r.spec.Limit {
			ds[i].Reason = fmt.Sprintf("beyond limit %d", r.spec.Limit)
			continue
		}
		lead := leadSource(ds[i])
		if r.spec.MaxPerSource > 0 && perSource[lead] >= r.spec.MaxPerSource {
			ds[i].Reason = fmt.Sprintf("beyond max_per_source %d for %s", r.spec.MaxPerSource, lead)
			continue
		}
		ds[i].Picked = true
		perSource[lead]++
		n++
	}
}

// leadSource is the source a matched story counts for: that of its first
// eligible item.
func leadSource(d Decision) string {
	for i, ok := range d.Eligible {
		if ok {
			return d.Story.Items[i].SourceID
		}
	}
	return ""
}

// splitStories turns each item into a story of its own, for feeds that
// publish items one by one. Each such story takes its item's id, as the
// published entry does (ItemEntryID): an item has one id for its life,
// whatever other wires later join its story.
func splitStories(stories []wiredesk.Story) []wiredesk.Story {
	var out []wiredesk.Story
	for _, st := range stories {
		for _, it := range st.Items {
			out = append(out, wiredesk.Story{ID: it.ID, Created: it.FirstSeen, Updated: it.Modified, Items: []wiredesk.Item{it}, Marks: st.Marks})
		}
	}
	return out
}

// storyDate is the date a story is ordered by: its lead item's date, else
// its creation time.
func storyDate(st wiredesk.Story) time.Time {
	if len(st.Items) > 0 {
		if d := st.Items[0].Date(); !d.IsZero() {
			return d
		}
	}
	return st.Created
}

// storyReason summarises the reasons of a story none of whose items passed:
// the common reason when they agree, else the distinct reasons joined.
func storyReason(reasons []string) string {
	var distinct []string
	for _, r := range reasons {
		if !slices.Contains(distinct, r) {
			distinct = append(distinct, r)
		}
	}
	return strings.Join(distinct, "; ")
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}
