package storage

import (
	"errors"
	"fmt"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// DefaultTimeout is how long Open waits for the file lock when
// Options.Timeout is zero.
const DefaultTimeout = 5 * time.Second

// defaultPruneChunk is the most items Prune deletes in one write
// transaction.
const defaultPruneChunk = 1000

// Options configure Open.
type Options struct {
	// Timeout is how long to wait for the file lock before returning an
	// error matching wiredesk.ErrLocked. Zero or negative means
	// DefaultTimeout; Open never waits forever.
	Timeout time.Duration
	// ReadOnly opens the file with a shared lock, for commands that only
	// read (sources, export, preview). Several read-only opens may share
	// the file; none can while a read-write process holds it.
	ReadOnly bool
	// Command names the wiredesk command opening the file ("serve",
	// "once"), recorded in the holder file so a process that finds the file
	// locked can say who holds it.
	Command string
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// DB is an open wiredesk database. Its methods are safe for concurrent use.
type DB struct {
	bolt     *bolt.DB
	path     string
	now      func() time.Time
	holder   bool // we wrote the holder file and remove it on Close
	readOnly bool

	// pruneChunk is the most items deleted per write transaction by Prune.
	pruneChunk int
	// saveChunk is the number of items of SaveFetch's first transaction;
	// the next ones adapt to the time each takes when saveAdapt is set,
	// else they all take saveChunk items (tests).
	saveChunk int
	saveAdapt bool
	// afterSaveTx, when set, is called after each SaveFetch transaction
	// commits with its number of items and how long it held the lock.
	afterSaveTx func(n int, held time.Duration)
	// afterPruneTx, when set, is called after each Prune transaction
	// commits (tests count transactions with it).
	afterPruneTx func()
}

// Open opens or creates the database at path, waiting at most
// opt.Timeout for the file lock. When another process holds the lock it
// returns a *LockedError, which matches wiredesk.ErrLocked. A database
// written by a newer wiredesk is refused with an error matching
// wiredesk.ErrSchemaTooNew; an older one is migrated in one transaction
// (read-write opens only).
func Open(path string, opt Options) (*DB, error) {
	return open(path, opt, migrations)
}

func open(path string, opt Options, ms []migration) (*DB, error) {
	timeout := opt.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	now := opt.Now
	if now == nil {
		now = time.Now
	}
	if err := checkFile(path); err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	var bdb *bolt.DB
	err := guard(path, func() (err error) {
		bdb, err = bolt.Open(path, 0o600, &bolt.Options{
			Timeout:      timeout,
			ReadOnly:     opt.ReadOnly,
			FreelistType: bolt.FreelistMapType,
		})
		return err
	})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, &LockedError{Path: path, Holder: readHolder(path)}
		}
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if err := checkSize(bdb, path); err != nil {
		_ = bdb.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	// SaveState batches concurrent writers; gather them for at most 2ms
	// (bbolt's default is 10ms) so a lone state write is not held up.
	bdb.MaxBatchDelay = 2 * time.Millisecond
	d := &DB{bolt: bdb, path: path, now: now, readOnly: opt.ReadOnly, pruneChunk: defaultPruneChunk, saveChunk: DefaultSaveChunk, saveAdapt: true}
	if err := guard(path, func() error { return checkSchema(bdb, ms) }); err != nil {
		_ = bdb.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if !opt.ReadOnly {
		if err := writeHolder(path, Holder{PID: os.Getpid(), Command: opt.Command, Since: now().UTC()}); err != nil {
			_ = bdb.Close()
			return nil, fmt.Errorf("open database %s: %w", path, err)
		}
		d.holder = true
	}
	return d, nil
}

// Close removes the holder file and releases the database. The holder
// file goes first, while we still hold the lock, so we never remove the
// file of the next process to open the database.
func (d *DB) Close() error {
	var errs []error
	if d.holder {
		if err := os.Remove(holderPath(d.path)); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, fmt.Errorf("remove holder file: %w", err))
		}
		d.holder = false
	}
	if err := d.bolt.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close database %s: %w", d.path, err))
	}
	return errors.Join(errs...)
}

// Path returns the file name the database was opened with.
func (d *DB) Path() string { return d.path }

// Size returns the size of the database file in bytes.
func (d *DB) Size() (int64, error) {
	fi, err := os.Stat(d.path)
	if err != nil {
		return 0, fmt.Errorf("database size: %w", err)
	}
	return fi.Size(), nil
}
