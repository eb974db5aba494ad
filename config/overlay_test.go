package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// overlayBase is a hand-written config with comments the desk must keep.
const overlayBase = `# Hand-written: the desk never rewrites this file.
[storage]
path = "desk.db" # beside the config

[[source]]
id  = "tass"   # the wire
url = "https://tass.ru/rss/v2.xml"

[[source]]
id  = "ap"
url = "https://apnews.com/asia.rss"

[[feed]]
slug  = "world"
title = "World"

[[feed]]
slug  = "asia"
title = "Asia"
sources = ["ap"]
`

func overlayDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "wiredesk.toml"), []byte(overlayBase), 0o644); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "wiredesk.toml")
}

func TestOverlayMergedByLoad(t *testing.T) {
	path := overlayDir(t)
	cfg, err := UpdateOverlay(path, 0, "anna", fakeEnv, func(o *Overlay) error {
		o.Sources = append(o.Sources,
			map[string]any{"id": "tass", "url": "https://tass.ru/rss/v2.xml", "enabled": false},
			map[string]any{"id": "kaz", "url": "https://kazinform.kz/rss", "username": "desk", "password": "${KAZINFORM_PASSWORD}"})
		o.Feeds = append(o.Feeds, map[string]any{"slug": "asia", "title": "Asia desk", "sources": []any{"ap", "kaz"}})
		o.RemovedFeeds = []string{"world"}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Revision != 1 {
		t.Errorf("revision after the first save = %d; want 1", cfg.Revision)
	}
	// Load sees what UpdateOverlay returned; the hand-written file is as
	// it was, comments included.
	loaded, err := LoadEnv(path, fakeEnv)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []*Config{cfg, loaded} {
		var ids []string
		for _, s := range c.Sources {
			ids = append(ids, s.ID+map[bool]string{true: "", false: "(off)"}[s.Enabled])
		}
		if got := strings.Join(ids, " "); got != "tass(off) ap kaz" {
			t.Errorf("sources = %q; want tass(off) ap kaz (the file's order, then the desk's)", got)
		}
		if len(c.Feeds) != 1 || c.Feeds[0].Slug != "asia" || c.Feeds[0].Title != "Asia desk" {
			t.Errorf("feeds = %+v; want only asia, titled by the desk", c.Feeds)
		}
		if c.Overlay != filepath.Join(filepath.Dir(path), "desk.desk.toml") {
			t.Errorf("overlay path %q", c.Overlay)
		}
	}
	if b, _ := os.ReadFile(path); string(b) != overlayBase {
		t.Errorf("the hand-written config changed:\n%s", b)
	}
	ov, _ := os.ReadFile(OverlayPath(loaded.Storage.Path))
	for _, secret := range secretValues {
		if strings.Contains(string(ov), secret) {
			t.Errorf("the overlay stores the expanded secret %q:\n%s", secret, ov)
		}
	}
	if !strings.Contains(string(ov), `"${KAZINFORM_PASSWORD}"`) {
		t.Errorf("the overlay lacks the reference:\n%s", ov)
	}
}

func TestOverlayConflictAndValidation(t *testing.T) {
	path := overlayDir(t)
	add := func(o *Overlay) error {
		o.Feeds = append(o.Feeds, map[string]any{"slug": "new", "title": "New"})
		return nil
	}
	if _, err := UpdateOverlay(path, 0, "anna", fakeEnv, add); err != nil {
		t.Fatal(err)
	}
	// A second editor who read revision 0 is told, and nothing is written.
	_, err := UpdateOverlay(path, 0, "boris", fakeEnv, add)
	if !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), "saved by anna") {
		t.Fatalf("save over a stale revision: %v; want ErrConflict naming anna", err)
	}
	// A bad table is refused with key, message and the overlay's file.
	_, err = UpdateOverlay(path, 1, "anna", fakeEnv, func(o *Overlay) error {
		o.Sources = append(o.Sources, map[string]any{"id": "bad", "url": "ftp://x", "intervall": "5m"})
		return nil
	})
	var es *Errors
	if !errors.As(err, &es) {
		t.Fatalf("invalid source: %v; want *Errors", err)
	}
	msg := err.Error()
	for _, want := range []string{"desk.desk.toml:", "url", "intervall", `did you mean "interval"`} {
		if !strings.Contains(msg, want) {
			t.Errorf("validation error lacks %q:\n%s", want, msg)
		}
	}
	cfg, err := LoadEnv(path, fakeEnv)
	if err != nil || cfg.Revision != 1 || len(cfg.Sources) != 2 {
		t.Errorf("after refused saves: revision %d, %d sources, %v; want revision 1, 2 sources", cfg.Revision, len(cfg.Sources), err)
	}
}

// TestOverlayConcurrentSaves: of editors saving over the same revision at
// once, exactly one wins.
func TestOverlayConcurrentSaves(t *testing.T) {
	path := overlayDir(t)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = UpdateOverlay(path, 0, "editor", fakeEnv, func(o *Overlay) error {
				o.Feeds = append(o.Feeds, map[string]any{"slug": "f", "title": "F"})
				return nil
			})
		})
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, ErrConflict):
			t.Errorf("unexpected error %v", err)
		}
	}
	if won != 1 {
		t.Errorf("%d saves over revision 0 succeeded; want 1", won)
	}
}

func TestCheckSecretRefs(t *testing.T) {
	tests := []struct {
		name string
		src  map[string]any
		want string // "" for none; else a key that must be named
	}{
		{"reference", map[string]any{"password": "${P}", "url": "https://x/rss?key=${K}"}, ""},
		{"literal password", map[string]any{"password": "hunter2"}, "password"},
		{"header literal", map[string]any{"headers": map[string]any{"Authorization": "Bearer hunter2"}}, "headers.Authorization"},
		{"header reference", map[string]any{"headers": map[string]any{"Authorization": "Bearer ${TOKEN}"}}, ""},
		{"userinfo literal", map[string]any{"url": "https://u:hunter2@x/rss"}, "url"},
		{"query literal", map[string]any{"url": "https://x/rss?api_key=hunter2"}, "url"},
		{"plain url", map[string]any{"url": "https://x/rss?page=2"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := CheckSecretRefs(tt.src)
			if tt.want == "" {
				if len(errs) != 0 {
					t.Errorf("CheckSecretRefs = %v; want none", errs)
				}
				return
			}
			if len(errs) == 0 || errs[0].Key != tt.want {
				t.Fatalf("CheckSecretRefs = %v; want a problem with %s", errs, tt.want)
			}
			if strings.Contains(errs.Error(), "hunter2") {
				t.Errorf("the message shows the secret: %v", errs)
			}
		})
	}
}
