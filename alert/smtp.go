package alert

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strings"
	"time"

	"github.com/wiredesk/wiredesk"
)

// SMTP sends alerts as mail: STARTTLS (required unless StartTLS is
// false), then AUTH PLAIN when Username is set. The subject is
// MIME-encoded (RFC 2047) and the body is UTF-8 text in base64, so
// Russian text reads the same in every mail program.
type SMTP struct {
	Name     string
	Host     string // host:port
	Username string
	Password wiredesk.Secret
	From     string
	To       []string
	StartTLS bool
	// TLS is the TLS configuration of STARTTLS; nil: the system's roots
	// and the host's name. Tests give their own roots.
	TLS *tls.Config
	Now func() time.Time // nil: time.Now
}

// Send implements Sender.
func (s *SMTP) Send(ctx context.Context, a wiredesk.Alert, m Message) error {
	msg, err := s.compose(a, m)
	if err != nil {
		return &SendError{Channel: s.Name, Permanent: true, Err: err}
	}
	if err := s.deliver(ctx, msg); err != nil {
		e := &SendError{Channel: s.Name, Err: err}
		var te *textproto.Error
		if errors.As(err, &te) {
			e.Status = te.Code
			e.Permanent = te.Code >= 500 && te.Code != 554 // 5xx: refused for good; 554 is often transient
		}
		return e
	}
	return nil
}

// compose writes the RFC 5322 message.
func (s *SMTP) compose(a wiredesk.Alert, m Message) ([]byte, error) {
	from, err := mail.ParseAddress(s.From)
	if err != nil {
		return nil, fmt.Errorf("from: %w", err)
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	var b bytes.Buffer
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("From", from.String())
	var to []string
	for _, t := range s.To {
		addr, err := mail.ParseAddress(t)
		if err != nil {
			return nil, fmt.Errorf("to: %w", err)
		}
		to = append(to, addr.String())
	}
	header("To", strings.Join(to, ", "))
	header("Subject", mime.BEncoding.Encode("utf-8", "[wiredesk] "+m.Subject()))
	header("Date", now().Format(time.RFC1123Z))
	host := "wiredesk.invalid"
	if _, domain, ok := strings.Cut(from.Address, "@"); ok {
		host = domain
	}
	header("Message-ID", "<"+base64.RawURLEncoding.EncodeToString([]byte(a.ID))+"@"+host+">")
	header("X-Wiredesk-Alert", mime.QEncoding.Encode("utf-8", a.ID))
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "base64")
	b.WriteString("\r\n")
	enc := base64.StdEncoding.EncodeToString([]byte(m.Text() + "\n"))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return b.Bytes(), nil
}

// deliver runs one SMTP session.
func (s *SMTP) deliver(ctx context.Context, msg []byte) error {
	host, _, err := net.SplitHostPort(s.Host)
	if err != nil {
		return fmt.Errorf("host %q: %w", s.Host, err)
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.Host)
	if err != nil {
		return err
	}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	// End the session when ctx is cancelled mid-way.
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return err
	}
	defer c.Close()
	if err := c.Hello("localhost"); err != nil {
		return err
	}
	if s.StartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return errors.New("server does not offer STARTTLS (set starttls = false only for a server on a trusted network)")
		}
		cfg := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
		if s.TLS != nil {
			cfg = s.TLS.Clone()
			if cfg.ServerName == "" {
				cfg.ServerName = host
			}
		}
		if err := c.StartTLS(cfg); err != nil {
			return fmt.Errorf("starttls: %w", err)
		}
	}
	if s.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", s.Username, s.Password.Reveal(), host)); err != nil {
			return fmt.Errorf("auth: %w", err)
		}
	}
	from, err := mail.ParseAddress(s.From)
	if err != nil {
		return err
	}
	if err := c.Mail(from.Address); err != nil {
		return err
	}
	for _, t := range s.To {
		addr, err := mail.ParseAddress(t)
		if err != nil {
			return err
		}
		if err := c.Rcpt(addr.Address); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}
