package wiredesk

import (
	"strings"
	"time"
)

// Story is one event as reported by one or more wires. Its ID is fixed when
// it is created and never changes; items join it but never leave it.
type Story struct {
	ID      string
	Created time.Time // first report (first-seen of its first item)
	Updated time.Time // bumped when a source joins
	// Items are the story's items in order of first report.
	Items []Item
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

// NaturalList joins names as people write them: "A", "A and B",
// "A, B and C". and is the conjunction ("and", "и"); empty means "and".
func NaturalList(names []string, and string) string {
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
	return strings.ReplaceAll(template, "{sources}", NaturalList(names, and))
}
