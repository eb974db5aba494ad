// Package websub subscribes wiredesk to the WebSub hubs of wires that
// advertise one (W3C WebSub, the subscriber's side), so that a pushed item
// is fetched in seconds instead of at the next poll. It keeps the
// subscriptions (intent verification, lease renewal), checks the hub's
// signature on every content notification, and turns a verified one into
// a call of OnPush, which polls the source at once: the notification's
// body is not trusted as the feed, only as the signal to fetch it (with
// conditional GET and the per-host limits, like every poll).
//
// It does not parse feeds or find hubs (package parse does) and keeps no
// state on disk: a restarted daemon subscribes again.
package websub

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultLease is the lease asked of hubs when Lease is zero.
const DefaultLease = 24 * time.Hour

// maxNotification is the most bytes of a content notification read (its
// body is only checked against the signature, then dropped).
const maxNotification = 10 << 20

// Subscriber keeps one subscription per source. Set the fields before the
// first call; its methods are safe for concurrent use.
type Subscriber struct {
	Client *http.Client
	// Callback is the public URL ServeHTTP answers under, ending in "/";
	// each subscription adds a random token to it.
	Callback string
	Lease    time.Duration // asked of the hub; 0: DefaultLease
	// OnPush is called with the source id of every verified content
	// notification. It must not block.
	OnPush func(sourceID string)
	Log    *slog.Logger
	Now    func() time.Time // nil: time.Now

	mu      sync.Mutex
	byToken map[string]*subscription
	bySrc   map[string]*subscription
}

// subscription is one source's subscription.
type subscription struct {
	source, hub, topic, token string
	secret                    []byte
	requested                 time.Time // last subscribe request
	verified                  bool
	expires                   time.Time     // lease end, once verified
	granted                   time.Duration // the lease the hub granted
}

// State is what a subscription looks like from outside (tests, logs).
type State struct {
	Hub, Topic string
	Verified   bool
	Expires    time.Time
}

func (s *Subscriber) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Subscriber) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.New(slog.DiscardHandler)
}

func (s *Subscriber) lease() time.Duration {
	if s.Lease > 0 {
		return s.Lease
	}
	return DefaultLease
}

// State returns the subscription of source; ok is false when there is none.
func (s *Subscriber) State(source string) (st State, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub, ok := s.bySrc[source]
	if !ok {
		return st, false
	}
	return State{Hub: sub.hub, Topic: sub.topic, Verified: sub.verified, Expires: sub.expires}, true
}

// due reports whether source needs a subscribe request to hub for topic:
// it has none for them, the lease the hub granted is in its last fifth,
// or a request went unverified for a minute.
func (s *Subscriber) due(source, hub, topic string, now time.Time) bool {
	sub, ok := s.bySrc[source]
	switch {
	case !ok || sub.hub != hub || sub.topic != topic:
		return true
	case sub.verified:
		return sub.expires.Sub(now) < sub.granted/5
	default:
		return now.Sub(sub.requested) > time.Minute
	}
}

// Ensure subscribes source to hub for topic unless it is subscribed
// already, renewing a lease in its last fifth. The hub confirms later, by
// calling ServeHTTP.
func (s *Subscriber) Ensure(ctx context.Context, source, hub, topic string) error {
	now := s.now()
	s.mu.Lock()
	if !s.due(source, hub, topic, now) {
		s.mu.Unlock()
		return nil
	}
	sub := &subscription{source: source, hub: hub, topic: topic, token: randomHex(16), secret: []byte(randomHex(32)), requested: now}
	if s.byToken == nil {
		s.byToken, s.bySrc = map[string]*subscription{}, map[string]*subscription{}
	}
	if old, ok := s.bySrc[source]; ok && (old.hub != hub || old.topic != topic) {
		delete(s.byToken, old.token)
	}
	// On a renewal the old token stays valid until the hub verifies the
	// new one, so no notification is lost in between.
	s.byToken[sub.token] = sub
	s.bySrc[source] = sub
	s.mu.Unlock()

	if err := s.request(ctx, sub); err != nil {
		s.mu.Lock()
		delete(s.byToken, sub.token)
		if s.bySrc[source] == sub {
			delete(s.bySrc, source)
		}
		s.mu.Unlock()
		return fmt.Errorf("websub subscribe %s at %s: %w", source, hub, err)
	}
	s.log().Info("websub subscribe requested", "source", source, "hub", hub, "topic", topic)
	return nil
}

// request sends the subscribe request (WebSub §5.1).
func (s *Subscriber) request(ctx context.Context, sub *subscription) error {
	form := url.Values{
		"hub.mode":          {"subscribe"},
		"hub.topic":         {sub.topic},
		"hub.callback":      {s.Callback + sub.token},
		"hub.secret":        {string(sub.secret)},
		"hub.lease_seconds": {strconv.Itoa(int(s.lease().Seconds()))},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.hub, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := s.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("hub answered %s", resp.Status)
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// ServeHTTP is the callback: GET verifies intent (§5.3), POST delivers
// content (§7). It is mounted under the path of Callback.
func (s *Subscriber) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	s.mu.Lock()
	sub, ok := s.byToken[token]
	s.mu.Unlock()
	if !ok {
		// Gone tells a hub to drop a subscription we no longer hold.
		http.Error(w, "no such subscription", http.StatusGone)
		return
	}
	switch r.Method {
	case http.MethodGet:
		s.verify(w, r, sub)
	case http.MethodPost:
		s.notify(w, r, sub)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// verify answers the hub's intent verification.
func (s *Subscriber) verify(w http.ResponseWriter, r *http.Request, sub *subscription) {
	q := r.URL.Query()
	switch q.Get("hub.mode") {
	case "subscribe":
		if q.Get("hub.topic") != sub.topic || q.Get("hub.challenge") == "" {
			http.NotFound(w, r)
			return
		}
		granted := grantedLease(q.Get("hub.lease_seconds"), s.lease())
		s.mu.Lock()
		sub.verified = true
		sub.granted = granted
		sub.expires = s.now().Add(sub.granted)
		for tok, other := range s.byToken { // a renewal: the old token retires
			if other.source == sub.source && other != sub {
				delete(s.byToken, tok)
			}
		}
		s.mu.Unlock()
		s.log().Info("websub subscribed", "source", sub.source, "hub", sub.hub, "lease_s", int64(granted/time.Second))
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, q.Get("hub.challenge"))
	case "denied":
		s.mu.Lock()
		delete(s.byToken, sub.token)
		if s.bySrc[sub.source] == sub {
			delete(s.bySrc, sub.source)
		}
		s.mu.Unlock()
		s.log().Warn("websub subscription denied", "source", sub.source, "hub", sub.hub, "reason", q.Get("hub.reason"))
		w.WriteHeader(http.StatusOK)
	default:
		http.NotFound(w, r)
	}
}

// maxGrantedLease caps the lease a hub says it granted: beyond a year it
// is a lie, and a count of seconds too large for a Duration must not wrap
// around to a negative lease (renewing at every poll) or a short one.
const maxGrantedLease = 365 * 24 * time.Hour

// grantedLease reads a verification's hub.lease_seconds: the lease the
// hub granted, at most maxGrantedLease; asked when it names none (absent,
// zero, negative or not a number).
func grantedLease(v string, asked time.Duration) time.Duration {
	n, err := strconv.ParseUint(v, 10, 64)
	switch {
	case errors.Is(err, strconv.ErrRange) || err == nil && n >= uint64(maxGrantedLease/time.Second):
		return maxGrantedLease
	case err != nil || n == 0:
		return asked
	}
	return time.Duration(n) * time.Second
}

// notify checks a content notification's signature and, when it holds,
// asks for a poll. A notification that fails the check is acknowledged
// and ignored, as WebSub §8 requires (a hub must not learn from the
// answer whether a forged body passed).
func (s *Subscriber) notify(w http.ResponseWriter, r *http.Request, sub *subscription) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxNotification))
	if err != nil {
		http.Error(w, "read body", http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusAccepted)
	if err := CheckSignature(sub.secret, r.Header.Get("X-Hub-Signature"), body); err != nil {
		s.log().Warn("websub notification ignored", "source", sub.source, "error", err)
		return
	}
	if s.OnPush != nil {
		s.OnPush(sub.source)
	}
}

// ErrSignature is returned by CheckSignature when a notification's
// signature is missing or does not match its body.
var ErrSignature = errors.New("websub: bad or missing X-Hub-Signature")

// CheckSignature checks an X-Hub-Signature header ("sha256=HEX"; sha1,
// sha384 and sha512 are accepted too) over body under secret.
func CheckSignature(secret []byte, header string, body []byte) error {
	method, sig, ok := strings.Cut(header, "=")
	if !ok {
		return ErrSignature
	}
	var h func() hash.Hash
	switch strings.ToLower(method) {
	case "sha1":
		h = sha1.New
	case "sha256":
		h = sha256.New
	case "sha384":
		h = sha512.New384
	case "sha512":
		h = sha512.New
	default:
		return fmt.Errorf("%w: unknown method %q", ErrSignature, method)
	}
	want, err := hex.DecodeString(sig)
	if err != nil {
		return ErrSignature
	}
	mac := hmac.New(h, secret)
	mac.Write(body)
	if !hmac.Equal(mac.Sum(nil), want) {
		return ErrSignature
	}
	return nil
}
