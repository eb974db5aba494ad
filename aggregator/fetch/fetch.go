package fetch

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/http/httpguts"

	"github.com/wiredesk/wiredesk"
)

// Defaults used for zero fields of Options.
const (
	DefaultTimeout       = wiredesk.DefaultFetchTimeout
	DefaultDialTimeout   = 5 * time.Second
	DefaultTLSTimeout    = 5 * time.Second
	DefaultHeaderTimeout = 10 * time.Second
	DefaultMaxBody       = wiredesk.DefaultMaxBody // 10MB
	DefaultMaxRedirects  = wiredesk.DefaultMaxRedirects
	DefaultUserAgent     = "wiredesk"
)

// Sentinel errors. They are wrapped in a *FetchError; test with errors.Is.
var (
	// ErrTooLarge is returned when the body, after decompression, is larger
	// than Options.MaxBody (or a local file is).
	ErrTooLarge = errors.New("too large")
	// ErrTooManyRedirects is returned when following more than
	// Options.MaxRedirects redirects, e.g. in a redirect loop.
	ErrTooManyRedirects = errors.New("too many redirects")
	// ErrGone is returned for 410 Gone: the feed was removed for good and
	// should not be polled again at this URL.
	ErrGone = errors.New("feed removed for good")
	// ErrRateLimited is returned for 429 Too Many Requests; FetchError.RetryAfter
	// says when to come back if the server said so.
	ErrRateLimited = errors.New("rate limited")
	// ErrUnavailable is returned for 503 Service Unavailable;
	// FetchError.RetryAfter says when to come back if the server said so.
	ErrUnavailable = errors.New("server unavailable")
	// ErrStatus is returned for any other status that is neither 2xx nor 304.
	ErrStatus = errors.New("unexpected status")
	// ErrTimeout is returned when the response headers did not arrive within
	// Options.HeaderTimeout or the whole request did not finish within
	// Options.Timeout. A cancelled or expired caller context is reported as
	// the context's own error instead.
	ErrTimeout = errors.New("timeout")
	// ErrUnsupportedScheme is returned for URLs that are not http, https or
	// file.
	ErrUnsupportedScheme = errors.New("unsupported url scheme")
)

// Options configure a Client. Zero fields take the Default* values.
type Options struct {
	// Timeout bounds the whole request: connecting, redirects, headers and
	// reading the body. A server trickling bytes fails with ErrTimeout.
	Timeout time.Duration
	// DialTimeout and TLSTimeout apply to the default transport only.
	DialTimeout, TLSTimeout time.Duration
	// HeaderTimeout bounds the wait for response headers after each request
	// (each redirect hop) is sent. It also applies to an injected Transport.
	HeaderTimeout time.Duration
	// MaxBody is the largest body accepted, counted after gzip
	// decompression.
	MaxBody int64
	// MaxRedirects is how many redirects one Fetch follows; -1 means none.
	MaxRedirects int
	// UserAgent is sent with every request.
	UserAgent string
	// Transport replaces the default tuned *http.Transport (keep-alives,
	// a few idle connections per host, compression handled by Fetch).
	Transport http.RoundTripper
}

// Request is one GET.
type Request struct {
	URL string
	// ETag and LastModified are the validators of the last successful
	// fetch, sent as If-None-Match and If-Modified-Since.
	ETag, LastModified string
	// Header holds per-source extra headers. They are not sent on to a
	// redirect target on another host.
	Header map[string]wiredesk.Secret
	// Username and Password are sent as HTTP basic auth when Username is
	// not empty.
	Username string
	Password wiredesk.Secret
}

// Response is a successful (2xx) or not-modified (304) answer.
type Response struct {
	Status int // 200, 304 (Body nil), other 2xx
	// Body is the decompressed body, at most Options.MaxBody bytes.
	Body        []byte
	ContentType string // as sent; "" for file:// URLs
	// ETag and LastModified are the new validators. A 304 without them
	// repeats the request's.
	ETag, LastModified string
	// FinalURL is the URL after redirects (not redacted: the parser needs it
	// to resolve relative links; redact it before showing it).
	FinalURL string
	// MovedTo is the redacted target of a permanent redirect chain: set only
	// when every hop from the original URL was 301 or 308.
	MovedTo string
	// MaxAge is the Cache-Control max-age, 0 when absent or with no-cache
	// or no-store.
	MaxAge time.Duration
	// WireBytes counts the body bytes read from the network (compressed).
	WireBytes int64
	// Duration is the time Fetch took.
	Duration time.Duration
}

// FetchError is a failed fetch: a network error, a timeout, a status other
// than 2xx/304, a body over the limit. Its text never holds a secret.
type FetchError struct {
	URL    string // redacted
	Status int    // HTTP status of the response; 0 when none arrived

	RetryAfter time.Time // from Retry-After on 429 and 503; zero when absent
	Err        error
}

// Error reads like "GET https://host/path: 503 Service Unavailable: ...".
func (e *FetchError) Error() string {
	var b strings.Builder
	b.WriteString("GET ")
	b.WriteString(e.URL)
	if e.Status != 0 {
		b.WriteString(": ")
		b.WriteString(strconv.Itoa(e.Status))
		if t := http.StatusText(e.Status); t != "" {
			b.WriteString(" ")
			b.WriteString(t)
		}
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	if !e.RetryAfter.IsZero() {
		b.WriteString(" (retry after ")
		b.WriteString(e.RetryAfter.UTC().Format(time.RFC3339))
		b.WriteString(")")
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *FetchError) Unwrap() error { return e.Err }

// Client fetches feeds. It is safe for concurrent use; share one.
type Client struct {
	opt       Options
	transport http.RoundTripper
}

// New returns a Client with opt's zero fields set to the defaults.
func New(opt Options) *Client {
	if opt.Timeout <= 0 {
		opt.Timeout = DefaultTimeout
	}
	if opt.DialTimeout <= 0 {
		opt.DialTimeout = DefaultDialTimeout
	}
	if opt.TLSTimeout <= 0 {
		opt.TLSTimeout = DefaultTLSTimeout
	}
	if opt.HeaderTimeout <= 0 {
		opt.HeaderTimeout = DefaultHeaderTimeout
	}
	if opt.MaxBody <= 0 {
		opt.MaxBody = DefaultMaxBody
	}
	switch {
	case opt.MaxRedirects == 0:
		opt.MaxRedirects = DefaultMaxRedirects
	case opt.MaxRedirects < 0:
		opt.MaxRedirects = 0
	}
	if opt.UserAgent == "" {
		opt.UserAgent = DefaultUserAgent
	}
	c := &Client{opt: opt, transport: opt.Transport}
	if c.transport == nil {
		c.transport = &http.Transport{
			Proxy: http.ProxyFromEnvironment,
			DialContext: (&net.Dialer{
				Timeout:   opt.DialTimeout,
				KeepAlive: 30 * time.Second,
			}).DialContext,
			TLSHandshakeTimeout:   opt.TLSTimeout,
			ExpectContinueTimeout: time.Second,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          64,
			MaxIdleConnsPerHost:   4,
			IdleConnTimeout:       90 * time.Second,
			// Fetch asks for gzip itself and decompresses with a limit.
			DisableCompression: true,
		}
	}
	return c
}

// CloseIdleConnections closes the keep-alive connections of the transport,
// if it supports that.
func (c *Client) CloseIdleConnections() {
	if t, ok := c.transport.(interface{ CloseIdleConnections() }); ok {
		t.CloseIdleConnections()
	}
}

var (
	errHeaderTimeout = errors.New("header timeout")
	errTotalTimeout  = errors.New("total timeout")
)

// Fetch performs one GET of r.URL. A 2xx answer returns its body, a 304
// returns Response{Status: 304} and a nil error; anything else returns a
// *FetchError (wrapping ErrGone for 410, ErrRateLimited for 429 and
// ErrUnavailable for 503, with RetryAfter set from Retry-After). If ctx is
// cancelled, the error wraps ctx's error.
func (c *Client) Fetch(ctx context.Context, r Request) (*Response, error) {
	start := time.Now()
	sec := newSecrets(r)
	fail := func(status int, err error) error {
		return &FetchError{URL: wiredesk.RedactURL(r.URL), Status: status, Err: sec.scrub(err)}
	}
	u, err := url.Parse(r.URL)
	if err != nil {
		// url.Parse errors quote the whole URL; keep only the reason.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fail(0, fmt.Errorf("invalid url: %w", err))
	}
	var resp *Response
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		resp, err = c.fetchHTTP(ctx, u, r, fail)
	case "file":
		resp, err = c.fetchFile(ctx, u, r, fail)
	case "":
		return nil, fail(0, fmt.Errorf("%w: url has no scheme; use http, https or file", ErrUnsupportedScheme))
	default:
		return nil, fail(0, fmt.Errorf("%w %q; use http, https or file", ErrUnsupportedScheme, u.Scheme))
	}
	if err != nil {
		return nil, err
	}
	resp.Duration = time.Since(start)
	return resp, nil
}

// fetchHTTP is one GET with the request's validators, credentials and
// headers: build the request, send it under the header and total timeouts,
// then map the status or read the body.
func (c *Client) fetchHTTP(ctx context.Context, u *url.URL, r Request, fail func(int, error) error) (*Response, error) {
	tctx, cancelTotal := context.WithTimeoutCause(ctx, c.opt.Timeout, errTotalTimeout)
	defer cancelTotal()
	hctx, cancelHeaders := context.WithCancelCause(tctx)
	defer cancelHeaders(nil)
	headerTimer := time.AfterFunc(c.opt.HeaderTimeout, func() { cancelHeaders(errHeaderTimeout) })
	defer headerTimer.Stop()

	req, err := c.newRequest(hctx, u, r)
	if err != nil {
		return nil, fail(0, err)
	}
	permanent := true
	hr, err := c.httpClient(u, r, headerTimer, &permanent).Do(req)
	if hr != nil && err != nil {
		hr.Body.Close()
	}
	if err != nil {
		return nil, fail(0, c.transportError(ctx, hctx, err))
	}
	defer hr.Body.Close()
	if !headerTimer.Stop() && context.Cause(hctx) == errHeaderTimeout {
		return nil, fail(0, c.transportError(ctx, hctx, context.Canceled))
	}

	resp := &Response{
		Status:       hr.StatusCode,
		ContentType:  hr.Header.Get("Content-Type"),
		ETag:         hr.Header.Get("ETag"),
		LastModified: hr.Header.Get("Last-Modified"),
		FinalURL:     hr.Request.URL.String(),
		MaxAge:       maxAge(hr.Header.Values("Cache-Control")),
	}
	if permanent && resp.FinalURL != u.String() {
		resp.MovedTo = wiredesk.RedactURL(resp.FinalURL)
	}
	switch {
	case hr.StatusCode == http.StatusNotModified:
		drain(hr.Body)
		// A 304 without validators repeats the request's.
		if resp.ETag == "" {
			resp.ETag = r.ETag
		}
		if resp.LastModified == "" {
			resp.LastModified = r.LastModified
		}
		return resp, nil
	case hr.StatusCode < 200 || hr.StatusCode > 299:
		drain(hr.Body)
		return nil, statusError(r, hr)
	}
	resp.Body, resp.WireBytes, err = c.readBody(ctx, hctx, hr)
	if err != nil {
		return nil, fail(hr.StatusCode, err)
	}
	return resp, nil
}

// newRequest builds the GET of r: user agent, accepted types, the source's
// headers (checked: a header is a secret, so its value is never quoted),
// basic auth and the validators.
func (c *Client) newRequest(ctx context.Context, u *url.URL, r Request) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, errors.New("invalid request")
	}
	req.Header.Set("User-Agent", c.opt.UserAgent)
	req.Header.Set("Accept", "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5")
	for k, v := range r.Header {
		if !httpguts.ValidHeaderFieldName(k) || !httpguts.ValidHeaderFieldValue(v.Reveal()) {
			return nil, fmt.Errorf("invalid header %q (value not shown)", k)
		}
		req.Header.Set(k, v.Reveal())
	}
	// Set after the source's headers: Fetch decodes gzip and nothing else.
	req.Header.Set("Accept-Encoding", "gzip")
	if r.Username != "" {
		req.SetBasicAuth(r.Username, r.Password.Reveal())
	}
	if r.ETag != "" {
		req.Header.Set("If-None-Match", r.ETag)
	}
	if r.LastModified != "" {
		req.Header.Set("If-Modified-Since", r.LastModified)
	}
	return req, nil
}

// httpClient follows at most MaxRedirects redirects, clears *permanent at
// the first that is not 301 or 308, drops the source's headers on the way
// to another host, and gives every hop its own header timeout.
func (c *Client) httpClient(u *url.URL, r Request, headerTimer *time.Timer, permanent *bool) *http.Client {
	origHost := strings.ToLower(u.Host)
	return &http.Client{
		Transport: c.transport,
		CheckRedirect: func(next *http.Request, via []*http.Request) error {
			if next.Response != nil {
				switch next.Response.StatusCode {
				case http.StatusMovedPermanently, http.StatusPermanentRedirect:
				default:
					*permanent = false
				}
			}
			if len(via) > c.opt.MaxRedirects {
				return fmt.Errorf("%w: stopped after %d at %s", ErrTooManyRedirects, c.opt.MaxRedirects, wiredesk.RedactURL(next.URL.String()))
			}
			if strings.ToLower(next.URL.Host) != origHost {
				// Per-source headers may carry API keys meant for the
				// original host only. (net/http drops Authorization itself.)
				for k := range r.Header {
					next.Header.Del(k)
				}
			}
			headerTimer.Reset(c.opt.HeaderTimeout)
			return nil
		},
	}
}

// statusError is the FetchError of a status other than 2xx and 304, with
// the Retry-After of a 429 or 503.
func statusError(r Request, hr *http.Response) *FetchError {
	fe := &FetchError{URL: wiredesk.RedactURL(r.URL), Status: hr.StatusCode}
	switch hr.StatusCode {
	case http.StatusGone:
		fe.Err = ErrGone
	case http.StatusTooManyRequests:
		fe.Err = ErrRateLimited
	case http.StatusServiceUnavailable:
		fe.Err = ErrUnavailable
	default:
		fe.Err = ErrStatus
	}
	if hr.StatusCode == http.StatusTooManyRequests || hr.StatusCode == http.StatusServiceUnavailable {
		if t, ok := ParseRetryAfter(hr.Header.Get("Retry-After"), time.Now()); ok {
			fe.RetryAfter = t
		}
	}
	return fe
}

// readBody reads a 2xx body, gunzipped when so encoded, up to MaxBody
// bytes after decompression; wireBytes counts what came over the network.
func (c *Client) readBody(ctx, hctx context.Context, hr *http.Response) (data []byte, wireBytes int64, err error) {
	wire := &countingReader{r: hr.Body}
	var body io.Reader = wire
	hint := hr.ContentLength
	switch enc := strings.ToLower(strings.TrimSpace(hr.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
		if hr.ContentLength > c.opt.MaxBody {
			return nil, 0, c.tooLarge()
		}
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(wire)
		if err != nil {
			return nil, wire.n, c.readError(ctx, hctx, fmt.Errorf("gzip: %w", err))
		}
		defer zr.Close()
		body = zr
		hint = 0 // the compressed length
	default:
		return nil, 0, fmt.Errorf("unsupported content-encoding %q", enc)
	}
	data, err = readCapped(body, c.opt.MaxBody, hint)
	if err != nil {
		if errors.Is(err, ErrTooLarge) {
			return nil, wire.n, c.tooLarge()
		}
		return nil, wire.n, c.readError(ctx, hctx, fmt.Errorf("read body: %w", err))
	}
	return data, wire.n, nil
}

// transportError turns an error from http.Client.Do into one that names
// the timeout that fired, without the *url.Error's unredacted URL.
func (c *Client) transportError(parent, hctx context.Context, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if perr := parent.Err(); perr != nil {
		return perr
	}
	switch context.Cause(hctx) {
	case errHeaderTimeout:
		return fmt.Errorf("%w: no response headers within %s", ErrTimeout, c.opt.HeaderTimeout)
	case errTotalTimeout:
		return fmt.Errorf("%w: no complete response within %s", ErrTimeout, c.opt.Timeout)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		// The transport's own ResponseHeaderTimeout or dial timeout.
		return fmt.Errorf("%w: %w", ErrTimeout, err)
	}
	return err
}

// readError is transportError for errors while reading the body.
func (c *Client) readError(parent, hctx context.Context, err error) error {
	if perr := parent.Err(); perr != nil {
		return perr
	}
	if context.Cause(hctx) == errTotalTimeout {
		return fmt.Errorf("%w: body not complete within %s", ErrTimeout, c.opt.Timeout)
	}
	return err
}

func (c *Client) tooLarge() error {
	return fmt.Errorf("%w: body larger than %s", ErrTooLarge, formatSize(c.opt.MaxBody))
}

// readCapped reads all of r, failing with ErrTooLarge once more than max
// bytes arrive. It reads at most max+1 bytes. hint is the expected size
// (Content-Length, file size), used to size the buffer; 0 when unknown.
func readCapped(r io.Reader, max, hint int64) ([]byte, error) {
	var buf bytes.Buffer
	if hint > 0 && hint <= max {
		buf.Grow(int(hint) + bytes.MinRead)
	}
	if _, err := buf.ReadFrom(io.LimitReader(r, max+1)); err != nil {
		return nil, err
	}
	if int64(buf.Len()) > max {
		return nil, ErrTooLarge
	}
	return buf.Bytes(), nil
}

// drain reads a little of a body we do not want, so that the connection
// can be reused.
func drain(r io.Reader) { _, _ = io.CopyN(io.Discard, r, 4<<10) }

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// maxAge returns the max-age of Cache-Control header values; 0 when absent
// or when the response must not be reused (no-cache, no-store).
func maxAge(values []string) time.Duration {
	var age time.Duration
	for _, v := range values {
		for d := range strings.SplitSeq(v, ",") {
			d = strings.ToLower(strings.TrimSpace(d))
			switch {
			case d == "no-cache" || d == "no-store":
				return 0
			case strings.HasPrefix(d, "max-age="):
				n, err := strconv.ParseInt(strings.Trim(d[len("max-age="):], `"`), 10, 64)
				if err == nil && n > 0 && n < int64(365*24*time.Hour/time.Second) {
					age = time.Duration(n) * time.Second
				}
			}
		}
	}
	return age
}

// formatSize writes n as people write sizes in the config: "10MB", "512KB",
// "1.5MB", "900 bytes". Exact multiples of binary or decimal units print
// as whole numbers.
func formatSize(n int64) string {
	units := []struct {
		bin, dec int64
		name     string
	}{{1 << 30, 1e9, "GB"}, {1 << 20, 1e6, "MB"}, {1 << 10, 1e3, "KB"}}
	for _, u := range units {
		if n < u.dec {
			continue
		}
		switch {
		case n >= u.bin && n%u.bin == 0:
			return strconv.FormatInt(n/u.bin, 10) + u.name
		case n%u.dec == 0:
			return strconv.FormatInt(n/u.dec, 10) + u.name
		default:
			return strconv.FormatFloat(float64(n)/float64(u.bin), 'f', 1, 64) + u.name
		}
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// ParseRetryAfter parses a Retry-After header value, either delay-seconds
// or an HTTP-date, into the time to retry at. It reports false for an
// empty, negative or malformed value.
func ParseRetryAfter(v string, now time.Time) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, false
	}
	if v[0] >= '0' && v[0] <= '9' {
		const maxSeconds = 10 * 365 * 24 * 60 * 60 // beyond this, a lie; keep it representable
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return time.Time{}, false
		}
		if err != nil || n > maxSeconds {
			n = maxSeconds
		}
		return now.Add(time.Duration(n) * time.Second), true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}
