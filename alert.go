package wiredesk

import "time"

// AlertKind says why an alert was queued.
type AlertKind string

// The kinds of alert.
const (
	AlertNew    AlertKind = "new"    // an item matched a rule; the first alert of its story
	AlertUpdate AlertKind = "update" // another wire joined a story already alerted
	AlertSource AlertKind = "source" // a source fails or went silent
	AlertTest   AlertKind = "test"   // `wiredesk alerts test RULE`
)

// Alert is one message for one channel, as it waits in the outbox of the
// database until the channel acknowledges it. Storage keeps it as the
// alert stage queued it and renders nothing: the text is made at delivery.
type Alert struct {
	// ID is the idempotency key of this delivery: the same alert keeps it
	// through retries and restarts, and the webhook channel sends it.
	ID string
	// Seq orders a channel's outbox; storage sets it at enqueue.
	Seq     uint64
	Kind    AlertKind
	Rule    string // [[alert]] name
	Channel string // [[channel]] name
	// Once, when set, makes the alert go out once per key (rule, channel
	// and story or source outage): storage queues it only when no alert
	// with this key was queued yet, or as an AlertUpdate when Wires has
	// grown since the last one.
	Once string

	StoryID  string
	SourceID string   // the item's source, or the failing source
	Wires    []string // source ids of the story's items, first report first
	Title    string   // headline, or the failing source's name
	Link     string
	Detail   string // the source's last error, or a sample's note
	// Published is the item's date, or when the source last succeeded.
	Published time.Time

	Queued      time.Time
	Attempts    int       // deliveries tried so far
	NextAttempt time.Time // zero: at once
	LastError   string    // why the last attempt failed
}

// StoryOnce is the Alert.Once key of a story's alerts for one rule and
// channel. Storage forgets a story's keys (StoryOncePrefix) when
// retention deletes the story.
func StoryOnce(storyID, rule, channel string) string {
	return StoryOncePrefix(storyID) + rule + "\x00" + channel
}

// StoryOncePrefix is the start of every StoryOnce key of a story.
func StoryOncePrefix(storyID string) string { return "story\x00" + storyID + "\x00" }
