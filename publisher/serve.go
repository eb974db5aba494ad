package publisher

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Handler serves the documents of the last Refresh:
//
//	/                               HTML index: each feed's latest headlines, autodiscovery links
//	/feeds/{slug}.rss|.atom|.json   the live feeds
//	/feeds/{slug}.html              the feed's reading page (page.go)
//	/feeds/{slug}/archive/{n}.atom  RFC 5005 archive pages
//	/feeds.opml                     OPML list of the feeds
//
// Each answer carries Content-Type, a strong ETag (a hash of the bytes;
// the gzip variant has its own), Last-Modified (when the bytes last
// changed), Cache-Control (a feed's max-age is the shortest poll interval
// of its sources; archive pages are immutable) and Vary: Accept-Encoding.
// GET and HEAD are answered; If-None-Match (weak comparison, lists and *)
// and, without it, If-Modified-Since give 304 Not Modified. The bytes and
// their gzip form are prepared by Refresh, so a request does no rendering
// and no compression. Before the first Refresh every path answers 503.
//
// A GET or HEAD of a document's exact path is answered straight from the
// map of prepared documents; everything else (unknown slugs, unclean paths,
// other methods) goes through a ServeMux for the 404, 405 or redirect.
func (p *Publisher) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { p.serveDoc(w, r, "/") })
	mux.HandleFunc("GET /feeds.opml", func(w http.ResponseWriter, r *http.Request) { p.serveDoc(w, r, opmlPath) })
	mux.HandleFunc("GET /feeds/{file}", func(w http.ResponseWriter, r *http.Request) {
		p.serveDoc(w, r, r.URL.Path)
	})
	mux.HandleFunc("GET /feeds/{slug}/archive/{page}", func(w http.ResponseWriter, r *http.Request) {
		p.serveDoc(w, r, r.URL.Path)
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			if s := p.site.Load(); s != nil {
				if d := s.docs[r.URL.Path]; d != nil {
					p.writeDoc(w, r, d)
					return
				}
			}
		}
		mux.ServeHTTP(w, r)
	})
}

// headerValues are header values shared by every response, allocated
// once; they are never modified.
type headerValues struct {
	varyAcceptEncoding, encodingGzip, textPlain, noStore, retryAfter, nosniff, pageCSP []string
}

func newHeaderValues() headerValues {
	return headerValues{
		varyAcceptEncoding: []string{"Accept-Encoding"},
		encodingGzip:       []string{"gzip"},
		textPlain:          []string{"text/plain; charset=utf-8"},
		noStore:            []string{"no-store"},
		retryAfter:         []string{"5"},
		nosniff:            []string{"nosniff"},
		// The pages are html/template text and one inline style sheet:
		// no script, image, frame or form may load, whatever a wire's
		// text managed to put in them.
		pageCSP: []string{"default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"},
	}
}

// serveDoc answers with the prepared document at path.
func (p *Publisher) serveDoc(w http.ResponseWriter, r *http.Request, path string) {
	s := p.site.Load()
	if s == nil {
		h := w.Header()
		h["Content-Type"] = p.hv.textPlain
		h["Cache-Control"] = p.hv.noStore
		h["Retry-After"] = p.hv.retryAfter
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("feeds are not rendered yet\n"))
		return
	}
	d := s.docs[path]
	if d == nil {
		p.notFound(w, path)
		return
	}
	p.writeDoc(w, r, d)
}

// writeDoc answers with d: 304 when the request's validators match, else
// the bytes, gzipped when the client accepts it.
func (p *Publisher) writeDoc(w http.ResponseWriter, r *http.Request, d *doc) {
	gz := acceptsGzip(r.Header["Accept-Encoding"]) && d.gzipped() != nil
	etag := d.etag
	if gz {
		etag = d.gzETag
	}
	h := w.Header()
	h["Etag"] = etag
	h["Last-Modified"] = d.lastModified
	h["Cache-Control"] = d.cacheControl
	h["Vary"] = p.hv.varyAcceptEncoding
	if notModified(r.Header, etag[0], d.modified) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h["Content-Type"] = d.contentType
	h["X-Content-Type-Options"] = p.hv.nosniff
	if d.html {
		h["Content-Security-Policy"] = p.hv.pageCSP
	}
	body := d.body
	if gz {
		h["Content-Encoding"] = p.hv.encodingGzip
		h["Content-Length"] = d.gzLength
		body = d.gz
	} else {
		h["Content-Length"] = d.length
	}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

func (p *Publisher) notFound(w http.ResponseWriter, path string) {
	h := w.Header()
	h["Content-Type"] = p.hv.textPlain
	h["X-Content-Type-Options"] = p.hv.nosniff
	w.WriteHeader(http.StatusNotFound)
	what := "feed"
	if strings.Contains(path, "/archive/") {
		what = "archive page"
	}
	_, _ = w.Write([]byte("no such " + what + ": " + path + "\n"))
}

// notModified reports whether the request's validators match: If-None-Match
// when present (RFC 9110 section 13.1.2, weak comparison), else
// If-Modified-Since.
func notModified(h http.Header, etag string, modified time.Time) bool {
	if inm := h["If-None-Match"]; len(inm) > 0 {
		for _, v := range inm {
			if etagListMatch(v, etag) {
				return true
			}
		}
		return false
	}
	if ims := h["If-Modified-Since"]; len(ims) > 0 {
		t, err := http.ParseTime(ims[0])
		return err == nil && !modified.After(t)
	}
	return false
}

// etagListMatch reports whether the If-None-Match value list (`"a", W/"b"`
// or `*`) holds an entity tag weakly equal to etag.
func etagListMatch(list, etag string) bool {
	etag = strings.TrimPrefix(etag, "W/")
	for {
		list = strings.TrimLeft(list, " \t,")
		if list == "" {
			return false
		}
		if list[0] == '*' {
			return true
		}
		list = strings.TrimPrefix(list, "W/")
		if list == "" || list[0] != '"' {
			return false // malformed
		}
		end := strings.IndexByte(list[1:], '"')
		if end < 0 {
			return false
		}
		if list[:end+2] == etag {
			return true
		}
		list = list[end+2:]
	}
}

// acceptsGzip reports whether the Accept-Encoding values accept gzip with a
// non-zero quality, directly or through "*". It runs on every request, so
// it scans with IndexByte rather than splitting.
func acceptsGzip(values []string) bool {
	gzip, star := -1.0, -1.0
	for _, v := range values {
		for v != "" {
			part := v
			if i := strings.IndexByte(v, ','); i >= 0 {
				part, v = v[:i], v[i+1:]
			} else {
				v = ""
			}
			name, params := part, ""
			if i := strings.IndexByte(part, ';'); i >= 0 {
				name, params = part[:i], part[i+1:]
			}
			name = strings.TrimSpace(name)
			var isGzip bool
			switch len(name) {
			case 1:
				if name != "*" {
					continue
				}
			case 4, 6:
				if isGzip = strings.EqualFold(name, "gzip") || strings.EqualFold(name, "x-gzip"); !isGzip {
					continue
				}
			default:
				continue
			}
			q := 1.0
			if params != "" {
				if k, val, ok := strings.Cut(params, "="); ok && strings.EqualFold(strings.TrimSpace(k), "q") {
					if f, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
						q = f
					}
				}
			}
			if isGzip {
				gzip = q
			} else {
				star = q
			}
		}
	}
	if gzip >= 0 {
		return gzip > 0
	}
	return star > 0
}
