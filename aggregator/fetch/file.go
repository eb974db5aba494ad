package fetch

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// fetchFile reads an absolute file:// URL as if it were served over HTTP:
// Last-Modified is the file's mtime, the ETag is made of its size and
// mtime, and a request whose validators still match answers 304.
func (c *Client) fetchFile(ctx context.Context, u *url.URL, r Request, fail func(int, error) error) (*Response, error) {
	if err := ctx.Err(); err != nil {
		return nil, fail(0, err)
	}
	if u.Host != "" && u.Host != "localhost" {
		return nil, fail(0, fmt.Errorf("file url must be absolute (file:///path), not relative to %q", u.Host))
	}
	path := filepath.FromSlash(u.Path)
	if u.Opaque != "" || !filepath.IsAbs(path) {
		return nil, fail(0, errors.New("file url must hold an absolute path (file:///path)"))
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fail(0, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fail(0, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fail(0, fmt.Errorf("%s is not a regular file", path))
	}
	mod := fi.ModTime()
	resp := &Response{
		Status:       http.StatusOK,
		ETag:         fileETag(fi.Size(), mod),
		LastModified: mod.UTC().Format(http.TimeFormat),
		FinalURL:     u.String(),
	}
	if notModified(r, resp.ETag, mod) {
		resp.Status = http.StatusNotModified
		return resp, nil
	}
	if fi.Size() > c.opt.MaxBody {
		return nil, fail(0, c.tooLarge())
	}
	wire := &countingReader{r: f}
	data, err := readCapped(wire, c.opt.MaxBody, fi.Size())
	resp.WireBytes = wire.n
	if errors.Is(err, ErrTooLarge) { // the file grew while we read it
		return nil, fail(0, c.tooLarge())
	}
	if err != nil {
		return nil, fail(0, fmt.Errorf("read %s: %w", path, err))
	}
	resp.Body = data
	return resp, nil
}

// fileETag is a strong validator that changes when the file is rewritten.
func fileETag(size int64, mod time.Time) string {
	return `"` + strconv.FormatInt(size, 16) + "-" + strconv.FormatInt(mod.UnixNano(), 16) + `"`
}

// notModified applies the HTTP rules: If-None-Match wins when present;
// otherwise If-Modified-Since matches when the file is not newer (at the
// one-second resolution of HTTP dates).
func notModified(r Request, etag string, mod time.Time) bool {
	if r.ETag != "" {
		return r.ETag == etag
	}
	if r.LastModified == "" {
		return false
	}
	since, err := http.ParseTime(r.LastModified)
	if err != nil {
		return false
	}
	return !mod.Truncate(time.Second).After(since)
}
