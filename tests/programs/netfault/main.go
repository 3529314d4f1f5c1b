// Command netfault is a TCP server that reports what goes wrong, through
// the standard net package only (tests/netfault_test.go runs it under
// gobare's network service and makes things go wrong):
//
//	netfault PORT
//
// It listens on :PORT; each connection's first line says what to do:
//
//	echo        echo until the peer's end
//	down N      send N bytes, then report how far it got and why it stopped
//	up          read until the end or an error, then report it
//	sent        answer with the bytes all downloads have written so far
//	errors      answer with the count of accept errors so far
//	quit        report the accept errors seen and exit 0
//
// Accept errors (descriptors or sockets running out) are counted and
// retried after a pause, as net/http's server does.
package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

var (
	mu        sync.Mutex
	acceptErr = map[string]int{}
	downSent  atomic.Int64 // bytes written by every download
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: netfault PORT")
		os.Exit(2)
	}
	l, err := net.Listen("tcp", ":"+os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "netfault:", err)
		os.Exit(1)
	}
	fmt.Println("netfault: listening on", l.Addr())
	for {
		c, err := l.Accept()
		if err != nil {
			mu.Lock()
			if acceptErr[err.Error()] == 0 {
				fmt.Println("netfault: accept:", err)
			}
			acceptErr[err.Error()]++
			mu.Unlock()
			time.Sleep(5 * time.Millisecond)
			continue
		}
		go serve(c)
	}
}

// serve carries out the connection's command.
func serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	if err != nil {
		return // a flood's connection, gone before it said anything
	}
	cmd := strings.Fields(line)
	switch {
	case len(cmd) == 1 && cmd[0] == "echo":
		io.Copy(c, r)
	case len(cmd) == 2 && cmd[0] == "down":
		n, _ := strconv.Atoi(cmd[1])
		buf := make([]byte, 64<<10)
		sent := 0
		var err error
		for sent < n && err == nil {
			var k int
			k, err = c.Write(buf[:min(len(buf), n-sent)])
			sent += k
			downSent.Add(int64(k))
		}
		fmt.Printf("netfault: down: sent %d of %d bytes: %v\n", sent, n, err)
	case len(cmd) == 1 && cmd[0] == "up":
		c.SetReadDeadline(time.Now().Add(60 * time.Second))
		n, err := io.Copy(io.Discard, r)
		if err == nil {
			err = io.EOF
		}
		fmt.Printf("netfault: up: read %d bytes: %v\n", n, err)
	case len(cmd) == 1 && cmd[0] == "sent":
		fmt.Fprintln(c, downSent.Load())
	case len(cmd) == 1 && cmd[0] == "errors":
		fmt.Fprintln(c, acceptErrors())
	case len(cmd) == 1 && cmd[0] == "quit":
		fmt.Printf("netfault: %d accept errors\n", acceptErrors())
		c.Close()
		os.Exit(0)
	}
}

// acceptErrors is the count of accept errors so far.
func acceptErrors() int {
	mu.Lock()
	defer mu.Unlock()
	total := 0
	for _, n := range acceptErr {
		total += n
	}
	return total
}
