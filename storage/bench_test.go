package storage

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/wiredesk/wiredesk"
)

// benchItem returns a wire item of typical size (about 1.5 KB).
func benchItem(src string, n int, published time.Time) wiredesk.Item {
	key := fmt.Sprintf("guid:https://www.%s.example/news/%d", src, n)
	return wiredesk.Item{
		SourceID:   src,
		Key:        key,
		GUID:       key[len("guid:"):],
		Link:       fmt.Sprintf("https://www.%s.example/news/%d", src, n),
		Title:      fmt.Sprintf("Kazakh president meets Kyrgyz counterpart in Astana, talks on water and energy (%d)", n),
		Summary:    strings.Repeat("The presidents discussed water sharing on the Syr Darya. ", 5),
		Content:    "<p>" + strings.Repeat("ASTANA. Nazarbaev said the two countries would sign an agreement on energy supplies this winter. ", 12) + "</p>",
		Authors:    []string{"Desk"},
		Categories: []string{"Politics", "Central Asia"},
		Language:   "en",
		Published:  published,
		Hash:       fmt.Sprintf("h%08d", n),
	}
}

const benchDBItems = 100_000

// benchDB returns a database holding benchDBItems items from 10 sources,
// first seen one every 26 seconds over the 30 days up to now, three items
// to a story.
func benchDB(b *testing.B, now time.Time) *DB {
	b.Helper()
	d, err := Open(filepath.Join(b.TempDir(), "bench.db"), Options{Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	ctx := context.Background()
	const batch = 1000
	step := 30 * 24 * time.Hour / benchDBItems
	for start := 0; start < benchDBItems; start += batch {
		r := wiredesk.FetchResult{State: wiredesk.SourceState{SourceID: "seed", LastAttempt: now}}
		var last string
		r.Assign = func(it wiredesk.Item) string {
			var sid string
			if n := itemNumber(it); n%3 != 0 {
				sid = last
			}
			if n := itemNumber(it); n%3 == 0 {
				last = it.ID
			}
			return sid
		}
		for n := start; n < start+batch; n++ {
			first := now.Add(-time.Duration(benchDBItems-n) * step)
			it := benchItem(fmt.Sprintf("src%d", n%10), n, first)
			it.FirstSeen = first
			r.Items = append(r.Items, it)
		}
		if _, err := d.SaveFetch(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
	return d
}

func itemNumber(it wiredesk.Item) int {
	var n int
	fmt.Sscanf(it.Key[strings.LastIndexByte(it.Key, '/')+1:], "%d", &n)
	return n
}

func BenchmarkSaveFetch(b *testing.B) {
	now := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	d := benchDB(b, now)
	ctx := context.Background()
	poll := func(first int) wiredesk.FetchResult {
		r := wiredesk.FetchResult{State: wiredesk.SourceState{SourceID: "src1", State: wiredesk.StateOK, LastAttempt: now}}
		for n := first; n < first+50; n++ {
			r.Items = append(r.Items, benchItem("src1", n, now))
		}
		return r
	}
	b.Run("new", func(b *testing.B) {
		next := 10 * benchDBItems
		for b.Loop() {
			st, err := d.SaveFetch(ctx, poll(next))
			if err != nil || st.New != 50 {
				b.Fatalf("SaveFetch = %+v, %v", st, err)
			}
			next += 50
		}
	})
	b.Run("unchanged", func(b *testing.B) {
		r := poll(1000) // src1 items 1001, 1011, ... are stored; 1000..1049 mixed
		for n := range r.Items {
			r.Items[n] = benchItem("src1", 1+10*(100+n), now)
		}
		if st, err := d.SaveFetch(ctx, r); err != nil || st.Unchanged != 50 {
			b.Fatalf("SaveFetch = %+v, %v; want 50 unchanged", st, err)
		}
		for b.Loop() {
			if _, err := d.SaveFetch(ctx, r); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkIdentityLookup(b *testing.B) {
	now := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	d := benchDB(b, now)
	type ident struct{ src, key string }
	keys := make([]ident, 1024)
	for i := range keys {
		n := (i * 7919) % benchDBItems
		it := benchItem(fmt.Sprintf("src%d", n%10), n, now)
		keys[i] = ident{it.SourceID, it.Key}
	}
	b.Run("view", func(b *testing.B) { // one read transaction per lookup
		i := 0
		for b.Loop() {
			k := keys[i%len(keys)]
			i++
			err := d.bolt.View(func(tx *bolt.Tx) error {
				bs, err := openBuckets(tx)
				if err != nil {
					return err
				}
				_, _, ok, err := bs.lookup(k.src, k.key)
				if err == nil && !ok {
					err = fmt.Errorf("%s %s not found", k.src, k.key)
				}
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("in-tx", func(b *testing.B) { // as SaveFetch does, inside its transaction
		err := d.bolt.View(func(tx *bolt.Tx) error {
			bs, err := openBuckets(tx)
			if err != nil {
				return err
			}
			i := 0
			for b.Loop() {
				k := keys[i%len(keys)]
				i++
				if _, _, ok, err := bs.lookup(k.src, k.key); err != nil || !ok {
					return fmt.Errorf("%s %s: %v, found %v", k.src, k.key, err, ok)
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	})
}

func BenchmarkStoriesSince24h(b *testing.B) {
	now := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	d := benchDB(b, now)
	ctx := context.Background()
	var got int
	for b.Loop() {
		s, err := d.Stories(ctx, StoryQuery{Since: now.Add(-24 * time.Hour)})
		if err != nil {
			b.Fatal(err)
		}
		got = len(s)
	}
	b.ReportMetric(float64(got), "stories/op")
}

// BenchmarkSaveFetchLarge stores one poll of n short new items into a
// fresh database, as wirebench's step 6 does through the whole pipeline
// (issue 11): the storage part of a flood's cost, per item.
func BenchmarkSaveFetchLarge(b *testing.B) {
	now := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	for _, n := range []int{1_000, 10_000, 30_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			items := make([]wiredesk.Item, n)
			for i := range items {
				key := fmt.Sprintf("guid:https://large.example/%d", i)
				items[i] = wiredesk.Item{
					SourceID: "large", Key: key, GUID: key[len("guid:"):],
					Title:     fmt.Sprintf("Report %d on matter %d", i, i%997),
					Summary:   fmt.Sprintf("Item %d of a large document.", i),
					Language:  "en",
					Published: now.Add(-time.Duration(i) * time.Second),
					Hash:      fmt.Sprintf("h%08d", i),
				}
			}
			var pages, writes int64
			for b.Loop() {
				b.StopTimer()
				d, err := Open(filepath.Join(b.TempDir(), "large.db"), Options{Now: func() time.Time { return now }})
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				st, err := d.SaveFetch(context.Background(), wiredesk.FetchResult{State: wiredesk.SourceState{SourceID: "large", LastAttempt: now}, Items: items})
				if err != nil || st.New != n {
					b.Fatalf("SaveFetch = %+v, %v", st.New, err)
				}
				b.StopTimer()
				ts := d.bolt.Stats().TxStats
				pages, writes = ts.GetPageCount(), ts.GetWrite()
				d.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*n), "µs/item")
			// Deterministic, unlike the time: pages written per item.
			b.ReportMetric(float64(pages)/float64(n), "pages/item")
			b.ReportMetric(float64(writes)/float64(n), "writes/item")
		})
	}
}
