package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode"

	"golang.org/x/term"

	"github.com/wiredesk/wiredesk"
	"github.com/wiredesk/wiredesk/desk"
	"github.com/wiredesk/wiredesk/internal/wiring"
	"github.com/wiredesk/wiredesk/storage"
)

const userExamples = "  wiredesk user add anna -role editor          (asks for the password twice)\n" +
	"  printf '%s\\n' \"$PW\" | wiredesk user add bot -role viewer\n" +
	"  WIREDESK_PASSWORD=... wiredesk user passwd anna\n" +
	"  wiredesk user role anna admin\n" +
	"  wiredesk user remove anna\n" +
	"  wiredesk user list\n\n" +
	"Roles at the desk: viewer (reads the board, the unsure pairs, the sources, the feeds\n" +
	"and the audit log), editor (also merges, splits, spikes, pins, sets headlines and\n" +
	"dismisses unsure pairs), admin (also adds, edits, enables and disables sources and\n" +
	"creates, edits and deletes feeds). Users are managed only with these commands,\n" +
	"which check no role. A password is read from the terminal without echo, else from\n" +
	"$WIREDESK_PASSWORD, else the first line of stdin; never from a flag, which `ps`\n" +
	"would show. It needs at least 10 characters.\n" +
	"Works on the database, or through the running daemon when `wiredesk serve` holds it.\n" +
	"Exit codes: 0 done, 1 failed (unknown or existing user, weak password), 2 usage,\n" +
	"4 database locked and no daemon answered, 5 damaged."

func cmdUser(ctx context.Context, e *env, args []string) error {
	subs := map[string]func(context.Context, *env, []string) error{
		"add": userAdd, "passwd": userPasswd, "role": userRole, "remove": userRemove, "list": userList,
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintf(e.stderr, "Usage: wiredesk user add|passwd|role|remove|list [flags] ARGS\n\n"+
			"Manages the users who sign in to the desk at /desk/.\n"+
			"Every subcommand takes -config FILE and answers --help.\n\nExamples:\n%s\n", userExamples)
		if len(args) == 0 {
			return &usageError{msg: "user needs a subcommand: add, passwd, role, remove or list"}
		}
		return flag.ErrHelp
	}
	run, ok := subs[args[0]]
	if !ok {
		return &usageError{msg: fmt.Sprintf("user: unknown subcommand %q (add, passwd, role, remove, list)", args[0])}
	}
	return run(ctx, e, args[1:])
}

// userFlags parses a user subcommand's flags and checks its arguments.
func userFlags(e *env, name, synopsis string, args []string, nargs int, extra func(*flag.FlagSet)) (*flag.FlagSet, string, string, error) {
	fs, cfg := flags(e, "user "+name, "user "+synopsis, userExamples)
	by := fs.String("by", "", "who is recorded in the audit log (default: the OS user)")
	if extra != nil {
		extra(fs)
	}
	if err := parseFlags(fs, interleave(args)); err != nil {
		return nil, "", "", err
	}
	if fs.NArg() != nargs {
		fs.Usage()
		return nil, "", "", &usageError{msg: "user " + synopsis}
	}
	return fs, *cfg, editorName(e, *by), nil
}

func userAdd(ctx context.Context, e *env, args []string) error {
	var role *string
	fs, cfg, by, err := userFlags(e, "add", "add [-config FILE] [-role ROLE] NAME", args, 1, func(fs *flag.FlagSet) {
		role = fs.String("role", "editor", "`role`: viewer, editor or admin")
	})
	if err != nil {
		return err
	}
	r, err := wiredesk.ParseRole(*role)
	if err != nil {
		return &usageError{msg: err.Error()}
	}
	pw, err := readPassword(e, "Password for "+fs.Arg(0))
	if err != nil {
		return err
	}
	return withAccounts(ctx, e, cfg, true, func(a desk.Accounts) error {
		if err := a.Add(ctx, fs.Arg(0), r, pw, by); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "added user %s (%s)\n", fs.Arg(0), r)
		return nil
	})
}

func userPasswd(ctx context.Context, e *env, args []string) error {
	fs, cfg, by, err := userFlags(e, "passwd", "passwd [-config FILE] NAME", args, 1, nil)
	if err != nil {
		return err
	}
	pw, err := readPassword(e, "New password for "+fs.Arg(0))
	if err != nil {
		return err
	}
	return withAccounts(ctx, e, cfg, true, func(a desk.Accounts) error {
		if err := a.SetPassword(ctx, fs.Arg(0), pw, by); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "changed the password of %s; their sessions have ended\n", fs.Arg(0))
		return nil
	})
}

func userRole(ctx context.Context, e *env, args []string) error {
	fs, cfg, by, err := userFlags(e, "role", "role [-config FILE] NAME ROLE", args, 2, nil)
	if err != nil {
		return err
	}
	r, err := wiredesk.ParseRole(fs.Arg(1))
	if err != nil {
		return &usageError{msg: err.Error()}
	}
	return withAccounts(ctx, e, cfg, true, func(a desk.Accounts) error {
		if err := a.SetRole(ctx, fs.Arg(0), r, by); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s is now %s; their sessions have ended\n", fs.Arg(0), r)
		return nil
	})
}

func userRemove(ctx context.Context, e *env, args []string) error {
	fs, cfg, by, err := userFlags(e, "remove", "remove [-config FILE] NAME", args, 1, nil)
	if err != nil {
		return err
	}
	return withAccounts(ctx, e, cfg, true, func(a desk.Accounts) error {
		if err := a.Remove(ctx, fs.Arg(0), by); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "removed user %s\n", fs.Arg(0))
		return nil
	})
}

func userList(ctx context.Context, e *env, args []string) error {
	var asJSON *bool
	_, cfg, _, err := userFlags(e, "list", "list [-config FILE] [-json]", args, 0, func(fs *flag.FlagSet) {
		asJSON = fs.Bool("json", false, "print the users as JSON")
	})
	if err != nil {
		return err
	}
	return withAccounts(ctx, e, cfg, false, func(a desk.Accounts) error {
		us, err := a.List(ctx)
		if err != nil {
			return err
		}
		return printView(e, *asJSON, us, func() error {
			if len(us) == 0 {
				fmt.Fprintln(e.stdout, "no users; add one with `wiredesk user add NAME -role admin`")
				return nil
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tROLE\tCREATED\tCHANGED")
			for _, u := range us {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", u.Name, u.Role, u.Created.Format("2006-01-02 15:04Z"), u.Changed.Format("2006-01-02 15:04Z"))
			}
			return tw.Flush()
		})
	})
}

func cmdAudit(ctx context.Context, e *env, args []string) error {
	fs, cfg := flags(e, "audit", "audit [-config FILE] [-n N] [-json]",
		"  wiredesk audit\n  wiredesk audit -n 200 -json | jq 'map(select(.action == \"spike\"))'\n\n"+
			"Prints the audit log, newest first: who did what to which story, item or user,\n"+
			"when, and the state before and after. The desk shows the same at /desk/audit.\n"+
			"Works on the database, or through the running daemon when `wiredesk serve` holds it.")
	n := fs.Int("n", 50, "print at most `N` entries (0: all)")
	asJSON := fs.Bool("json", false, "print the entries as JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return &usageError{msg: "audit takes no arguments"}
	}
	return withAccounts(ctx, e, *cfg, false, func(a desk.Accounts) error {
		es, err := a.Audit(ctx, *n, 0)
		if err != nil {
			return err
		}
		if *asJSON {
			enc := json.NewEncoder(e.stdout)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			return enc.Encode(es)
		}
		if len(es) == 0 {
			fmt.Fprintln(e.stdout, "the audit log is empty")
			return nil
		}
		pad := strings.Repeat(" ", 30) // under the text after "before: "
		for _, x := range es {
			fmt.Fprintf(e.stdout, "%s  %-10s %-12s %s\n", x.At.UTC().Format("2006-01-02 15:04:05Z"),
				printable(x.User, pad), printable(x.Action, pad), printable(x.Target, pad))
			if x.Before != "" {
				fmt.Fprintf(e.stdout, "%22s before: %s\n", "", printable(x.Before, pad))
			}
			if x.After != "" {
				fmt.Fprintf(e.stdout, "%22s after:  %s\n", "", printable(x.After, pad))
			}
		}
		return nil
	})
}

// printable makes s safe to print on a terminal: a line break goes on
// a new line that begins with indent (a table an admin saved at the desk
// keeps its lines), a tab stays, and every other control character is
// written as Go quotes it ("\x1b", "\r"), so that an entry's text cannot
// move the cursor, change colours or pass for another entry.
func printable(s, indent string) string {
	if !strings.ContainsFunc(s, unicode.IsControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteString("\n" + indent)
		case r == '\t' || !unicode.IsControl(r):
			b.WriteRune(r)
		default:
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		}
	}
	return b.String()
}

// withAccounts runs op on the database when this process can open it,
// else through the running daemon (besideDaemon).
func withAccounts(ctx context.Context, e *env, cfgPath string, write bool, op func(desk.Accounts) error) error {
	cfg, err := loadConfigReadOnly(e, cfgPath)
	if err != nil {
		return err
	}
	return besideDaemon(e, cfg, "user", write,
		func(c *desk.Client) error { return op(&desk.AccountsClient{Client: *c}) },
		func(db *storage.DB) error { return op(wiring.Users(db)) })
}

// readPassword reads a password: from the terminal without echo (twice,
// to catch a typo), else $WIREDESK_PASSWORD, else the first line of
// stdin. Never from the command line, where `ps` shows it.
func readPassword(e *env, prompt string) (string, error) {
	if f, ok := e.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprintf(e.stderr, "%s: ", prompt)
		a, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.stderr)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		fmt.Fprintf(e.stderr, "Again: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.stderr)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		if string(a) != string(b) {
			return "", &usageError{msg: "the two passwords differ"}
		}
		return string(a), nil
	}
	if v, ok := e.getenv("WIREDESK_PASSWORD"); ok && v != "" {
		return v, nil
	}
	if e.stdin != nil {
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		line = strings.TrimRight(line, "\r\n")
		if line != "" {
			return line, nil
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("read password from stdin: %w", err)
		}
	}
	return "", &usageError{msg: "no password: type it at a terminal, pipe it on stdin or set WIREDESK_PASSWORD"}
}
