// Command tcp uses TCP through the standard net package only, as any
// program would (tests/net_test.go runs it under gobare's network
// service):
//
//	tcp serve PORT N   accept N connections on PORT, each echoed until
//	                   the peer's end, then exit
//	tcp dial ADDR SIZE send SIZE bytes of a pattern to ADDR, half-close,
//	                   read the echo and check it byte for byte
package main

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
)

func main() {
	if len(os.Args) != 4 {
		fail(fmt.Errorf("usage: tcp serve PORT N | tcp dial ADDR SIZE"))
	}
	n, err := strconv.Atoi(os.Args[3])
	if err != nil {
		fail(err)
	}
	switch os.Args[1] {
	case "serve":
		serve(os.Args[2], n)
	case "dial":
		dial(os.Args[2], n)
	default:
		fail(fmt.Errorf("unknown mode %q", os.Args[1]))
	}
}

// serve echoes n connections, one after the other.
func serve(port string, n int) {
	l, err := net.Listen("tcp", ":"+port)
	if err != nil {
		fail(err)
	}
	fmt.Println("tcp: listening on", l.Addr())
	for i := 0; i < n; i++ {
		c, err := l.Accept()
		if err != nil {
			fail(err)
		}
		k, err := io.Copy(c, c)
		if err != nil {
			fail(err)
		}
		c.Close()
		fmt.Printf("tcp: echoed %d bytes to %v\n", k, c.RemoteAddr())
	}
	l.Close()
	// The last echo may still be on its way: exit sends it (lingers),
	// as Linux's does.
}

// dial sends size bytes to addr and checks the echo.
func dial(addr string, size int) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		fail(err)
	}
	fmt.Println("tcp: connected from", c.LocalAddr(), "to", c.RemoteAddr())
	msg := make([]byte, size)
	for i := range msg {
		msg[i] = byte(i*7 + i>>8)
	}
	go func() {
		if _, err := c.Write(msg); err != nil {
			fail(err)
		}
		c.(*net.TCPConn).CloseWrite()
	}()
	got, err := io.ReadAll(c)
	if err != nil {
		fail(err)
	}
	if !bytes.Equal(got, msg) {
		fail(fmt.Errorf("echo differs: %d bytes back of %d", len(got), len(msg)))
	}
	fmt.Printf("tcp: %d bytes echoed intact, sha256 %x\n", len(got), sha256.Sum256(got))
	c.Close()
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "tcp:", err)
	os.Exit(1)
}
