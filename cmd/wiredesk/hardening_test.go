package main

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// serverSection adds keys to the [server] table of the config at path.
func serverSection(t *testing.T, path, keys string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if !strings.Contains(s, "[server]\n") {
		t.Fatalf("%s has no [server] table", path)
	}
	s = strings.Replace(s, "[server]\n", "[server]\n"+keys+"\n", 1)
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// closedByServer reports whether err from reading a connection means the
// server ended it (EOF or reset), rather than our own read deadline.
func closedByServer(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return false
	}
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// attackStats counts what the attackers saw.
type attackStats struct {
	conns        atomic.Int64 // connections opened
	closed       atomic.Int64 // connections the server closed
	notClosed    atomic.Int64 // connections still open at our own deadline
	dialFailures atomic.Int64
}

// slowloris keeps one connection sending a request header a byte at a time,
// never finishing it; when the server cuts it, it connects again, until
// stop is closed.
func slowloris(addr string, stop <-chan struct{}, st *attackStats) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		c, err := net.DialTimeout("tcp", addr, 10*time.Second)
		if err != nil {
			st.dialFailures.Add(1)
			time.Sleep(100 * time.Millisecond)
			continue
		}
		st.conns.Add(1)
		// The server must cut us long before this.
		c.SetReadDeadline(time.Now().Add(60 * time.Second))
		readErr := make(chan error, 1)
		go func() {
			_, err := io.Copy(io.Discard, c)
			if err == nil {
				err = io.EOF
			}
			readErr <- err
		}()
		io.WriteString(c, "GET /feeds/central-asia.rss HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
		tick := time.NewTicker(100 * time.Millisecond)
	trickle:
		for {
			select {
			case err := <-readErr:
				if closedByServer(err) {
					st.closed.Add(1)
				} else {
					st.notClosed.Add(1)
				}
				break trickle
			case <-stop:
				c.Close()
				<-readErr
				break trickle
			case <-tick.C:
				c.Write([]byte("a")) // an error shows up on the read side
			}
		}
		tick.Stop()
		c.Close()
	}
}

// idler opens a keep-alive connection, makes one request and then sits
// idle until the server closes it; then it does it again, until stop.
func idler(addr string, stop <-chan struct{}, st *attackStats) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		c, err := net.DialTimeout("tcp", addr, 10*time.Second)
		if err != nil {
			st.dialFailures.Add(1)
			time.Sleep(100 * time.Millisecond)
			continue
		}
		st.conns.Add(1)
		c.SetDeadline(time.Now().Add(60 * time.Second))
		br := bufio.NewReader(c)
		io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
		resp, err := http.ReadResponse(br, nil)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		readErr := make(chan error, 1)
		go func() {
			_, err := br.ReadByte()
			readErr <- err
		}()
		select {
		case err := <-readErr:
			if closedByServer(err) {
				st.closed.Add(1)
			} else {
				st.notClosed.Add(1)
			}
		case <-stop:
			c.Close()
			<-readErr
		}
		c.Close()
	}
}

func TestServeHardened(t *testing.T) {
	if testing.Short() {
		t.Skip("opens hundreds of connections to a served binary")
	}
	addr := freeAddr(t)
	cfg := demoDir(t, addr)
	serverSection(t, cfg, `read_header_timeout = "1s"
read_timeout = "5s"
write_timeout = "10s"
idle_timeout = "2s"
max_header_bytes = "64KB"`)
	startServe(t, cfg, addr)

	const slowConns, idleConns = 50, 200
	var slow, idle attackStats
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range slowConns {
		wg.Go(func() { slowloris(addr, stop, &slow) })
	}
	for range idleConns {
		wg.Go(func() { idler(addr, stop, &idle) })
	}
	stopped := false
	stopAttack := func() {
		if !stopped {
			stopped = true
			close(stop)
			wg.Wait()
		}
	}
	defer stopAttack()

	// Let the attack build up, then read feeds like a feed reader would,
	// on fresh connections, while it goes on.
	deadline := time.Now().Add(30 * time.Second)
	for slow.conns.Load() < slowConns || idle.conns.Load() < idleConns {
		if time.Now().After(deadline) {
			t.Fatalf("attack did not build up: %d slow, %d idle connections", slow.conns.Load(), idle.conns.Load())
		}
		time.Sleep(50 * time.Millisecond)
	}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for i := range 10 {
		resp, err := client.Get("http://" + addr + "/feeds/central-asia.rss")
		if err != nil {
			t.Fatalf("feed reader request %d during the attack: %v", i, err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "<rss") {
			t.Fatalf("feed reader request %d during the attack: %s, %d bytes, %v", i, resp.Status, len(body), err)
		}
		time.Sleep(300 * time.Millisecond)
	}

	// Every attacker has been cut at least once: the server closed slow
	// headers after read_header_timeout and idle keep-alives after
	// idle_timeout (each reconnects when cut, so counts grow).
	deadline = time.Now().Add(60 * time.Second)
	for slow.closed.Load() < slowConns || idle.closed.Load() < idleConns {
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	stopAttack()
	t.Logf("slowloris: %d connections, %d closed by the server, %d outlived 60s; idle keep-alive: %d connections, %d closed by the server, %d outlived 60s; %d dial failures",
		slow.conns.Load(), slow.closed.Load(), slow.notClosed.Load(), idle.conns.Load(), idle.closed.Load(), idle.notClosed.Load(), slow.dialFailures.Load()+idle.dialFailures.Load())
	if got := slow.closed.Load(); got < slowConns {
		t.Errorf("server closed %d slow-header connections; want at least %d", got, slowConns)
	}
	if got := idle.closed.Load(); got < idleConns {
		t.Errorf("server closed %d idle keep-alive connections; want at least %d", got, idleConns)
	}
	if n := slow.notClosed.Load() + idle.notClosed.Load(); n > 0 {
		t.Errorf("%d attacking connections were never closed by the server", n)
	}
}

func TestServeMaxHeaderBytes(t *testing.T) {
	addr := freeAddr(t)
	cfg := demoDir(t, addr)
	startServe(t, cfg, addr)

	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(60 * time.Second))
	// Write the 1 MB header while reading: the server answers before it
	// has read it all.
	go func() {
		io.WriteString(c, "GET /feeds/central-asia.rss HTTP/1.1\r\nHost: localhost\r\nX-Big: ")
		chunk := strings.Repeat("a", 64<<10)
		for range 16 {
			if _, err := io.WriteString(c, chunk); err != nil {
				return
			}
		}
		io.WriteString(c, "\r\n\r\n")
	}()
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("request with a 1 MB header: %v; want a 431 answer", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("request with a 1 MB header: %s; want 431", resp.Status)
	}
}
