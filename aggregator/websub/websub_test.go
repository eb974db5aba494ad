package websub

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeHub is a WebSub hub: it takes subscribe requests, verifies intent
// with the callback (with a challenge it checks), and can push content
// to every verified subscriber.
type fakeHub struct {
	t      *testing.T
	mu     sync.Mutex
	subs   map[string]url.Values // by topic: the verified request
	verify chan string           // topics verified
}

func newFakeHub(t *testing.T) (*fakeHub, *httptest.Server) {
	h := &fakeHub{t: t, subs: map[string]url.Values{}, verify: make(chan string, 10)}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return h, srv
}

func (h *fakeHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.PostForm.Get("hub.mode") != "subscribe" {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	form := r.PostForm
	w.WriteHeader(http.StatusAccepted)
	go h.confirm(form) // verification is asynchronous (§5.3)
}

func (h *fakeHub) confirm(form url.Values) {
	q := url.Values{"hub.mode": {"subscribe"}, "hub.topic": {form.Get("hub.topic")}, "hub.challenge": {"c-123"}, "hub.lease_seconds": {form.Get("hub.lease_seconds")}}
	resp, err := http.Get(form.Get("hub.callback") + "?" + q.Encode())
	if err != nil {
		h.t.Errorf("verify: %v", err)
		return
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "c-123" {
		h.t.Errorf("verify: %d %q; want 200 and the challenge echoed", resp.StatusCode, body)
		return
	}
	h.mu.Lock()
	h.subs[form.Get("hub.topic")] = form
	h.mu.Unlock()
	h.verify <- form.Get("hub.topic")
}

// push sends body to topic's subscriber, signed with secret (or the
// subscription's own when secret is nil).
func (h *fakeHub) push(topic, body string, secret []byte) int {
	h.mu.Lock()
	form := h.subs[topic]
	h.mu.Unlock()
	if secret == nil {
		secret = []byte(form.Get("hub.secret"))
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(body))
	req, _ := http.NewRequest(http.MethodPost, form.Get("hub.callback"), strings.NewReader(body))
	req.Header.Set("Content-Type", "application/atom+xml")
	req.Header.Set("X-Hub-Signature", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestSubscribeVerifyPush(t *testing.T) {
	hub, hubSrv := newFakeHub(t)
	pushed := make(chan string, 10)
	s := &Subscriber{Client: http.DefaultClient, OnPush: func(id string) { pushed <- id }, Lease: time.Hour}
	cb := httptest.NewServer(s)
	defer cb.Close()
	s.Callback = cb.URL + "/websub/"

	const topic = "https://wire.example/atom"
	if err := s.Ensure(context.Background(), "tass", hubSrv.URL, topic); err != nil {
		t.Fatal(err)
	}
	<-hub.verify
	st, ok := s.State("tass")
	if !ok || !st.Verified || st.Hub != hubSrv.URL || st.Expires.IsZero() {
		t.Fatalf("state after verification = %+v, %v", st, ok)
	}
	hub.mu.Lock()
	form := hub.subs[topic]
	hub.mu.Unlock()
	if form.Get("hub.lease_seconds") != "3600" || len(form.Get("hub.secret")) < 32 || !strings.HasPrefix(form.Get("hub.callback"), s.Callback) {
		t.Errorf("subscribe request %v", form)
	}

	if code := hub.push(topic, "<feed/>", nil); code != http.StatusAccepted {
		t.Errorf("push answered %d; want 202", code)
	}
	if id := <-pushed; id != "tass" {
		t.Errorf("OnPush(%q); want tass", id)
	}

	// A forged notification is acknowledged and ignored.
	if code := hub.push(topic, "<feed/>", []byte("wrong")); code != http.StatusAccepted {
		t.Errorf("forged push answered %d; want 202", code)
	}
	select {
	case id := <-pushed:
		t.Errorf("a forged notification polled %s", id)
	default:
	}

	// Already subscribed: no new request until the lease's last fifth.
	if err := s.Ensure(context.Background(), "tass", hubSrv.URL, topic); err != nil {
		t.Fatal(err)
	}
	select {
	case <-hub.verify:
		t.Error("Ensure subscribed again with a fresh lease")
	default:
	}
}

func TestRenewal(t *testing.T) {
	hub, hubSrv := newFakeHub(t)
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s := &Subscriber{Client: http.DefaultClient, Lease: time.Hour, Now: clock}
	cb := httptest.NewServer(s)
	defer cb.Close()
	s.Callback = cb.URL + "/websub/"
	ctx := context.Background()
	const topic = "https://wire.example/rss"
	if err := s.Ensure(ctx, "tass", hubSrv.URL, topic); err != nil {
		t.Fatal(err)
	}
	<-hub.verify
	first, _ := s.State("tass")

	mu.Lock()
	now = now.Add(50 * time.Minute) // in the lease's last fifth
	mu.Unlock()
	if err := s.Ensure(ctx, "tass", hubSrv.URL, topic); err != nil {
		t.Fatal(err)
	}
	<-hub.verify
	renewed, _ := s.State("tass")
	if !renewed.Verified || !renewed.Expires.After(first.Expires) {
		t.Errorf("after renewal %+v; want a later expiry than %v", renewed, first.Expires)
	}
	s.mu.Lock()
	tokens := len(s.byToken)
	s.mu.Unlock()
	if tokens != 1 {
		t.Errorf("%d callback tokens after the renewal was verified; want the old one retired", tokens)
	}
}

func TestCallbackRefusals(t *testing.T) {
	s := &Subscriber{Client: http.DefaultClient}
	cb := httptest.NewServer(s)
	defer cb.Close()
	resp, err := http.Post(cb.URL+"/websub/unknown", "text/xml", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusGone {
		t.Errorf("unknown token: %d; want 410 Gone", resp.StatusCode)
	}
}

func TestCheckSignature(t *testing.T) {
	secret, body := []byte("k"), []byte("<feed/>")
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	good := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	for _, tt := range []struct {
		header string
		ok     bool
	}{
		{good, true},
		{strings.ToUpper(good[:6]) + good[6:], true},
		{"", false},
		{"sha256=zz", false},
		{"md5=" + good[7:], false},
		{"sha256=" + strings.Repeat("0", 64), false},
	} {
		if err := CheckSignature(secret, tt.header, body); (err == nil) != tt.ok {
			t.Errorf("CheckSignature(%q) = %v; want ok %v", tt.header, err, tt.ok)
		}
	}
}

// A hub that denies the subscription makes it go away, and its callback
// token then answers 410 Gone.
func TestDenied(t *testing.T) {
	hubSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusAccepted) }))
	defer hubSrv.Close()
	s := &Subscriber{Client: http.DefaultClient}
	cb := httptest.NewServer(s)
	defer cb.Close()
	s.Callback = cb.URL + "/websub/"
	if err := s.Ensure(context.Background(), "tass", hubSrv.URL, "https://wire.example/rss"); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	token := s.bySrc["tass"].token
	s.mu.Unlock()
	resp, err := http.Get(s.Callback + token + "?hub.mode=denied&hub.topic=x&hub.reason=nope")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if _, ok := s.State("tass"); ok {
		t.Error("subscription kept after the hub denied it")
	}
	resp, err = http.Post(s.Callback+token, "text/xml", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusGone {
		t.Errorf("notification after denial: %d; want 410", resp.StatusCode)
	}
}

// A hub that refuses the request leaves no subscription behind.
func TestHubRefuses(t *testing.T) {
	hubSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusForbidden) }))
	defer hubSrv.Close()
	s := &Subscriber{Client: http.DefaultClient, Callback: "http://127.0.0.1:9/websub/"}
	if err := s.Ensure(context.Background(), "tass", hubSrv.URL, "https://wire.example/rss"); err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("Ensure = %v; want the hub's 403", err)
	}
	if _, ok := s.State("tass"); ok {
		t.Error("a refused subscription is kept")
	}
}

// A hub may grant a shorter lease than asked: the subscription is renewed
// in the last fifth of what it granted, not at once.
func TestShorterLease(t *testing.T) {
	var mu sync.Mutex
	requests := 0
	var cbURL string
	hubSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		mu.Lock()
		requests++
		mu.Unlock()
		cbURL = r.PostForm.Get("hub.callback")
		w.WriteHeader(http.StatusAccepted)
	}))
	defer hubSrv.Close()
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	s := &Subscriber{Client: http.DefaultClient, Lease: 24 * time.Hour, Now: func() time.Time { return now }}
	cb := httptest.NewServer(s)
	defer cb.Close()
	s.Callback = cb.URL + "/websub/"
	ctx := context.Background()
	const topic = "https://wire.example/rss"
	if err := s.Ensure(ctx, "tass", hubSrv.URL, topic); err != nil {
		t.Fatal(err)
	}
	q := url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic}, "hub.challenge": {"c"}, "hub.lease_seconds": {"3600"}}
	resp, err := http.Get(cbURL + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if err := s.Ensure(ctx, "tass", hubSrv.URL, topic); err != nil { // 1 h left of 1 h granted
		t.Fatal(err)
	}
	mu.Lock()
	got := requests
	mu.Unlock()
	if got != 1 {
		t.Errorf("%d subscribe requests; want 1 (the hour granted is fresh)", got)
	}
}

// The lease a hub grants is taken as granted up to a year, capped beyond,
// and never wrapped around by an overflow.
func TestGrantedLease(t *testing.T) {
	const asked = 24 * time.Hour
	tests := []struct {
		name, in string
		want     time.Duration
	}{
		{"hour", "3600", time.Hour},
		{"longer than asked", "864000", 10 * asked},
		{"absent", "", asked},
		{"zero", "0", asked},
		{"negative", "-5", asked},
		{"signed", "+3600", asked},
		{"not a number", "1h", asked},
		{"a year", "31536000", maxGrantedLease},
		{"overflows a Duration", "9223372037", maxGrantedLease},
		{"overflows uint64", "99999999999999999999999", maxGrantedLease},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := grantedLease(tt.in, asked); got != tt.want {
				t.Errorf("grantedLease(%q) = %v; want %v", tt.in, got, tt.want)
			}
		})
	}
}

// FuzzVerify feeds arbitrary intent verifications to the callback, as a
// hub (named by a feed, so anyone) may send them. A subscribe with the
// right topic and a challenge is answered with the challenge and verified
// for the lease the hub granted, between a second and maxGrantedLease
// (the lease asked when the hub names none); anything else leaves the
// subscription unverified.
func FuzzVerify(f *testing.F) {
	const topic = "https://wire.example/rss"
	f.Add("subscribe", topic, "c-123", "3600")
	f.Add("subscribe", topic, "c", "")
	f.Add("subscribe", topic, "c", "-5")
	f.Add("subscribe", "https://other.example/", "c", "3600")
	f.Add("denied", topic, "", "")
	f.Add("unsubscribe", topic, "c", "1")
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, mode, gotTopic, challenge, lease string) {
		s := &Subscriber{Lease: 24 * time.Hour, Now: func() time.Time { return now }}
		sub := &subscription{source: "tass", hub: "https://hub.example/", topic: topic, token: "tok", requested: now}
		s.byToken = map[string]*subscription{"tok": sub}
		s.bySrc = map[string]*subscription{"tass": sub}
		q := url.Values{"hub.mode": {mode}, "hub.topic": {gotTopic}, "hub.challenge": {challenge}, "hub.lease_seconds": {lease}}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/websub/tok?"+q.Encode(), nil))
		st, _ := s.State("tass")
		if mode != "subscribe" || gotTopic != topic || challenge == "" {
			if st.Verified {
				t.Fatalf("verified by mode %q, topic %q, challenge %q", mode, gotTopic, challenge)
			}
			return
		}
		if rec.Code != http.StatusOK || rec.Body.String() != challenge || !st.Verified {
			t.Fatalf("answer %d %q, verified %v; want 200, the challenge %q and verified", rec.Code, rec.Body, st.Verified, challenge)
		}
		if sub.granted < time.Second || sub.granted > maxGrantedLease || !st.Expires.Equal(now.Add(sub.granted)) {
			t.Fatalf("lease_seconds %q: granted %v, expires %v; want 1s to %v from %v", lease, sub.granted, st.Expires, maxGrantedLease, now)
		}
		want := s.lease()
		switch n, err := strconv.ParseUint(lease, 10, 64); {
		case err == nil && n > 0:
			want = time.Duration(min(n, uint64(maxGrantedLease/time.Second))) * time.Second
		case errors.Is(err, strconv.ErrRange):
			want = maxGrantedLease
		}
		if sub.granted != want {
			t.Errorf("lease_seconds %q: granted %v; want %v", lease, sub.granted, want)
		}
	})
}
