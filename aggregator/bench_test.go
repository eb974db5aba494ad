package aggregator_test

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkPoll measures one poll of a 50-item feed from an httptest
// server into a temporary database: "fresh" stores all 50 items (a new
// source each time), "304" is a conditional GET answered Not Modified.
func BenchmarkPoll(b *testing.B) {
	c := newClock()
	w := newWire(b)
	body := rss("Wire", "", numbered(50, c.Now())...)
	w.feed("/feed", `"v1"`, body)
	ctx := context.Background()

	b.Run("fresh", func(b *testing.B) {
		p, _ := newPoller(b, c)
		w.feed("/fresh", "", body)
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			src := source(fmt.Sprintf("s%d", i), w.URL+"/fresh")
			i++
			res, err := p.Poll(ctx, src)
			if err != nil || res.New != 50 {
				b.Fatalf("Poll = %d new, %v; want 50", res.New, err)
			}
		}
	})
	b.Run("304", func(b *testing.B) {
		p, _ := newPoller(b, c)
		src := source("wire", w.URL+"/feed")
		if res, err := p.Poll(ctx, src); err != nil || res.New != 50 {
			b.Fatalf("first Poll = %d new, %v; want 50", res.New, err)
		}
		b.ReportAllocs()
		for b.Loop() {
			res, err := p.Poll(ctx, src)
			if err != nil || res.Status != 304 {
				b.Fatalf("Poll = status %d, %v; want 304", res.Status, err)
			}
		}
	})
}
