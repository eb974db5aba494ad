package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mmcdole/gofeed"
	"golang.org/x/text/encoding/charmap"
)

// baselineResult is gofeed's own throughput on the wire's bytes.
type baselineResult struct {
	bytes int64 // wire bytes parsed
	items int64
	// withDecode is the time of decode-then-parse: the reference.
	withDecode time.Duration
	// parseOnly is gofeed alone on bodies already in UTF-8, over the
	// first parseOnlyBytes of the wire only (it is context, not the
	// reference, and the run must stay short).
	parseOnly      time.Duration
	parseOnlyBytes int64
	// cpu is the process CPU time of the decode-then-parse pass.
	cpu time.Duration
}

// chunkBytes bounds how much of the wire the baseline holds in memory at
// once; reading the files is not timed.
const chunkBytes = 32 << 20

// measureGofeed parses every feed of w with gofeed.NewParser().Parse on
// GOMAXPROCS workers, like the ingest's parse step uses every core. A
// windows-1251 body first gets the one decode step gofeed needs (x/text's
// charmap to UTF-8, prolog relabelled; gofeed cannot read a charset named
// only in Content-Type): that pass, decode included, is the reference.
// A second pass times gofeed alone on the already-decoded bytes of the
// first chunk.
func measureGofeed(ctx context.Context, w *wire) (baselineResult, error) {
	var res baselineResult
	for start := 0; start < len(w.feeds); {
		end := start
		var size int64
		for end < len(w.feeds) && (size == 0 || size+w.feeds[end].size <= chunkBytes) {
			size += w.feeds[end].size
			end++
		}
		raw := make([][]byte, end-start)
		for k := range raw {
			b, err := os.ReadFile(w.feeds[start+k].file)
			if err != nil {
				return res, fmt.Errorf("gofeed baseline: %w", err)
			}
			raw[k] = b
		}
		specs := make([]Spec, end-start)
		for k := range specs {
			specs[k] = w.feeds[start+k].spec
		}
		utf := make([][]byte, len(raw))
		t0, c0 := time.Now(), cpuTime()
		n, err := parallel(ctx, len(raw), func(k int) (int, error) {
			b, err := toUTF8(raw[k], specs[k])
			if err != nil {
				return 0, err
			}
			utf[k] = b
			return parseCount(b)
		})
		res.withDecode += time.Since(t0)
		res.cpu += cpuTime() - c0
		if err != nil {
			return res, fmt.Errorf("gofeed baseline: %w", err)
		}
		res.items += int64(n)
		if start == 0 {
			t0 = time.Now()
			if _, err := parallel(ctx, len(utf), func(k int) (int, error) { return parseCount(utf[k]) }); err != nil {
				return res, fmt.Errorf("gofeed baseline: %w", err)
			}
			res.parseOnly, res.parseOnlyBytes = time.Since(t0), size
		}
		res.bytes += size
		start = end
	}
	return res, nil
}

// toUTF8 is the decode step gofeed needs for s's body.
func toUTF8(body []byte, s Spec) ([]byte, error) {
	if s.Charset != charset1251 {
		return body, nil
	}
	out, err := charmap.Windows1251.NewDecoder().Bytes(body)
	if err != nil {
		return nil, fmt.Errorf("feed %d: decode windows-1251: %w", s.Index, err)
	}
	if s.InProlog {
		out = bytes.Replace(out, []byte(`encoding="windows-1251"`), []byte(`encoding="utf-8"`), 1)
	}
	return out, nil
}

// parseCount parses body with a new gofeed parser and returns its items.
func parseCount(body []byte) (int, error) {
	f, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	return len(f.Items), nil
}

// parallel runs fn(0..n-1) on GOMAXPROCS workers and sums the results.
func parallel(ctx context.Context, n int, fn func(int) (int, error)) (int, error) {
	var (
		next, total atomic.Int64
		wg          sync.WaitGroup
		mu          sync.Mutex
		first       error
	)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for {
				k := int(next.Add(1)) - 1
				if k >= n || ctx.Err() != nil {
					return
				}
				c, err := fn(k)
				if err != nil {
					mu.Lock()
					if first == nil {
						first = fmt.Errorf("job %d: %w", k, err)
					}
					mu.Unlock()
					return
				}
				total.Add(int64(c))
			}
		})
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return int(total.Load()), first
}
