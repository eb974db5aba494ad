package wiredesk

import "time"

// DecisionKind names what an editor decided about a story.
type DecisionKind string

// The decisions an editor can take (see `wiredesk story`).
const (
	// DecisionMerge moved every item of one story (From) into another (To),
	// which kept its id; From no longer exists.
	DecisionMerge DecisionKind = "merge"
	// DecisionSplit took one item out of its story (From) into a story of
	// its own (To); the item never rejoins From.
	DecisionSplit DecisionKind = "split"
)

// StoryDecision is an editor's decision that shaped a story. It overrides
// the machine: a story's items are those the clustering gave it, plus
// those merged in, minus those split out. Every story the decision
// touched lists it: a merge is listed by the story that kept its id, a
// split by the story the item left and by the story it started.
type StoryDecision struct {
	Kind DecisionKind
	// From is the story the items came from: the story merged away, or the
	// story a split item left.
	From string
	// To is the story they went to: the story that absorbed From, or the
	// split item's new story.
	To string
	// Items are the ids of the items that moved.
	Items []string
	At    time.Time // when it was decided
	By    string    // who decided: an OS user name or the name given with -by
}
