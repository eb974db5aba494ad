package desk

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/wiredesk/wiredesk"
)

// Accounts is what `wiredesk user` and `wiredesk audit` do, on the
// database (*Users) or through a running daemon (*AccountsClient).
type Accounts interface {
	Add(ctx context.Context, name string, role wiredesk.Role, password, by string) error
	SetPassword(ctx context.Context, name, password, by string) error
	SetRole(ctx context.Context, name string, role wiredesk.Role, by string) error
	Remove(ctx context.Context, name, by string) error
	List(ctx context.Context) ([]UserView, error)
	Audit(ctx context.Context, limit int, before uint64) ([]wiredesk.AuditEntry, error)
}

var (
	_ Accounts = (*Users)(nil)
	_ Accounts = (*AccountsClient)(nil)
)

// The admin endpoints for users and the audit log. A password travels in
// the body of a POST to the admin listener only, never in a URL.
const (
	PathUsers = "/admin/users" // GET: list; POST UserRequest: change
	PathAudit = "/admin/audit" // GET ?limit=N&before=SEQ
)

// UserRequest is the body of POST /admin/users.
type UserRequest struct {
	Op       string        `json:"op"` // "add", "passwd", "role" or "remove"
	Name     string        `json:"name"`
	Role     wiredesk.Role `json:"role,omitempty"`
	Password string        `json:"password,omitempty"`
	By       string        `json:"by"`
}

// AccountRoutes registers the user and audit endpoints on mux, each
// wrapped by guard (the daemon's admin token check).
func AccountRoutes(mux *http.ServeMux, u *Users, guard func(http.Handler) http.Handler) {
	mux.Handle("GET "+PathUsers, guard(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		vs, err := u.List(r.Context())
		reply(w, vs, err)
	})))
	mux.Handle("POST "+PathUsers, guard(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req UserRequest
		if !decodeRequest(w, r, &req) {
			return
		}
		var err error
		switch req.Op {
		case "add":
			err = u.Add(r.Context(), req.Name, req.Role, req.Password, req.By)
		case "passwd":
			err = u.SetPassword(r.Context(), req.Name, req.Password, req.By)
		case "role":
			err = u.SetRole(r.Context(), req.Name, req.Role, req.By)
		case "remove":
			err = u.Remove(r.Context(), req.Name, req.By)
		default:
			replyError(w, http.StatusBadRequest, fmt.Errorf("op %q: add, passwd, role or remove", req.Op))
			return
		}
		if errors.Is(err, ErrUserExists) {
			replyError(w, http.StatusConflict, err)
			return
		}
		reply(w, struct{}{}, err)
	})))
	mux.Handle("GET "+PathAudit, guard(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		before, _ := strconv.ParseUint(r.URL.Query().Get("before"), 10, 64)
		es, err := u.Audit(r.Context(), limit, before)
		reply(w, es, err)
	})))
}

// AccountsClient is Accounts through a running daemon's admin endpoints.
type AccountsClient struct{ Client }

func (c *AccountsClient) change(ctx context.Context, req UserRequest) error {
	var out struct{}
	return c.do(ctx, http.MethodPost, PathUsers, req, &out)
}

// Add asks POST /admin/users with op "add".
func (c *AccountsClient) Add(ctx context.Context, name string, role wiredesk.Role, password, by string) error {
	return c.change(ctx, UserRequest{Op: "add", Name: name, Role: role, Password: password, By: by})
}

// SetPassword asks POST /admin/users with op "passwd".
func (c *AccountsClient) SetPassword(ctx context.Context, name, password, by string) error {
	return c.change(ctx, UserRequest{Op: "passwd", Name: name, Password: password, By: by})
}

// SetRole asks POST /admin/users with op "role".
func (c *AccountsClient) SetRole(ctx context.Context, name string, role wiredesk.Role, by string) error {
	return c.change(ctx, UserRequest{Op: "role", Name: name, Role: role, By: by})
}

// Remove asks POST /admin/users with op "remove".
func (c *AccountsClient) Remove(ctx context.Context, name, by string) error {
	return c.change(ctx, UserRequest{Op: "remove", Name: name, By: by})
}

// List asks GET /admin/users.
func (c *AccountsClient) List(ctx context.Context) ([]UserView, error) {
	var vs []UserView
	err := c.do(ctx, http.MethodGet, PathUsers, nil, &vs)
	return vs, err
}

// Audit asks GET /admin/audit.
func (c *AccountsClient) Audit(ctx context.Context, limit int, before uint64) ([]wiredesk.AuditEntry, error) {
	v := url.Values{}
	if limit > 0 {
		v.Set("limit", strconv.Itoa(limit))
	}
	if before > 0 {
		v.Set("before", strconv.FormatUint(before, 10))
	}
	var es []wiredesk.AuditEntry
	err := c.do(ctx, http.MethodGet, PathAudit+query(v), nil, &es)
	return es, err
}
