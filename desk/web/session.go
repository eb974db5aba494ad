package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/wiredesk/wiredesk"
	"github.com/wiredesk/wiredesk/desk"
)

// The desk's cookies. Both are HttpOnly and SameSite=Strict, scoped to
// Prefix, and Secure behind https.
const (
	// sessionCookie holds the session token; storage keeps only its hash,
	// so a copy of the database signs no one in.
	sessionCookie = "wiredesk_session"
	// loginCookie holds a token the sign-in form must echo (double
	// submit), so another site cannot sign a browser in as someone else.
	loginCookie = "wiredesk_login"
)

// csrfField is the form field (and X-CSRF-Token the header) that every
// state-changing request of a signed-in user carries.
const csrfField = "csrf"

// account is the signed-in user of a request.
type account struct {
	Name string
	Role wiredesk.Role
	CSRF string
	key  string // the session's storage key
}

// CanEdit reports whether the user may change stories.
func (a account) CanEdit() bool { return a.Role.Allows(wiredesk.RoleEditor) }

// CanConfigure reports whether the user may change sources and feeds.
func (a account) CanConfigure() bool { return a.Role.Allows(wiredesk.RoleAdmin) }

type ctxKey struct{}

func accountOf(r *http.Request) account {
	a, _ := r.Context().Value(ctxKey{}).(account)
	return a
}

// signedIn wraps a page for users with at least role need: anyone else is
// sent to the sign-in page (GET) or refused (POST); a POST must carry the
// session's CSRF token.
func (h *Handler) signedIn(need wiredesk.Role, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, err := h.session(r)
		if err != nil {
			if !errors.Is(err, errNoSession) {
				h.opt.Log.Error("desk session", "error", err)
				http.Error(w, "session store unavailable", http.StatusInternalServerError)
				return
			}
			h.clearCookie(w, r, sessionCookie)
			if r.Method == http.MethodGet && r.URL.Path == Prefix {
				http.Redirect(w, r, Prefix+"login", http.StatusSeeOther)
				return
			}
			h.fail(w, r, http.StatusUnauthorized, "Please sign in again: your session ended.")
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
			if err := r.ParseForm(); err != nil {
				h.fail(w, r, http.StatusBadRequest, "The form could not be read.")
				return
			}
			got := r.Header.Get("X-CSRF-Token")
			if got == "" {
				got = r.PostFormValue(csrfField)
			}
			if subtle.ConstantTimeCompare([]byte(got), []byte(a.CSRF)) != 1 {
				h.opt.Log.Warn("desk request without a valid CSRF token refused", "user", a.Name, "path", r.URL.Path)
				h.fail(w, r, http.StatusForbidden, "This form has expired or did not come from the desk; reload the page and try again.")
				return
			}
		}
		if !a.Role.Allows(need) {
			h.fail(w, r, http.StatusForbidden, "Your role ("+string(a.Role)+") may not do this; it needs "+string(need)+".")
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, a)))
	}
}

var errNoSession = errors.New("not signed in")

// session returns the request's signed-in user. A session is valid until
// it expires, while its user exists and as long as their password and
// role have not changed since it began (the user's Changed is the one
// the session recorded).
func (h *Handler) session(r *http.Request) (account, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return account{}, errNoSession
	}
	key := sessionKey(c.Value)
	s, err := h.opt.Sessions.Session(r.Context(), key)
	if errors.Is(err, wiredesk.ErrNotFound) {
		return account{}, errNoSession
	}
	if err != nil {
		return account{}, err
	}
	if !h.opt.Now().Before(s.Expires) {
		return account{}, errNoSession
	}
	u, err := h.opt.Users.Store.User(r.Context(), s.User)
	if errors.Is(err, wiredesk.ErrNotFound) {
		return account{}, errNoSession
	}
	if err != nil {
		return account{}, err
	}
	// Compared for equality, not by time order: a clock stepped back
	// between sign-in and a change must not keep the session alive. A
	// session stored before UserChanged existed ends here too.
	if !u.Changed.Equal(s.UserChanged) {
		return account{}, errNoSession
	}
	return account{Name: u.Name, Role: u.Role, CSRF: s.CSRF, key: key}, nil
}

// startSession stores a new session for user u and sets its cookie. The
// token is always new, so a token planted before sign-in is worthless.
func (h *Handler) startSession(w http.ResponseWriter, r *http.Request, u wiredesk.User) error {
	token, csrf := randomToken(), randomToken()
	now := h.opt.Now()
	s := wiredesk.Session{Key: sessionKey(token), User: u.Name, CSRF: csrf, Created: now, Expires: now.Add(h.opt.SessionTTL),
		UserChanged: u.Changed}
	if err := h.opt.Sessions.PutSession(r.Context(), s, now); err != nil {
		return err
	}
	h.setCookie(w, r, sessionCookie, token, h.opt.SessionTTL)
	return nil
}

func (h *Handler) setCookie(w http.ResponseWriter, r *http.Request, name, value string, ttl time.Duration) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: Prefix, MaxAge: int(ttl / time.Second),
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: h.opt.SecureCookies || r.TLS != nil})
}

func (h *Handler) clearCookie(w http.ResponseWriter, r *http.Request, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: Prefix, MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: h.opt.SecureCookies || r.TLS != nil})
}

// sessionKey is what storage keeps of a session token: its SHA-256.
func sessionKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// randomToken returns 32 random bytes, base64url-encoded.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Login rate limits: each client address and each user name may fail
// loginBurst sign-ins at once and then one per loginEvery. A success does
// not refill them. Behind a reverse proxy every client has the proxy's
// address, so the per-name limit is the one that holds. A sign-in counts
// as failed from before its password is checked until it succeeds, so
// that sign-ins sent in parallel cannot all pass while none has failed
// yet.
const (
	loginBurst = 5
	loginEvery = time.Minute
	// loginKeys bounds the limiter's memory: past it, limiters that are
	// full again are forgotten.
	loginKeys = 10000
)

// loginLimiter counts failed sign-ins per client address and per name,
// and the sign-ins being checked.
type loginLimiter struct {
	mu   sync.Mutex
	keys map[string]*loginCount
}

// loginCount is one key's failures and its sign-ins being checked.
type loginCount struct {
	failures *rate.Limiter
	pending  int
}

func newLoginLimiter() *loginLimiter { return &loginLimiter{keys: map[string]*loginCount{}} }

// begin takes a try for one sign-in under every key, counted as a failure
// until end settles it. When a key has no try left it takes none and
// returns how long the client or name must wait; zero when it took them.
func (l *loginLimiter) begin(now time.Time, keys ...string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	var d time.Duration
	for _, k := range keys {
		c := l.keys[k]
		if c == nil {
			continue
		}
		if tokens := c.failures.TokensAt(now) - float64(c.pending); tokens < 1 {
			d = max(d, time.Duration((1-tokens)*float64(loginEvery)))
		}
	}
	if d > 0 {
		return d
	}
	if len(l.keys) > loginKeys {
		for k, c := range l.keys {
			if c.pending == 0 && c.failures.TokensAt(now) >= loginBurst {
				delete(l.keys, k)
			}
		}
	}
	for _, k := range keys {
		c := l.keys[k]
		if c == nil {
			c = &loginCount{failures: rate.NewLimiter(rate.Every(loginEvery), loginBurst)}
			l.keys[k] = c
		}
		c.pending++
	}
	return 0
}

// end settles a sign-in begun with the same keys: a failure is counted
// against each, anything else (success, an error of the server, a client
// that left) is not.
func (l *loginLimiter) end(now time.Time, failed bool, keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		c := l.keys[k] // begin made it, and pending keeps it
		c.pending--
		if failed {
			c.failures.AllowN(now, 1)
		}
	}
}

// clientKeys are the limiter keys of a sign-in attempt.
func clientKeys(r *http.Request, name string) []string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return []string{"addr " + host, "user " + name}
}

func (h *Handler) loginForm(w http.ResponseWriter, r *http.Request) {
	if _, err := h.session(r); err == nil {
		http.Redirect(w, r, Prefix, http.StatusSeeOther)
		return
	}
	h.renderLogin(w, r, http.StatusOK, "", "")
}

func (h *Handler) renderLogin(w http.ResponseWriter, r *http.Request, status int, name, problem string) {
	token := randomToken()
	h.setCookie(w, r, loginCookie, token, time.Hour)
	h.render(w, status, "login.html", map[string]any{"Title": "Sign in", "Token": token, "Name": name, "Problem": problem})
}

func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	name, password := r.PostFormValue("name"), r.PostFormValue("password")
	c, err := r.Cookie(loginCookie)
	if err != nil || c.Value == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostFormValue(csrfField))) != 1 {
		h.renderLogin(w, r, http.StatusForbidden, name, "The sign-in form expired; please try again.")
		return
	}
	keys := clientKeys(r, name)
	now := h.opt.Now()
	if d := h.limiter.begin(now, keys...); d > 0 {
		w.Header().Set("Retry-After", retryAfter(d))
		// No name: the failures that led here named the user already, and
		// whether this one is a user (or a password in the name field) is
		// not known before a check.
		h.opt.Log.Warn("desk sign-in refused: too many failures", "remote", keys[0])
		h.renderLogin(w, r, http.StatusTooManyRequests, name, "Too many failed sign-ins; try again in "+retryAfter(d)+" seconds.")
		return
	}
	failed := false
	defer func() { h.limiter.end(now, failed, keys...) }()
	select {
	case h.hashing <- struct{}{}:
	case <-r.Context().Done():
		return
	}
	u, err := h.opt.Users.Authenticate(r.Context(), name, password)
	<-h.hashing
	if errors.Is(err, desk.ErrBadLogin) {
		failed = true
		logged := name
		if errors.Is(err, desk.ErrUnknownUser) {
			logged = noSuchUser
		}
		h.opt.Log.Warn("desk sign-in failed", "user", logged, "remote", keys[0])
		h.renderLogin(w, r, http.StatusUnauthorized, name, "Wrong user name or password.")
		return
	}
	if err != nil {
		h.opt.Log.Error("desk sign-in", "user", name, "error", err)
		h.renderLogin(w, r, http.StatusInternalServerError, name, "Signing in failed on the server; see its log.")
		return
	}
	if err := h.startSession(w, r, u); err != nil {
		h.opt.Log.Error("desk sign-in: store session", "user", name, "error", err)
		h.renderLogin(w, r, http.StatusInternalServerError, name, "Signing in failed on the server; see its log.")
		return
	}
	h.clearCookie(w, r, loginCookie)
	h.auditAction(r.Context(), u.Name, "sign in", u.Name, "", "role "+string(u.Role))
	h.opt.Log.Info("desk sign-in", "user", u.Name, "role", string(u.Role))
	http.Redirect(w, r, Prefix, http.StatusSeeOther)
}

// noSuchUser stands in a log for a name typed at sign-in that no user
// has: it is often a password typed into the wrong field.
const noSuchUser = "(no such user)"

func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	a := accountOf(r)
	if err := h.opt.Sessions.DeleteSession(r.Context(), a.key); err != nil {
		h.opt.Log.Error("desk sign-out", "user", a.Name, "error", err)
	}
	h.clearCookie(w, r, sessionCookie)
	h.auditAction(r.Context(), a.Name, "sign out", a.Name, "", "")
	http.Redirect(w, r, Prefix+"login", http.StatusSeeOther)
}

// auditAction appends an entry for something the desk itself did (sign
// in and out); a failure is logged, as the action is done.
func (h *Handler) auditAction(ctx context.Context, user, action, target, before, after string) {
	_, err := h.opt.Users.Store.AppendAudit(ctx, wiredesk.AuditEntry{At: h.opt.Now().UTC(), User: user, Action: action,
		Target: target, Before: before, After: after})
	if err != nil {
		h.opt.Log.Error("desk audit", "action", action, "user", user, "error", err)
	}
}

func retryAfter(d time.Duration) string {
	s := int((d + time.Second - 1) / time.Second)
	return itoa(max(s, 1))
}
