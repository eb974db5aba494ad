package storage

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/wiredesk/wiredesk"
)

// holderSuffix names the holder file written next to a database opened
// read-write: FILE + holderSuffix.
const holderSuffix = ".lock-info"

// Holder describes the process that opened a database read-write, as
// recorded in its holder file.
type Holder struct {
	PID     int       `json:"pid"`
	Command string    `json:"command,omitempty"`
	Since   time.Time `json:"since"`
}

// LockedError is returned by Open when another process holds the database
// file. It matches wiredesk.ErrLocked with errors.Is.
type LockedError struct {
	Path string
	// Holder is the process holding the file when it is known: its holder
	// file exists and names a live process. Nil otherwise, e.g. when the
	// file is held by a read-only command, which writes no holder file.
	Holder *Holder
}

// Error returns
//
//	database FILE is locked by another process (is `wiredesk serve` running?)
//
// followed by " — held by pid N (wiredesk COMMAND) since TIME" when the
// holder is known.
func (e *LockedError) Error() string {
	msg := "database " + e.Path + " is locked by another process (is `wiredesk serve` running?)"
	if h := e.Holder; h != nil {
		msg += fmt.Sprintf(" — held by pid %d", h.PID)
		if h.Command != "" {
			msg += " (wiredesk " + h.Command + ")"
		}
		if !h.Since.IsZero() {
			msg += " since " + h.Since.UTC().Format(time.RFC3339)
		}
	}
	return msg
}

// Unwrap returns wiredesk.ErrLocked.
func (e *LockedError) Unwrap() error { return wiredesk.ErrLocked }

// holderPath returns the holder file of the database at path.
func holderPath(path string) string { return path + holderSuffix }

// writeHolder records this process as the holder of the database at path.
// It is written to a temporary file and renamed, so a process that reads
// it while we write never sees half of it. It overwrites any holder file
// left by a process that died without closing the database: whoever holds
// the lock owns the file.
func writeHolder(path string, h Holder) error {
	b, err := json.Marshal(h)
	if err != nil {
		return fmt.Errorf("encode holder: %w", err)
	}
	dst := holderPath(path)
	f, err := os.CreateTemp(filepath.Dir(dst), filepath.Base(dst)+".tmp*")
	if err != nil {
		return fmt.Errorf("write holder file: %w", err)
	}
	_, err = f.Write(append(b, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), dst)
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return fmt.Errorf("write holder file: %w", err)
	}
	return nil
}

// Holding returns the process recorded as holding the database at path
// read-write, or nil when none is recorded or the recorded process is gone.
// Commands use it to ask a running `wiredesk serve` at once instead of
// waiting for the lock; the record can be stale (a recycled pid), so a
// command that finds no daemon must still try Open, whose lock decides.
func Holding(path string) *Holder { return readHolder(path) }

// readHolder returns the holder recorded next to the database at path, or
// nil when there is none, it cannot be read, or it is stale: the process it
// names is no longer running (it died without closing the database). A
// recycled pid can still make a stale file look live; the message then
// names the wrong process, which is why the lock itself, not this file,
// decides who may open the database.
func readHolder(path string) *Holder {
	b, err := os.ReadFile(holderPath(path))
	if err != nil {
		return nil
	}
	var h Holder
	if json.Unmarshal(b, &h) != nil || h.PID <= 0 {
		return nil
	}
	if h.PID != os.Getpid() && !processAlive(h.PID) {
		return nil
	}
	return &h
}
