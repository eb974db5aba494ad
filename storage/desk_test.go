package storage_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/wiredesk/wiredesk"
	"github.com/wiredesk/wiredesk/storage"
	"github.com/wiredesk/wiredesk/storage/storagetest"
)

func TestUsers(t *testing.T) {
	ctx := context.Background()
	db := storagetest.Open(t)
	anna := wiredesk.User{Name: "anna", Role: wiredesk.RoleEditor, PasswordHash: "$argon2id$x", Created: t0}
	if err := db.AddUser(ctx, anna); err != nil {
		t.Fatal(err)
	}
	if err := db.AddUser(ctx, anna); !errors.Is(err, storage.ErrExists) {
		t.Errorf("AddUser twice: %v; want ErrExists", err)
	}
	if err := db.AddUser(ctx, wiredesk.User{Name: "boris", Role: wiredesk.RoleViewer}); err != nil {
		t.Fatal(err)
	}
	anna.Role = wiredesk.RoleAdmin
	if err := db.UpdateUser(ctx, anna); err != nil {
		t.Fatal(err)
	}
	if err := db.UpdateUser(ctx, wiredesk.User{Name: "nobody"}); !errors.Is(err, wiredesk.ErrNotFound) {
		t.Errorf("UpdateUser(nobody): %v; want ErrNotFound", err)
	}
	got, err := db.User(ctx, "anna")
	if err != nil || got.Role != wiredesk.RoleAdmin || got.PasswordHash != anna.PasswordHash || !got.Created.Equal(t0) {
		t.Errorf("User(anna) = %+v, %v; want %+v", got, err, anna)
	}
	users, err := db.Users(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, u := range users {
		names = append(names, u.Name)
	}
	if want := []string{"anna", "boris"}; !slices.Equal(names, want) {
		t.Errorf("Users = %v; want %v", names, want)
	}

	// Removing a user ends their sessions and no one else's.
	for _, s := range []wiredesk.Session{{Key: "k1", User: "anna", Expires: t0.Add(time.Hour)}, {Key: "k2", User: "boris", Expires: t0.Add(time.Hour)}} {
		if err := db.PutSession(ctx, s, t0); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.RemoveUser(ctx, "anna"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.User(ctx, "anna"); !errors.Is(err, wiredesk.ErrNotFound) {
		t.Errorf("User after RemoveUser: %v; want ErrNotFound", err)
	}
	if _, err := db.Session(ctx, "k1"); !errors.Is(err, wiredesk.ErrNotFound) {
		t.Errorf("anna's session after RemoveUser: %v; want ErrNotFound", err)
	}
	if _, err := db.Session(ctx, "k2"); err != nil {
		t.Errorf("boris's session after RemoveUser(anna): %v", err)
	}
	if err := db.RemoveUser(ctx, "anna"); !errors.Is(err, wiredesk.ErrNotFound) {
		t.Errorf("RemoveUser twice: %v; want ErrNotFound", err)
	}
}

func TestSessionsExpire(t *testing.T) {
	ctx := context.Background()
	db := storagetest.Open(t)
	if err := db.PutSession(ctx, wiredesk.Session{Key: "old", User: "a", Expires: t0}, t0); err != nil {
		t.Fatal(err)
	}
	if err := db.PutSession(ctx, wiredesk.Session{Key: "new", User: "a", CSRF: "c", Expires: t0.Add(2 * time.Hour)}, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Session(ctx, "old"); !errors.Is(err, wiredesk.ErrNotFound) {
		t.Errorf("expired session still stored: %v", err)
	}
	s, err := db.Session(ctx, "new")
	if err != nil || s.CSRF != "c" {
		t.Errorf("Session(new) = %+v, %v", s, err)
	}
	if err := db.DeleteSession(ctx, "new"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Session(ctx, "new"); !errors.Is(err, wiredesk.ErrNotFound) {
		t.Errorf("deleted session still stored: %v", err)
	}
}

func TestAudit(t *testing.T) {
	ctx := context.Background()
	db := storagetest.Open(t)
	for i, a := range []string{"merge", "split", "spike"} {
		seq, err := db.AppendAudit(ctx, wiredesk.AuditEntry{At: t0.Add(time.Duration(i) * time.Minute), User: "anna", Action: a, Target: "s"})
		if err != nil {
			t.Fatal(err)
		}
		if seq != uint64(i+1) {
			t.Errorf("AppendAudit #%d = seq %d; want %d", i+1, seq, i+1)
		}
	}
	tests := []struct {
		limit  int
		before uint64
		want   []string
	}{
		{0, 0, []string{"spike", "split", "merge"}},
		{2, 0, []string{"spike", "split"}},
		{2, 3, []string{"split", "merge"}},
		{0, 1, nil},
	}
	for _, tt := range tests {
		es, err := db.Audit(ctx, tt.limit, tt.before)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range es {
			got = append(got, e.Action)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("Audit(%d, %d) = %v; want %v", tt.limit, tt.before, got, tt.want)
		}
	}
}

func TestMarkStory(t *testing.T) {
	ctx := context.Background()
	db := storagetest.Open(t)
	mustSave(t, db, poll(t0, "tass", item("tass", 1, "h")))
	id := wiredesk.ItemID("tass", item("tass", 1, "").Key)
	if _, _, err := db.MarkStory(ctx, "nope", func(m *wiredesk.StoryMarks) { m.SpikedAll = true }); !errors.Is(err, wiredesk.ErrNotFound) {
		t.Errorf("MarkStory(unknown) = %v; want ErrNotFound", err)
	}
	before, after, err := db.MarkStory(ctx, id, func(m *wiredesk.StoryMarks) {
		m.Spiked = append(m.Spiked, "central-asia")
		m.Headline = "Fixed"
		m.By = "anna"
	})
	if err != nil {
		t.Fatal(err)
	}
	if !before.IsZero() || after.Headline != "Fixed" || !after.SpikedFrom("central-asia") || after.SpikedFrom("other") {
		t.Errorf("MarkStory = %+v → %+v", before, after)
	}
	sts, err := db.Stories(ctx, storage.StoryQuery{})
	if err != nil || len(sts) != 1 {
		t.Fatalf("Stories = %v, %v", sts, err)
	}
	if got := sts[0].Marks; got.Headline != "Fixed" || !slices.Equal(got.Spiked, []string{"central-asia"}) {
		t.Errorf("stored marks = %+v", got)
	}
	// Clearing every mark deletes the record.
	_, after, err = db.MarkStory(ctx, id, func(m *wiredesk.StoryMarks) { *m = wiredesk.StoryMarks{} })
	if err != nil || !after.IsZero() {
		t.Fatalf("clear marks = %+v, %v", after, err)
	}
	st, err := db.Story(ctx, id)
	if err != nil || !st.Marks.IsZero() {
		t.Errorf("Story after clearing = %+v, %v", st.Marks, err)
	}
}
