package desk

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wiredesk/wiredesk"
)

// cheap are hash parameters that keep tests fast; the format and checks
// are the same as with DefaultHashParams.
var cheap = HashParams{Time: 1, MemoryKiB: 64, Threads: 1}

// memUsers is an in-memory UserStore, MarkStore and AuditLog.
type memUsers struct {
	users map[string]wiredesk.User
	audit []wiredesk.AuditEntry
	marks map[string]wiredesk.StoryMarks
}

func newMemUsers() *memUsers {
	return &memUsers{users: map[string]wiredesk.User{}, marks: map[string]wiredesk.StoryMarks{}}
}

func (m *memUsers) AddUser(_ context.Context, u wiredesk.User) error {
	if _, ok := m.users[u.Name]; ok {
		return ErrUserExists
	}
	m.users[u.Name] = u
	return nil
}
func (m *memUsers) UpdateUser(_ context.Context, u wiredesk.User) error {
	if _, ok := m.users[u.Name]; !ok {
		return wiredesk.ErrNotFound
	}
	m.users[u.Name] = u
	return nil
}
func (m *memUsers) User(_ context.Context, name string) (wiredesk.User, error) {
	u, ok := m.users[name]
	if !ok {
		return u, wiredesk.ErrNotFound
	}
	return u, nil
}
func (m *memUsers) Users(context.Context) ([]wiredesk.User, error) {
	var out []wiredesk.User
	for _, u := range m.users {
		out = append(out, u)
	}
	slices.SortFunc(out, func(a, b wiredesk.User) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}
func (m *memUsers) RemoveUser(_ context.Context, name string) error {
	delete(m.users, name)
	return nil
}
func (m *memUsers) AppendAudit(_ context.Context, e wiredesk.AuditEntry) (uint64, error) {
	e.Seq = uint64(len(m.audit) + 1)
	m.audit = append(m.audit, e)
	return e.Seq, nil
}
func (m *memUsers) Audit(context.Context, int, uint64) ([]wiredesk.AuditEntry, error) {
	out := slices.Clone(m.audit)
	slices.Reverse(out)
	return out, nil
}
func (m *memUsers) MarkStory(_ context.Context, id string, change func(*wiredesk.StoryMarks)) (before, after wiredesk.StoryMarks, err error) {
	if id == "missing" {
		return before, after, wiredesk.ErrNotFound
	}
	before = m.marks[id]
	after = before
	after.Spiked = slices.Clone(before.Spiked)
	change(&after)
	m.marks[id] = after
	return before, after, nil
}

func (m *memUsers) actions() []string {
	var out []string
	for _, e := range m.audit {
		out = append(out, e.User+" "+e.Action+" "+e.Target)
	}
	return out
}

func TestPasswordHash(t *testing.T) {
	h, err := HashPassword("correct horse battery", cheap)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Errorf("hash %q: not an argon2id PHC string with the given parameters", h)
	}
	if h2, _ := HashPassword("correct horse battery", cheap); h2 == h {
		t.Error("two hashes of one password are equal: no salt")
	}
	tests := []struct {
		hash, pw string
		ok       bool
		err      bool
	}{
		{h, "correct horse battery", true, false},
		{h, "correct horse batterY", false, false},
		{h, "", false, false},
		{"$2a$10$bcrypt", "x", false, true},
		{"$argon2id$v=19$m=64,t=0,p=1$AAAA$AAAA", "x", false, true},
		// A hash edited in the database must not make one sign-in take
		// gigabytes or minutes: costs beyond the limits are refused
		// before any hashing (these would not finish under the test's
		// timeout if they were run).
		{"$argon2id$v=19$m=4294967295,t=1,p=1$AAAA$AAAA", "x", false, true},
		{"$argon2id$v=19$m=64,t=4294967295,p=1$AAAA$AAAA", "x", false, true},
		{"$argon2id$v=19$m=64,t=1,p=1$AAAA$" + strings.Repeat("A", 1<<20), "x", false, true},
	}
	for _, tt := range tests {
		ok, err := CheckPassword(tt.hash, tt.pw)
		if ok != tt.ok || (err != nil) != tt.err {
			t.Errorf("CheckPassword(%q, %q) = %v, %v; want %v, error %v", tt.hash, tt.pw, ok, err, tt.ok, tt.err)
		}
	}
	if _, err := HashPassword("short", cheap); !errors.Is(err, ErrWeakPassword) {
		t.Errorf("HashPassword(short) = %v; want ErrWeakPassword", err)
	}
}

func TestUsers(t *testing.T) {
	ctx := context.Background()
	store := newMemUsers()
	clock := t0
	u := &Users{Store: store, Hash: cheap, Now: func() time.Time { return clock }}
	if err := u.Add(ctx, "anna", wiredesk.RoleEditor, "long enough password", "root"); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, role, pw string }{
		{"anna", "editor", "long enough password"}, // taken
		{"<b>", "editor", "long enough password"},  // bad name
		{"boris", "chief", "long enough password"}, // bad role
		{"boris", "viewer", "short"},               // weak password
	} {
		if err := u.Add(ctx, tt.name, wiredesk.Role(tt.role), tt.pw, "root"); err == nil {
			t.Errorf("Add(%q, %q, %q) succeeded; want an error", tt.name, tt.role, tt.pw)
		}
	}
	if _, err := u.Authenticate(ctx, "anna", "long enough password"); err != nil {
		t.Errorf("Authenticate with the right password: %v", err)
	}
	for _, tt := range []struct{ name, pw string }{{"anna", "wrong password!"}, {"nobody", "long enough password"}} {
		if _, err := u.Authenticate(ctx, tt.name, tt.pw); !errors.Is(err, ErrBadLogin) {
			t.Errorf("Authenticate(%q, %q) = %v; want ErrBadLogin", tt.name, tt.pw, err)
		}
	}
	clock = clock.Add(time.Hour)
	if err := u.SetPassword(ctx, "anna", "another long password", "anna"); err != nil {
		t.Fatal(err)
	}
	if _, err := u.Authenticate(ctx, "anna", "long enough password"); !errors.Is(err, ErrBadLogin) {
		t.Errorf("old password after SetPassword: %v; want ErrBadLogin", err)
	}
	if got := store.users["anna"].Changed; !got.Equal(clock) {
		t.Errorf("Changed = %v; want %v (ends older sessions)", got, clock)
	}
	if err := u.SetRole(ctx, "anna", wiredesk.RoleAdmin, "root"); err != nil {
		t.Fatal(err)
	}
	if err := u.Remove(ctx, "anna", "root"); err != nil {
		t.Fatal(err)
	}
	if err := u.Remove(ctx, "anna", "root"); !errors.Is(err, wiredesk.ErrNotFound) {
		t.Errorf("Remove twice = %v; want ErrNotFound", err)
	}
	want := []string{"root user add anna", "anna user passwd anna", "root user role anna", "root user remove anna"}
	if got := store.actions(); !slices.Equal(got, want) {
		t.Errorf("audit %q; want %q", got, want)
	}
	for _, e := range store.audit {
		if strings.Contains(e.Before+e.After, "password ") && strings.Contains(e.Before+e.After, "long") {
			t.Errorf("audit entry %+v shows a password", e)
		}
	}
}

func TestMarkAndAudit(t *testing.T) {
	ctx := context.Background()
	store := newMemUsers()
	changes := 0
	s := &Service{Store: newFakeStore(), Marks: store, Audit: store, Now: func() time.Time { return t0 }, AfterChange: func() { changes++ }}
	steps := []struct {
		ch      MarkChange
		want    string // DescribeMarks after
		wantErr bool
	}{
		{MarkChange{Action: MarkSpike, Feed: "central-asia"}, "spiked from central-asia", false},
		{MarkChange{Action: MarkSpike}, "spiked from all feeds; spiked from central-asia", false},
		{MarkChange{Action: MarkUnspike}, "no marks", false},
		{MarkChange{Action: MarkPin, Feed: "a", Until: t0.Add(time.Hour)}, "pinned in a until 2026-11-27T09:00:00Z", false},
		{MarkChange{Action: MarkPin, Feed: "a", Until: t0}, "", true},
		{MarkChange{Action: MarkPin, Until: t0.Add(time.Hour)}, "", true},
		{MarkChange{Action: MarkUnpin, Feed: "a"}, "no marks", false},
		{MarkChange{Action: MarkHeadline, Headline: "  Fixed \n headline "}, `headline "Fixed headline"`, false},
		{MarkChange{Action: MarkHeadline, Headline: strings.Repeat("я", 301)}, "", true},
		// Control characters: a terminal escape would reach `wiredesk
		// audit` and `story show`, which print the headline as it is.
		{MarkChange{Action: MarkHeadline, Headline: "Fixed \x1b[2J\x1b]0;owned\x07 headline"}, "", true},
		{MarkChange{Action: MarkHeadline, Headline: "Fixed\u009b2Jheadline"}, "", true},
		{MarkChange{Action: "burn"}, "", true},
	}
	for i, st := range steps {
		m, err := s.Mark(ctx, "k1", st.ch, "anna")
		if (err != nil) != st.wantErr {
			t.Fatalf("step %d %+v: error %v; want error %v", i, st.ch, err, st.wantErr)
		}
		if err != nil {
			if !errors.Is(err, wiredesk.ErrRefused) {
				t.Errorf("step %d: %v; want ErrRefused", i, err)
			}
			continue
		}
		if got := DescribeMarks(m); got != st.want {
			t.Errorf("step %d %+v: marks %q; want %q", i, st.ch, got, st.want)
		}
		if m.By != "anna" || !m.At.Equal(t0) {
			t.Errorf("step %d: marks by %q at %v", i, m.By, m.At)
		}
	}
	if _, err := s.Mark(ctx, "missing", MarkChange{Action: MarkSpike}, "anna"); !errors.Is(err, wiredesk.ErrNotFound) {
		t.Errorf("Mark(missing) = %v; want ErrNotFound", err)
	}
	if changes != 6 || len(store.audit) != 6 {
		t.Errorf("%d re-renders and %d audit entries; want 6 each", changes, len(store.audit))
	}
	if e := store.audit[0]; e.Action != "spike" || e.Target != "k1 in central-asia" || e.Before != "no marks" || e.After != "spiked from central-asia" {
		t.Errorf("first audit entry %+v", e)
	}
}

func TestMergeAndSplitAudited(t *testing.T) {
	ctx := context.Background()
	log := newMemUsers()
	s := &Service{Store: newFakeStore(demoStories()...), Audit: log, Now: func() time.Time { return t0 }}
	if _, err := s.Merge(ctx, "interfax/1", "rferl/1", "anna"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Split(ctx, "tass/1", "boris"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Merge(ctx, "interfax/1", "interfax/1", "anna"); err == nil {
		t.Fatal("merge into itself succeeded")
	}
	want := []wiredesk.AuditEntry{
		{Seq: 1, At: t0, User: "anna", Action: "merge", Target: "rferl/1 → interfax/1",
			Before: "story interfax/1 (2 items: interfax, tass); story rferl/1 (1 item: rferl)",
			After:  "story interfax/1 (3 items: interfax, tass, rferl)"},
		{Seq: 2, At: t0, User: "boris", Action: "split", Target: "tass/1",
			Before: "in story interfax/1 (3 items: interfax, tass, rferl)"},
	}
	if len(log.audit) != 2 {
		t.Fatalf("audit %+v; want 2 entries (a refused merge is not audited)", log.audit)
	}
	for i, w := range want {
		got := log.audit[i]
		if i == 1 {
			w.After = got.After // the new story's id is the fake's choice
			if !strings.HasPrefix(got.After, "in story ") || !strings.Contains(got.After, "; story interfax/1 (2 items") {
				t.Errorf("split after = %q", got.After)
			}
		}
		if got != w {
			t.Errorf("audit[%d] = %+v; want %+v", i, got, w)
		}
	}
}

// BenchmarkCheckPassword measures one sign-in's hash with the default
// parameters (the cost an attacker pays per guess, and a user per sign-in).
func BenchmarkCheckPassword(b *testing.B) {
	h, err := HashPassword("correct horse battery", DefaultHashParams())
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if ok, err := CheckPassword(h, "correct horse battery"); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}
