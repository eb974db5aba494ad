package alert

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/wiredesk/wiredesk"
)

// request is what a fake channel received.
type request struct {
	path   string
	header http.Header
	body   []byte
}

// fakeHTTP is an httptest server that records requests and answers with
// the next status of statuses (200 when they run out).
type fakeHTTP struct {
	*httptest.Server
	mu       sync.Mutex
	got      []request
	statuses []int
	reply    string
}

func newFakeHTTP(t *testing.T, reply string, statuses ...int) *fakeHTTP {
	f := &fakeHTTP{statuses: statuses, reply: reply}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.got = append(f.got, request{path: r.URL.Path, header: r.Header.Clone(), body: body})
		status := http.StatusOK
		if len(f.statuses) > 0 {
			status, f.statuses = f.statuses[0], f.statuses[1:]
		}
		f.mu.Unlock()
		if status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "7")
		}
		w.WriteHeader(status)
		io.WriteString(w, f.reply)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeHTTP) requests() []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]request(nil), f.got...)
}

var sampleNames = map[string]string{"interfax": "Интерфакс", "tass": "ТАСС"}

func sampleAlert() wiredesk.Alert {
	return wiredesk.Alert{
		ID: "flash/hook/story/interfax/abc/2", Kind: wiredesk.AlertUpdate, Rule: "flash", Channel: "hook",
		StoryID: "interfax/abc", SourceID: "tass", Wires: []string{"interfax", "tass"},
		Title: "МОЛНИЯ Токаев подписал указ <b>&</b>", Link: "https://example.org/news?id=1&x=2",
		Detail:    "Токаев подписал указ",
		Published: time.Date(2026, 11, 29, 9, 4, 0, 0, time.UTC), Queued: time.Date(2026, 11, 29, 9, 5, 0, 0, time.UTC),
	}
}

func TestWebhook(t *testing.T) {
	f := newFakeHTTP(t, "")
	at := time.Unix(1764407100, 0)
	w := &Webhook{Name: "hook", URL: wiredesk.Secret(f.URL + "/hook"), Secret: "s3cret", Client: f.Client(), Now: func() time.Time { return at }}
	a := sampleAlert()
	if err := w.Send(context.Background(), a, Render(a, sampleNames)); err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests; want 1", len(reqs))
	}
	r := reqs[0]
	if got := r.header.Get("Content-Type"); got != "application/json; charset=utf-8" {
		t.Errorf("Content-Type = %q", got)
	}
	if got := r.header.Get("Idempotency-Key"); got != a.ID {
		t.Errorf("Idempotency-Key = %q; want %q", got, a.ID)
	}
	ts := r.header.Get("X-Wiredesk-Timestamp")
	if ts != "1764407100" {
		t.Errorf("X-Wiredesk-Timestamp = %q; want 1764407100", ts)
	}
	// The receiver's check, written out as the README documents it.
	if got, want := r.header.Get("X-Wiredesk-Signature"), Sign([]byte("s3cret"), ts, r.body); got != want || !strings.HasPrefix(got, "sha256=") || len(got) != 7+64 {
		t.Errorf("X-Wiredesk-Signature = %q; want %q", got, want)
	}
	if Sign([]byte("s3cret"), ts, append(r.body, ' ')) == r.header.Get("X-Wiredesk-Signature") {
		t.Error("signature does not cover the body")
	}
	if Sign([]byte("s3cret"), "1764407101", r.body) == r.header.Get("X-Wiredesk-Signature") {
		t.Error("signature does not cover the timestamp")
	}
	var p WebhookPayload
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatal(err)
	}
	if p.ID != a.ID || p.Kind != "update" || p.Story != a.StoryID || len(p.Wires) != 2 || p.Wires[1].Name != "ТАСС" ||
		p.Title != a.Title || p.Link != a.Link || !strings.Contains(p.Text, "Confirmed by ТАСС") {
		t.Errorf("payload = %+v", p)
	}
	if !strings.Contains(string(r.body), "Токаев") {
		t.Error("Russian text is escaped in the body; want it readable UTF-8")
	}
}

func TestWebhookUnsigned(t *testing.T) {
	f := newFakeHTTP(t, "")
	w := &Webhook{Name: "hook", URL: wiredesk.Secret(f.URL), Client: f.Client()}
	a := sampleAlert()
	if err := w.Send(context.Background(), a, Render(a, nil)); err != nil {
		t.Fatal(err)
	}
	if got := f.requests()[0].header.Get("X-Wiredesk-Signature"); got != "" {
		t.Errorf("signature %q without a secret", got)
	}
}

func TestSlack(t *testing.T) {
	f := newFakeHTTP(t, "ok")
	s := &Slack{Name: "slack", URL: wiredesk.Secret(f.URL + "/services/T/B/X"), Client: f.Client()}
	a := sampleAlert()
	if err := s.Send(context.Background(), a, Render(a, sampleNames)); err != nil {
		t.Fatal(err)
	}
	var body struct {
		Text string `json:"text"`
	}
	r := f.requests()[0]
	if err := json.Unmarshal(r.body, &body); err != nil {
		t.Fatal(err)
	}
	want := "*<https://example.org/news?id=1&x=2|МОЛНИЯ Токаев подписал указ &lt;b&gt;&amp;&lt;/b&gt;>*\nConfirmed by ТАСС (2 wires: Интерфакс, ТАСС)\nТАСС: Токаев подписал указ"
	if body.Text != want {
		t.Errorf("text =\n%s\nwant\n%s", body.Text, want)
	}
	if r.path != "/services/T/B/X" {
		t.Errorf("posted to %s", r.path)
	}
}

func TestTelegram(t *testing.T) {
	f := newFakeHTTP(t, `{"ok":true,"result":{"message_id":1}}`)
	tg := &Telegram{Name: "tg", APIURL: f.URL + "/gw/", Token: "123:ABC", ChatID: "-1001", Client: f.Client()}
	a := sampleAlert()
	if err := tg.Send(context.Background(), a, Render(a, sampleNames)); err != nil {
		t.Fatal(err)
	}
	r := f.requests()[0]
	if r.path != "/gw/bot123:ABC/sendMessage" {
		t.Errorf("path = %s; want /gw/bot123:ABC/sendMessage", r.path)
	}
	var body struct {
		ChatID    string `json:"chat_id"`
		Text      string `json:"text"`
		ParseMode string `json:"parse_mode"`
	}
	if err := json.Unmarshal(r.body, &body); err != nil {
		t.Fatal(err)
	}
	want := `<a href="https://example.org/news?id=1&amp;x=2"><b>МОЛНИЯ Токаев подписал указ &lt;b&gt;&amp;&lt;/b&gt;</b></a>` +
		"\nConfirmed by ТАСС (2 wires: Интерфакс, ТАСС)\nТАСС: Токаев подписал указ"
	if body.ChatID != "-1001" || body.ParseMode != "HTML" || body.Text != want {
		t.Errorf("body = %+v\nwant text\n%s", body, want)
	}
}

func TestTelegramNotOK(t *testing.T) {
	f := newFakeHTTP(t, `{"ok":false,"description":"Bad Request: chat not found"}`)
	tg := &Telegram{Name: "tg", APIURL: f.URL, Token: "123:SECRET", ChatID: "x", Client: f.Client()}
	a := sampleAlert()
	err := tg.Send(context.Background(), a, Render(a, nil))
	if err == nil || !strings.Contains(err.Error(), "chat not found") {
		t.Errorf("Send = %v; want the API's description", err)
	}
	if err != nil && strings.Contains(err.Error(), "SECRET") {
		t.Errorf("error shows the token: %v", err)
	}
}

// Status codes map to retry, wait or dead letter.
func TestStatusErrors(t *testing.T) {
	for _, tt := range []struct {
		status     int
		permanent  bool
		retryAfter time.Duration
	}{
		{http.StatusInternalServerError, false, 0},
		{http.StatusBadGateway, false, 0},
		{http.StatusTooManyRequests, false, 7 * time.Second},
		{http.StatusRequestTimeout, false, 0},
		{http.StatusNotFound, true, 0},
		{http.StatusBadRequest, true, 0},
		{http.StatusFound, true, 0}, // redirects are not followed
	} {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			f := newFakeHTTP(t, "nope", tt.status)
			client := f.Client()
			client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
			w := &Webhook{Name: "hook", URL: wiredesk.Secret(f.URL), Client: client}
			a := sampleAlert()
			err := w.Send(context.Background(), a, Render(a, nil))
			var se *SendError
			if !errors.As(err, &se) {
				t.Fatalf("Send = %v; want a *SendError", err)
			}
			if se.Status != tt.status || se.Permanent != tt.permanent || se.RetryAfter != tt.retryAfter {
				t.Errorf("SendError = %+v; want status %d, permanent %v, retry after %v", se, tt.status, tt.permanent, tt.retryAfter)
			}
		})
	}
}

// The wait a channel asks for is taken as asked up to maxRetryAfter and
// capped beyond it, never wrapped around by an overflow.
func TestStatusErrorRetryAfter(t *testing.T) {
	for _, tt := range []struct {
		name, header, reply string
		want                time.Duration
	}{
		{"seconds", "7", "", 7 * time.Second},
		{"zero", "0", "", 0},
		{"negative", "-1", "", 0},
		{"date, not read", "Wed, 21 Oct 2015 07:28:00 GMT", "", 0},
		{"just under the cap", "86399", "", 86399 * time.Second},
		{"over the cap", "100000", "", maxRetryAfter},
		{"overflows a Duration", "18446744074", "", maxRetryAfter},
		{"overflows uint64", "99999999999999999999999", "", maxRetryAfter},
		{"telegram", "", `{"parameters":{"retry_after":35}}`, 35 * time.Second},
		{"telegram overflows a Duration", "", `{"parameters":{"retry_after":18446744074}}`, maxRetryAfter},
		{"header wins over telegram", "3", `{"parameters":{"retry_after":35}}`, 3 * time.Second},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp := &http.Response{StatusCode: http.StatusTooManyRequests, Header: http.Header{}}
			if tt.header != "" {
				resp.Header.Set("Retry-After", tt.header)
			}
			var se *SendError
			if err := statusError("hook", resp, []byte(tt.reply)); !errors.As(err, &se) || se.RetryAfter != tt.want {
				t.Errorf("statusError = %v (wait %v); want a *SendError waiting %v", err, se, tt.want)
			}
		})
	}
}

// A refused connection names no secret from the URL.
func TestNetworkErrorHidesURL(t *testing.T) {
	f := newFakeHTTP(t, "")
	url := f.URL + "/services/SECRETPATH"
	f.Close()
	s := &Slack{Name: "slack", URL: wiredesk.Secret(url), Client: http.DefaultClient}
	a := sampleAlert()
	err := s.Send(context.Background(), a, Render(a, nil))
	if err == nil {
		t.Fatal("Send to a closed server = nil")
	}
	if strings.Contains(err.Error(), "SECRETPATH") {
		t.Errorf("error shows the URL: %v", err)
	}
}

// Telegram's 429 says how long to wait in its JSON reply.
func TestTelegramRetryAfter(t *testing.T) {
	f := newFakeHTTP(t, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 35","parameters":{"retry_after":35}}`, http.StatusTooManyRequests)
	f.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTooManyRequests)
		io.WriteString(w, f.reply)
	})
	tg := &Telegram{Name: "tg", APIURL: f.URL, Token: "1:A", ChatID: "x", Client: f.Client()}
	a := sampleAlert()
	var se *SendError
	if err := tg.Send(context.Background(), a, Render(a, nil)); !errors.As(err, &se) || se.RetryAfter != 35*time.Second || se.Permanent {
		t.Errorf("Send = %v; want a retryable error asking for 35s", err)
	}
}

// FuzzStatusError feeds arbitrary answers of a channel's server to
// statusError: a 2xx is no error; any other answer is a *SendError whose
// wait is between none and maxRetryAfter whatever Retry-After or the
// Telegram reply say, and whose message is one line of valid UTF-8.
func FuzzStatusError(f *testing.F) {
	f.Add(429, "7", []byte("slow down"))
	f.Add(429, "", []byte(`{"ok":false,"error_code":429,"parameters":{"retry_after":35}}`))
	f.Add(503, "Wed, 21 Oct 2015 07:28:00 GMT", []byte("<html>\n<b>down</b>\n</html>"))
	f.Add(200, "", []byte(`{"ok":true}`))
	f.Add(404, "-1", []byte("\xff\xfe"))
	f.Fuzz(func(t *testing.T, status int, retryAfter string, reply []byte) {
		status = 100 + (status%500+500)%500
		resp := &http.Response{StatusCode: status, Header: http.Header{}}
		if retryAfter != "" {
			resp.Header.Set("Retry-After", retryAfter)
		}
		err := statusError("hook", resp, reply)
		if status/100 == 2 {
			if err != nil {
				t.Fatalf("status %d: %v; want nil", status, err)
			}
			return
		}
		var se *SendError
		if !errors.As(err, &se) || se.Status != status {
			t.Fatalf("status %d: %v; want a *SendError with that status", status, err)
		}
		if se.RetryAfter < 0 || se.RetryAfter > maxRetryAfter {
			t.Errorf("Retry-After %q, reply %q: wait %v; want 0 to %v", retryAfter, reply, se.RetryAfter, maxRetryAfter)
		}
		if n, err := strconv.ParseUint(resp.Header.Get("Retry-After"), 10, 64); (err == nil || errors.Is(err, strconv.ErrRange)) && n > 0 {
			want := maxRetryAfter
			if err == nil && n < uint64(maxRetryAfter/time.Second) {
				want = time.Duration(n) * time.Second
			}
			if se.RetryAfter != want {
				t.Errorf("Retry-After %q: wait %v; want %v", retryAfter, se.RetryAfter, want)
			}
		}
		if msg := se.Error(); !utf8.ValidString(msg) || strings.ContainsAny(msg, "\r\n") {
			t.Errorf("message %q is not one line of UTF-8", msg)
		}
	})
}
