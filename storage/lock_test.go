package storage_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wiredesk/wiredesk"
	"github.com/wiredesk/wiredesk/storage"
)

const helperEnv = "WIREDESK_STORAGE_LOCK_HELPER"

// TestLockHelperProcess is not a test: TestLockedByOtherProcess runs the
// test binary again with helperEnv set to "MODE PATH" and this function
// opens the database in that second process and reports what happened.
func TestLockHelperProcess(t *testing.T) {
	arg := os.Getenv(helperEnv)
	if arg == "" {
		t.Skip("helper process for TestLockedByOtherProcess")
	}
	mode, path, _ := strings.Cut(arg, " ")
	db, err := storage.Open(path, storage.Options{Timeout: 300 * time.Millisecond, ReadOnly: mode == "ro", Command: "once"})
	if err == nil {
		db.Close()
		fmt.Println("OPENED")
		os.Exit(0)
	}
	fmt.Printf("ERROR %v\nIS_LOCKED %v\n", err, errors.Is(err, wiredesk.ErrLocked))
	os.Exit(0)
}

// runHelper opens path in another process and returns its report.
func runHelper(t *testing.T, mode, path string) string {
	t.Helper()
	// The deadline only guards against a hang; the helper waits 300ms.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestLockHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"="+mode+" "+path)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helper process: %v\n%s", err, out)
	}
	return string(out)
}

func TestLockedByOtherProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.db")
	since := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	db, err := storage.Open(path, storage.Options{Command: "serve", Now: func() time.Time { return since }})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	locked := "database " + path + " is locked by another process (is `wiredesk serve` running?)"
	held := fmt.Sprintf("%s — held by pid %d (wiredesk serve) since 2026-11-27T08:00:00Z", locked, os.Getpid())
	for _, mode := range []string{"rw", "ro"} {
		t.Run(mode, func(t *testing.T) {
			out := runHelper(t, mode, path)
			if want := "ERROR " + held + "\nIS_LOCKED true\n"; out != want {
				t.Errorf("second process reported\n%s\nwant\n%s", out, want)
			}
		})
	}

	t.Run("stale holder file", func(t *testing.T) {
		// A holder file left by a process that died: its pid is not
		// running, so the message must not name it.
		dead := exec.Command(os.Args[0], "-test.run=^$")
		if err := dead.Run(); err != nil {
			t.Fatal(err)
		}
		stale := fmt.Sprintf(`{"pid":%d,"command":"serve","since":"2026-01-01T00:00:00Z"}`, dead.Process.Pid)
		if err := os.WriteFile(path+".lock-info", []byte(stale), 0o600); err != nil {
			t.Fatal(err)
		}
		out := runHelper(t, "rw", path)
		if want := "ERROR " + locked + "\nIS_LOCKED true\n"; out != want {
			t.Errorf("second process reported\n%s\nwant\n%s", out, want)
		}
	})

	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + ".lock-info"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("holder file after Close: %v; want it removed", err)
	}
	if out := runHelper(t, "rw", path); out != "OPENED\n" {
		t.Errorf("second process after Close reported %q; want it to open the database", out)
	}
}

func TestCompactRefusesLockedSource(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.db")
	db, err := storage.Open(path, storage.Options{Command: "serve"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// flock conflicts between two opens of the file in one process too.
	_, _, err = storage.Compact(context.Background(), path, path, storage.Options{Timeout: 200 * time.Millisecond})
	if !errors.Is(err, wiredesk.ErrLocked) {
		t.Errorf("Compact of a held database = %v; want ErrLocked", err)
	}
	if m, _ := filepath.Glob(path + ".compact-*"); len(m) != 0 {
		t.Errorf("Compact left %v behind", m)
	}
}

func TestLockedErrorText(t *testing.T) {
	since := time.Date(2026, 11, 27, 8, 0, 0, 0, time.FixedZone("MSK", 3*3600))
	tests := []struct {
		name string
		err  *storage.LockedError
		want string
	}{
		{"unknown holder", &storage.LockedError{Path: "w.db"}, "database w.db is locked by another process (is `wiredesk serve` running?)"},
		{"holder", &storage.LockedError{Path: "w.db", Holder: &storage.Holder{PID: 4242, Command: "serve", Since: since}},
			"database w.db is locked by another process (is `wiredesk serve` running?) — held by pid 4242 (wiredesk serve) since 2026-11-27T05:00:00Z"},
		{"holder without command", &storage.LockedError{Path: "w.db", Holder: &storage.Holder{PID: 7, Since: since}},
			"database w.db is locked by another process (is `wiredesk serve` running?) — held by pid 7 since 2026-11-27T05:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q; want %q", got, tt.want)
			}
			if !errors.Is(tt.err, wiredesk.ErrLocked) {
				t.Error("errors.Is(err, wiredesk.ErrLocked) = false")
			}
		})
	}
}
