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
