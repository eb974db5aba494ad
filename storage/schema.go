package storage

import (
	"bytes"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/wiredesk/wiredesk"
)

// migration moves the schema from version-1 to version.
type migration struct {
	version int
	name    string
	up      func(tx *bolt.Tx) error
}

// migrations is the ordered history of the schema. A database without a
// meta bucket (a new file) is at version 0. Append to this list, never
// edit a released entry: each step runs once per database, in order, and
// all pending steps of one Open run in one write transaction, so a failing
// step leaves the file as it was.
var migrations = []migration{
	{version: 1, name: "create buckets", up: func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketMeta, bucketSources, bucketItems, bucketItemTime, bucketIdentity, bucketStories, bucketStoryTime} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("create bucket %s: %w", name, err)
			}
		}
		return nil
	}},
	{version: 2, name: "editors' decisions", up: func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketDecisions, bucketMerged} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("create bucket %s: %w", name, err)
			}
		}
		return nil
	}},
	{version: 3, name: "alert outbox", up: func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketOutbox, bucketDead, bucketAlerted} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("create bucket %s: %w", name, err)
			}
		}
		return nil
	}},
	// Version 4 also adds a save sequence to new item time index keys
	// (keys.go, bucketItemTime); older keys stay and are still read.
	{version: 4, name: "identity only for chosen ids; item time index in save order", up: dropDerivedIdentities},
	// Version 5 stores a story of one item, under that item's id, without
	// a record (buckets.story): the item's record marks it (item codec 2).
	// Stories written before keep their records, which read as before, so
	// nothing is rewritten; the version tells an older wiredesk, which
	// would not find those stories, to refuse the file.
	{version: 5, name: "a story of its own item has no record", up: func(*bolt.Tx) error { return nil }},
}

// dropDerivedIdentities keeps in the identity bucket only the entries
// whose item id is not wiredesk.ItemID(source, key): lookup finds every
// other item under its derived id, so their entries are dead weight and
// writing them cost each new item one more random-key page. The bucket is
// dropped and made again with the exceptions (normally none), which frees
// its pages without loading them all into one transaction's memory.
func dropDerivedIdentities(tx *bolt.Tx) error {
	b := tx.Bucket(bucketIdentity)
	if b == nil {
		return fmt.Errorf("bucket %s missing: %w", bucketIdentity, errCorrupt)
	}
	var keep [][2][]byte
	if err := b.ForEach(func(k, v []byte) error {
		src, key, ok := bytes.Cut(k, []byte{0})
		if !ok || string(v) != wiredesk.ItemID(string(src), string(key)) {
			keep = append(keep, [2][]byte{bytes.Clone(k), bytes.Clone(v)})
		}
		return nil
	}); err != nil {
		return err
	}
	if err := tx.DeleteBucket(bucketIdentity); err != nil {
		return fmt.Errorf("drop bucket %s: %w", bucketIdentity, err)
	}
	nb, err := tx.CreateBucket(bucketIdentity)
	if err != nil {
		return fmt.Errorf("create bucket %s: %w", bucketIdentity, err)
	}
	for _, kv := range keep {
		if err := nb.Put(kv[0], kv[1]); err != nil {
			return err
		}
	}
	return nil
}

// schemaVersion returns the version stored in tx, 0 for a new file. A
// file with data buckets but no version is damaged (a flipped byte in the
// meta bucket), not new: migrating it would write over the damage.
func schemaVersion(tx *bolt.Tx) (int, error) {
	var v []byte
	if b := tx.Bucket(bucketMeta); b != nil {
		v = b.Get(keySchema)
	}
	if v == nil {
		if name, _ := tx.Cursor().First(); name != nil && !bytes.Equal(name, bucketMeta) {
			return 0, fmt.Errorf("schema version missing beside bucket %q: %w", name, errCorrupt)
		}
		return 0, nil
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("schema version: %d bytes, want 8: %w", len(v), errCorrupt)
	}
	return int(binary.BigEndian.Uint64(v)), nil
}

func putSchemaVersion(tx *bolt.Tx, version int) error {
	b, err := tx.CreateBucketIfNotExists(bucketMeta)
	if err != nil {
		return fmt.Errorf("create bucket %s: %w", bucketMeta, err)
	}
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], uint64(version))
	return b.Put(keySchema, v[:])
}

// checkSchema refuses a database written by a newer wiredesk, and brings
// an older one up to date when db is writable. ms is the migration list,
// a parameter so tests can fabricate history.
func checkSchema(db *bolt.DB, ms []migration) error {
	latest := ms[len(ms)-1].version
	var have int
	if err := db.View(func(tx *bolt.Tx) error {
		var err error
		have, err = schemaVersion(tx)
		return err
	}); err != nil {
		return err
	}
	switch {
	case have > latest:
		return fmt.Errorf("database schema version %d, this wiredesk knows up to version %d: %w", have, latest, wiredesk.ErrSchemaTooNew)
	case have == latest:
		return nil
	case db.IsReadOnly():
		return fmt.Errorf("database schema version %d needs migrating to version %d; open it read-write once (e.g. `wiredesk once`)", have, latest)
	}
	return db.Update(func(tx *bolt.Tx) error {
		// Read again inside the write transaction: the version cannot
		// change under us now.
		have, err := schemaVersion(tx)
		if err != nil {
			return err
		}
		for _, m := range ms {
			if m.version <= have {
				continue
			}
			if err := m.up(tx); err != nil {
				return fmt.Errorf("migrate schema to version %d (%s): %w", m.version, m.name, err)
			}
			if err := putSchemaVersion(tx, m.version); err != nil {
				return fmt.Errorf("migrate schema to version %d: %w", m.version, err)
			}
		}
		return nil
	})
}
