// Command wiredesk polls news-wire feeds, keeps them in one bbolt file and
// republishes curated RSS, Atom and JSON feeds that credit the wires.
//
// main only parses flags, wires the packages together and maps errors to
// exit codes; the work is done in the packages it imports.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	// Time zone names in the config ([server] timezone, [[source]]
	// timezone) load on machines and containers without a zoneinfo
	// database; the system's database is used first when there is one.
	_ "time/tzdata"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// env is what a command gets to work with, so tests can run commands
// in-process with their own streams.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) (string, bool)
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "run the daemon: poll sources, serve feeds, status page and metrics", cmdServe},
		{"once", "poll every source once, store, write every feed to out_dir (for cron)", cmdOnce},
		{"check", "validate the config file (-fetch: also read every source, -db: also verify the database)", cmdCheck},
		{"fetch", "fetch and parse one feed URL and print what would be stored", cmdFetch},
		{"sources", "print a table of every source's health", cmdSources},
		{"import-opml", "print [[source]] blocks for the feeds of an OPML file", cmdImportOPML},
		{"export", "write every published feed from the database to out_dir, without polling", cmdExport},
		{"preview", "show what a feed would publish and why each other item is left out", cmdPreview},
		{"compact", "rewrite the database file to its live size (daemon stopped)", cmdCompact},
		{"backup", "write a consistent copy of the database, also while the daemon runs", cmdBackup},
		{"poll-now", "ask a running daemon to poll every source now", cmdPollNow},
		{"story", "show, list, merge and split stories, ask why two items are (not) one story, list and dismiss unsure pairs", cmdStory},
		{"alerts", "list the alert outbox and dead letters; `alerts test RULE` sends a sample", cmdAlerts},
		{"user", "add, list and remove desk users; change their password or role", cmdUser},
		{"audit", "print the audit log: who did what at the desk, when, before and after", cmdAudit},
		{"version", "print version and build information", cmdVersion},
	}
}

// run executes one command and returns the process exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.LookupEnv}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	if args[0] == "-version" || args[0] == "--version" {
		args[0] = "version"
	}
	for _, c := range commands() {
		if c.name == args[0] {
			err := c.run(ctx, e, args[1:])
			return report(stderr, err)
		}
	}
	fmt.Fprintf(stderr, "wiredesk: unknown command %q%s\n\n", args[0], suggestCommand(args[0]))
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "wiredesk aggregates news-wire feeds and republishes curated feeds that credit the wires.\n\n")
	fmt.Fprintf(w, "Usage:\n  wiredesk COMMAND [flags]\n\nCommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nEvery command takes -config FILE (default ./wiredesk.toml) and answers --help.\n")
	fmt.Fprintf(w, "Quick start: wiredesk serve -config demo.toml, then open http://localhost:8080/\n")
}

func suggestCommand(name string) string {
	var names []string
	for _, c := range commands() {
		names = append(names, c.name)
	}
	sort.Strings(names)
	best, bestD := "", 3
	for _, n := range names {
		if d := editDistance(name, n); d < bestD {
			best, bestD = n, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf("; did you mean %q?", best)
}

func editDistance(a, b string) int {
	a, b = strings.ToLower(a), strings.ToLower(b)
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
