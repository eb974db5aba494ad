package alert

import (
	"fmt"
	"strconv"
	"time"

	"github.com/wiredesk/wiredesk"
)

// Engine chooses alerts. It is immutable once built and safe for
// concurrent use; a config reload builds a new one.
type Engine struct {
	rules   []compiledRule
	sources map[string]wiredesk.Source
	now     func() time.Time
}

type compiledRule struct {
	Rule
	filter compiledFilter
	feeds  []compiledFilter
}

// NewEngine compiles rules for the configured sources. now is the clock
// (nil: time.Now).
func NewEngine(rules []Rule, sources []wiredesk.Source, now func() time.Time) (*Engine, error) {
	if now == nil {
		now = time.Now
	}
	e := &Engine{sources: make(map[string]wiredesk.Source, len(sources)), now: now}
	for _, s := range sources {
		e.sources[s.ID] = s
	}
	for _, r := range rules {
		cr := compiledRule{Rule: r}
		var err error
		if cr.filter, err = compileFilter(r.Filter); err != nil {
			return nil, fmt.Errorf("alert %s: %w", r.Name, err)
		}
		for i, f := range r.Feeds {
			cf, err := compileFilter(f)
			if err != nil {
				return nil, fmt.Errorf("alert %s: feed %d: %w", r.Name, i+1, err)
			}
			cr.feeds = append(cr.feeds, cf)
		}
		e.rules = append(e.rules, cr)
	}
	return e, nil
}

// Rules returns the rules the engine was built with.
func (e *Engine) Rules() []Rule {
	out := make([]Rule, len(e.rules))
	for i, r := range e.rules {
		out[i] = r.Rule
	}
	return out
}

// HasItemRules reports whether some rule alerts on items (not only on
// sources); without one, the poller need not ask for items' alerts.
func (e *Engine) HasItemRules() bool {
	for _, r := range e.rules {
		if !r.SourceDown {
			return true
		}
	}
	return false
}

// HasSourceRules reports whether some rule alerts on failing or silent
// sources; without one, nobody needs to look for them.
func (e *Engine) HasSourceRules() bool {
	for _, r := range e.rules {
		if r.SourceDown {
			return true
		}
	}
	return false
}

// source returns the configured source id, or one that knows only its id
// (an item of a source removed from the config).
func (e *Engine) source(id string) wiredesk.Source {
	if s, ok := e.sources[id]; ok {
		return s
	}
	return wiredesk.Source{ID: id, Name: id}
}

// matches reports whether the rule takes the item by its content (not
// its age or the story's wires).
func (e *Engine) matches(r *compiledRule, it wiredesk.Item) bool {
	src := e.source(it.SourceID)
	if !r.filter.takes(it, src) {
		return false
	}
	if len(r.feeds) > 0 {
		ok := false
		for _, f := range r.feeds {
			if f.takes(it, src) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return !r.Urgent || Urgent(it, src)
}

// ItemAlerts returns the alerts for item it, stored for the first time in
// a story whose items (first report first, it included) are story. A rule
// alerts when some item of the story passes it, the story has at least
// MinWires wires, the new item is no older than MaxAge and it is not the
// rule's quiet hours. Each alert carries the Once key of its story, rule
// and channel: storage queues the first, turns a later one into an
// update when the story has more wires than at the last alert, and drops
// the rest. It is wiredesk.FetchResult.Alerts.
func (e *Engine) ItemAlerts(it wiredesk.Item, story []wiredesk.Item) []wiredesk.Alert {
	now := e.now()
	if len(story) == 0 {
		story = []wiredesk.Item{it}
	}
	wires := wiredesk.Story{Items: story}.SourceIDs()
	var out []wiredesk.Alert
	for i := range e.rules {
		r := &e.rules[i]
		if r.SourceDown || r.quiet(now) || len(wires) < max(r.MinWires, 1) {
			continue
		}
		if r.MaxAge > 0 && now.Sub(it.Date()) > r.MaxAge {
			continue
		}
		lead, ok := e.firstMatch(r, story)
		if !ok {
			continue
		}
		for _, ch := range r.Channels {
			once := wiredesk.StoryOnce(it.StoryID, r.Name, ch)
			a := wiredesk.Alert{
				ID:   r.Name + "/" + ch + "/story/" + it.StoryID + "/" + strconv.Itoa(len(wires)),
				Kind: wiredesk.AlertNew, Rule: r.Name, Channel: ch, Once: once,
				StoryID: it.StoryID, SourceID: it.SourceID, Wires: wires,
				Title: lead.Title, Link: lead.Link, Published: lead.Date(),
			}
			if it.ID != lead.ID {
				// The new item only joins: it is what a follow-up names.
				a.Detail = it.Title
			}
			out = append(out, a)
		}
	}
	return out
}

// firstMatch returns the story's first item the rule takes.
func (e *Engine) firstMatch(r *compiledRule, story []wiredesk.Item) (wiredesk.Item, bool) {
	for _, s := range story {
		if e.matches(r, s) {
			return s, true
		}
	}
	return wiredesk.Item{}, false
}

// Problem is a source that /status shows as failing or silent.
type Problem struct {
	Source wiredesk.Source
	// Silent is set when the source has gone silent; otherwise it fails.
	Silent bool
	// Since is when the outage began: the last success of a failing
	// source, the last new item of a silent one. It names the outage, so
	// one outage alerts once.
	Since     time.Time
	LastError string // redacted, one line
}

// SourceAlerts returns the alerts of the source_down rules for problems,
// one per outage, rule and channel (the Once key holds Since).
func (e *Engine) SourceAlerts(problems []Problem) []wiredesk.Alert {
	now := e.now()
	var out []wiredesk.Alert
	for i := range e.rules {
		r := &e.rules[i]
		if !r.SourceDown || r.quiet(now) {
			continue
		}
		for _, p := range problems {
			if !r.filter.takesSource(p.Source) {
				continue
			}
			what := "failing"
			if p.Silent {
				what = "silent"
			}
			since := strconv.FormatInt(p.Since.Unix(), 10)
			for _, ch := range r.Channels {
				out = append(out, wiredesk.Alert{
					ID:   r.Name + "/" + ch + "/source/" + p.Source.ID + "/" + what + "/" + since,
					Kind: wiredesk.AlertSource, Rule: r.Name, Channel: ch,
					Once:     "source\x00" + p.Source.ID + "\x00" + what + "\x00" + since + "\x00" + r.Name + "\x00" + ch,
					SourceID: p.Source.ID, Wires: []string{p.Source.ID},
					Title: what, Detail: p.LastError, Published: p.Since,
				})
			}
		}
	}
	return out
}

// Sample returns a test alert of rule name for each of its channels, for
// `wiredesk alerts test`; ok is false when there is no such rule.
func (e *Engine) Sample(name string) (alerts []wiredesk.Alert, ok bool) {
	now := e.now()
	for i := range e.rules {
		r := &e.rules[i]
		if r.Name != name {
			continue
		}
		for _, ch := range r.Channels {
			alerts = append(alerts, wiredesk.Alert{
				ID:   r.Name + "/" + ch + "/test/" + strconv.FormatInt(now.UnixNano(), 10),
				Kind: wiredesk.AlertTest, Rule: r.Name, Channel: ch,
				Title:     "МОЛНИЯ Тестовое оповещение wiredesk / wiredesk test alert",
				Detail:    "This is a sample sent by `wiredesk alerts test " + r.Name + "`.",
				Link:      "https://example.org/wiredesk-test",
				Published: now, Queued: now,
			})
		}
		return alerts, true
	}
	return nil, false
}
