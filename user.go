package wiredesk

import (
	"fmt"
	"slices"
	"time"
)

// Role is what a desk user may do. Each role may do everything the roles
// before it may.
type Role string

// The roles, least to most.
const (
	// RoleViewer reads the desk: the story board, the unsure pairs, the
	// sources, the feeds and the audit log.
	RoleViewer Role = "viewer"
	// RoleEditor also decides about stories: merge, split, spike, pin,
	// headline, and dismisses unsure pairs.
	RoleEditor Role = "editor"
	// RoleAdmin also changes sources and feeds at the desk. Users are
	// managed with `wiredesk user`, which checks no role.
	RoleAdmin Role = "admin"
)

// Roles lists the roles, least to most.
func Roles() []Role { return []Role{RoleViewer, RoleEditor, RoleAdmin} }

// ParseRole returns the role named s, or an error listing the roles.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if !slices.Contains(Roles(), r) {
		return "", fmt.Errorf("unknown role %q (viewer, editor or admin)", s)
	}
	return r, nil
}

// Allows reports whether r may do what role need may do.
func (r Role) Allows(need Role) bool {
	have, want := slices.Index(Roles(), r), slices.Index(Roles(), need)
	return have >= 0 && want >= 0 && have >= want
}

// User is a desk user.
type User struct {
	Name string
	Role Role
	// PasswordHash is the PHC string of a memory-hard hash
	// ("$argon2id$v=19$m=…"); the password itself is never stored.
	PasswordHash string
	Created      time.Time
	// Changed is when the password or role last changed; sessions that
	// began before it end (a new password signs everyone out).
	Changed time.Time
}

// Session is a signed-in browser. Its id is a secret held only by the
// browser's cookie; storage keeps a hash of it (Key).
type Session struct {
	Key     string // hex SHA-256 of the cookie's token
	User    string
	CSRF    string // the token every state-changing request must carry
	Created time.Time
	Expires time.Time
	// UserChanged is the user's Changed when the session began: a
	// session is valid only while it is still the same, so a change of
	// password or role ends it whatever the clock did in between.
	UserChanged time.Time
}

// AuditEntry records one action taken at the desk or with a desk command.
type AuditEntry struct {
	Seq    uint64    `json:"seq"`              // assigned by storage, increasing
	At     time.Time `json:"at"`               // when it was done
	User   string    `json:"user"`             // who did it
	Action string    `json:"action"`           // "merge", "split", "spike", "user add", "sign in", …
	Target string    `json:"target"`           // what it was done to: a story, item or user
	Before string    `json:"before,omitempty"` // the state before, in a line; "" when none
	After  string    `json:"after,omitempty"`  // the state after, in a line
}
