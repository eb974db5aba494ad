package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/wiredesk/wiredesk"
	"github.com/wiredesk/wiredesk/config"
	"github.com/wiredesk/wiredesk/storage"
)

func cmdBackup(ctx context.Context, e *env, args []string) error {
	fs, cfgPath := flags(e, "backup", "backup [-config FILE] BACKUP_FILE",
		"  wiredesk backup -config /etc/wiredesk/wiredesk.toml /var/backups/wiredesk-$(date +%F).db\n\n"+
			"Writes a consistent copy of the database to BACKUP_FILE (through a temporary file and a rename).\n"+
			"While `wiredesk serve` runs it holds the database, so the copy is asked of the daemon\n"+
			"(GET /admin/backup on [server] admin_listen or listen, with WIREDESK_ADMIN_TOKEN when set);\n"+
			"otherwise the file is read directly. Restore: stop the daemon, copy the backup over [storage] path.\n"+
			"Exit codes: 0, 1 fatal, 2 usage/config, 5 database damaged.")
	if err := parseFlags(fs, interleave(args)); err != nil { // flags may follow the file, as in fetch and story
		return err
	}
	if fs.NArg() != 1 {
		return &usageError{msg: "backup needs one argument, the file to write (wiredesk backup --help)"}
	}
	dst, err := filepath.Abs(fs.Arg(0))
	if err != nil {
		return err
	}
	cfg, err := loadConfigReadOnly(e, *cfgPath) // backup only copies the file: no wire secret needed (a cron job may lack the daemon's environment)
	if err != nil {
		return err
	}
	if dst == cfg.Storage.Path {
		return &usageError{msg: fmt.Sprintf("backup file %s is the database itself; name another file", dst)}
	}
	n, via, err := backup(ctx, e, cfg, dst)
	if err != nil {
		return err
	}
	if err := verifyBackup(ctx, dst, cfg.Storage.Path); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: %s copied from %s (%s)\n", dst, humanBytes(n), cfg.Storage.Path, via)
	return nil
}

// backup copies the database into dst: directly when no process holds it,
// else through the daemon that does.
func backup(ctx context.Context, e *env, cfg *config.Config, dst string) (n int64, via string, err error) {
	// A short wait: a held lock means the daemon runs, and it answers at once.
	db, err := storage.Open(cfg.Storage.Path, storage.Options{ReadOnly: true, Timeout: 200 * time.Millisecond, Command: "backup"})
	switch {
	case errors.Is(err, wiredesk.ErrLocked):
		n, err = backupFromDaemon(ctx, e, cfg, dst)
		return n, "through the running daemon", err
	case err != nil:
		return 0, "", err
	}
	defer db.Close()
	err = storage.WriteFile(dst, func(w io.Writer) error {
		n, err = db.WriteTo(ctx, w, nil)
		return err
	})
	return n, "read directly", err
}

// verifyBackup checks the copy at dst of the database at src, and removes
// it when it is damaged: a backup that cannot be restored is worse than
// none, since it is trusted. The copy holds exactly src's pages, so its
// damage is src's.
func verifyBackup(ctx context.Context, dst, src string) error {
	cp, err := storage.Open(dst, storage.Options{ReadOnly: true, Command: "backup"})
	var problems []error
	if err == nil {
		problems = cp.Check(ctx)
		err = cp.Close()
	}
	if err == nil && len(problems) == 0 {
		return nil
	}
	_ = os.Remove(dst)
	if len(problems) > 0 {
		err = fmt.Errorf("the copy fails the consistency check (%d problem(s), the first: %w); no backup written", len(problems), problems[0])
	}
	if errors.Is(err, wiredesk.ErrDamaged) || len(problems) > 0 {
		return &storage.DamagedError{Path: src, Err: err}
	}
	return fmt.Errorf("verify backup %s: %w", dst, err)
}

// backupFromDaemon asks the running daemon for the copy. A copy cut short
// is detected by its length and never renamed into place.
func backupFromDaemon(ctx context.Context, e *env, cfg *config.Config, dst string) (int64, error) {
	resp, err := adminCall(ctx, e, cfg, http.MethodGet, "/admin/backup", 0)
	if err != nil {
		return 0, fmt.Errorf("the database is locked and the daemon cannot be asked: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return 0, fmt.Errorf("daemon answered %s: %s", resp.Status, strings.TrimSpace(string(body)))
	}
	var n int64
	err = storage.WriteFile(dst, func(w io.Writer) error {
		n, err = io.Copy(w, resp.Body)
		if err != nil {
			return err
		}
		if resp.ContentLength >= 0 && n != resp.ContentLength {
			return fmt.Errorf("daemon sent %d of %d bytes", n, resp.ContentLength)
		}
		return nil
	})
	return n, err
}

// backupHandler streams a consistent copy of the database (GET
// /admin/backup) for `wiredesk backup` while the daemon holds the file.
func (d *daemon) backupHandler(w http.ResponseWriter, r *http.Request) {
	// A large file takes longer than [server] write_timeout; the request
	// context still ends the copy when the client goes away or we stop.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="wiredesk.db"`)
	n, err := d.db.WriteTo(r.Context(), w, func(size int64) {
		w.Header().Set("Content-Length", fmt.Sprint(size))
	})
	if err != nil {
		// Headers may be out already: the short body tells the client.
		d.log.Error("backup", "remote", r.RemoteAddr, "bytes", n, "error", err)
		return
	}
	d.log.Info("backup sent", "remote", r.RemoteAddr, "bytes", n)
}

// checkDB runs the consistency check on the database at path, read-only,
// and prints what it finds.
func checkDB(ctx context.Context, e *env, cfg *config.Config, path string) error {
	db, err := storage.Open(path, storage.Options{ReadOnly: true, Timeout: cfg.Storage.LockTimeout, Command: "check"})
	if err != nil {
		if errors.Is(err, wiredesk.ErrLocked) {
			return fmt.Errorf("%w; to check while it runs: wiredesk backup /tmp/copy.db && wiredesk check -db-file /tmp/copy.db", err)
		}
		return err
	}
	defer db.Close()
	problems := db.Check(ctx)
	size, _ := db.Size()
	if len(problems) == 0 {
		fmt.Fprintf(e.stdout, "%s: ok (%s, consistent)\n", path, humanBytes(size))
		return nil
	}
	for i, p := range problems {
		if i == 20 {
			fmt.Fprintf(e.stdout, "… and %d more\n", len(problems)-i)
			break
		}
		fmt.Fprintf(e.stdout, "%s: %v\n", path, p)
	}
	return &storage.DamagedError{Path: path, Err: fmt.Errorf("the consistency check found %d problem(s)", len(problems))}
}
