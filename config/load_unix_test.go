//go:build unix

package config

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A config that is not a regular file, or is too large, fails at once with
// a clear error: /dev/zero was read until the OOM killer came, and a FIFO
// was waited on forever.
func TestLoadRefusesNonRegularAndLarge(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.toml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	large := filepath.Join(dir, "large.toml")
	if err := os.WriteFile(large, []byte("# "+strings.Repeat("x", MaxFileSize)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, want string
	}{
		{"dev zero", "/dev/zero", "cannot read: not a regular file (a character device)"},
		{"FIFO", fifo, "cannot read: not a regular file (a FIFO)"},
		{"directory", dir, "cannot read: not a regular file (a directory)"},
		{"over 1 MB", large, "larger than the limit of 1048576"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			done := make(chan error, 1)
			go func() {
				_, err := Load(tt.path)
				done <- err
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(time.Minute): // a hang, not a timing assert
				t.Fatalf("Load(%s) did not return", tt.path)
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) || !IsConfigError(err) {
				t.Errorf("Load(%s) = %v; want a config error containing %q", tt.path, err, tt.want)
			}
		})
	}
}
