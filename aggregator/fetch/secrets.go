package fetch

import (
	"net/url"
	"slices"
	"strings"

	"github.com/wiredesk/wiredesk"
)

// minSecretLen is the shortest value scrubbed from error text. Shorter
// values ("1", "on") guard nothing, and replacing them everywhere would
// garble the message (a header value "1" would turn "410" into nonsense).
const minSecretLen = 4

// secrets are the values of one request that must never reach an error
// message: the basic-auth password, per-source header values, the URL's
// userinfo password and credential-like query values. The error texts this
// package builds already leave them out; scrub is the second line of
// defence against an error from below (the transport, a TLS library) that
// quotes one.
type secrets []string

func newSecrets(r Request) secrets {
	var s secrets
	add := func(v string) {
		if len(v) >= minSecretLen {
			s = append(s, v)
			if e := url.QueryEscape(v); e != v {
				s = append(s, e)
			}
		}
	}
	add(r.Password.Reveal())
	for _, v := range r.Header {
		add(v.Reveal())
	}
	if u, err := url.Parse(r.URL); err == nil {
		if p, ok := u.User.Password(); ok {
			add(p)
		}
		red, err := url.Parse(wiredesk.RedactURL(r.URL))
		if err == nil {
			redQ := red.Query()
			for k, vs := range u.Query() {
				if redQ.Get(k) == vs[0] {
					continue // not a credential
				}
				for _, v := range vs {
					add(v)
				}
			}
		}
	}
	// Longest first, so a secret containing another is replaced whole.
	slices.SortFunc(s, func(a, b string) int { return len(b) - len(a) })
	return s
}

// scrub returns err with every secret in its text replaced by "REDACTED".
// errors.Is and errors.As still see the original chain.
func (s secrets) scrub(err error) error {
	if err == nil || len(s) == 0 {
		return err
	}
	msg := err.Error()
	clean := msg
	for _, v := range s {
		clean = strings.ReplaceAll(clean, v, "REDACTED")
	}
	if clean == msg {
		return err
	}
	return &scrubbed{msg: clean, err: err}
}

type scrubbed struct {
	msg string
	err error
}

func (e *scrubbed) Error() string { return e.msg }
func (e *scrubbed) Unwrap() error { return e.err }
