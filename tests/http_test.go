package tests

import (
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestNetHTTP runs tests/programs/http, an ordinary net/http program,
// over gobare's sockets on QEMU's user network. serve: once it answers
// a probe, the host makes 100 requests over one kept-alive connection and 20
// with a connection each,
// through a -port forward, and checks every answer. get: the program
// fetches 4 MiB from a server on the host (10.0.2.2) and prints its
// SHA-256, which must be the host's.
func TestNetHTTP(t *testing.T) {
	t.Run("serve", func(t *testing.T) {
		const keep, fresh = 100, 20
		port := freePort(t)
		done := make(chan mkimageRun, 1)
		go func() {
			done <- runMkimageOpts(t, mkimageOpts{Timeout: 10 * time.Minute}, "run", "-accel", "tcg", "-timeout", "240s", "-net", "user",
				"-port", fmt.Sprintf("%d:80", port), testProgram(t, "http"), "serve", "80", fmt.Sprint(keep+fresh))
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
		kept := &http.Client{Timeout: 30 * time.Second}
		start := time.Now()
		for i := 1; i <= keep; i++ {
			check(t, done, kept, url, i, keep+fresh)
		}
		t.Logf("%d requests on one connection: %.0f/s", keep, float64(keep)/time.Since(start).Seconds())
		start = time.Now()
		each := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
		for i := keep + 1; i <= keep+fresh; i++ {
			check(t, done, each, url, i, keep+fresh)
		}
		t.Logf("%d requests with a connection each: %.0f/s", fresh, float64(fresh)/time.Since(start).Seconds())
		r = <-done
		r.wantExit(t, 0)
		if !strings.Contains(r.Stdout, fmt.Sprintf("http: served %d requests", keep+fresh)) {
			r.fatalf(t, "the program did not say it served them all")
		}
	})
	t.Run("get", func(t *testing.T) {
		body := make([]byte, 4<<20)
		rand.New(rand.NewSource(1)).Read(body)
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(body) })}
		go srv.Serve(l)
		defer srv.Close()
		url := fmt.Sprintf("http://10.0.2.2:%d/blob", l.Addr().(*net.TCPAddr).Port)
		r := runMkimageOpts(t, mkimageOpts{Timeout: 10 * time.Minute}, "run", "-accel", "tcg", "-timeout", "240s", "-net", "user",
			testProgram(t, "http"), "get", url)
		r.wantExit(t, 0)
		want := fmt.Sprintf("http: %s: 200 OK, %d bytes, sha256 %x", url, len(body), sha256.Sum256(body))
		if !strings.Contains(r.Stdout, want) {
			r.fatalf(t, "want %q", want)
		}
	})
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
