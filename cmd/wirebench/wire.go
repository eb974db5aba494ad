package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// wireFeed is what the wire server keeps in memory per source; the body
// stays on disk so that the harness's own memory does not count against
// the peak RSS of the ingest (the page cache serves it, and sendfile
// copies it to the socket).
type wireFeed struct {
	spec         Spec
	file         string
	size         int64
	contentType  string
	etag         string
	lastModified string
	modTime      time.Time
}

// wire is the synthetic wire: N feeds on disk and an HTTP server on
// loopback that serves them with validators and answers 304 to matching
// conditional requests.
type wire struct {
	feeds []wireFeed
	bytes int64 // sum of body sizes

	srv  *http.Server
	ln   net.Listener
	done chan struct{}

	full, notModified atomic.Int64 // responses by kind
}

// writeWire generates every feed of g into dir, in parallel.
func writeWire(ctx context.Context, g *Generator, dir string) (*wire, error) {
	w := &wire{feeds: make([]wireFeed, g.Sources)}
	var (
		next    atomic.Int64
		wg      sync.WaitGroup
		errOnce sync.Once
		first   error
	)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= g.Sources || ctx.Err() != nil {
					return
				}
				f := g.Feed(i)
				name := filepath.Join(dir, fmt.Sprintf("%d.xml", i))
				if err := os.WriteFile(name, f.Body, 0o644); err != nil {
					errOnce.Do(func() { first = fmt.Errorf("write feed %d: %w", i, err) })
					return
				}
				w.feeds[i] = wireFeed{
					spec: f.Spec, file: name, size: int64(len(f.Body)),
					contentType: f.ContentType, etag: f.ETag,
					lastModified: f.LastModified, modTime: g.Base.UTC().Truncate(time.Second),
				}
			}
		})
	}
	wg.Wait()
	if first != nil {
		return nil, first
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, f := range w.feeds {
		w.bytes += f.size
	}
	return w, nil
}

// start serves the wire on 127.0.0.1 at a free port.
func (w *wire) start() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("wire server: listen: %w", err)
	}
	w.ln = ln
	w.srv = &http.Server{Handler: w, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute}
	w.done = make(chan struct{})
	go func() {
		defer close(w.done)
		_ = w.srv.Serve(ln) // returns http.ErrServerClosed on close
	}()
	return nil
}

// close stops the server and waits for it.
func (w *wire) close() {
	if w.srv != nil {
		_ = w.srv.Close()
		<-w.done
	}
}

// url returns the feed URL of source i.
func (w *wire) url(i int) string { return "http://" + w.ln.Addr().String() + Path(i) }

// ServeHTTP answers GET /feeds/N.xml.
func (w *wire) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	name, ok := strings.CutPrefix(r.URL.Path, "/feeds/")
	if !ok {
		http.NotFound(rw, r)
		return
	}
	i, err := strconv.Atoi(strings.TrimSuffix(name, ".xml"))
	if err != nil || i < 0 || i >= len(w.feeds) {
		http.NotFound(rw, r)
		return
	}
	f := &w.feeds[i]
	h := rw.Header()
	h.Set("ETag", f.etag)
	h.Set("Last-Modified", f.lastModified)
	if conditionalMatch(r, f.etag, f.modTime) {
		w.notModified.Add(1)
		rw.WriteHeader(http.StatusNotModified)
		return
	}
	file, err := os.Open(f.file)
	if err != nil {
		http.Error(rw, err.Error(), http.StatusInternalServerError)
		return
	}
	defer file.Close()
	h.Set("Content-Type", f.contentType)
	h.Set("Content-Length", strconv.FormatInt(f.size, 10))
	w.full.Add(1)
	if r.Method == http.MethodHead {
		return
	}
	_, _ = io.Copy(rw, file) // sendfile(2) on Linux
}

// conditionalMatch reports whether r's If-None-Match names etag or, when
// it has none, If-Modified-Since is not before modTime.
func conditionalMatch(r *http.Request, etag string, modTime time.Time) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		for _, v := range strings.Split(inm, ",") {
			v = strings.TrimPrefix(strings.TrimSpace(v), "W/")
			if v == etag || v == "*" {
				return true
			}
		}
		return false
	}
	if ims := r.Header.Get("If-Modified-Since"); ims != "" {
		t, err := http.ParseTime(ims)
		return err == nil && !modTime.After(t)
	}
	return false
}
