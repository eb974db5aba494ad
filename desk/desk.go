// Package desk is what editors do when the machine is unsure which story an
// item belongs to: show a story with the decisions that shaped it, list
// recent stories, merge two stories, split an item out of its story, ask
// why two items are or are not one story, list the pairs of stories the
// machine kept apart although it found them alike, and dismiss a pair
// that is two events (unsure.go).
//
// The operations are one interface, Editor, with two implementations that
// give the same answers: Service works on the database and the cluster
// index directly (`wiredesk story` when no daemon holds the file, and the
// daemon itself), and Client asks a running daemon through the admin
// endpoints that Handler serves. WriteStory, WriteList, WriteWhy and
// WriteUnsure format the answers for a terminal, so both paths print the same text.
//
// The decisions themselves are stored by package storage and bind the
// cluster index (package aggregator/cluster); desk reaches both through the
// small interfaces Store and Index, which internal/wiring satisfies.
//
// Besides decisions, Service.Mark sets an editor's marks on a story
// (spike, pin, headline; marks.go), Users manages the people who sign in
// to the desk and checks their passwords (users.go, password.go), and
// every decision, mark and user change is appended to the audit log
// (AuditLog). Package desk/web is the same operations in a browser;
// AccountRoutes and AccountsClient carry `wiredesk user` and `wiredesk
// audit` through a running daemon as Routes and Client carry `story`.
package desk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/wiredesk/wiredesk"
)

// Editor is what an editor can do with stories.
type Editor interface {
	// Show returns a story with its items and decisions. For a story an
	// editor merged away it returns the story that absorbed it, with
	// Requested set to the id asked for.
	Show(ctx context.Context, id string) (StoryView, error)
	// List returns recently updated stories, most recent first.
	List(ctx context.Context, q ListQuery) ([]StoryView, error)
	// Merge moves every item of story from into story into, which keeps
	// its id, and returns into.
	Merge(ctx context.Context, into, from, by string) (StoryView, error)
	// Split takes an item out of its story into a new story of its own,
	// which it returns.
	Split(ctx context.Context, itemID, by string) (StoryView, error)
	// Why compares two items as the cluster index does and says whether
	// they are, and would be, one story.
	Why(ctx context.Context, a, b string) (WhyView, error)
	// Unsure lists the pairs of stories the matcher kept apart although
	// it found them alike (unsure.go), most probable first.
	Unsure(ctx context.Context, q UnsureQuery) ([]UnsureView, error)
	// Dismiss records that stories a and b are two events: Unsure stops
	// listing the pair.
	Dismiss(ctx context.Context, a, b, by string) error
}

// ListQuery selects stories for List.
type ListQuery struct {
	Since time.Time // stories updated at or after it; zero: any
	Limit int       // at most this many; zero or less: DefaultListLimit
}

// DefaultListLimit is how many stories List returns when the query sets
// no limit.
const DefaultListLimit = 20

// Store is what the desk needs from storage. internal/wiring adapts
// *storage.DB to it.
type Store interface {
	Story(ctx context.Context, id string) (wiredesk.Story, error)
	// MergedInto returns the story that absorbed id, "" when none did.
	MergedInto(ctx context.Context, id string) (string, error)
	RecentStories(ctx context.Context, since time.Time, limit int) ([]wiredesk.Story, error)
	Item(ctx context.Context, id string) (wiredesk.Item, error)
	MergeStories(ctx context.Context, into, from, by string) (wiredesk.Story, error)
	SplitItem(ctx context.Context, itemID, by string) (wiredesk.Story, error)
}

// Index is what the desk needs from the cluster index: to follow the
// decisions, so that later items join the story an editor chose, and to
// explain a pair. internal/wiring adapts *cluster.Index to it.
type Index interface {
	MergeStories(into, from string)
	SplitItem(itemID, from, to string)
	// Explain compares a, as a new item, with b, as an indexed one.
	Explain(a, b wiredesk.Item) Evidence
	// Unsure returns the stories other than its own whose members dated
	// no later than it score at least floor against it, most probable
	// first.
	Unsure(it wiredesk.Item, floor float64) []Near
}

// Evidence is the index's answer for one pair of items.
type Evidence struct {
	Probability float64
	Threshold   float64 // what the pair needs to be one story
	// SameWireMargin is the part of Threshold the pair needs because both
	// items are of one wire; 0 for two wires.
	SameWireMargin float64
	Text           string // the features and shared words, for a terminal
	// Shared are the words both items have, rarest in the index first,
	// as the first item wrote them, then as the second did when it wrote
	// them otherwise: "Купянск / Kupyansk".
	Shared []string
	// OnlyA and OnlyB are the title words of the first item and of the
	// second that the other has nowhere, rarest first: where two reports
	// of one subject differ ("приговорил" against "задержан").
	OnlyA, OnlyB []string
}

// Service carries out the operations on a database and, when set, a
// cluster index. Its methods are safe for concurrent use when Store's and
// Index's are.
type Service struct {
	Store Store
	// Index follows merges and splits and explains pairs. Nil: merges and
	// splits change only the database (the next `serve` or `once` warms
	// its index from it) and Why fails.
	Index Index
	// Window is how far apart in time two items may be and still be
	// matched ([cluster] window); Why reports pairs beyond it.
	Window time.Duration
	// AfterChange, when set, is called after a decision is stored: the
	// daemon re-renders its feeds then.
	AfterChange func()
	// Audit, when set, records every merge and split with who, when and
	// the stories before and after.
	Audit AuditLog
	// Marks, when set, stores spikes, pins and headline overrides (Mark).
	Marks MarkStore
	// Dismissals, when set, stores the pairs of stories editors dismissed
	// (Dismiss) and leaves them out of Unsure.
	Dismissals DismissStore
	Now        func() time.Time // the audit entries' and marks' time; nil: time.Now
	Log        *slog.Logger     // nil: no log
}

var _ Editor = (*Service)(nil)

// Show returns the story id, or the story that absorbed it.
func (s *Service) Show(ctx context.Context, id string) (StoryView, error) {
	st, err := s.Store.Story(ctx, id)
	if errors.Is(err, wiredesk.ErrNotFound) {
		into, merr := s.Store.MergedInto(ctx, id)
		if merr != nil {
			return StoryView{}, merr
		}
		if into == "" {
			return StoryView{}, err
		}
		st, err = s.Store.Story(ctx, into)
		if err != nil {
			return StoryView{}, err
		}
		v := storyView(st)
		v.Requested = id
		return v, nil
	}
	if err != nil {
		return StoryView{}, err
	}
	return storyView(st), nil
}

// List returns the stories q selects.
func (s *Service) List(ctx context.Context, q ListQuery) ([]StoryView, error) {
	if q.Limit <= 0 {
		q.Limit = DefaultListLimit
	}
	stories, err := s.Store.RecentStories(ctx, q.Since, q.Limit)
	if err != nil {
		return nil, err
	}
	out := make([]StoryView, 0, len(stories))
	for _, st := range stories {
		out = append(out, storyView(st))
	}
	return out, nil
}

// Merge stores the merge, then moves the index along with it.
func (s *Service) Merge(ctx context.Context, into, from, by string) (StoryView, error) {
	before := s.describe(ctx, into) + "; " + s.describe(ctx, from)
	st, err := s.Store.MergeStories(ctx, into, from, by)
	if err != nil {
		return StoryView{}, err
	}
	if err := s.audit(ctx, by, "merge", from+" → "+into, before, describeStory(st)); err != nil {
		return StoryView{}, err
	}
	if s.Index != nil {
		s.Index.MergeStories(into, from)
	}
	s.log().Info("story merged", "story", into, "from", from, "by", by, "items", len(st.Items))
	s.changed()
	return storyView(st), nil
}

// Split stores the split, then moves the index along with it.
func (s *Service) Split(ctx context.Context, itemID, by string) (StoryView, error) {
	before := ""
	if it, err := s.Store.Item(ctx, itemID); err == nil {
		before = "in " + s.describe(ctx, it.StoryID)
	}
	st, err := s.Store.SplitItem(ctx, itemID, by)
	if err != nil {
		return StoryView{}, err
	}
	from := ""
	if n := len(st.Decisions); n > 0 {
		from = st.Decisions[n-1].From
	}
	if err := s.audit(ctx, by, "split", itemID, before, "in "+describeStory(st)+"; "+s.describe(ctx, from)); err != nil {
		return StoryView{}, err
	}
	if s.Index != nil {
		s.Index.SplitItem(itemID, from, st.ID)
	}
	s.log().Info("item split", "item", itemID, "from", from, "story", st.ID, "by", by)
	s.changed()
	return storyView(st), nil
}

// Why loads both items and their stories and explains the pair with the
// index. The later item plays the new one, as when it was stored.
func (s *Service) Why(ctx context.Context, a, b string) (WhyView, error) {
	if s.Index == nil {
		return WhyView{}, errors.New("why needs the cluster index")
	}
	ia, err := s.Store.Item(ctx, a)
	if err != nil {
		return WhyView{}, err
	}
	ib, err := s.Store.Item(ctx, b)
	if err != nil {
		return WhyView{}, err
	}
	newer, older := ia, ib
	if ib.Date().After(ia.Date()) {
		newer, older = ib, ia
	}
	ev := s.Index.Explain(newer, older)
	var decisions []wiredesk.StoryDecision
	for _, sid := range uniq(ia.StoryID, ib.StoryID) {
		st, err := s.Store.Story(ctx, sid)
		if err != nil {
			return WhyView{}, err
		}
		for _, d := range st.Decisions {
			if concerns(d, ia, ib) && !slices.ContainsFunc(decisions, func(x wiredesk.StoryDecision) bool { return sameDecision(x, d) }) {
				decisions = append(decisions, d)
			}
		}
	}
	slices.SortStableFunc(decisions, func(x, y wiredesk.StoryDecision) int { return x.At.Compare(y.At) })
	gap := ia.Date().Sub(ib.Date()).Abs()
	v := WhyView{
		A: itemView(ia), B: itemView(ib),
		Probability: ev.Probability, Threshold: ev.Threshold, SameWireMargin: ev.SameWireMargin, Evidence: ev.Text,
		Pair:      ev.Probability >= ev.Threshold && (s.Window <= 0 || gap <= s.Window),
		SameStory: ia.StoryID == ib.StoryID,
		Decisions: decisionViews(decisions),
	}
	v.Verdict = verdict(v, gap, s.Window, decisions)
	return v, nil
}

// concerns reports whether decision d bears on the pair a, b: a split
// that moved either, or a merge that moved one of them and not the other
// (so brought them into one story).
func concerns(d wiredesk.StoryDecision, a, b wiredesk.Item) bool {
	movedA, movedB := slices.Contains(d.Items, a.ID), slices.Contains(d.Items, b.ID)
	if d.Kind == wiredesk.DecisionMerge {
		return movedA != movedB
	}
	return movedA || movedB
}

func sameDecision(a, b wiredesk.StoryDecision) bool {
	return a.Kind == b.Kind && a.From == b.From && a.To == b.To && a.At.Equal(b.At)
}

// verdict sums a WhyView up in one line: how the pair scores, where the
// items are, and the editors' decisions that put them there, oldest first.
func verdict(v WhyView, gap, window time.Duration, decisions []wiredesk.StoryDecision) string {
	var machine string
	switch {
	case window > 0 && gap > window:
		machine = fmt.Sprintf("never compared: %s apart, beyond the %s window", roundDuration(gap), roundDuration(window))
	case v.Pair:
		machine = fmt.Sprintf("together as a pair (%.3f ≥ %.2f)", v.Probability, v.Threshold)
	default:
		machine = fmt.Sprintf("apart as a pair (%.3f < %.2f)", v.Probability, v.Threshold)
	}
	where := "now in one story, " + v.A.Story
	if !v.SameStory {
		where = "now in two stories, " + v.A.Story + " and " + v.B.Story
	}
	out := "machine: " + machine + "; " + where
	for _, d := range decisions {
		switch d.Kind {
		case wiredesk.DecisionSplit:
			out += fmt.Sprintf("; an editor (%s) split %s out of story %s on %s: it never rejoins that story", d.By, firstOr(d.Items, "an item"), d.From, formatTime(d.At))
		case wiredesk.DecisionMerge:
			out += fmt.Sprintf("; an editor (%s) merged story %s into %s on %s", d.By, d.From, d.To, formatTime(d.At))
		}
	}
	return out
}

// describe sums a stored story up for the audit log: "story ID (N items:
// source, source)", "(1 item: source)" for one; "" when nothing audits or it cannot be read.
func (s *Service) describe(ctx context.Context, id string) string {
	if s.Audit == nil || id == "" {
		return ""
	}
	st, err := s.Store.Story(ctx, id)
	if err != nil {
		return "story " + id + " (unreadable: " + err.Error() + ")"
	}
	return describeStory(st)
}

func describeStory(st wiredesk.Story) string {
	return fmt.Sprintf("story %s (%s: %s)", st.ID, wiredesk.Count(len(st.Items), "item"), strings.Join(st.SourceIDs(), ", "))
}

// audit appends one entry when an audit log is set. The decision is
// stored by then: a failure says so rather than hiding it.
func (s *Service) audit(ctx context.Context, by, action, target, before, after string) error {
	if s.Audit == nil {
		return nil
	}
	_, err := s.Audit.AppendAudit(ctx, wiredesk.AuditEntry{At: s.now(), User: by, Action: action, Target: target, Before: before, After: after})
	if err != nil {
		s.changed()
		return fmt.Errorf("%s %s done, but not audited: %w", action, target, err)
	}
	return nil
}

func (s *Service) changed() {
	if s.AfterChange != nil {
		s.AfterChange()
	}
}

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

func uniq(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func firstOr(ss []string, def string) string {
	if len(ss) > 0 {
		return ss[0]
	}
	return def
}

// roundDuration writes d in whole minutes, or hours when it has no
// minutes ("36h", "40h12m").
func roundDuration(d time.Duration) string {
	s := d.Round(time.Minute).String()
	if len(s) > 2 && s[len(s)-2:] == "0s" {
		s = s[:len(s)-2]
	}
	if len(s) > 3 && s[len(s)-3:] == "h0m" {
		s = s[:len(s)-2]
	}
	return s
}
