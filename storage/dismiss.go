package storage

import (
	"bytes"
	"context"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/wiredesk/wiredesk"
)

// This file stores the pairs of stories an editor dismissed: the matcher
// found them alike, an editor said they are two events, and the desk's
// list of unsure pairs stops proposing them. A dismissal changes no story
// and nothing published. Like the other desk records (desk.go) its bucket
// is created by the first write, so older databases need no migration and
// an older wiredesk ignores it.

// Dismissal is one dismissed pair, as stored (JSON) under dismissKey(A, B).
type Dismissal struct {
	A  string    `json:"a"` // A < B
	B  string    `json:"b"`
	At time.Time `json:"at"`
	By string    `json:"by"`
}

// dismissKey is the key of the pair a, b in bucketDismissed: the smaller
// id, a zero byte, the other (ids never hold a zero byte), so that either
// order finds the one record.
func dismissKey(a, b string) []byte {
	if b < a {
		a, b = b, a
	}
	return []byte(a + "\x00" + b)
}

// DismissStories records that stories a and b are two events, as editor by
// decided, and returns the pair as stored: the ids of the stories that
// absorbed a or b when an editor had merged them away, smaller first.
// Dismissing a pair again replaces its record.
//
// A story that does not exist yields an error matching
// wiredesk.ErrNotFound; a story with itself (also after following merges)
// one matching wiredesk.ErrRefused.
func (d *DB) DismissStories(ctx context.Context, a, b, by string) (Dismissal, error) {
	if err := ctx.Err(); err != nil {
		return Dismissal{}, err
	}
	var rec Dismissal
	err := d.update(func(tx *bolt.Tx) error {
		bs, err := openBuckets(tx)
		if err != nil {
			return err
		}
		x, y := bs.survivor(a), bs.survivor(b)
		for _, id := range []string{x, y} {
			if _, err := bs.mustStory(id); err != nil {
				return err
			}
		}
		if x == y {
			return fmt.Errorf("story %s and %s are one story: %w", a, b, wiredesk.ErrRefused)
		}
		if y < x {
			x, y = y, x
		}
		rec = Dismissal{A: x, B: y, At: d.now().UTC(), By: by}
		bk, err := writeBucket(tx, bucketDismissed)
		if err != nil {
			return err
		}
		return putJSON(bk, dismissKey(x, y), rec)
	})
	if err != nil {
		return Dismissal{}, fmt.Errorf("dismiss stories %s and %s: %w", a, b, err)
	}
	return rec, nil
}

// DismissedPairs returns every dismissed pair, as [2]string{smaller id,
// larger id}, with the ids of the stories that absorbed them since when an
// editor merged a dismissed story away: merging keeps the editor's word
// that the two are two events. A pair whose stories have since become one
// is left out. The keys alone are read, so a damaged record value does
// not hide the pair.
func (d *DB) DismissedPairs(ctx context.Context) (map[[2]string]bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := map[[2]string]bool{}
	err := d.view(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketDismissed)
		if bk == nil {
			return nil
		}
		bs, err := openBuckets(tx)
		if err != nil {
			return err
		}
		return bk.ForEach(func(k, _ []byte) error {
			a, b, ok := bytes.Cut(k, []byte{0})
			if !ok {
				return fmt.Errorf("bucket %s, key %q: %w", bucketDismissed, k, errCorrupt)
			}
			x, y := bs.survivor(string(a)), bs.survivor(string(b))
			if x == y {
				return nil
			}
			if y < x {
				x, y = y, x
			}
			out[[2]string{x, y}] = true
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("dismissed story pairs: %w", err)
	}
	return out, nil
}

// forgetDismissals deletes the dismissals of which a story no longer
// exists, after retention deleted stories: one pass over the few
// dismissals rather than one per deleted story. A story merged away still
// counts while the story that absorbed it exists.
func (bs *buckets) forgetDismissals() error {
	bk := bs.tx.Bucket(bucketDismissed)
	if bk == nil {
		return nil
	}
	live := func(id []byte) (bool, error) {
		_, ok, err := bs.story(bs.survivor(string(id)))
		return ok, err
	}
	return deleteWhere(bk, func(k, _ []byte) (bool, error) {
		a, b, ok := bytes.Cut(k, []byte{0})
		var err error
		if ok {
			ok, err = live(a)
		}
		if ok && err == nil {
			ok, err = live(b)
		}
		return !ok && err == nil, err
	})
}
