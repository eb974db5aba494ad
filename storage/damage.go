package storage

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strings"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/wiredesk/wiredesk"
)

// DamagedError is returned when the database file is not a readable
// wiredesk database: empty, truncated, overwritten, or not a bbolt file at
// all. It matches wiredesk.ErrDamaged with errors.Is.
//
// bbolt trusts its file: on a damaged page it panics ("assertion failed:
// Page expected to be: 55", "slice bounds out of range") or, past the end
// of a truncated file, faults. Every transaction of a DB therefore runs
// under a guard that turns such a panic into a DamagedError, so a damaged
// file is a clear error of its own and never a stack trace.
type DamagedError struct {
	Path string
	// Err says what was found, e.g. "the file is empty (0 bytes)".
	Err error
}

// Error says what is wrong and what to do about it.
func (e *DamagedError) Error() string {
	return fmt.Sprintf("database %s is damaged or not a wiredesk database: %v; "+
		"run `wiredesk check -db` for a full report, then restore a backup (`wiredesk backup` makes one) "+
		"or move the file aside to start afresh (see README, \"Damaged database\")", e.Path, e.Err)
}

// Unwrap returns the cause and wiredesk.ErrDamaged.
func (e *DamagedError) Unwrap() []error { return []error{e.Err, wiredesk.ErrDamaged} }

// damaged wraps err as a *DamagedError of the file at path when it says
// the file is damaged: bbolt's own checks on open, or a value our codec
// could not read. Other errors are returned as they are.
func damaged(path string, err error) error {
	var de *DamagedError
	switch {
	case err == nil, errors.As(err, &de):
		return err
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrChecksum),
		errors.Is(err, berrors.ErrVersionMismatch), errors.Is(err, errCorrupt):
		return &DamagedError{Path: path, Err: err}
	}
	return err
}

// guard runs fn, one bbolt call on the file at path, and turns a panic or
// a memory fault raised by bbolt or by this package's decoding into a
// *DamagedError. A panic raised elsewhere (a caller's callback inside a
// transaction) is a bug, not damage, and is passed on unchanged. bbolt's
// Update and View roll their transaction back on the way out of a panic,
// so the DB stays usable for other calls.
func guard(path string, fn func() error) (err error) {
	// A page beyond the end of a truncated file is a fault in the mapped
	// memory; make it a panic this goroutine can recover.
	old := debug.SetPanicOnFault(true)
	defer debug.SetPanicOnFault(old)
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		if !panickedInStorage() {
			panic(r)
		}
		err = &DamagedError{Path: path, Err: fmt.Errorf("bbolt: %v", r)}
	}()
	return damaged(path, fn())
}

// panickedInStorage reports whether the panic being recovered was raised in
// bbolt or in this package: the first frame below the runtime's panic
// machinery decides.
func panickedInStorage() bool {
	pcs := make([]uintptr, 64)
	n := runtime.Callers(3, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	inPanic := false
	for {
		f, more := frames.Next()
		switch {
		case f.Function == "runtime.gopanic" || strings.HasPrefix(f.Function, "runtime.panic") || strings.HasPrefix(f.Function, "runtime.sigpanic"):
			inPanic = true
		case inPanic && strings.HasPrefix(f.Function, "runtime."):
			// goPanicIndex and friends
		case inPanic:
			return strings.HasPrefix(f.Function, "go.etcd.io/bbolt") ||
				strings.HasPrefix(f.Function, "github.com/wiredesk/wiredesk/storage.")
		}
		if !more {
			return false
		}
	}
}

// view, update and batch are bolt's View, Update and Batch under guard.
func (d *DB) view(fn func(*bolt.Tx) error) error {
	return guard(d.path, func() error { return d.bolt.View(fn) })
}

func (d *DB) update(fn func(*bolt.Tx) error) error {
	return guard(d.path, func() error { return d.bolt.Update(fn) })
}

func (d *DB) batch(fn func(*bolt.Tx) error) error {
	return guard(d.path, func() error { return d.bolt.Batch(fn) })
}

// checkFile refuses, before bbolt sees it, an existing file that cannot be
// a database: bbolt would take an empty file for a new one and start
// afresh when writable, or fail with "bad file descriptor" when read-only.
// A missing file is fine (Open creates it).
func checkFile(path string) error {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return err
	case !fi.Mode().IsRegular():
		return &DamagedError{Path: path, Err: fmt.Errorf("not a regular file (%s)", fi.Mode().Type())}
	case fi.Size() == 0:
		return &DamagedError{Path: path, Err: errors.New("the file is empty (0 bytes)")}
	}
	return nil
}

// checkSize refuses a file shorter than its own meta page says it is, the
// mark of a truncated copy or a disk that lost the file's tail; reading
// the missing pages would fault.
func checkSize(db *bolt.DB, path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	return guard(path, func() error {
		return db.View(func(tx *bolt.Tx) error {
			if want := tx.Size(); fi.Size() < want {
				return &DamagedError{Path: path, Err: fmt.Errorf("the file is %d bytes but its pages reach %d bytes: it was truncated", fi.Size(), want)}
			}
			return nil
		})
	})
}

// Check verifies the whole file and returns every problem found, at most
// maxProblems; none means the file is sound. It runs bbolt's consistency
// check (every page reachable exactly once, the freelist consistent, keys
// in order) and then decodes every stored item, story and source state,
// since bbolt keeps no checksum of the values themselves (the editors'
// decisions and the alert outbox too). It reads in one
// transaction, so it may run while another goroutine writes.
func (d *DB) Check(ctx context.Context) []error {
	if err := ctx.Err(); err != nil {
		return []error{err}
	}
	var problems []error
	note := func(err error) error {
		problems = append(problems, err)
		if len(problems) >= maxProblems {
			return errStop
		}
		return ctx.Err()
	}
	err := d.view(func(tx *bolt.Tx) error {
		for e := range tx.Check() { // drained to the end: the checker is a goroutine
			if len(problems) < maxProblems {
				problems = append(problems, e)
			}
		}
		if len(problems) > 0 {
			return nil // the values may sit on the broken pages
		}
		return checkValues(tx, note)
	})
	if err != nil && !errors.Is(err, errStop) {
		problems = append(problems, err)
	}
	return problems
}

// maxProblems bounds the problems Check returns.
const maxProblems = 100

// checkValues decodes every value of the data buckets, calling note for
// each one that does not decode; an error from note ends the walk.
func checkValues(tx *bolt.Tx, note func(error) error) error {
	for _, b := range []struct {
		name   []byte
		decode func([]byte) error
	}{
		{bucketItems, func(v []byte) error { _, err := decodeItem(v); return err }},
		{bucketStories, func(v []byte) error { _, err := decodeStory(v); return err }},
		{bucketSources, func(v []byte) error { _, err := decodeSourceState(v); return err }},
		{bucketDecisions, func(v []byte) error { _, err := decodeDecisions(v); return err }},
		{bucketOutbox, func(v []byte) error { _, err := decodeAlert(v); return err }},
		{bucketDead, func(v []byte) error { _, err := decodeAlert(v); return err }},
		{bucketAlerted, func(v []byte) error {
			if _, n := binary.Uvarint(v); n <= 0 || n != len(v) {
				return fmt.Errorf("wire count: %w", errCorrupt)
			}
			return nil
		}},
	} {
		bk, err := bucket(tx, b.name)
		if err != nil {
			if err := note(err); err != nil {
				return err
			}
			continue
		}
		if err := bk.ForEach(func(k, v []byte) error {
			if err := b.decode(v); err != nil {
				return note(fmt.Errorf("bucket %s, key %q: %w", b.name, k, err))
			}
			return nil
		}); err != nil {
			return err
		}
	}
	return nil
}
