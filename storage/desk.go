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

// This file stores what the browser desk needs besides stories: users,
// signed-in sessions, the audit log and the editors' story marks. The
// records are few and small, so they are JSON, which a person reading a
// dump of the file can follow.
//
// Their buckets are created by the first write that needs them, not by a
// schema migration: a read finds a missing bucket empty, an older wiredesk
// ignores buckets it does not know, and a database that never had a desk
// user keeps the layout of schema version 2 (the damaged-file tests flip
// bytes at fixed offsets of that layout).

// ErrExists is returned by AddUser when a user of that name exists.
var ErrExists = errors.New("already exists")

// AddUser stores a new user; a user of that name already stored yields
// an error matching ErrExists.
func (d *DB) AddUser(ctx context.Context, u wiredesk.User) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := d.update(func(tx *bolt.Tx) error {
		b, err := writeBucket(tx, bucketUsers)
		if err != nil {
			return err
		}
		if b.Get([]byte(u.Name)) != nil {
			return ErrExists
		}
		return putJSON(b, []byte(u.Name), u)
	})
	if err != nil {
		return fmt.Errorf("add user %s: %w", u.Name, err)
	}
	return nil
}

// UpdateUser replaces a stored user; an unknown name yields an error
// matching wiredesk.ErrNotFound.
func (d *DB) UpdateUser(ctx context.Context, u wiredesk.User) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := d.update(func(tx *bolt.Tx) error {
		b, err := writeBucket(tx, bucketUsers)
		if err != nil {
			return err
		}
		if b.Get([]byte(u.Name)) == nil {
			return wiredesk.ErrNotFound
		}
		return putJSON(b, []byte(u.Name), u)
	})
	if err != nil {
		return fmt.Errorf("update user %s: %w", u.Name, err)
	}
	return nil
}

// User returns the user name; an unknown name yields an error matching
// wiredesk.ErrNotFound.
func (d *DB) User(ctx context.Context, name string) (wiredesk.User, error) {
	if err := ctx.Err(); err != nil {
		return wiredesk.User{}, err
	}
	var u wiredesk.User
	err := d.view(func(tx *bolt.Tx) error { return getJSON(tx, bucketUsers, []byte(name), &u) })
	if err != nil {
		return wiredesk.User{}, fmt.Errorf("user %s: %w", name, err)
	}
	return u, nil
}

// Users returns every user, by name.
func (d *DB) Users(ctx context.Context) ([]wiredesk.User, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []wiredesk.User
	err := d.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketUsers)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var u wiredesk.User
			if err := json.Unmarshal(v, &u); err != nil {
				return fmt.Errorf("user %s: %w", k, err)
			}
			out = append(out, u)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return out, nil
}

// RemoveUser deletes a user and every session of theirs; an unknown name
// yields an error matching wiredesk.ErrNotFound.
func (d *DB) RemoveUser(ctx context.Context, name string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := d.update(func(tx *bolt.Tx) error {
		b, err := writeBucket(tx, bucketUsers)
		if err != nil {
			return err
		}
		if b.Get([]byte(name)) == nil {
			return wiredesk.ErrNotFound
		}
		if err := b.Delete([]byte(name)); err != nil {
			return err
		}
		sb, err := writeBucket(tx, bucketSessions)
		if err != nil {
			return err
		}
		return deleteWhere(sb, func(_, v []byte) (bool, error) {
			var s wiredesk.Session
			return json.Unmarshal(v, &s) != nil || s.User == name, nil
		})
	})
	if err != nil {
		return fmt.Errorf("remove user %s: %w", name, err)
	}
	return nil
}

// PutSession stores a session, and deletes every session that expired
// before now, so the bucket holds only live ones.
func (d *DB) PutSession(ctx context.Context, s wiredesk.Session, now time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := d.update(func(tx *bolt.Tx) error {
		b, err := writeBucket(tx, bucketSessions)
		if err != nil {
			return err
		}
		err = deleteWhere(b, func(_, v []byte) (bool, error) {
			var old wiredesk.Session
			return json.Unmarshal(v, &old) != nil || old.Expires.Before(now), nil
		})
		if err != nil {
			return err
		}
		return putJSON(b, []byte(s.Key), s)
	})
	if err != nil {
		return fmt.Errorf("store session: %w", err)
	}
	return nil
}

// Session returns the session stored under key; none yields an error
// matching wiredesk.ErrNotFound. It does not check expiry.
func (d *DB) Session(ctx context.Context, key string) (wiredesk.Session, error) {
	if err := ctx.Err(); err != nil {
		return wiredesk.Session{}, err
	}
	var s wiredesk.Session
	err := d.view(func(tx *bolt.Tx) error { return getJSON(tx, bucketSessions, []byte(key), &s) })
	if err != nil {
		return wiredesk.Session{}, fmt.Errorf("session: %w", err)
	}
	return s, nil
}

// DeleteSession removes the session stored under key, if any.
func (d *DB) DeleteSession(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := d.update(func(tx *bolt.Tx) error {
		b, err := writeBucket(tx, bucketSessions)
		if err != nil {
			return err
		}
		return b.Delete([]byte(key))
	})
	if err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// AppendAudit stores e with the next sequence number, which it returns.
func (d *DB) AppendAudit(ctx context.Context, e wiredesk.AuditEntry) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	var seq uint64
	err := d.update(func(tx *bolt.Tx) error {
		b, err := writeBucket(tx, bucketAudit)
		if err != nil {
			return err
		}
		if seq, err = b.NextSequence(); err != nil {
			return err
		}
		e.Seq = seq
		var k [8]byte
		binary.BigEndian.PutUint64(k[:], seq)
		return putJSON(b, k[:], e)
	})
	if err != nil {
		return 0, fmt.Errorf("append audit entry: %w", err)
	}
	return seq, nil
}

// Audit returns at most limit audit entries (zero: all), newest first,
// skipping entries whose Seq is not below before (zero: none skipped).
func (d *DB) Audit(ctx context.Context, limit int, before uint64) ([]wiredesk.AuditEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []wiredesk.AuditEntry
	err := d.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAudit)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		var k, v []byte
		if before > 0 {
			var key [8]byte
			binary.BigEndian.PutUint64(key[:], before)
			c.Seek(key[:])
			k, v = c.Prev()
		} else {
			k, v = c.Last()
		}
		for ; k != nil && (limit <= 0 || len(out) < limit); k, v = c.Prev() {
			var e wiredesk.AuditEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("audit entry %x: %w", k, err)
			}
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	return out, nil
}

// writeBucket returns the desk bucket name, creating it on first use.
func writeBucket(tx *bolt.Tx, name []byte) (*bolt.Bucket, error) {
	b, err := tx.CreateBucketIfNotExists(name)
	if err != nil {
		return nil, fmt.Errorf("create bucket %s: %w", name, err)
	}
	return b, nil
}

// getJSON decodes the JSON value under key in bucket name into v; a missing
// bucket or key yields wiredesk.ErrNotFound.
func getJSON(tx *bolt.Tx, name, key []byte, v any) error {
	b := tx.Bucket(name)
	if b == nil {
		return wiredesk.ErrNotFound
	}
	data := b.Get(key)
	if data == nil {
		return wiredesk.ErrNotFound
	}
	return json.Unmarshal(data, v)
}

// deleteWhere deletes the keys of b that drop picks: collected first, as
// bbolt does not allow deleting while ForEach walks the bucket.
func deleteWhere(b *bolt.Bucket, drop func(k, v []byte) (bool, error)) error {
	var keys [][]byte
	err := b.ForEach(func(k, v []byte) error {
		ok, err := drop(k, v)
		if ok {
			keys = append(keys, bytes.Clone(k))
		}
		return err
	})
	if err != nil {
		return err
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// putJSON stores v as JSON under key in b.
func putJSON(b *bolt.Bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(key, data)
}

// MarkStory changes the editors' marks on story id with change, in one
// write transaction, and returns the marks before and after. An unknown
// story yields an error matching wiredesk.ErrNotFound. Marks that end up
// zero are deleted. The story's Updated stays: a mark changes how feeds
// show a story, not the story.
func (d *DB) MarkStory(ctx context.Context, id string, change func(*wiredesk.StoryMarks)) (before, after wiredesk.StoryMarks, err error) {
	if err := ctx.Err(); err != nil {
		return before, after, err
	}
	err = d.update(func(tx *bolt.Tx) error {
		bs, err := openBuckets(tx)
		if err != nil {
			return err
		}
		if _, err := bs.mustStory(id); err != nil {
			return err
		}
		b, err := writeBucket(tx, bucketMarks)
		if err != nil {
			return err
		}
		before, after = wiredesk.StoryMarks{}, wiredesk.StoryMarks{}
		if v := b.Get([]byte(id)); v != nil {
			if err := json.Unmarshal(v, &before); err != nil {
				return fmt.Errorf("story %s marks: %w", id, err)
			}
			_ = json.Unmarshal(v, &after) // a deep copy: change may edit slices and maps
		}
		change(&after)
		if after.IsZero() {
			return b.Delete([]byte(id))
		}
		return putJSON(b, []byte(id), after)
	})
	if err != nil {
		return before, after, fmt.Errorf("mark story %s: %w", id, err)
	}
	return before, after, nil
}
