package publisher

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestExport(t *testing.T) {
	clk := &clock{t: curateNow}
	opt := testOptions(clk)
	opt.ArchivePeriod = 4 * time.Hour
	r := &fakeReader{stories: testStories(5)} // limit 3: one archive page of k1-k4 (08:00-12:00); k5 is alone before
	p := New(r, opt)
	page := fmt.Sprintf("central-asia/archive/%d.atom", pageOf(curateNow.Add(-time.Hour), opt.ArchivePeriod))
	pageBefore := fmt.Sprintf("central-asia/archive/%d.atom", pageOf(curateNow.Add(-5*time.Hour), opt.ArchivePeriod))
	defer p.Close()
	ctx := context.Background()
	dir := t.TempDir()

	written, err := p.Export(ctx, dir) // refreshes first
	if err != nil {
		t.Fatalf("Export: %v", err)
	}
	all := []string{"central-asia.atom", "central-asia.html", "central-asia.json", "central-asia.rss", pageBefore, page,
		"everything.atom", "everything.html", "everything.json", "everything.rss", "feeds.opml"}
	slices.Sort(written)
	if !slices.Equal(written, all) {
		t.Errorf("first Export wrote %q; want %q", written, all)
	}
	h := p.Handler()
	for _, f := range all {
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f)))
		if err != nil {
			t.Fatal(err)
		}
		path := "/feeds/" + f
		if f == "feeds.opml" {
			path = "/feeds.opml"
		}
		if served := body(t, get(t, h, "GET", path)); string(got) != served {
			t.Errorf("%s differs from what %s serves", f, path)
		}
	}

	// Back-date every file, then export again without a change: nothing
	// is rewritten and every mtime stays.
	old := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, f := range all {
		if err := os.Chtimes(filepath.Join(dir, filepath.FromSlash(f)), old, old); err != nil {
			t.Fatal(err)
		}
	}
	clk.Advance(time.Hour)
	if _, err := p.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if written, err = p.Export(ctx, dir); err != nil || len(written) != 0 {
		t.Errorf("unchanged Export wrote %q, %v; want nothing", written, err)
	}

	// A radio story changes only the feed of everything.
	r.add(story("rf", "rferl", "Radio story", 10*time.Minute))
	if _, err := p.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	written, err = p.Export(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(written)
	if want := []string{"everything.atom", "everything.html", "everything.json", "everything.rss"}; !slices.Equal(written, want) {
		t.Errorf("Export after a radio story wrote %q; want %q", written, want)
	}
	for _, f := range all {
		fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(f)))
		if err != nil {
			t.Fatal(err)
		}
		rewritten := slices.Contains(written, f)
		if kept := fi.ModTime().Equal(old); kept == rewritten {
			t.Errorf("%s: mtime %v, rewritten %v", f, fi.ModTime(), rewritten)
		}
		if fi.Mode().Perm() != 0o644 {
			t.Errorf("%s: mode %v; want 0644", f, fi.Mode().Perm())
		}
	}
	// No temporary file is left behind.
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && strings.Contains(d.Name(), ".tmp") {
			t.Errorf("temporary file left: %s", path)
		}
		return err
	})
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "a", "b.rss")
	for i, tt := range []struct {
		data  string
		wrote bool
	}{{"one", true}, {"one", false}, {"two", true}} {
		wrote, err := writeFileAtomic(name, []byte(tt.data))
		if err != nil || wrote != tt.wrote {
			t.Errorf("write %d: wrote %v, %v; want %v", i, wrote, err, tt.wrote)
		}
		if got, _ := os.ReadFile(name); string(got) != tt.data {
			t.Errorf("write %d: file holds %q; want %q", i, got, tt.data)
		}
	}
	// A folder where the file should be is an error naming the file.
	if err := os.MkdirAll(filepath.Join(dir, "c.rss"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := writeFileAtomic(filepath.Join(dir, "c.rss"), []byte("x")); err == nil || !strings.Contains(err.Error(), "c.rss") {
		t.Errorf("writing over a folder: %v; want an error naming it", err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
}

func TestExportCancelled(t *testing.T) {
	p, _, _ := newTestPublisher(t, 1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Export(ctx, t.TempDir()); err == nil {
		t.Errorf("Export with a cancelled context succeeded")
	}
}
