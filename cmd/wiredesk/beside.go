package main

import (
	"errors"
	"fmt"

	"github.com/wiredesk/wiredesk"
	"github.com/wiredesk/wiredesk/config"
	"github.com/wiredesk/wiredesk/desk"
	"github.com/wiredesk/wiredesk/internal/wiring"
	"github.com/wiredesk/wiredesk/storage"
)

// besideDaemon runs a command on the database when this process can open
// it, and through the running daemon's admin endpoints when `wiredesk
// serve` holds it — at once when the holder file names a live serve, else
// after the lock times out. name is the command, recorded in the holder
// file; write opens the database read-write.
func besideDaemon(e *env, cfg *config.Config, name string, write bool, remote func(*desk.Client) error, local func(*storage.DB) error) error {
	daemon, err := daemonEditor(e, cfg)
	if err != nil {
		return err
	}
	if h := storage.Holding(cfg.Storage.Path); h != nil && h.Command == "serve" {
		err := remote(daemon)
		if !errors.Is(err, desk.ErrNoDaemon) {
			return err
		}
		// The holder file can be stale; the lock decides.
	}
	db, err := wiring.OpenDB(cfg, !write, name)
	if errors.Is(err, wiredesk.ErrLocked) {
		derr := remote(daemon)
		if errors.Is(derr, desk.ErrNoDaemon) {
			return fmt.Errorf("%w; asking the daemon at %s instead failed: %v", err, daemon.BaseURL, derr)
		}
		return derr
	}
	if err != nil {
		return err
	}
	defer db.Close()
	return local(db)
}
