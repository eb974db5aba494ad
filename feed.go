package wiredesk

import "time"

// Feed is a curated feed definition from a [[feed]] table.
type Feed struct {
	Slug        string // URL key, [a-z0-9-]
	Title       string
	Description string
	Language    string   // channel language; empty: the first source's language
	Sources     []string // source ids; empty with empty Tags means every source
	Tags        []string // select sources carrying any of these tags
	Include     []string // patterns: word, wild*card, /regex/
	Exclude     []string
	Languages   []string      // only items in these languages; empty: any
	MaxAge      time.Duration // only items newer than this; zero: no limit
	Limit       int           // at most this many entries
	// MaxPerSource is the most live entries led by one source, so that one
	// flooding wire cannot push the others out; zero means no cap.
	MaxPerSource int
	// Attribution is the credit template; "{sources}" is replaced with the
	// natural list of source names.
	Attribution    string
	AttributionAnd string // list conjunction, e.g. "и"
	// Also labels the links to the other wires' versions of a story
	// ("Также:"); empty means "Also:".
	Also string
	// Cluster publishes one entry per story (true, the default) or one per
	// item (false).
	Cluster bool
}

// FetchResult is one poll of one source, saved by storage in a single write
// transaction.
type FetchResult struct {
	State SourceState
	Items []Item
	// Assign, when set, is called inside the write transaction for each item
	// that is not stored yet. It returns the id of the story the item joins
	// (created under that id when it is not stored yet), or "" to start a
	// new story whose id is the item's ID.
	Assign func(it Item) string
	// Alerts, when set, is called inside the write transaction for each
	// item stored for the first time, once its story is known: story holds
	// the story's items, first report first, the item itself included. The
	// alerts it returns are queued in the same transaction (Alert.Once
	// says when they are not), so an item is never stored without its
	// alerts.
	Alerts func(it Item, story []Item) []Alert
}

// SaveStats reports what SaveFetch changed.
type SaveStats struct {
	New       int
	Updated   int
	Unchanged int
	// NewItems are the items stored for the first time, with ID, FirstSeen
	// and StoryID set.
	NewItems []Item
}
