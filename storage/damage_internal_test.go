package storage

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/wiredesk/wiredesk"
)

// A flipped overflow count in a reachable page header is reported by
// Check at once; bbolt's own check would count up to four billion pages
// (the hang `make test` once met in TestDamagedDatabase).
func TestCheckOverflowDamage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.db")
	d, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := wiredesk.FetchResult{State: wiredesk.SourceState{SourceID: "tass"}}
	for i := range 500 {
		r.Items = append(r.Items, wiredesk.Item{Key: fmt.Sprint("guid:", i), Hash: "h", Title: "a title long enough to fill pages"})
	}
	if _, err := d.SaveFetch(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	var root, pageSize uint64
	err = d.bolt.View(func(tx *bolt.Tx) error {
		root, pageSize = uint64(tx.Bucket(bucketItems).Root()), uint64(tx.DB().Info().PageSize)
		return nil
	})
	if err != nil || root == 0 {
		t.Fatalf("items root page %d, %v", root, err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte{0xff, 0xff, 0xff, 0x7f}, int64(root*pageSize+12)); err != nil {
		t.Fatal(err)
	}
	f.Close()
	d, err = Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	problems := d.Check(context.Background())
	if len(problems) == 0 || !strings.Contains(problems[0].Error(), "overflow pages reach past") {
		t.Errorf("Check = %v; want the overflow count reported", problems)
	}
}

// A damaged page can leave every value decodable but change a key: an
// item then sits under a key that is not its id, and the indexes point at
// nothing. The readers find that (`sources`, `story list` exit 5 and send
// the user to `check -db`), so Check must find it too, not call the file
// consistent.
func TestCheckBrokenLinks(t *testing.T) {
	ctx := context.Background()
	damages := []struct {
		name string
		do   func(bs *buckets) error
		want string
	}{
		{"item key changed", func(bs *buckets) error {
			v := bs.items.Get([]byte(wiredesk.ItemID("tass", "b")))
			k := []byte(wiredesk.ItemID("tass", "b"))
			k[len(k)-1] ^= 0x01
			if err := bs.items.Put(k, append([]byte(nil), v...)); err != nil {
				return err
			}
			return bs.items.Delete([]byte(wiredesk.ItemID("tass", "b")))
		}, "time index points to missing item"},
		{"item of a shared story gone", func(bs *buckets) error {
			return bs.items.Delete([]byte(wiredesk.ItemID("rferl", "c")))
		}, "lists missing item"},
		{"story index key changed", func(bs *buckets) error {
			var k []byte
			c := bs.storyTime.Cursor()
			for key, _ := c.First(); key != nil; key, _ = c.Next() {
				if string(idFromTimeKey(key)) == wiredesk.ItemID("tass", "b") {
					k = append([]byte(nil), key...)
				}
			}
			if k == nil {
				return fmt.Errorf("no time index entry for the story of tass/b")
			}
			if err := bs.storyTime.Delete(k); err != nil {
				return err
			}
			k[len(k)-1] ^= 0x01
			return bs.storyTime.Put(k, storyIndexValue)
		}, "time index points to missing story"},
	}
	for _, dm := range damages {
		t.Run(dm.name, func(t *testing.T) {
			d, err := Open(filepath.Join(t.TempDir(), "t.db"), Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			save := func(src, key, story string) {
				t.Helper()
				r := wiredesk.FetchResult{State: wiredesk.SourceState{SourceID: src},
					Items: []wiredesk.Item{{Key: key, Title: key, Hash: "h"}}}
				if story != "" {
					r.Assign = func(wiredesk.Item) string { return story }
				}
				if _, err := d.SaveFetch(ctx, r); err != nil {
					t.Fatal(err)
				}
			}
			save("tass", "a", "")
			save("tass", "b", "")
			save("rferl", "c", wiredesk.ItemID("tass", "a")) // a story with a record
			if problems := d.Check(ctx); len(problems) != 0 {
				t.Fatalf("Check before the damage: %v", problems)
			}
			if err := d.bolt.Update(func(tx *bolt.Tx) error {
				bs, err := openBuckets(tx)
				if err != nil {
					return err
				}
				return dm.do(bs)
			}); err != nil {
				t.Fatal(err)
			}
			problems := d.Check(ctx)
			var all []string
			for _, p := range problems {
				all = append(all, p.Error())
			}
			if !strings.Contains(strings.Join(all, "\n"), dm.want) {
				t.Errorf("Check = %q; want a problem saying %q", all, dm.want)
			}
		})
	}
}
