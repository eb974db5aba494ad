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
// decisions and the alert outbox too), and last follows every index entry
// and story to the items it names (checkLinks). It reads in one
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
		if err := checkPages(tx, d.path); err != nil {
			// bbolt's check would loop over the damage (see checkPages).
			problems = append(problems, err)
			return nil
		}
		for e := range tx.Check() { // drained to the end: the checker is a goroutine
			if len(problems) < maxProblems {
				problems = append(problems, e)
			}
		}
		if len(problems) > 0 {
			return nil // the values may sit on the broken pages
		}
		if err := checkValues(tx, note); err != nil {
			return err
		}
		return checkLinks(tx, note)
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
		decode func(k, v []byte) error
	}{
		{bucketItems, func(k, v []byte) error {
			it, err := decodeItem(v)
			if err == nil && it.ID != string(k) { // a flipped key byte: the readers miss the item
				err = fmt.Errorf("holds item %s: %w", it.ID, errCorrupt)
			}
			return err
		}},
		{bucketStories, func(_, v []byte) error { _, err := decodeStory(v); return err }},
		{bucketSources, func(_, v []byte) error { _, err := decodeSourceState(v); return err }},
		{bucketDecisions, func(_, v []byte) error { _, err := decodeDecisions(v); return err }},
		{bucketOutbox, func(_, v []byte) error { _, err := decodeAlert(v); return err }},
		{bucketDead, func(_, v []byte) error { _, err := decodeAlert(v); return err }},
		{bucketAlerted, func(_, v []byte) error {
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
			if err := b.decode(k, v); err != nil {
				return note(fmt.Errorf("bucket %s, key %q: %w", b.name, k, err))
			}
			return nil
		}); err != nil {
			return err
		}
	}
	return nil
}

// checkLinks follows every reference the readers follow, calling note for
// each that leads nowhere: a time index entry without its item or story,
// a story listing a missing item, an identity entry without its item
// (checkValues notes an item stored under a key other than its id). A flipped byte in a key
// leaves every value decodable and bbolt's check content, yet `sources`
// or `story list` then stop at it; `check -db` must not call such a file
// consistent. It keeps nothing but the walk's position, so it costs a
// lookup per index entry and no memory per item.
func checkLinks(tx *bolt.Tx, note func(error) error) error {
	bs, err := openBuckets(tx)
	if err != nil {
		return note(err)
	}
	if err := bs.itemTime.ForEach(func(k, _ []byte) error {
		if id := idFromTimeKey(k); bs.items.Get(id) == nil {
			return note(fmt.Errorf("time index points to missing item %s: %w", id, errCorrupt))
		}
		return nil
	}); err != nil {
		return err
	}
	if err := bs.storyTime.ForEach(func(k, _ []byte) error {
		id := string(idFromTimeKey(k))
		if _, ok, err := bs.story(id); err == nil && !ok {
			return note(fmt.Errorf("time index points to missing story %s: %w", id, errCorrupt))
		}
		return nil
	}); err != nil {
		return err
	}
	if err := bs.stories.ForEach(func(k, v []byte) error {
		r, err := decodeStory(v)
		if err != nil {
			return nil // checkValues' finding
		}
		for _, id := range r.ItemIDs {
			if bs.items.Get([]byte(id)) == nil {
				if err := note(fmt.Errorf("story %s lists missing item %s: %w", k, id, errCorrupt)); err != nil {
					return err
				}
			}
		}
		return nil
	}); err != nil {
		return err
	}
	return bs.identity.ForEach(func(k, v []byte) error {
		if bs.items.Get(v) == nil {
			return note(fmt.Errorf("identity %q points to missing item %s: %w", k, v, errCorrupt))
		}
		return nil
	})
}

// Page header and branch element layout of bbolt (internal/common/page.go):
// id uint64, flags uint16, count uint16, overflow uint32, then count
// elements of pos uint32, ksize uint32, pgid uint64 on a branch page.
const (
	pageHeaderSize    = 16
	branchElementSize = 16
	branchPageFlag    = 0x01
	leafPageFlag      = 0x02
)

// checkPages walks the pages of every bucket's tree from its root, reading
// the file itself, and returns the first page whose header cannot be
// right: an id that is not its place in the file, a type that is neither
// branch nor leaf, overflow pages past the end of the data, a branch
// element count that does not fit, a page referenced twice. bbolt's Check
// trusts those headers: a flipped byte in a page's overflow count makes it
// count up to four billion pages into a map, which is minutes of CPU and
// gigabytes of memory, not a report. The walk reads each page once, so it
// costs a fraction of bbolt's check. It runs in the read transaction tx:
// the pages reachable from tx are not rewritten while it is open.
func checkPages(tx *bolt.Tx, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("page check: %w", err)
	}
	defer f.Close()
	pageSize := uint64(tx.DB().Info().PageSize)
	w := pageWalk{f: f, pageSize: pageSize, hwm: uint64(tx.Size()) / pageSize, seen: map[uint64]bool{}}
	if err := w.walk(uint64(tx.Cursor().Bucket().Root()), 0); err != nil {
		return err
	}
	return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
		if root := uint64(b.Root()); root != 0 { // 0: an inline bucket, inside its parent's page
			if err := w.walk(root, 0); err != nil {
				return fmt.Errorf("bucket %s: %w", name, err)
			}
		}
		return nil
	})
}

// pageWalk is one checkPages walk: the file, its page size, the number of
// pages in use (the high water mark) and the pages seen so far.
type pageWalk struct {
	f        *os.File
	pageSize uint64
	hwm      uint64
	seen     map[uint64]bool
}

// walk checks page id and, when it is a branch page, the pages below it.
func (w *pageWalk) walk(id uint64, depth int) error {
	switch {
	case depth > 64: // a b+tree of 2⁶⁴ pages is far shallower
		return fmt.Errorf("page %d: tree deeper than 64 levels (a cycle)", id)
	case id < 2 || id >= w.hwm:
		return fmt.Errorf("page %d: out of bounds (pages 2 to %d hold data)", id, w.hwm-1)
	case w.seen[id]:
		return fmt.Errorf("page %d: referenced twice", id)
	}
	w.seen[id] = true
	var h [pageHeaderSize]byte
	if _, err := w.f.ReadAt(h[:], int64(id*w.pageSize)); err != nil {
		return fmt.Errorf("page %d: %w", id, err)
	}
	pid := binary.NativeEndian.Uint64(h[0:])
	flags := binary.NativeEndian.Uint16(h[8:])
	count := uint64(binary.NativeEndian.Uint16(h[10:]))
	overflow := uint64(binary.NativeEndian.Uint32(h[12:]))
	switch {
	case pid != id:
		return fmt.Errorf("page %d: header says page %d", id, pid)
	case flags != branchPageFlag && flags != leafPageFlag:
		return fmt.Errorf("page %d: type %#x, neither branch nor leaf", id, flags)
	case id+overflow >= w.hwm:
		return fmt.Errorf("page %d: %d overflow pages reach past the last page %d", id, overflow, w.hwm-1)
	case flags == leafPageFlag:
		return nil
	case pageHeaderSize+count*branchElementSize > (overflow+1)*w.pageSize:
		return fmt.Errorf("page %d: %d branch elements do not fit in %d pages", id, count, overflow+1)
	}
	elems := make([]byte, count*branchElementSize)
	if _, err := w.f.ReadAt(elems, int64(id*w.pageSize+pageHeaderSize)); err != nil {
		return fmt.Errorf("page %d: %w", id, err)
	}
	for i := range count {
		child := binary.NativeEndian.Uint64(elems[i*branchElementSize+8:])
		if err := w.walk(child, depth+1); err != nil {
			return err
		}
	}
	return nil
}
