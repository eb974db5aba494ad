package storage

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/wiredesk/wiredesk"
)

// The outbox of alerts. Each channel has its own run of keys in
// bucketOutbox (channel name, a 0 byte, the 8-byte big-endian sequence),
// so a channel's delivery worker reads its queue in order with one seek
// and never sees another channel's alerts. An alert leaves the outbox only
// when its channel acknowledged it (AckAlert) or it ran out of attempts
// (DeadAlert), so a crash or restart loses nothing that was queued.

// outboxKey is the key of an alert of channel with sequence seq.
func outboxKey(channel string, seq uint64) []byte {
	k := make([]byte, 0, len(channel)+9)
	k = append(k, channel...)
	k = append(k, 0)
	return binary.BigEndian.AppendUint64(k, seq)
}

func encodeAlert(a *wiredesk.Alert) ([]byte, error) {
	b, err := json.Marshal(a)
	if err != nil {
		return nil, fmt.Errorf("encode alert %s: %w", a.ID, err)
	}
	return b, nil
}

func decodeAlert(b []byte) (wiredesk.Alert, error) {
	var a wiredesk.Alert
	if err := json.Unmarshal(b, &a); err != nil {
		return a, fmt.Errorf("decode alert: %v: %w", err, errCorrupt)
	}
	return a, nil
}

// queueAlert puts a in the outbox unless its Once key says it went out
// already; see wiredesk.Alert.Once. It reports whether a was queued.
func queueAlert(tx *bolt.Tx, a wiredesk.Alert, now time.Time) (bool, error) {
	if a.Channel == "" || a.ID == "" {
		return false, fmt.Errorf("alert without channel or id (rule %q)", a.Rule)
	}
	if a.Once != "" {
		once, err := bucket(tx, bucketAlerted)
		if err != nil {
			return false, err
		}
		var sent uint64
		v := once.Get([]byte(a.Once))
		if v != nil {
			n, size := binary.Uvarint(v)
			if size <= 0 {
				return false, fmt.Errorf("alert once key %q: %w", a.Once, errCorrupt)
			}
			sent = n
		}
		switch {
		case v != nil && uint64(len(a.Wires)) <= sent:
			return false, nil // sent already, and no wire has joined since
		case v != nil:
			a.Kind = wiredesk.AlertUpdate
		}
		if err := once.Put([]byte(a.Once), binary.AppendUvarint(nil, uint64(len(a.Wires)))); err != nil {
			return false, err
		}
	}
	out, err := bucket(tx, bucketOutbox)
	if err != nil {
		return false, err
	}
	seq, err := out.NextSequence()
	if err != nil {
		return false, err
	}
	a.Seq = seq
	if a.Queued.IsZero() {
		a.Queued = now
	}
	v, err := encodeAlert(&a)
	if err != nil {
		return false, err
	}
	return true, out.Put(outboxKey(a.Channel, seq), v)
}

// QueueAlerts puts alerts in the outbox in one transaction, each unless
// its Once key says it went out already (see wiredesk.Alert.Once), and
// returns how many it queued. Items' alerts are queued by SaveFetch
// instead, in the transaction that stores the item.
func (d *DB) QueueAlerts(ctx context.Context, alerts []wiredesk.Alert) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	n := 0
	err := d.update(func(tx *bolt.Tx) error {
		n = 0
		for _, a := range alerts {
			ok, err := queueAlert(tx, a, d.now())
			if err != nil {
				return err
			}
			if ok {
				n++
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("queue alerts: %w", err)
	}
	return n, nil
}

// PendingAlerts returns at most limit alerts of channel's outbox, oldest
// first (limit ≤ 0: all).
func (d *DB) PendingAlerts(ctx context.Context, channel string, limit int) ([]wiredesk.Alert, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []wiredesk.Alert
	err := d.view(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketOutbox)
		if err != nil {
			return err
		}
		prefix := append([]byte(channel), 0)
		c := b.Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			a, err := decodeAlert(v)
			if err != nil {
				return err
			}
			out = append(out, a)
			if limit > 0 && len(out) >= limit {
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("pending alerts of %s: %w", channel, err)
	}
	return out, nil
}

// errAlertGone is returned inside a transaction when the alert to change
// is no longer in the outbox.
var errAlertGone = errors.New("alert no longer in the outbox")

// AckAlert removes a delivered alert from the outbox. An alert that is no
// longer there (acknowledged already) is not an error.
func (d *DB) AckAlert(ctx context.Context, a wiredesk.Alert) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := d.update(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketOutbox)
		if err != nil {
			return err
		}
		return b.Delete(outboxKey(a.Channel, a.Seq))
	})
	if err != nil {
		return fmt.Errorf("ack alert %s: %w", a.ID, err)
	}
	return nil
}

// RetryAlert stores a's Attempts, NextAttempt and LastError after a failed
// delivery; the alert stays in the outbox.
func (d *DB) RetryAlert(ctx context.Context, a wiredesk.Alert) error {
	return d.moveAlert(ctx, a, bucketOutbox, "retry")
}

// DeadAlert moves a from the outbox to the dead letters, where `wiredesk
// alerts` and /status show it; it is not tried again.
func (d *DB) DeadAlert(ctx context.Context, a wiredesk.Alert) error {
	return d.moveAlert(ctx, a, bucketDead, "dead-letter")
}

// moveAlert writes a under its key in bucket to, after deleting it from
// the outbox.
func (d *DB) moveAlert(ctx context.Context, a wiredesk.Alert, to []byte, op string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := d.update(func(tx *bolt.Tx) error {
		out, err := bucket(tx, bucketOutbox)
		if err != nil {
			return err
		}
		k := outboxKey(a.Channel, a.Seq)
		if out.Get(k) == nil {
			return errAlertGone
		}
		if err := out.Delete(k); err != nil {
			return err
		}
		dst, err := bucket(tx, to)
		if err != nil {
			return err
		}
		v, err := encodeAlert(&a)
		if err != nil {
			return err
		}
		return dst.Put(k, v)
	})
	if err != nil {
		return fmt.Errorf("%s alert %s: %w", op, a.ID, err)
	}
	return nil
}

// AlertLists returns every alert in the outbox and every dead letter, each
// ordered by channel, then oldest first.
func (d *DB) AlertLists(ctx context.Context) (outbox, dead []wiredesk.Alert, err error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	err = d.view(func(tx *bolt.Tx) error {
		for _, l := range []struct {
			name []byte
			dst  *[]wiredesk.Alert
		}{{bucketOutbox, &outbox}, {bucketDead, &dead}} {
			b, err := bucket(tx, l.name)
			if err != nil {
				return err
			}
			if err := b.ForEach(func(_, v []byte) error {
				a, err := decodeAlert(v)
				if err != nil {
					return err
				}
				*l.dst = append(*l.dst, a)
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("alert lists: %w", err)
	}
	return outbox, dead, nil
}

// DeadAlertCount returns how many dead letters there are, for /status.
func (d *DB) DeadAlertCount(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	n := 0
	err := d.view(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketDead)
		if err != nil {
			return err
		}
		n = b.Stats().KeyN
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("dead alerts: %w", err)
	}
	return n, nil
}

// storyItems returns a story's items in order of first report.
func (bs *buckets) storyItems(id string) ([]wiredesk.Item, error) {
	rec, ok, err := bs.story(id)
	if err != nil || !ok {
		return nil, err
	}
	items := make([]wiredesk.Item, 0, len(rec.ItemIDs))
	for _, iid := range rec.ItemIDs {
		it, ok, err := bs.item([]byte(iid))
		if err != nil {
			return nil, err
		}
		if ok {
			items = append(items, it)
		}
	}
	wiredesk.SortByFirstReport(items)
	return items, nil
}

// forgetAlerted deletes the once-keys of a story retention deletes, so
// bucketAlerted does not grow without end.
func forgetAlerted(tx *bolt.Tx, storyID string) error {
	b, err := bucket(tx, bucketAlerted)
	if err != nil {
		return err
	}
	prefix := []byte(wiredesk.StoryOncePrefix(storyID))
	var keys [][]byte
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, append([]byte(nil), k...))
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// spikedEverywhere reports whether an editor spiked the story from every
// feed (wiredesk.StoryMarks.SpikedAll).
func (bs *buckets) spikedEverywhere(storyID string) (bool, error) {
	if bs.marks == nil {
		return false, nil
	}
	v := bs.marks.Get([]byte(storyID))
	if v == nil {
		return false, nil
	}
	var m wiredesk.StoryMarks
	if err := json.Unmarshal(v, &m); err != nil {
		return false, fmt.Errorf("story %s marks: %w", storyID, err)
	}
	return m.SpikedAll, nil
}
