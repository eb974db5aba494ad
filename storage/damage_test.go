package storage_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wiredesk/wiredesk"
	"github.com/wiredesk/wiredesk/storage"
)

// filledDB writes a database of a few hundred items over several pages and
// returns its path, closed.
func filledDB(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "wiredesk.db")
	db, err := storage.Open(path, storage.Options{Command: "test"})
	if err != nil {
		t.Fatal(err)
	}
	for p := range 4 {
		var items []wiredesk.Item
		for i := range 100 {
			it := item("tass", p*100+i, "h")
			it.Content = string(make([]byte, 200))
			items = append(items, it)
		}
		mustSave(t, db, poll(t0.Add(time.Duration(p)*time.Minute), "tass", items...))
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// damage changes the file at path in one of the ways disks, copies and
// people damage files.
var damages = []struct {
	name string
	do   func(t *testing.T, path string)
}{
	{"zero length", func(t *testing.T, path string) { must(t, os.Truncate(path, 0)) }},
	{"truncated", func(t *testing.T, path string) {
		fi, err := os.Stat(path)
		must(t, err)
		must(t, os.Truncate(path, fi.Size()/3))
	}},
	{"foreign file", func(t *testing.T, path string) {
		must(t, os.WriteFile(path, []byte("[server]\nlisten = \":8080\"\n"), 0o600))
	}},
	{"page headers overwritten", func(t *testing.T, path string) {
		b, err := os.ReadFile(path)
		must(t, err)
		const pageSize = 4096 // os.Getpagesize on the test machines
		for off := 4 * pageSize; off+16 <= len(b); off += pageSize {
			for i := range 16 {
				b[off+i] ^= 0x5a
			}
		}
		must(t, os.WriteFile(path, b, 0o600))
	}},
	{"one page overwritten", func(t *testing.T, path string) {
		// A page in the middle: Open reads the meta and freelist pages
		// only, so the damage is met by a later read or write.
		b, err := os.ReadFile(path)
		must(t, err)
		page := len(b) / 4096 / 2
		for i := range 4096 {
			b[page*4096+i] = byte(i * 7)
		}
		must(t, os.WriteFile(path, b, 0o600))
	}},
	{"data bytes flipped", func(t *testing.T, path string) {
		b, err := os.ReadFile(path)
		must(t, err)
		for off := 4 * 4096; off < len(b); off += 97 {
			b[off] ^= 0xff
		}
		must(t, os.WriteFile(path, b, 0o600))
	}},
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// Every damaged file is an error matching wiredesk.ErrDamaged, from Open or
// from the first call that reads the damage: never a panic, never a fresh
// empty database in its place.
func TestDamagedDatabase(t *testing.T) {
	ctx := context.Background()
	for _, dm := range damages {
		for _, readOnly := range []bool{false, true} {
			name := dm.name
			if readOnly {
				name += " read-only"
			}
			t.Run(name, func(t *testing.T) {
				path := filledDB(t)
				dm.do(t, path)
				before, err := os.ReadFile(path)
				must(t, err)
				db, err := storage.Open(path, storage.Options{ReadOnly: readOnly, Command: "test"})
				if err != nil {
					t.Logf("Open: %v", err)
					if !errors.Is(err, wiredesk.ErrDamaged) {
						t.Fatalf("Open: %v; want an error matching ErrDamaged", err)
					}
					after, _ := os.ReadFile(path)
					if string(after) != string(before) {
						t.Errorf("Open of a damaged file changed it")
					}
					return
				}
				defer db.Close()
				var errs []error
				_, err = db.Items(ctx, storage.ItemQuery{})
				errs = append(errs, err)
				_, err = db.Stories(ctx, storage.StoryQuery{})
				errs = append(errs, err)
				_, err = db.SourceStates(ctx)
				errs = append(errs, err)
				if !readOnly {
					_, err = db.SaveFetch(ctx, poll(t0.Add(time.Hour), "rferl", item("rferl", 1, "h")))
					errs = append(errs, err)
					_, err = db.Prune(ctx, t0.Add(2*time.Minute))
					errs = append(errs, err)
				}
				problems := db.Check(ctx)
				damaged := len(problems) > 0
				for _, err := range errs {
					switch {
					case err == nil:
					case errors.Is(err, wiredesk.ErrDamaged):
						damaged = true
					default:
						t.Errorf("error %v; want nil or one matching ErrDamaged", err)
					}
				}
				t.Logf("open ok; errors %v; check %d problems", errs, len(problems))
				if !damaged {
					t.Errorf("no call and no Check noticed the damage")
				}
			})
		}
	}
}

// A sound file passes Check.
func TestCheckSound(t *testing.T) {
	path := filledDB(t)
	db, err := storage.Open(path, storage.Options{ReadOnly: true})
	must(t, err)
	defer db.Close()
	if problems := db.Check(context.Background()); len(problems) != 0 {
		t.Errorf("Check of a sound file: %v", problems)
	}
}

// Compact of a damaged file fails with ErrDamaged and leaves no temporary
// file behind.
func TestCompactDamagedLeavesNothing(t *testing.T) {
	path := filledDB(t)
	for _, dm := range damages {
		if dm.name == "one page overwritten" {
			dm.do(t, path)
		}
	}
	_, _, err := storage.Compact(context.Background(), path, path, storage.Options{})
	if !errors.Is(err, wiredesk.ErrDamaged) {
		t.Errorf("Compact: %v; want an error matching ErrDamaged", err)
	}
	entries, err := os.ReadDir(filepath.Dir(path))
	must(t, err)
	for _, e := range entries {
		if e.Name() != "wiredesk.db" {
			t.Errorf("Compact left %s behind", e.Name())
		}
	}
}

// A panic of a caller's callback inside a transaction is a bug, not
// damage: it is passed on, not reported as a damaged file.
func TestGuardPassesOtherPanics(t *testing.T) {
	db, err := storage.Open(filepath.Join(t.TempDir(), "w.db"), storage.Options{})
	must(t, err)
	defer db.Close()
	r := poll(t0, "tass", item("tass", 1, "h"))
	r.Assign = func(wiredesk.Item) string { panic("bug in the caller") }
	defer func() {
		if got := recover(); got != "bug in the caller" {
			t.Errorf("recovered %v; want the caller's panic passed on", got)
		}
	}()
	_, err = db.SaveFetch(context.Background(), r)
	t.Errorf("SaveFetch returned %v; want the caller's panic", err)
}

// A backup is a consistent, complete database that opens and passes Check.
func TestBackup(t *testing.T) {
	path := filledDB(t)
	db, err := storage.Open(path, storage.Options{})
	must(t, err)
	defer db.Close()
	dst := filepath.Join(t.TempDir(), "backup.db")
	var announced, written int64
	err = storage.WriteFile(dst, func(w io.Writer) error {
		var err error
		written, err = db.WriteTo(context.Background(), w, func(n int64) { announced = n })
		return err
	})
	must(t, err)
	if announced != written || announced == 0 {
		t.Errorf("announced %d bytes, wrote %d", announced, written)
	}
	cp, err := storage.Open(dst, storage.Options{ReadOnly: true})
	must(t, err)
	defer cp.Close()
	if problems := cp.Check(context.Background()); len(problems) != 0 {
		t.Errorf("Check of the backup: %v", problems)
	}
	counts, err := cp.ItemCounts(context.Background())
	must(t, err)
	if counts["tass"] != 400 {
		t.Errorf("backup holds %d items; want 400", counts["tass"])
	}
}
