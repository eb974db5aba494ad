package storage

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	bolt "go.etcd.io/bbolt"
)

// WriteTo writes a consistent copy of the whole database to w, from one
// read transaction: writers go on meanwhile and none of their changes is
// half in the copy. size is the copy's length, known before the first
// byte is written (for a Content-Length); it is called once, before
// writing, and may be nil. A cancelled ctx stops the copy between writes.
func (d *DB) WriteTo(ctx context.Context, w io.Writer, size func(int64)) (int64, error) {
	var n int64
	err := d.view(func(tx *bolt.Tx) error {
		if size != nil {
			size(tx.Size())
		}
		var err error
		n, err = tx.WriteTo(ctxWriter{ctx, w})
		return err
	})
	if err != nil {
		return n, fmt.Errorf("copy database %s: %w", d.path, err)
	}
	return n, nil
}

// ctxWriter fails writes once its context is done.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

// WriteFile writes what copy writes to a temporary file beside dst, syncs
// it and renames it over dst, so dst is either absent, its old self or the
// complete copy; on an error the temporary file is removed. It is how a
// backup is stored, from a DB (DB.WriteTo) or from a daemon's answer.
func WriteFile(dst string, copy func(io.Writer) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(dst), filepath.Base(dst)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", dst, err)
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	if err := copy(f); err != nil {
		return fmt.Errorf("write %s: %w", dst, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", dst, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", dst, err)
	}
	if err := os.Chmod(f.Name(), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", dst, err)
	}
	if err := os.Rename(f.Name(), dst); err != nil {
		return fmt.Errorf("write %s: %w", dst, err)
	}
	_ = syncFile(filepath.Dir(dst)) // make the rename durable where the platform can
	return nil
}
