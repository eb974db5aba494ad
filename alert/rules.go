package alert

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/wiredesk/wiredesk"
)

// Filter chooses items the way a [[feed]] does: by source id or tag, by
// include and exclude patterns (wiredesk.PatternExpr), and by language.
// Empty fields let everything through.
type Filter struct {
	Sources   []string
	Tags      []string
	Include   []string
	Exclude   []string
	Languages []string
}

// Rule is one [[alert]] table.
type Rule struct {
	Name     string
	Channels []string
	Filter   Filter   // the rule's own sources, tags, include and exclude
	Feeds    []Filter // when set, an item must also pass one of these
	// Urgent keeps only flashes: a title starting with one of the
	// source's UrgentPrefixes, or one of its UrgentCategories.
	Urgent     bool
	MinWires   int           // wires the story needs; 0 or 1: the first item
	SourceDown bool          // a rule about failing or silent sources
	MaxAge     time.Duration // items dated older than this do not alert; 0: any
	// Quiet hours, as offsets from midnight in Timezone; equal: none.
	QuietStart, QuietEnd time.Duration
	Timezone             *time.Location
}

// compiledFilter is a Filter with its patterns compiled.
type compiledFilter struct {
	f                Filter
	include, exclude []*regexp.Regexp
}

func compileFilter(f Filter) (compiledFilter, error) {
	c := compiledFilter{f: f}
	var err error
	if c.include, err = compilePatterns(f.Include); err != nil {
		return c, fmt.Errorf("include: %w", err)
	}
	if c.exclude, err = compilePatterns(f.Exclude); err != nil {
		return c, fmt.Errorf("exclude: %w", err)
	}
	return c, nil
}

func compilePatterns(texts []string) ([]*regexp.Regexp, error) {
	var out []*regexp.Regexp
	for _, t := range texts {
		expr, err := wiredesk.PatternExpr(t)
		if err != nil {
			return nil, err
		}
		re, err := regexp.Compile(expr)
		if err != nil {
			return nil, fmt.Errorf("pattern %q: %w", t, err)
		}
		out = append(out, re)
	}
	return out, nil
}

// takesSource reports whether the filter chooses src.
func (c compiledFilter) takesSource(src wiredesk.Source) bool {
	if len(c.f.Sources) == 0 && len(c.f.Tags) == 0 {
		return true
	}
	if slices.Contains(c.f.Sources, src.ID) {
		return true
	}
	return slices.ContainsFunc(src.Tags, func(t string) bool { return slices.Contains(c.f.Tags, t) })
}

// takes reports whether the filter passes it (from source src).
func (c compiledFilter) takes(it wiredesk.Item, src wiredesk.Source) bool {
	if !c.takesSource(src) {
		return false
	}
	if len(c.f.Languages) > 0 && !slices.ContainsFunc(c.f.Languages, func(l string) bool { return strings.EqualFold(l, it.Language) }) {
		return false
	}
	if len(c.include) > 0 && !anyMatch(c.include, it) {
		return false
	}
	return !anyMatch(c.exclude, it)
}

// anyMatch reports whether one of res matches the item's title, summary
// or one of its categories, as a feed's rules match them.
func anyMatch(res []*regexp.Regexp, it wiredesk.Item) bool {
	for _, re := range res {
		if re.MatchString(it.Title) || re.MatchString(it.Summary) {
			return true
		}
		for _, c := range it.Categories {
			if re.MatchString(c) {
				return true
			}
		}
	}
	return false
}

// Urgent reports whether an item is a flash by its source's markers: its
// title starts with one of src.UrgentPrefixes or it carries one of
// src.UrgentCategories, ignoring case.
func Urgent(it wiredesk.Item, src wiredesk.Source) bool {
	title := strings.TrimSpace(it.Title)
	for _, p := range src.UrgentPrefixes {
		if p != "" && strings.HasPrefix(strings.ToUpper(title), strings.ToUpper(p)) {
			return true
		}
	}
	for _, c := range it.Categories {
		if slices.ContainsFunc(src.UrgentCategories, func(u string) bool { return strings.EqualFold(strings.TrimSpace(c), u) }) {
			return true
		}
	}
	return false
}

// quiet reports whether t falls in the rule's quiet hours.
func (r *Rule) quiet(t time.Time) bool {
	if r.QuietStart == r.QuietEnd {
		return false
	}
	loc := r.Timezone
	if loc == nil {
		loc = time.UTC
	}
	lt := t.In(loc)
	of := time.Duration(lt.Hour())*time.Hour + time.Duration(lt.Minute())*time.Minute + time.Duration(lt.Second())*time.Second
	if r.QuietStart < r.QuietEnd {
		return of >= r.QuietStart && of < r.QuietEnd
	}
	return of >= r.QuietStart || of < r.QuietEnd // across midnight
}
