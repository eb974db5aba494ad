package alert

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/wiredesk/wiredesk"
)

// Sender delivers one message to one channel. A nil error means the
// channel acknowledged it.
type Sender interface {
	Send(ctx context.Context, a wiredesk.Alert, m Message) error
}

// SendError is a delivery the channel did not acknowledge. Permanent
// errors (the channel refused the request itself, such as HTTP 400 or 404)
// go to the dead letters at once; others are retried. A redirect is not
// followed (a signed body must not travel elsewhere) and is permanent too.
type SendError struct {
	Channel    string
	Status     int           // HTTP status or SMTP reply code; 0 when none
	RetryAfter time.Duration // what the channel asked to wait; 0: none
	Permanent  bool
	Err        error
}

func (e *SendError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("channel %s: status %d: %v", e.Channel, e.Status, e.Err)
	}
	return fmt.Sprintf("channel %s: %v", e.Channel, e.Err)
}

func (e *SendError) Unwrap() error { return e.Err }

// maxReply is the most bytes of a channel's reply that are read.
const maxReply = 64 << 10

// maxRetryAfter caps the wait a channel's server may ask for (Retry-After,
// Telegram's retry_after), as schedule.DefaultMaxRetryAfter caps a wire's:
// a longer ask, or one too big to count in nanoseconds, waits this long.
const maxRetryAfter = 24 * time.Hour

// postJSON POSTs body to url with extra headers and maps the answer to a
// *SendError; ok reads a 2xx reply's body and may refuse it.
func postJSON(ctx context.Context, client *http.Client, channel, url string, body []byte, header http.Header, ok func(status int, reply []byte) error) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		// The URL may hold a token: name neither it nor the parse error.
		return &SendError{Channel: channel, Permanent: true, Err: errors.New("invalid endpoint URL")}
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "wiredesk-alerts")
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := client.Do(req)
	if err != nil {
		var ue interface{ Unwrap() error }
		if errors.As(err, &ue) {
			err = ue.Unwrap() // *url.Error quotes the URL, which may hold a token
		}
		return &SendError{Channel: channel, Err: err}
	}
	defer resp.Body.Close()
	reply, _ := io.ReadAll(io.LimitReader(resp.Body, maxReply))
	if ok != nil && resp.StatusCode/100 == 2 {
		return ok(resp.StatusCode, reply)
	}
	return statusError(channel, resp, reply)
}

// statusError maps a non-2xx answer; nil for 2xx.
func statusError(channel string, resp *http.Response, reply []byte) error {
	if resp.StatusCode/100 == 2 {
		return nil
	}
	e := &SendError{Channel: channel, Status: resp.StatusCode, Err: fmt.Errorf("%s", oneLine(reply))}
	if s := resp.Header.Get("Retry-After"); s != "" {
		n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
		if errors.Is(err, strconv.ErrRange) {
			n, err = math.MaxUint64, nil // more seconds than fit: the cap
		}
		if err == nil {
			e.RetryAfter = retrySeconds(n)
		}
	}
	// The Telegram Bot API says how long to wait in its JSON reply.
	var tg struct {
		Parameters struct {
			RetryAfter int `json:"retry_after"`
		} `json:"parameters"`
	}
	if e.RetryAfter == 0 && json.Unmarshal(reply, &tg) == nil && tg.Parameters.RetryAfter > 0 {
		e.RetryAfter = retrySeconds(uint64(tg.Parameters.RetryAfter))
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode == http.StatusRequestTimeout, resp.StatusCode >= 500:
	default: // other 4xx, and 3xx: redirects are not followed, the URL is wrong
		e.Permanent = true
	}
	return e
}

// retrySeconds is the wait a channel asked for in seconds, at most
// maxRetryAfter. It compares before multiplying: a huge count must not
// wrap around to a short or negative wait.
func retrySeconds(n uint64) time.Duration {
	if n >= uint64(maxRetryAfter/time.Second) {
		return maxRetryAfter
	}
	return time.Duration(n) * time.Second
}

// oneLine shortens a reply for an error message.
func oneLine(b []byte) string {
	s := strings.Join(strings.Fields(strings.ToValidUTF8(string(b), "?")), " ")
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "…"
	}
	if s == "" {
		return "empty reply"
	}
	return s
}

// Webhook POSTs a JSON document to URL, signed with HMAC-SHA256 when a
// Secret is set. The request carries
//
//	Content-Type: application/json; charset=utf-8
//	Idempotency-Key: the alert's ID (the same on every retry)
//	X-Wiredesk-Timestamp: Unix seconds when the request was made
//	X-Wiredesk-Signature: sha256=HEX, HEX being the lowercase hex
//	    HMAC-SHA256 under Secret of the timestamp, a ".", and the body
//
// A receiver checks the signature over the exact bytes it received and
// refuses a timestamp far from its own clock (five minutes is usual), so
// a captured request cannot be replayed later.
type Webhook struct {
	Name   string
	URL    wiredesk.Secret
	Secret wiredesk.Secret // "" sends no signature
	Client *http.Client
	Names  map[string]string // source id → name
	Now    func() time.Time  // nil: time.Now
}

// WebhookPayload is the JSON body a Webhook sends.
type WebhookPayload struct {
	ID        string        `json:"id"`
	Kind      string        `json:"kind"`
	Rule      string        `json:"rule"`
	Story     string        `json:"story,omitempty"`
	Source    string        `json:"source,omitempty"`
	Wires     []WebhookWire `json:"wires"`
	Title     string        `json:"title"`
	Link      string        `json:"link,omitempty"`
	Published *time.Time    `json:"published,omitempty"`
	Queued    time.Time     `json:"queued"`
	Text      string        `json:"text"`
}

// WebhookWire is one wire of a story in a WebhookPayload.
type WebhookWire struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Sign returns the X-Wiredesk-Signature value for body sent at timestamp
// ts (Unix seconds) under secret.
func Sign(secret []byte, ts string, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(ts))
	mac.Write([]byte("."))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Send implements Sender.
func (w *Webhook) Send(ctx context.Context, a wiredesk.Alert, m Message) error {
	p := WebhookPayload{
		ID: a.ID, Kind: string(a.Kind), Rule: a.Rule, Story: a.StoryID, Source: a.SourceID,
		Wires: []WebhookWire{}, Title: m.Headline, Link: m.Link, Queued: a.Queued.UTC(), Text: m.Text(),
	}
	for i, id := range a.Wires {
		p.Wires = append(p.Wires, WebhookWire{ID: id, Name: m.Wires[i]})
	}
	if !a.Published.IsZero() {
		t := a.Published.UTC()
		p.Published = &t
	}
	body, err := json.Marshal(p)
	if err != nil {
		return &SendError{Channel: w.Name, Permanent: true, Err: err}
	}
	now := time.Now
	if w.Now != nil {
		now = w.Now
	}
	ts := strconv.FormatInt(now().Unix(), 10)
	h := http.Header{}
	h.Set("Idempotency-Key", a.ID)
	h.Set("X-Wiredesk-Timestamp", ts)
	if w.Secret != "" {
		h.Set("X-Wiredesk-Signature", Sign([]byte(w.Secret.Reveal()), ts, body))
	}
	return postJSON(ctx, w.Client, w.Name, w.URL.Reveal(), body, h, nil)
}

// Slack POSTs to a Slack-compatible incoming webhook ({"text": …}, with
// Slack's mrkdwn link syntax); Mattermost and Rocket.Chat take the same.
type Slack struct {
	Name   string
	URL    wiredesk.Secret
	Client *http.Client
}

// slackEscape escapes the three characters Slack's text format reserves.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// Send implements Sender.
func (s *Slack) Send(ctx context.Context, a wiredesk.Alert, m Message) error {
	var b strings.Builder
	head := slackEscape(m.Headline)
	if m.Link != "" && !strings.ContainsAny(m.Link, "|<>") {
		head = "<" + m.Link + "|" + head + ">"
	}
	b.WriteString("*" + head + "*")
	for _, l := range m.Lines {
		b.WriteString("\n" + slackEscape(l))
	}
	body, err := json.Marshal(map[string]any{"text": b.String(), "unfurl_links": false})
	if err != nil {
		return &SendError{Channel: s.Name, Permanent: true, Err: err}
	}
	return postJSON(ctx, s.Client, s.Name, s.URL.Reveal(), body, nil, nil)
}

// Telegram sends through the Bot API's sendMessage, as HTML.
type Telegram struct {
	Name   string
	APIURL string // e.g. https://api.telegram.org
	Token  wiredesk.Secret
	ChatID string
	Client *http.Client
}

// Send implements Sender.
func (t *Telegram) Send(ctx context.Context, a wiredesk.Alert, m Message) error {
	var b strings.Builder
	head := "<b>" + html.EscapeString(m.Headline) + "</b>"
	if m.Link != "" {
		head = `<a href="` + html.EscapeString(m.Link) + `">` + head + "</a>"
	}
	b.WriteString(head)
	for _, l := range m.Lines {
		b.WriteString("\n" + html.EscapeString(l))
	}
	body, err := json.Marshal(map[string]any{
		"chat_id": t.ChatID, "text": b.String(), "parse_mode": "HTML",
		"link_preview_options": map[string]bool{"is_disabled": true},
	})
	if err != nil {
		return &SendError{Channel: t.Name, Permanent: true, Err: err}
	}
	url := strings.TrimRight(t.APIURL, "/") + "/bot" + t.Token.Reveal() + "/sendMessage"
	return postJSON(ctx, t.Client, t.Name, url, body, nil, func(_ int, reply []byte) error {
		var r struct {
			OK          bool   `json:"ok"`
			Description string `json:"description"`
		}
		if err := json.Unmarshal(reply, &r); err != nil || !r.OK {
			return &SendError{Channel: t.Name, Err: fmt.Errorf("reply not ok: %s", oneLine(reply))}
		}
		return nil
	})
}
