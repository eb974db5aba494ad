package desk

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/wiredesk/wiredesk"
)

// MarkStore is what the desk needs from storage to mark stories.
// *storage.DB satisfies it.
type MarkStore interface {
	// MarkStory applies change to the story's marks in one transaction
	// and returns them before and after; an unknown story matches
	// wiredesk.ErrNotFound.
	MarkStory(ctx context.Context, id string, change func(*wiredesk.StoryMarks)) (before, after wiredesk.StoryMarks, err error)
}

// MarkAction names a change to a story's marks.
type MarkAction string

// The mark actions.
const (
	MarkSpike    MarkAction = "spike"    // hide from Feed, or every feed when Feed is ""
	MarkUnspike  MarkAction = "unspike"  // undo a spike from Feed, or every spike when Feed is ""
	MarkPin      MarkAction = "pin"      // top of Feed until Until
	MarkUnpin    MarkAction = "unpin"    // from Feed, or every feed when Feed is ""
	MarkHeadline MarkAction = "headline" // publish under Headline; "" restores the wire's
)

// MarkChange is one change to a story's marks.
type MarkChange struct {
	Action   MarkAction
	Feed     string    // a feed slug; see the actions
	Until    time.Time // for MarkPin
	Headline string    // for MarkHeadline
}

// maxHeadlineRunes bounds an editor's headline, as [poll] max_title bounds
// a wire's.
const maxHeadlineRunes = 300

// Mark applies ch to story id as decided by by, audits it and re-renders
// the feeds. It needs Service.Marks.
func (s *Service) Mark(ctx context.Context, id string, ch MarkChange, by string) (wiredesk.StoryMarks, error) {
	if s.Marks == nil {
		return wiredesk.StoryMarks{}, errors.New("marking stories needs the story marks store")
	}
	apply, err := markChange(ch, s.now())
	if err != nil {
		return wiredesk.StoryMarks{}, fmt.Errorf("%w: %w", err, wiredesk.ErrRefused)
	}
	at := s.now()
	before, after, err := s.Marks.MarkStory(ctx, id, func(m *wiredesk.StoryMarks) {
		apply(m)
		m.By, m.At = by, at
	})
	if err != nil {
		return wiredesk.StoryMarks{}, err
	}
	target := id
	if ch.Feed != "" {
		target += " in " + ch.Feed
	}
	s.log().Info("story marked", "story", id, "action", string(ch.Action), "feed", ch.Feed, "by", by)
	if err := s.audit(ctx, by, string(ch.Action), target, DescribeMarks(before), DescribeMarks(after)); err != nil {
		return after, err
	}
	s.changed()
	return after, nil
}

// markChange checks ch and returns the edit it makes.
func markChange(ch MarkChange, now time.Time) (func(*wiredesk.StoryMarks), error) {
	switch ch.Action {
	case MarkSpike:
		return func(m *wiredesk.StoryMarks) {
			if ch.Feed == "" {
				m.SpikedAll = true
			} else if !slices.Contains(m.Spiked, ch.Feed) {
				m.Spiked = append(m.Spiked, ch.Feed)
			}
		}, nil
	case MarkUnspike:
		return func(m *wiredesk.StoryMarks) {
			if ch.Feed == "" {
				m.SpikedAll, m.Spiked = false, nil
				return
			}
			m.Spiked = slices.DeleteFunc(m.Spiked, func(f string) bool { return f == ch.Feed })
		}, nil
	case MarkPin:
		if ch.Feed == "" {
			return nil, errors.New("pin needs a feed")
		}
		if !ch.Until.After(now) {
			return nil, errors.New("pin needs a time in the future")
		}
		return func(m *wiredesk.StoryMarks) {
			if m.Pins == nil {
				m.Pins = map[string]time.Time{}
			}
			m.Pins[ch.Feed] = ch.Until.UTC()
		}, nil
	case MarkUnpin:
		return func(m *wiredesk.StoryMarks) {
			if ch.Feed == "" {
				m.Pins = nil
				return
			}
			delete(m.Pins, ch.Feed)
			if len(m.Pins) == 0 {
				m.Pins = nil
			}
		}, nil
	case MarkHeadline:
		h := strings.Join(strings.Fields(ch.Headline), " ")
		if n := len([]rune(h)); n > maxHeadlineRunes {
			return nil, fmt.Errorf("headline of %d characters; at most %d", n, maxHeadlineRunes)
		}
		// Wire headlines lose their control characters when stored
		// (aggregator/normalize); an editor's must not bring any, which
		// `wiredesk audit` and `story show` would print to a terminal.
		if strings.ContainsFunc(h, unicode.IsControl) {
			return nil, errors.New("headline has a control character")
		}
		return func(m *wiredesk.StoryMarks) { m.Headline = h }, nil
	}
	return nil, fmt.Errorf("unknown mark action %q", ch.Action)
}

// DescribeMarks writes marks in one line for the audit log and the board:
// "spiked from all feeds; pinned in a until 2026-…; headline "…"", or
// "no marks".
func DescribeMarks(m wiredesk.StoryMarks) string {
	var parts []string
	if m.SpikedAll {
		parts = append(parts, "spiked from all feeds")
	}
	if len(m.Spiked) > 0 {
		parts = append(parts, "spiked from "+strings.Join(m.Spiked, ", "))
	}
	feeds := make([]string, 0, len(m.Pins))
	for f := range m.Pins {
		feeds = append(feeds, f)
	}
	slices.Sort(feeds)
	for _, f := range feeds {
		parts = append(parts, "pinned in "+f+" until "+m.Pins[f].UTC().Format(time.RFC3339))
	}
	if m.Headline != "" {
		parts = append(parts, fmt.Sprintf("headline %q", m.Headline))
	}
	if len(parts) == 0 {
		return "no marks"
	}
	return strings.Join(parts, "; ")
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}
