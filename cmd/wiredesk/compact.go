package main

import (
	"context"
	"fmt"

	"github.com/wiredesk/wiredesk/storage"
)

func cmdCompact(ctx context.Context, e *env, args []string) error {
	fs, cfgPath := flags(e, "compact", "compact [-config FILE]",
		"  systemctl stop wiredesk && wiredesk compact -config /etc/wiredesk/wiredesk.toml && systemctl start wiredesk\n\n"+
			"Exit codes: 0, 1 fatal, 4 database locked (stop the daemon first), 5 database damaged (nothing written).")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfigReadOnly(e, *cfgPath) // compact only rewrites the file: no wire secret needed (as in sources)
	if err != nil {
		return err
	}
	path := cfg.Storage.Path
	before, after, err := storage.Compact(ctx, path, path, storage.Options{Timeout: cfg.Storage.LockTimeout, Command: "compact"})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: %s → %s (%.0f%%)\n", path, humanBytes(before), humanBytes(after), 100*float64(after)/float64(max(before, 1)))
	return nil
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
