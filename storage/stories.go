package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/wiredesk/wiredesk"
)

// StoryQuery selects stories for Stories.
type StoryQuery struct {
	// Since keeps stories with Updated at or after it; zero means all.
	Since time.Time
	// Limit is the most stories returned; zero or negative means no limit.
	Limit int
}

// Stories returns stories, most recently updated first, each with its items
// loaded in order of first report.
func (d *DB) Stories(ctx context.Context, q StoryQuery) ([]wiredesk.Story, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []wiredesk.Story
	err := d.view(func(tx *bolt.Tx) error {
		bs, err := openBuckets(tx)
		if err != nil {
			return err
		}
		c := bs.storyTime.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			if !q.Since.IsZero() && timeFromKey(k).Before(q.Since) {
				break
			}
			id := string(idFromTimeKey(k))
			rec, ok, err := bs.story(id)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("time index points to missing story %s: %w", id, errCorrupt)
			}
			s, err := bs.loadStory(id, &rec)
			if err != nil {
				return err
			}
			out = append(out, s)
			if q.Limit > 0 && len(out) >= q.Limit {
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("stories: %w", err)
	}
	return out, nil
}

// Story returns the story id with its items and editors' decisions. A
// story that does not exist yields an error matching wiredesk.ErrNotFound,
// which names the story that absorbed it when an editor merged it away.
func (d *DB) Story(ctx context.Context, id string) (wiredesk.Story, error) {
	if err := ctx.Err(); err != nil {
		return wiredesk.Story{}, err
	}
	var s wiredesk.Story
	err := d.view(func(tx *bolt.Tx) error {
		bs, err := openBuckets(tx)
		if err != nil {
			return err
		}
		rec, err := bs.mustStory(id)
		if err != nil {
			return err
		}
		s, err = bs.loadStory(id, &rec)
		return err
	})
	if err != nil {
		return wiredesk.Story{}, err
	}
	return s, nil
}

func (bs *buckets) loadStory(id string, rec *storyRecord) (wiredesk.Story, error) {
	s := wiredesk.Story{ID: id, Created: rec.Created, Updated: rec.Updated, Items: make([]wiredesk.Item, 0, len(rec.ItemIDs))}
	for _, iid := range rec.ItemIDs {
		it, ok, err := bs.item([]byte(iid))
		if err != nil {
			return s, err
		}
		if !ok {
			return s, fmt.Errorf("story %s lists missing item %s: %w", id, iid, errCorrupt)
		}
		s.Items = append(s.Items, it)
	}
	wiredesk.SortByFirstReport(s.Items)
	ds, err := bs.storyDecisions(id)
	if err != nil {
		return s, err
	}
	s.Decisions = ds
	if bs.marks != nil {
		if v := bs.marks.Get([]byte(id)); v != nil {
			if err := json.Unmarshal(v, &s.Marks); err != nil {
				return s, fmt.Errorf("story %s marks: %w", id, err)
			}
		}
	}
	return s, nil
}
