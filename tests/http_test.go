package tests

import (
	"bufio"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestNetHTTP runs tests/programs/http, an ordinary net/http program,
// over gobare's sockets on QEMU's user network. serve: once it answers
// a probe, the host makes 100 requests over one kept-alive connection,
// 20 with a connection each, and holds 100 connections open at once (more
// than a page of socket slots), through a -port forward, and checks every
// answer. get: the program fetches 4 MiB from a server on the host
// (10.0.2.2) and prints its SHA-256, which must be the host's.
// TestNetLoad is the full-size run.
func TestNetHTTP(t *testing.T) {
	t.Run("serve", func(t *testing.T) { httpServe(t, httpLoad{keep: 100, fresh: 20, conns: 100, timeout: 5 * time.Minute}) })
	t.Run("get", func(t *testing.T) { httpGet(t, 4<<20) })
}

// httpLoad is what the host asks of tests/programs/http serve: keep
// requests over one kept-alive connection, fresh with a connection each,
// and conns connections held open at once, each answered twice.
type httpLoad struct {
	keep, fresh, conns int
	mem                string        // mkimage run -m ("" for its default)
	timeout            time.Duration // the guest's: mkimage run -timeout
}

// httpServe boots the http program as a server behind a -port forward,
// waits until it answers a probe, and makes load's requests, checking
// every answer.
func httpServe(t *testing.T, load httpLoad) {
	total := load.keep + load.fresh + 2*load.conns
	port := freePort(t)
	done := make(chan mkimageRun, 1)
	args := []string{"run", "-accel", "tcg", "-timeout", load.timeout.String(), "-net", "user", "-port", fmt.Sprintf("%d:80", port)}
	if load.mem != "" {
		args = append(args, "-m", load.mem)
	}
	go func() {
		done <- runMkimageOpts(t, mkimageOpts{Timeout: load.timeout + 2*time.Minute}, append(args, testProgram(t, "http"), "serve", "80", fmt.Sprint(total))...)
	}()
	url := fmt.Sprintf("http://127.0.0.1:%d/", port)
	// Until the program serves (its /probe answers, uncounted); a
	// connection slirp forwards before the guest listens may hang.
	probe := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	var r mkimageRun
	for {
		body, err := fetch(probe, url+"probe")
		if err == nil {
			if body != "ready\n" {
				r = <-done
				r.fatalf(t, "probe answer %q", body)
			}
			break
		}
		select {
		case r = <-done:
			r.fatalf(t, "no answer from the guest: %v", err)
		case <-time.After(500 * time.Millisecond):
		}
	}
	next := 1
	kept := &http.Client{Timeout: 60 * time.Second}
	start := time.Now()
	for ; next <= load.keep; next++ {
		check(t, done, kept, url, next, total)
	}
	t.Logf("%d requests on one connection: %.0f/s", load.keep, float64(load.keep)/time.Since(start).Seconds())
	start = time.Now()
	each := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for ; next <= load.keep+load.fresh; next++ {
		check(t, done, each, url, next, total)
	}
	t.Logf("%d requests with a connection each: %.0f/s", load.fresh, float64(load.fresh)/time.Since(start).Seconds())
	if load.conns > 0 {
		start = time.Now()
		if err := holdConns(port, load.conns, total); err != nil {
			r = <-done
			r.fatalf(t, "%d connections at once: %v", load.conns, err)
		}
		t.Logf("%d connections at once, 2 requests each: %v", load.conns, time.Since(start).Round(time.Millisecond))
	}
	r = <-done
	r.wantExit(t, 0)
	if !strings.Contains(r.Stdout, fmt.Sprintf("http: served %d requests", total)) {
		r.fatalf(t, "the program did not say it served them all")
	}
}

// holdConns opens n connections to the guest on port and keeps them all
// open: one after another, each connects and makes a request; then every
// connection makes a second request at once. Each answer must be the
// program's. The connections are opened one at a time because QEMU's user
// network accepts a forwarded port's connections with a listen backlog of
// one (libslirp's tcp_listen): a burst of connects overflows the host's
// queue, and the host resets what it cannot hand over.
func holdConns(port, n, total int) error {
	ask := func(c net.Conn, br *bufio.Reader) error {
		fmt.Fprintf(c, "GET /c HTTP/1.1\r\nHost: guest\r\n\r\n")
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			return err
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err == nil && (!strings.HasPrefix(string(b), "request ") || !strings.HasSuffix(string(b), fmt.Sprintf(" of %d: /c\n", total))) {
			err = fmt.Errorf("answer %q", b)
		}
		return err
	}
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	readers := make([]*bufio.Reader, 0, n)
	for i := 0; i < n; i++ {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Minute)
		if err != nil {
			return fmt.Errorf("connection %d: %v", i+1, err)
		}
		conns = append(conns, c)
		c.SetDeadline(time.Now().Add(10 * time.Minute))
		readers = append(readers, bufio.NewReader(c))
		if err := ask(c, readers[i]); err != nil {
			return fmt.Errorf("connection %d, first request: %v", i+1, err)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := ask(c, readers[i]); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err, ok := <-errs; ok {
		return fmt.Errorf("%d of %d second requests failed, one with: %v", len(errs)+1, n, err)
	}
	return nil
}

// httpGet has the http program fetch size random bytes from a server on
// the host (10.0.2.2) and checks the SHA-256 it prints.
func httpGet(t *testing.T, size int) {
	body := make([]byte, size)
	rand.New(rand.NewSource(1)).Read(body)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(body) })}
	go srv.Serve(l)
	defer srv.Close()
	url := fmt.Sprintf("http://10.0.2.2:%d/blob", l.Addr().(*net.TCPAddr).Port)
	start := time.Now()
	r := runMkimageOpts(t, mkimageOpts{Timeout: 25 * time.Minute}, "run", "-accel", "tcg", "-timeout", "1200s", "-net", "user",
		testProgram(t, "http"), "get", url)
	r.wantExit(t, 0)
	want := fmt.Sprintf("http: %s: 200 OK, %d bytes, sha256 %x", url, len(body), sha256.Sum256(body))
	if !strings.Contains(r.Stdout, want) {
		r.fatalf(t, "want %q", want)
	}
	t.Logf("%d bytes fetched, boot included, in %v", size, time.Since(start).Round(time.Millisecond))
}

// fetch GETs url with c and returns the body.
func fetch(c *http.Client, url string) (string, error) {
	resp, err := c.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// check makes request i of n and checks its answer; a failure ends the
// test with the guest's output.
func check(t *testing.T, done chan mkimageRun, c *http.Client, url string, i, n int) {
	t.Helper()
	path := fmt.Sprintf("r%d", i)
	body, err := fetch(c, url+path)
	if want := fmt.Sprintf("request %d of %d: /%s\n", i, n, path); err != nil || body != want {
		r := <-done
		r.fatalf(t, "request %d: %q, %v; want %q", i, body, err, want)
	}
}
