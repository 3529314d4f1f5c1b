package tests

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// TestNetSockets runs tests/programs/tcp, an ordinary program using the
// net package, over gobare's sockets (kernel/fs/sockfs, kernel/linux's
// sys_socket.go, netsvc/sockets.go) on QEMU's user network. serve: the
// program listens on :80 and echoes two connections that the host makes
// through a -port forward, a megabyte each, checked byte for byte on the
// host. dial: the program connects to an echo server on the host
// (10.0.2.2 is the host's loopback to slirp) and checks a megabyte's
// echo itself.
func TestNetSockets(t *testing.T) {
	const size = 1 << 20
	t.Run("serve", func(t *testing.T) {
		port := freePort(t)
		done := make(chan mkimageRun, 1)
		go func() {
			// A first build of the service compiles gVisor (TestNetStack).
			done <- runMkimageOpts(t, mkimageOpts{Timeout: 10 * time.Minute}, "run", "-accel", "tcg", "-timeout", "180s", "-net", "user",
				"-port", fmt.Sprintf("%d:80", port), testProgram(t, "tcp"), "serve", "80", "2")
		}()
		var r mkimageRun
		echoed := 0
		for echoed < 2 {
			err := echoBytes(port, size)
			if err == nil {
				echoed++
				continue
			}
			if echoed > 0 { // the program listens: every connection must work
				r = <-done
				r.fatalf(t, "connection %d: %v", echoed+1, err)
			}
			select { // until the program listens, or its run ends
			case r = <-done:
				r.fatalf(t, "no echo from the guest: %v", err)
			case <-time.After(500 * time.Millisecond):
			}
		}
		r = <-done
		r.wantExit(t, 0)
		if n := strings.Count(r.Stdout, fmt.Sprintf("tcp: echoed %d bytes to 10.0.2.2:", size)); n != 2 {
			r.fatalf(t, "the program echoed %d connections of %d bytes, want 2", n, size)
		}
	})
	t.Run("dial", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		got := echoBack(l)
		addr := fmt.Sprintf("10.0.2.2:%d", l.Addr().(*net.TCPAddr).Port)
		r := runMkimageOpts(t, mkimageOpts{Timeout: 10 * time.Minute}, "run", "-accel", "tcg", "-timeout", "180s", "-net", "user",
			testProgram(t, "tcp"), "dial", addr, fmt.Sprint(size))
		r.wantExit(t, 0)
		if !strings.Contains(r.Stdout, fmt.Sprintf("tcp: %d bytes echoed intact", size)) {
			r.fatalf(t, "the program did not check its echo")
		}
		if n := <-got; n != size {
			r.fatalf(t, "the host's echo server got %d bytes, want %d", n, size)
		}
	})
}

// echoBytes sends n bytes of a pattern to the echo server at
// localhost:port, writing while it reads, and checks that the same bytes
// come back before the server's end.
func echoBytes(port, n int) error {
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 5*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(60 * time.Second))
	msg := make([]byte, n)
	for i := range msg {
		msg[i] = byte(i*13 + i>>9)
	}
	go func() {
		c.Write(msg)
		c.(*net.TCPConn).CloseWrite()
	}()
	got, err := io.ReadAll(c)
	switch {
	case err != nil:
		return err
	case !bytes.Equal(got, msg):
		return fmt.Errorf("%d bytes came back of %d, or different ones", len(got), n)
	}
	return nil
}

// echoBack accepts one connection on l and echoes what it reads until the
// peer's FIN; the channel then gets the byte count (-1: accept failed).
func echoBack(l net.Listener) <-chan int64 {
	got := make(chan int64, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			got <- -1
			return
		}
		n, _ := io.Copy(c, c)
		c.(*net.TCPConn).CloseWrite()
		got <- n
		c.Close()
	}()
	return got
}
