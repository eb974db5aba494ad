package wiredesk

import (
	"sort"
	"strings"
	"time"
)

// Story is one event as reported by one or more wires. Its ID is fixed when
// it is created and never changes. Items join it and never leave it, except
// by an editor's decision (see StoryDecision): a split takes an item out,
// a merge moves every item of another story in.
type Story struct {
	ID      string
	Created time.Time // first report (first-seen of its first item)
	Updated time.Time // bumped when a source joins or an editor changes the story
	// Items are the story's items in order of first report (see
	// SortByFirstReport).
	Items []Item
	// Decisions are the editors' decisions that shaped the story, oldest
	// first; nil when the machine alone made it.
	Decisions []StoryDecision
	// Marks are the editors' spikes, pins and headline override.
	Marks StoryMarks
}

// SortByFirstReport orders items by first report: the wire's own
// publication time (Item.Date), then the time wiredesk first saw them, then
// id, so the order is the same however the polls of two wires interleaved.
func SortByFirstReport(items []Item) {
	sort.SliceStable(items, func(i, j int) bool {
		a, b := items[i], items[j]
		if c := a.Date().Compare(b.Date()); c != 0 {
			return c < 0
		}
		if c := a.FirstSeen.Compare(b.FirstSeen); c != 0 {
			return c < 0
		}
		return a.ID < b.ID
	})
}

// SourceIDs returns the distinct sources of the story in order of first
// report.
func (s Story) SourceIDs() []string {
	var ids []string
	seen := map[string]bool{}
	for _, it := range s.Items {
		if !seen[it.SourceID] {
			seen[it.SourceID] = true
			ids = append(ids, it.SourceID)
		}
	}
	return ids
}

// naturalList joins names as people write them: "A", "A and B",
// "A, B and C". and is the conjunction ("and", "и"); empty means "and".
func naturalList(names []string, and string) string {
	if and == "" {
		and = "and"
	}
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " " + and + " " + names[len(names)-1]
}

// DefaultAttribution is the attribution template used when a feed sets none.
const DefaultAttribution = "With reporting by {sources}"

// Credit fills an attribution template: "{sources}" becomes the natural list
// of names. An empty template means DefaultAttribution.
func Credit(template string, names []string, and string) string {
	if template == "" {
		template = DefaultAttribution
	}
	return strings.ReplaceAll(template, "{sources}", naturalList(names, and))
}

// StoryMarks are editors' marks that change how feeds publish a story
// without changing its items: hidden (spiked) from some feeds or all,
// pinned to the top of a feed for a time, or published under another
// headline. The zero value marks nothing.
type StoryMarks struct {
	// SpikedAll hides the story from every feed.
	SpikedAll bool `json:"spiked_all,omitempty"`
	// Spiked lists the slugs of the feeds the story is hidden from.
	Spiked []string `json:"spiked,omitempty"`
	// Pins maps a feed slug to the time until which the story is at the
	// top of that feed.
	Pins map[string]time.Time `json:"pins,omitempty"`
	// Headline replaces the lead item's title in every feed; "" keeps it.
	Headline string `json:"headline,omitempty"`
	// By and At are who set the marks last and when.
	By string    `json:"by,omitempty"`
	At time.Time `json:"at,omitzero"`
}

// IsZero reports whether m marks nothing.
func (m StoryMarks) IsZero() bool {
	return !m.SpikedAll && len(m.Spiked) == 0 && len(m.Pins) == 0 && m.Headline == ""
}

// SpikedFrom reports whether the story is hidden from the feed slug.
func (m StoryMarks) SpikedFrom(slug string) bool {
	if m.SpikedAll {
		return true
	}
	for _, s := range m.Spiked {
		if s == slug {
			return true
		}
	}
	return false
}

// PinnedIn reports whether the story is pinned to the top of the feed
// slug at now.
func (m StoryMarks) PinnedIn(slug string, now time.Time) bool {
	until, ok := m.Pins[slug]
	return ok && now.Before(until)
}
