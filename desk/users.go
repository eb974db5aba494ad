package desk

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/wiredesk/wiredesk"
)

// UserStore is what the desk needs from storage for users and the audit
// log. internal/wiring adapts *storage.DB to it.
type UserStore interface {
	// AddUser stores a new user; a taken name yields an error matching
	// ErrUserExists (the adapter maps storage's error onto it).
	AddUser(ctx context.Context, u wiredesk.User) error
	UpdateUser(ctx context.Context, u wiredesk.User) error
	User(ctx context.Context, name string) (wiredesk.User, error)
	Users(ctx context.Context) ([]wiredesk.User, error)
	RemoveUser(ctx context.Context, name string) error
	AuditLog
}

// AuditLog stores and reads the audit log.
type AuditLog interface {
	AppendAudit(ctx context.Context, e wiredesk.AuditEntry) (uint64, error)
	// Audit returns at most limit entries (zero: all), newest first, older
	// than sequence number before (zero: from the newest).
	Audit(ctx context.Context, limit int, before uint64) ([]wiredesk.AuditEntry, error)
}

// ErrUserExists is returned when adding a user whose name is taken.
var ErrUserExists = errors.New("user exists")

// ErrBadLogin is returned by Users.Authenticate for an unknown user or a
// wrong password: the two are not told apart.
var ErrBadLogin = errors.New("wrong user name or password")

// ErrUnknownUser is the ErrBadLogin of a name no user has (errors.Is
// matches both). The client must not be told which it was; a log leaves
// such a name out, since it is often a password typed into the name
// field.
var ErrUnknownUser = fmt.Errorf("no such user: %w", ErrBadLogin)

// userName is what a user name may look like: it appears in the audit
// log, in feeds' decision records and in cookies' sessions.
var userName = regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N}._@-]{0,63}$`)

// Users manages desk users: add, change password or role, remove, list,
// and check a sign-in. Every change is written to the audit log.
type Users struct {
	Store UserStore
	Hash  HashParams       // zero: DefaultHashParams
	Now   func() time.Time // nil: time.Now
}

// UserView is a user as listed: never the hash.
type UserView struct {
	Name    string        `json:"name"`
	Role    wiredesk.Role `json:"role"`
	Created time.Time     `json:"created"`
	Changed time.Time     `json:"changed"`
}

// Add stores a new user with the password hashed, and audits it as done
// by by.
func (u *Users) Add(ctx context.Context, name string, role wiredesk.Role, password, by string) error {
	if !userName.MatchString(name) {
		return fmt.Errorf("user name %q: letters, digits and . _ @ - only, at most 64, starting with a letter or digit: %w", name, wiredesk.ErrRefused)
	}
	if _, err := wiredesk.ParseRole(string(role)); err != nil {
		return fmt.Errorf("%w: %w", err, wiredesk.ErrRefused)
	}
	hash, err := HashPassword(password, u.params())
	if err != nil {
		return fmt.Errorf("%w: %w", err, wiredesk.ErrRefused)
	}
	now := u.now()
	if err := u.Store.AddUser(ctx, wiredesk.User{Name: name, Role: role, PasswordHash: hash, Created: now, Changed: now}); err != nil {
		return err
	}
	return u.audit(ctx, by, "user add", name, "", "role "+string(role))
}

// SetPassword replaces a user's password; their sessions end (Changed).
func (u *Users) SetPassword(ctx context.Context, name, password, by string) error {
	usr, err := u.Store.User(ctx, name)
	if err != nil {
		return err
	}
	hash, err := HashPassword(password, u.params())
	if err != nil {
		return fmt.Errorf("%w: %w", err, wiredesk.ErrRefused)
	}
	usr.PasswordHash, usr.Changed = hash, u.now()
	if err := u.Store.UpdateUser(ctx, usr); err != nil {
		return err
	}
	return u.audit(ctx, by, "user passwd", name, "", "password changed")
}

// SetRole changes a user's role; their sessions end (Changed).
func (u *Users) SetRole(ctx context.Context, name string, role wiredesk.Role, by string) error {
	if _, err := wiredesk.ParseRole(string(role)); err != nil {
		return fmt.Errorf("%w: %w", err, wiredesk.ErrRefused)
	}
	usr, err := u.Store.User(ctx, name)
	if err != nil {
		return err
	}
	before := usr.Role
	usr.Role, usr.Changed = role, u.now()
	if err := u.Store.UpdateUser(ctx, usr); err != nil {
		return err
	}
	return u.audit(ctx, by, "user role", name, "role "+string(before), "role "+string(role))
}

// Remove deletes a user and their sessions.
func (u *Users) Remove(ctx context.Context, name, by string) error {
	usr, err := u.Store.User(ctx, name)
	if err != nil {
		return err
	}
	if err := u.Store.RemoveUser(ctx, name); err != nil {
		return err
	}
	return u.audit(ctx, by, "user remove", name, "role "+string(usr.Role), "")
}

// List returns every user, by name.
func (u *Users) List(ctx context.Context) ([]UserView, error) {
	us, err := u.Store.Users(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]UserView, 0, len(us))
	for _, x := range us {
		out = append(out, UserView{Name: x.Name, Role: x.Role, Created: x.Created.UTC(), Changed: x.Changed.UTC()})
	}
	return out, nil
}

// Authenticate returns the user when password is theirs, else an error
// matching ErrBadLogin. An unknown user costs a hash all the same, so the
// answer's time does not tell which names exist.
func (u *Users) Authenticate(ctx context.Context, name, password string) (wiredesk.User, error) {
	usr, err := u.Store.User(ctx, name)
	if errors.Is(err, wiredesk.ErrNotFound) {
		_, _ = HashPassword(password+"-padding-to-length", u.params())
		return wiredesk.User{}, ErrUnknownUser
	}
	if err != nil {
		return wiredesk.User{}, err
	}
	ok, err := CheckPassword(usr.PasswordHash, password)
	if err != nil {
		return wiredesk.User{}, fmt.Errorf("user %s: %w", name, err)
	}
	if !ok {
		return wiredesk.User{}, ErrBadLogin
	}
	return usr, nil
}

// Audit returns the audit log, newest first (see AuditLog.Audit).
func (u *Users) Audit(ctx context.Context, limit int, before uint64) ([]wiredesk.AuditEntry, error) {
	return u.Store.Audit(ctx, limit, before)
}

func (u *Users) audit(ctx context.Context, by, action, target, before, after string) error {
	_, err := u.Store.AppendAudit(ctx, wiredesk.AuditEntry{At: u.now(), User: by, Action: action, Target: target, Before: before, After: after})
	if err != nil {
		return fmt.Errorf("%s %s done, but not audited: %w", action, target, err)
	}
	return nil
}

func (u *Users) params() HashParams {
	if u.Hash == (HashParams{}) {
		return DefaultHashParams()
	}
	return u.Hash
}

func (u *Users) now() time.Time {
	if u.Now == nil {
		return time.Now().UTC()
	}
	return u.Now().UTC()
}
