package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/wiredesk/wiredesk/config"
	"github.com/wiredesk/wiredesk/publisher"
	"golang.org/x/term"
)

// defaultConfig is the config file a command reads without -config.
const defaultConfig = "wiredesk.toml"

// flags starts a command's flag set with -config and a usage text that
// ends with examples.
func flags(e *env, name, synopsis, examples string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("wiredesk "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	cfg := fs.String("config", defaultConfig, "config `file`")
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: wiredesk %s\n\n", synopsis)
		fs.PrintDefaults()
		fmt.Fprintf(e.stderr, "\nExamples:\n%s\n", examples)
	}
	return fs, cfg
}

// parseFlags parses args and turns a flag error into a usage error.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return &usageError{msg: err.Error()}
	}
	return nil
}

// loadConfig loads the config and prints its warnings (keys that load but
// do nothing) on stderr, so that no command ignores a key silently.
func loadConfig(e *env, path string) (*config.Config, error) {
	cfg, err := config.Load(path)
	if err != nil {
		return nil, err
	}
	printWarnings(e.stderr, cfg)
	return cfg, nil
}

func printWarnings(w io.Writer, cfg *config.Config) {
	for _, warn := range cfg.Warnings {
		fmt.Fprintf(w, "warning: %s\n", warn)
	}
}

// newLogger builds the process logger: text unless [log] format is
// "json". Text is the default everywhere, not only on a terminal: cron
// mail and journald are read by people.
func newLogger(w io.Writer, level, format string) *slog.Logger {
	var lv slog.Level
	switch strings.ToLower(level) {
	case "debug":
		lv = slog.LevelDebug
	case "warn", "warning":
		lv = slog.LevelWarn
	case "error":
		lv = slog.LevelError
	default:
		lv = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: lv}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// waitHub gives queued WebSub pings a bounded time to be delivered before a
// one-shot command exits; a hub that does not answer never holds cron up
// for long.
func waitHub(ctx context.Context, pub *publisher.Publisher, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := pub.Wait(ctx); err != nil {
		log.Warn("websub: pings still pending at exit", "error", err)
	}
}

// loadConfigReadOnly loads the config for a command that reads the
// database or asks the daemon and fetches nothing from the wires: a
// ${VAR} that is not set reads as empty instead of failing, so an editor
// running `sources` or `preview` needs no wire password. A variable that
// is set is used as usual (WIREDESK_ADMIN_TOKEN, [server] admin_token).
func loadConfigReadOnly(e *env, path string) (*config.Config, error) {
	cfg, err := config.LoadEnv(path, func(name string) (string, bool) {
		if v, ok := os.LookupEnv(name); ok {
			return v, true
		}
		return "", true
	})
	if err != nil {
		return nil, err
	}
	printWarnings(e.stderr, cfg)
	return cfg, nil
}
