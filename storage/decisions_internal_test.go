package storage

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/wiredesk/wiredesk"
)

// TestDamagedDecisions checks that a decision value that does not decode is
// damage like any other value: Check names it, and reading its story says
// the database is damaged instead of dropping the decisions silently.
func TestDamagedDecisions(t *testing.T) {
	ctx := context.Background()
	d, err := Open(filepath.Join(t.TempDir(), "w.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	at := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	for _, src := range []string{"tass", "ria"} {
		if _, err := d.SaveFetch(ctx, wiredesk.FetchResult{Items: []wiredesk.Item{{SourceID: src, Key: "guid:1", FirstSeen: at}}}); err != nil {
			t.Fatal(err)
		}
	}
	into, from := wiredesk.ItemID("tass", "guid:1"), wiredesk.ItemID("ria", "guid:1")
	if _, err := d.MergeStories(ctx, into, from, "anna"); err != nil {
		t.Fatal(err)
	}
	if problems := d.Check(ctx); len(problems) != 0 {
		t.Fatalf("Check before the damage: %v", problems)
	}
	err = d.bolt.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketDecisions).Put([]byte(into), []byte{decisionsCodec, 0xff, 0xff, 0x03})
	})
	if err != nil {
		t.Fatal(err)
	}
	problems := d.Check(ctx)
	if len(problems) != 1 || !strings.Contains(problems[0].Error(), string(bucketDecisions)) {
		t.Errorf("Check = %v; want one problem in bucket %s", problems, bucketDecisions)
	}
	if _, err := d.Story(ctx, into); !errors.Is(err, wiredesk.ErrDamaged) {
		t.Errorf("Story with damaged decisions: %v; want an error matching ErrDamaged", err)
	}
}
