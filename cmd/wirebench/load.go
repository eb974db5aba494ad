package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// loadResult is one handler driven for a while.
type loadResult struct {
	requests  int
	errors    int
	elapsed   time.Duration
	latencies []time.Duration
}

func (r loadResult) rps() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.requests) / r.elapsed.Seconds()
}

// p99 returns the 99th percentile latency.
func (r loadResult) p99() time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	l := slices.Clone(r.latencies)
	slices.Sort(l)
	return l[min(len(l)-1, len(l)*99/100)]
}

func (r *loadResult) merge(o loadResult) {
	r.requests += o.requests
	r.errors += o.errors
	r.elapsed += o.elapsed
	r.latencies = append(r.latencies, o.latencies...)
}

// loadCase is one kind of request: its headers and the status expected.
type loadCase struct {
	name   string
	header http.Header
	status int
}

// server serves h on 127.0.0.1 with the timeouts `wiredesk serve` sets.
type server struct {
	srv  *http.Server
	ln   net.Listener
	done chan struct{}
}

func startServer(ln net.Listener, h http.Handler, tune func(*http.Server)) *server {
	s := &server{srv: &http.Server{Handler: h}, ln: ln, done: make(chan struct{})}
	if tune != nil {
		tune(s.srv)
	}
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(ln) // http.ErrServerClosed on close
	}()
	return s
}

func (s *server) close() {
	_ = s.srv.Close()
	<-s.done
}

// drive sends requests to url from clients goroutines over keep-alive
// connections for d and records every latency. Bodies are read in full.
func drive(ctx context.Context, url string, c loadCase, clients int, d time.Duration) loadResult {
	tr := &http.Transport{
		MaxIdleConns:        clients,
		MaxIdleConnsPerHost: clients,
		MaxConnsPerHost:     clients,
		DisableCompression:  true, // Accept-Encoding is the case's to set; bodies stay as sent
		IdleConnTimeout:     time.Minute,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	results := make([]loadResult, clients)
	var wg sync.WaitGroup
	start := time.Now()
	for k := range clients {
		wg.Go(func() {
			res := &results[k]
			res.latencies = make([]time.Duration, 0, 4096)
			for ctx.Err() == nil {
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
				if err != nil {
					res.errors++
					return
				}
				for h, v := range c.header {
					req.Header[h] = v
				}
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						res.errors++
					}
					continue
				}
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != c.status {
					if ctx.Err() == nil {
						res.errors++
					}
					continue
				}
				res.latencies = append(res.latencies, time.Since(t0))
				res.requests++
			}
		})
	}
	wg.Wait()
	total := loadResult{elapsed: time.Since(start)}
	for _, r := range results {
		total.requests += r.requests
		total.errors += r.errors
		total.latencies = append(total.latencies, r.latencies...)
	}
	return total
}

// bareDoc is a document as a bare handler serves it: bytes in memory.
type bareDoc struct {
	contentType string
	etag        string
	body        []byte
	gz          []byte
}

// bareHandler is the reference: the same bytes from memory with the
// fewest headers a feed server can send (Content-Type, Content-Length,
// ETag; Content-Encoding for gzip) and an exact If-None-Match compare.
type bareHandler struct {
	doc                      bareDoc
	length, gzLength         []string
	contentType, etag, gzTag []string
	gzip                     []string
}

func newBareHandler(d bareDoc) *bareHandler {
	return &bareHandler{
		doc:         d,
		length:      []string{strconv.Itoa(len(d.body))},
		gzLength:    []string{strconv.Itoa(len(d.gz))},
		contentType: []string{d.contentType},
		etag:        []string{d.etag},
		gzTag:       []string{strings.TrimSuffix(d.etag, `"`) + `-gz"`},
		gzip:        []string{"gzip"},
	}
}

func (b *bareHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	gz := bytes.Contains([]byte(r.Header.Get("Accept-Encoding")), []byte("gzip"))
	tag := b.etag
	if gz {
		tag = b.gzTag
	}
	h["Etag"] = tag
	if r.Header.Get("If-None-Match") == tag[0] {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h["Content-Type"] = b.contentType
	body := b.doc.body
	if gz {
		h["Content-Encoding"] = b.gzip
		h["Content-Length"] = b.gzLength
		body = b.doc.gz
	} else {
		h["Content-Length"] = b.length
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// fetchDoc gets url once (identity and gzip) to learn what the publisher
// serves, so the bare handler serves exactly the same bytes.
func fetchDoc(ctx context.Context, url string) (bareDoc, error) {
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	get := func(enc string) (*http.Response, []byte, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return nil, nil, err
		}
		if enc != "" {
			req.Header.Set("Accept-Encoding", enc)
		}
		resp, err := tr.RoundTrip(req)
		if err != nil {
			return nil, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return nil, nil, err
		}
		if resp.StatusCode != http.StatusOK {
			return nil, nil, fmt.Errorf("GET %s: status %d: %.200s", url, resp.StatusCode, b)
		}
		return resp, b, nil
	}
	resp, body, err := get("")
	if err != nil {
		return bareDoc{}, err
	}
	gzResp, gzBody, err := get("gzip")
	if err != nil {
		return bareDoc{}, err
	}
	if gzResp.Header.Get("Content-Encoding") != "gzip" {
		return bareDoc{}, fmt.Errorf("GET %s: gzip not offered", url)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gzBody))
	if err != nil {
		return bareDoc{}, fmt.Errorf("GET %s: gzip body: %w", url, err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(plain, body) {
		return bareDoc{}, fmt.Errorf("GET %s: gzip body differs from identity body", url)
	}
	d := bareDoc{contentType: resp.Header.Get("Content-Type"), etag: resp.Header.Get("ETag"), body: body, gz: gzBody}
	if d.etag == "" {
		return bareDoc{}, fmt.Errorf("GET %s: no ETag", url)
	}
	return d, nil
}
