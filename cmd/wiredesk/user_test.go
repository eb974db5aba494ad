package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
)

// runStdin runs a command in-process with stdin.
func runStdin(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

// TestUserCommands runs the user and audit commands on the database, as
// an administrator would before the first `serve`.
func TestUserCommands(t *testing.T) {
	cfg := demoDir(t, freeAddr(t))
	steps := []struct {
		name, stdin, env string
		args             []string
		code             int
		out              string // in stdout (code 0) or stderr
	}{
		{"add from stdin", "anna-password-1\n", "", []string{"user", "add", "-config", cfg, "-role", "editor", "-by", "root", "anna"}, 0, "added user anna (editor)"},
		{"add taken", "anna-password-1\n", "", []string{"user", "add", "-config", cfg, "anna"}, 1, "user exists"},
		{"weak password", "short\n", "", []string{"user", "add", "-config", cfg, "boris"}, 1, "password too short"},
		{"no password", "", "", []string{"user", "add", "-config", cfg, "boris"}, 2, "no password"},
		{"bad role", "x\n", "", []string{"user", "add", "-config", cfg, "-role", "chief", "boris"}, 2, "unknown role"},
		{"password from env", "", "vera-password-1", []string{"user", "add", "-config", cfg, "-role", "viewer", "-by", "root", "vera"}, 0, "added user vera (viewer)"},
		{"passwd", "another-password-2\n", "", []string{"user", "passwd", "-config", cfg, "-by", "anna", "anna"}, 0, "changed the password of anna"},
		{"passwd unknown", "another-password-2\n", "", []string{"user", "passwd", "-config", cfg, "nobody"}, 1, "not found"},
		{"role", "", "", []string{"user", "role", "-config", cfg, "-by", "root", "vera", "admin"}, 0, "vera is now admin"},
		{"list", "", "", []string{"user", "list", "-config", cfg}, 0, "anna  editor"},
		{"remove", "", "", []string{"user", "remove", "-config", cfg, "-by", "root", "vera"}, 0, "removed user vera"},
		{"unknown subcommand", "", "", []string{"user", "frobnicate"}, 2, "unknown subcommand"},
		{"audit", "", "", []string{"audit", "-config", cfg}, 0, "root       user remove  vera"},
	}
	for _, st := range steps {
		if st.env != "" {
			t.Setenv("WIREDESK_PASSWORD", st.env)
		}
		code, out, errOut := runStdin(t, st.stdin, st.args...)
		if st.env != "" {
			t.Setenv("WIREDESK_PASSWORD", "")
		}
		got := out
		if st.code != 0 {
			got = errOut
		}
		if code != st.code || !strings.Contains(got, st.out) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit %d and %q", st.name, code, out, errOut, st.code, st.out)
		}
	}
	_, audit, _ := runStdin(t, "", "audit", "-config", cfg, "-n", "0")
	for _, secret := range []string{"anna-password-1", "vera-password-1", "another-password-2", "argon2"} {
		if strings.Contains(audit, secret) {
			t.Errorf("audit shows %q:\n%s", secret, audit)
		}
	}
	if n := len(regexp.MustCompile(`(?m)^20`).FindAllString(audit, -1)); n != 5 {
		t.Errorf("audit has %d entries; want 5 (2 adds, passwd, role, remove):\n%s", n, audit)
	}
}

// The help names what each role may do at the desk as desk/web checks it:
// editors dismiss unsure pairs, admins change sources and feeds.
func TestUserHelpNamesRoles(t *testing.T) {
	code, _, stderr := runStdin(t, "", "user", "-h")
	if code != 0 {
		t.Fatalf("user -h: exit %d\n%s", code, stderr)
	}
	help := strings.Join(strings.Fields(stderr), " ")
	for _, want := range []string{
		"viewer (reads the board, the unsure pairs, the sources, the feeds and the audit log)",
		"editor (also merges, splits, spikes, pins, sets headlines and dismisses unsure pairs)",
		"admin (also adds, edits, enables and disables sources and creates, edits and deletes feeds)",
	} {
		if !strings.Contains(help, want) {
			t.Errorf("user -h lacks %q:\n%s", want, stderr)
		}
	}
}

// printable keeps an audit entry's text from driving the terminal: an
// escape sequence is shown, not obeyed, and a table's lines stay lines,
// indented under the entry.
func TestPrintable(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "id = \"kabar\"", "id = \"kabar\""},
		{"escape sequence", "name = \"\x1b[2J\x1b[31mKabar\"", `name = "\x1b[2J\x1b[31mKabar"`},
		{"C1 control", "a\u009bb", `a\u009bb`},
		{"carriage return", "real\rfake", `real\rfake`},
		{"lines indented, tab kept", "id = \"a\"\nname\t= \"b\"", "id = \"a\"\n    name\t= \"b\""},
		{"Cyrillic and emoji untouched", "Кабар 📰", "Кабар 📰"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := printable(tt.in, "    "); got != tt.want {
				t.Errorf("printable(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}
