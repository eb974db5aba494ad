package desk

import (
	"slices"
	"time"

	"github.com/wiredesk/wiredesk"
)

// The views are the answers of an Editor, with the JSON shape the admin
// endpoints send: what an editor needs to judge a story, not every stored
// field (no item text).

// StoryView is a story as an editor sees it.
type StoryView struct {
	ID      string    `json:"id"`
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
	// Items in order of first report.
	Items     []ItemView     `json:"items"`
	Decisions []DecisionView `json:"decisions,omitempty"`
	// Marks are the editors' spikes, pins and headline override.
	Marks wiredesk.StoryMarks `json:"marks,omitzero"`
	// Requested is the id Show was asked for when an editor had merged
	// that story into this one; empty otherwise.
	Requested string `json:"requested,omitempty"`
}

// Item returns the story's member id; ok is false when the story lacks it.
func (v StoryView) Item(id string) (it ItemView, ok bool) {
	i := slices.IndexFunc(v.Items, func(it ItemView) bool { return it.ID == id })
	if i < 0 {
		return ItemView{}, false
	}
	return v.Items[i], true
}

// Sources returns the story's distinct source ids in order of first report.
func (v StoryView) Sources() []string {
	var ids []string
	seen := map[string]bool{}
	for _, it := range v.Items {
		if !seen[it.Source] {
			seen[it.Source] = true
			ids = append(ids, it.Source)
		}
	}
	return ids
}

// ItemView is one item of a story.
type ItemView struct {
	ID       string `json:"id"`
	Source   string `json:"source"`
	Language string `json:"language,omitempty"`
	// Date is the wire's publication time, else the time wiredesk first
	// saw the item (wiredesk.Item.Date).
	Date  time.Time `json:"date"`
	Title string    `json:"title"`
	Link  string    `json:"link,omitempty"`
	Story string    `json:"story"`
}

// DecisionView is an editor's decision (wiredesk.StoryDecision).
type DecisionView struct {
	Kind  string    `json:"kind"`
	From  string    `json:"from"`
	To    string    `json:"to"`
	Items []string  `json:"items"`
	At    time.Time `json:"at"`
	By    string    `json:"by"`
}

// WhyView is how two items compare.
type WhyView struct {
	A           ItemView `json:"a"`
	B           ItemView `json:"b"`
	Probability float64  `json:"probability"`
	Threshold   float64  `json:"threshold"`
	// SameWireMargin is the part of Threshold the pair needs because both
	// items are of one wire; 0 (left out) for two wires.
	SameWireMargin float64 `json:"same_wire_margin,omitempty"`
	// Evidence is the cluster index's explanation: features, weights and
	// the words the items share.
	Evidence string `json:"evidence"`
	// Pair is true when the pair alone is enough to put the items in one
	// story: probability at least the threshold, within the window. Which
	// story a new item joins also weighs the other members of each
	// candidate story.
	Pair      bool           `json:"pair"`
	SameStory bool           `json:"same_story"`
	Decisions []DecisionView `json:"decisions,omitempty"`
	Verdict   string         `json:"verdict"`
}

func storyView(s wiredesk.Story) StoryView {
	v := StoryView{ID: s.ID, Created: s.Created.UTC(), Updated: s.Updated.UTC(),
		Items: make([]ItemView, 0, len(s.Items)), Decisions: decisionViews(s.Decisions), Marks: s.Marks}
	for _, it := range s.Items {
		v.Items = append(v.Items, itemView(it))
	}
	return v
}

func itemView(it wiredesk.Item) ItemView {
	return ItemView{ID: it.ID, Source: it.SourceID, Language: it.Language, Date: it.Date().UTC(),
		Title: it.Title, Link: it.Link, Story: it.StoryID}
}

func decisionViews(ds []wiredesk.StoryDecision) []DecisionView {
	var out []DecisionView
	for _, d := range ds {
		out = append(out, DecisionView{Kind: string(d.Kind), From: d.From, To: d.To, Items: d.Items, At: d.At.UTC(), By: d.By})
	}
	return out
}
