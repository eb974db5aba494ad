package alert

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeSMTP is a minimal SMTP server for the tests: EHLO, STARTTLS, AUTH
// PLAIN, MAIL, RCPT, DATA, QUIT, one session at a time.
type fakeSMTP struct {
	ln        net.Listener
	tls       *tls.Config // server side; nil: no STARTTLS offered
	user, pwd string
	failData  bool // answer DATA's end with 451

	mu       sync.Mutex
	messages [][]byte
	rcpts    []string
	authed   bool
	tlsUsed  bool
	wg       sync.WaitGroup
}

func newFakeSMTP(t *testing.T, offerTLS bool) (*fakeSMTP, *tls.Config) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeSMTP{ln: ln, user: "desk", pwd: "пароль"}
	// httptest's TLS server holds a certificate for 127.0.0.1, and its
	// client a configuration that trusts it.
	certs := httptest.NewTLSServer(nil)
	t.Cleanup(certs.Close)
	if offerTLS {
		f.tls = certs.TLS
	}
	f.wg.Go(f.serve)
	t.Cleanup(func() { ln.Close(); f.wg.Wait() })
	return f, certs.Client().Transport.(*http.Transport).TLSClientConfig
}

func (f *fakeSMTP) serve() {
	for {
		conn, err := f.ln.Accept()
		if err != nil {
			return
		}
		f.session(conn)
	}
}

func (f *fakeSMTP) session(conn net.Conn) {
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	tp := textproto.NewConn(conn)
	tp.PrintfLine("220 fake ESMTP")
	secure := false
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			if f.tls != nil && !secure {
				tp.PrintfLine("250-fake\r\n250-STARTTLS\r\n250 AUTH PLAIN")
			} else {
				tp.PrintfLine("250-fake\r\n250 AUTH PLAIN")
			}
		case "STARTTLS":
			tp.PrintfLine("220 go ahead")
			tc := tls.Server(conn, f.tls)
			if err := tc.Handshake(); err != nil {
				return
			}
			conn, secure = tc, true
			tp = textproto.NewConn(tc)
			f.mu.Lock()
			f.tlsUsed = true
			f.mu.Unlock()
		case "AUTH":
			mech, resp, _ := strings.Cut(arg, " ")
			raw, _ := base64.StdEncoding.DecodeString(resp)
			if mech != "PLAIN" || string(raw) != "\x00"+f.user+"\x00"+f.pwd {
				tp.PrintfLine("535 authentication failed")
				continue
			}
			f.mu.Lock()
			f.authed = true
			f.mu.Unlock()
			tp.PrintfLine("235 ok")
		case "MAIL":
			tp.PrintfLine("250 ok")
		case "RCPT":
			f.mu.Lock()
			f.rcpts = append(f.rcpts, arg)
			f.mu.Unlock()
			tp.PrintfLine("250 ok")
		case "DATA":
			tp.PrintfLine("354 go on")
			msg, err := io.ReadAll(tp.DotReader())
			if err != nil {
				return
			}
			if f.failData {
				tp.PrintfLine("451 try again later")
				continue
			}
			f.mu.Lock()
			f.messages = append(f.messages, msg)
			f.mu.Unlock()
			tp.PrintfLine("250 queued")
		case "QUIT":
			tp.PrintfLine("221 bye")
			return
		default:
			tp.PrintfLine("502 not implemented")
		}
	}
}

func (f *fakeSMTP) addr() string { return f.ln.Addr().String() }

func TestSMTP(t *testing.T) {
	f, clientTLS := newFakeSMTP(t, true)
	at := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	s := &SMTP{
		Name: "mail", Host: f.addr(), Username: "desk", Password: "пароль",
		From: "Wire desk <desk@example.org>", To: []string{"Дежурный <duty@example.org>", "chief@example.org"},
		StartTLS: true, TLS: clientTLS, Now: func() time.Time { return at },
	}
	a := sampleAlert()
	if err := s.Send(context.Background(), a, Render(a, sampleNames)); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.tlsUsed || !f.authed {
		t.Errorf("STARTTLS used %v, AUTH done %v; want both", f.tlsUsed, f.authed)
	}
	if len(f.rcpts) != 2 || f.rcpts[0] != "TO:<duty@example.org>" {
		t.Errorf("RCPT = %v", f.rcpts)
	}
	if len(f.messages) != 1 {
		t.Fatalf("%d messages; want 1", len(f.messages))
	}
	msg, err := mail.ReadMessage(bytes.NewReader(f.messages[0]))
	if err != nil {
		t.Fatal(err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "[wiredesk] МОЛНИЯ Токаев подписал указ <b>&</b> — Confirmed by ТАСС (2 wires: Интерфакс, ТАСС)"; subject != want {
		t.Errorf("Subject = %q; want %q", subject, want)
	}
	if raw := msg.Header.Get("Subject"); strings.ContainsFunc(raw, func(r rune) bool { return r > 127 }) {
		t.Errorf("raw Subject %q is not MIME-encoded", raw)
	}
	if got := msg.Header.Get("Content-Type"); got != "text/plain; charset=utf-8" {
		t.Errorf("Content-Type = %q", got)
	}
	to, err := msg.Header.AddressList("To")
	if err != nil || len(to) != 2 || to[0].Name != "Дежурный" {
		t.Errorf("To = %v, %v", to, err)
	}
	body, err := io.ReadAll(base64.NewDecoder(base64.StdEncoding, msg.Body))
	if err != nil {
		t.Fatal(err)
	}
	if want := Render(a, sampleNames).Text() + "\n"; string(body) != want {
		t.Errorf("body =\n%s\nwant\n%s", body, want)
	}
	if msg.Header.Get("Date") == "" || msg.Header.Get("Message-Id") == "" {
		t.Errorf("headers %v; want Date and Message-ID", msg.Header)
	}
}

func TestSMTPRefusesWithoutSTARTTLS(t *testing.T) {
	f, clientTLS := newFakeSMTP(t, false)
	s := &SMTP{Name: "mail", Host: f.addr(), Username: "desk", Password: "пароль", From: "desk@example.org",
		To: []string{"duty@example.org"}, StartTLS: true, TLS: clientTLS}
	a := sampleAlert()
	err := s.Send(context.Background(), a, Render(a, nil))
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Errorf("Send = %v; want a refusal naming STARTTLS", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.authed || len(f.messages) > 0 {
		t.Error("credentials or the message went over a plain connection")
	}
}

func TestSMTPErrors(t *testing.T) {
	f, clientTLS := newFakeSMTP(t, true)
	base := SMTP{Name: "mail", Host: f.addr(), Username: "desk", Password: "wrong", From: "desk@example.org",
		To: []string{"duty@example.org"}, StartTLS: true, TLS: clientTLS}
	a := sampleAlert()
	err := base.Send(context.Background(), a, Render(a, nil))
	var se *SendError
	if !errors.As(err, &se) || se.Status != 535 || !se.Permanent {
		t.Errorf("wrong password: %v; want a permanent 535", err)
	}
	f.mu.Lock()
	f.failData = true
	f.mu.Unlock()
	base.Password = "пароль"
	err = base.Send(context.Background(), a, Render(a, nil))
	if !errors.As(err, &se) || se.Status != 451 || se.Permanent {
		t.Errorf("451 at DATA: %v; want a retryable 451", err)
	}
	if strings.Contains(err.Error(), "пароль") {
		t.Errorf("error shows the password: %v", err)
	}
}
