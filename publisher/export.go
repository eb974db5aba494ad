package publisher

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Export writes the documents of the last Refresh (Refresh is called first
// if there was none) under dir, with the same bytes the Handler serves:
//
//	dir/{slug}.rss, dir/{slug}.atom, dir/{slug}.json
//	dir/{slug}.html (the reading page)
//	dir/{slug}/archive/{n}.atom
//	dir/feeds.opml
//
// The documents' links point at BaseURL + "/feeds/…", so a web server
// publishing dir should serve it under /feeds/. The index page is not
// exported.
//
// Each file is written to a temporary file in its own folder, synced and
// renamed over the old one, so a web server never serves half a file. A
// file whose bytes are already on disk is not rewritten and keeps its
// mtime. Files of feeds no longer configured are left in place. written
// lists the files written, as paths under dir.
//
// When a hub is configured, Export asks it to fetch each rewritten live
// feed that Refresh has not announced, which is what makes `wiredesk
// once` announce changes. Call Wait before exiting to let the pings finish.
func (p *Publisher) Export(ctx context.Context, dir string) (written []string, err error) {
	s := p.site.Load()
	if s == nil {
		if _, err := p.Refresh(ctx); err != nil {
			return nil, err
		}
		s = p.site.Load()
	}
	cfg := p.settings()
	var ping []string
	for _, path := range s.paths {
		d := s.docs[path]
		if d.file == "" {
			continue
		}
		if err := ctx.Err(); err != nil {
			return written, fmt.Errorf("export to %s: %w", dir, err)
		}
		name := filepath.Join(dir, filepath.FromSlash(d.file))
		wrote, err := writeFileAtomic(name, d.body)
		if err != nil {
			return written, err
		}
		if wrote {
			written = append(written, d.file)
			if d.live && d.initial {
				ping = append(ping, cfg.base+d.path)
			}
		}
	}
	if cfg.opt.Hub != "" && len(ping) > 0 {
		p.hub.publish(cfg.opt.Hub, ping)
	}
	return written, nil
}

// writeFileAtomic makes name hold data: unless it already does, it writes
// a temporary file in the same folder, syncs it and renames it over name.
// It reports whether it wrote.
func writeFileAtomic(name string, data []byte) (bool, error) {
	old, err := os.ReadFile(name)
	switch {
	case err == nil && bytes.Equal(old, data):
		return false, nil
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return false, fmt.Errorf("export %s: %w", name, err)
	}
	dir := filepath.Dir(name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false, fmt.Errorf("export %s: %w", name, err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(name)+".tmp*")
	if err != nil {
		return false, fmt.Errorf("export %s: %w", name, err)
	}
	tmp := f.Name()
	fail := func(err error) (bool, error) {
		_ = f.Close()
		_ = os.Remove(tmp)
		return false, fmt.Errorf("export %s: %w", name, err)
	}
	if _, err := f.Write(data); err != nil {
		return fail(err)
	}
	if err := f.Chmod(0o644); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp, name); err != nil {
		_ = os.Remove(tmp)
		return false, fmt.Errorf("export %s: %w", name, err)
	}
	// Make the rename itself durable; not every system can sync a folder.
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return true, nil
}
