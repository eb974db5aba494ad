package storage

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/wiredesk/wiredesk"
)

// bucket returns the named top-level bucket, which the schema migrations
// guarantee exists.
func bucket(tx *bolt.Tx, name []byte) (*bolt.Bucket, error) {
	b := tx.Bucket(name)
	if b == nil {
		return nil, fmt.Errorf("bucket %s missing: %w", name, errCorrupt)
	}
	return b, nil
}

// SourceState returns what is remembered about the source id. A source
// never saved yields a zero state with SourceID set and State
// wiredesk.StateNew, and no error.
func (d *DB) SourceState(ctx context.Context, id string) (wiredesk.SourceState, error) {
	st := wiredesk.SourceState{SourceID: id, State: wiredesk.StateNew}
	if err := ctx.Err(); err != nil {
		return st, err
	}
	err := d.view(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketSources)
		if err != nil {
			return err
		}
		v := b.Get([]byte(id))
		if v == nil {
			return nil
		}
		st, err = decodeSourceState(v)
		return err
	})
	if err != nil {
		return st, fmt.Errorf("source state %s: %w", id, err)
	}
	return st, nil
}

// SourceStates returns the state of every source ever saved, by id.
func (d *DB) SourceStates(ctx context.Context) (map[string]wiredesk.SourceState, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := map[string]wiredesk.SourceState{}
	err := d.view(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketSources)
		if err != nil {
			return err
		}
		return b.ForEach(func(k, v []byte) error {
			st, err := decodeSourceState(v)
			if err != nil {
				return fmt.Errorf("source %s: %w", k, err)
			}
			out[string(k)] = st
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("source states: %w", err)
	}
	return out, nil
}

// SaveState stores the state of source st.SourceID, replacing the old one.
func (d *DB) SaveState(ctx context.Context, st wiredesk.SourceState) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if st.SourceID == "" {
		return fmt.Errorf("save source state: empty source id")
	}
	// Batch, not Update: a cron pass answers hundreds of 304s at once, and
	// each would otherwise pay its own fsync. Concurrent callers share one
	// transaction (bbolt waits at most MaxBatchDelay to gather them); the
	// call still returns only after the commit, so nothing is less durable.
	// putState is idempotent, as Batch may run it twice.
	err := d.batch(func(tx *bolt.Tx) error {
		return putState(tx, &st)
	})
	if err != nil {
		return fmt.Errorf("save source state %s: %w", st.SourceID, err)
	}
	return nil
}

func putState(tx *bolt.Tx, st *wiredesk.SourceState) error {
	b, err := bucket(tx, bucketSources)
	if err != nil {
		return err
	}
	return b.Put([]byte(st.SourceID), encodeSourceState(st))
}
