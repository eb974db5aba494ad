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
