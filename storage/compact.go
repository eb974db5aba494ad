package storage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	bolt "go.etcd.io/bbolt"
)

// compactTxMaxSize bounds the bytes copied per transaction while
// compacting, so memory stays flat on large files.
const compactTxMaxSize = 64 << 20

// Compact rewrites the database at src into dst (which may be src itself)
// holding only live pages, and returns the file sizes before and after.
// It opens src read-write, so it refuses with an error matching
// wiredesk.ErrLocked while another process holds it; the copy goes to a
// temporary file beside dst that is synced and then renamed over dst, so
// dst is always either the old file or the complete new one. A file that
// fails Check is refused with a *DamagedError. opt.ReadOnly
// is ignored; opt.Command defaults to "compact".
func Compact(ctx context.Context, src, dst string, opt Options) (before, after int64, err error) {
	if err := ctx.Err(); err != nil {
		return 0, 0, err
	}
	opt.ReadOnly = false
	if opt.Command == "" {
		opt.Command = "compact"
	}
	s, err := Open(src, opt)
	if err != nil {
		var le *LockedError
		if errors.As(err, &le) {
			return 0, 0, err // already says what and why
		}
		return 0, 0, fmt.Errorf("compact: %w", err)
	}
	defer func() {
		if cerr := s.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("compact: %w", cerr)
		}
	}()
	// A damaged file would be copied damage and all into a file that
	// looks fresh: refuse it, and keep the original for a rescue.
	if problems := s.Check(ctx); len(problems) > 0 {
		return 0, 0, &DamagedError{Path: src, Err: fmt.Errorf("the consistency check found %d problem(s), the first: %w", len(problems), problems[0])}
	}
	if before, err = s.Size(); err != nil {
		return 0, 0, fmt.Errorf("compact: %w", err)
	}
	if err := compactInto(ctx, s.bolt, src, dst); err != nil {
		return before, 0, fmt.Errorf("compact %s into %s: %w", src, dst, err)
	}
	fi, err := os.Stat(dst)
	if err != nil {
		return before, 0, fmt.Errorf("compact: %w", err)
	}
	return before, fi.Size(), nil
}

// compactInto copies src, the database at srcPath, into a new file that
// replaces dst. On any error, a damaged page of src included, the new file
// is removed: nothing is left behind.
func compactInto(ctx context.Context, src *bolt.DB, srcPath, dst string) (err error) {
	dir := filepath.Dir(dst)
	f, err := os.CreateTemp(dir, filepath.Base(dst)+".compact-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	if err := f.Close(); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = os.Remove(tmp)
		}
	}()
	out, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: DefaultTimeout})
	if err != nil {
		return err
	}
	err = guard(srcPath, func() error { return bolt.Compact(out, src, compactTxMaxSize) })
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := syncFile(tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, dst); err != nil {
		return err
	}
	// Make the rename itself durable. Not every platform can sync a
	// directory; the data is already safe then.
	_ = syncFile(dir)
	return nil
}

func syncFile(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
