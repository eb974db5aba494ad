package desk

import (
	"context"
	"errors"
	"time"
)

// This file lists the pairs of stories the matcher kept apart although it
// found them alike — where one event most often ends up as two stories —
// and lets an editor dismiss a pair that is two events.

// UnsureQuery selects pairs for Unsure.
type UnsureQuery struct {
	// Since: pairs with an item dated at or after it; zero: DefaultUnsureSince
	// before now.
	Since time.Time
	// Floor is the lowest probability listed; zero: DefaultUnsureFloor.
	Floor float64
	// Limit: at most this many pairs; zero or less: DefaultListLimit.
	Limit int
}

// DefaultUnsureSince is how far back Unsure looks when the query sets no
// Since.
const DefaultUnsureSince = 24 * time.Hour

// DefaultUnsureFloor is the lowest probability Unsure lists when the query
// sets no floor. On the real wire days of aggregator/cluster/testdata it
// lists about a dozen pairs a day, more than half of them one event.
const DefaultUnsureFloor = 0.5

// UnsureView is a pair of stories the matcher kept apart although an item
// of one scored at least the floor against an item of the other.
type UnsureView struct {
	// Story holds the later item of the pair, Other the earlier.
	Story StoryView `json:"story"`
	Other StoryView `json:"other"`
	// Item and OtherItem are the ids of the best-scoring pair: Item in
	// Story, OtherItem in Other.
	Item        string  `json:"item"`
	OtherItem   string  `json:"other_item"`
	Probability float64 `json:"probability"`
	// Threshold is what the pair needed to be one story.
	Threshold float64 `json:"threshold"`
}

// A Near is a story an item is not in whose members resemble it
// (cluster.Near): the best probability of one of them against the item.
type Near struct {
	Story       string
	Probability float64
}

var errUnsureTODO = errors.New("unsure: not implemented yet")

// Unsure lists the pairs of stories the matcher kept apart although it
// found them alike, most probable first, leaving out pairs an editor
// dismissed.
func (s *Service) Unsure(ctx context.Context, q UnsureQuery) ([]UnsureView, error) {
	return nil, errUnsureTODO
}

// Dismiss records that stories a and b are two events, so that Unsure
// stops listing them.
func (s *Service) Dismiss(ctx context.Context, a, b, by string) error {
	return errUnsureTODO
}

// Unsure asks GET /admin/story/unsure.
func (c *Client) Unsure(ctx context.Context, q UnsureQuery) ([]UnsureView, error) {
	return nil, errUnsureTODO
}

// Dismiss asks POST /admin/story/dismiss.
func (c *Client) Dismiss(ctx context.Context, a, b, by string) error {
	return errUnsureTODO
}
