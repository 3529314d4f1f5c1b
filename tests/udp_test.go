package tests

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// TestNetUDP runs tests/programs/udp, an ordinary program using UDP and
// the resolver through the standard net package, over gobare's sockets on
// QEMU's user network.
//
//   - echo: the program echoes datagrams that the host sends through a
//     -port udp: forward, each checked whole (sizes up to 30000 bytes,
//     fragmented on the way).
//   - loop: datagrams between two sockets on the guest's loopback
//     (boundaries, sources, MSG_PEEK, MSG_TRUNC, sendmsg/recvmsg iovecs,
//     TCP's sendmsg/recvmsg, SO_LINGER 0's reset, a closed listener's
//     port free at once, ECONNREFUSED on a connected socket, IPv6's
//     ::1) and the bad inputs (EMSGSIZE, EDESTADDRREQ, EFAULT, EINVAL),
//     each checked by the program against Linux's answer.
//   - resolver: DHCP's name server (QEMU's 10.0.2.3) in /etc/resolv.conf;
//     localhost and the machine's name from /etc/hosts; a name the host's
//     resolver does not know comes back "no such host" through QEMU's.
//   - dns: a name server on the host (this test's, port 53 of the host's
//     loopback, which the guest reaches as 10.0.2.2), named by the kernel
//     word ip=...,DNS: the program resolves a name only it knows.
func TestNetUDP(t *testing.T) {
	run := func(t *testing.T, args ...string) mkimageRun {
		// A first build of the service compiles gVisor (TestNetStack).
		return runMkimageOpts(t, mkimageOpts{Timeout: 10 * time.Minute},
			append([]string{"run", "-accel", "tcg", "-timeout", "180s", "-net", "user"}, args...)...)
	}
	t.Run("echo", func(t *testing.T) {
		port := freeUDPPort(t)
		done := make(chan mkimageRun, 1)
		go func() { done <- run(t, "-port", fmt.Sprintf("udp:%d:7", port), testProgram(t, "udp"), "echo", "7") }()
		c, err := net.Dial("udp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		var r mkimageRun
		for { // until the program listens, or its run ends
			if echoDatagram(c, []byte("ping"), 500*time.Millisecond) == nil {
				break
			}
			select {
			case r = <-done:
				r.fatalf(t, "no echo from the guest")
			default:
			}
		}
		for _, n := range []int{1, 0, 100, 1400, 1473, 8000, 30000} {
			msg := bytes.Repeat([]byte{byte(n), byte(n >> 8), 0x5a}, n)[:n]
			if err := echoDatagram(c, msg, 20*time.Second); err != nil {
				r = <-done
				r.fatalf(t, "datagram of %d bytes: %v", n, err)
			}
		}
		// The program exits at "end": its echo may not leave (the machine
		// stops with it, README's deviations).
		if _, err := c.Write([]byte("end")); err != nil {
			t.Fatal(err)
		}
		r = <-done
		r.wantExit(t, 0)
		if !strings.Contains(r.Stdout, "; the end came from 10.0.2.2") {
			r.fatalf(t, "the program did not say it echoed the end")
		}
	})
	t.Run("loop", func(t *testing.T) {
		r := run(t, testProgram(t, "udp"), "loop")
		r.wantExit(t, 0)
		r.wantLines(t, "udp: SO_LINGER 0 resets the connection", "udp: a closed listener's port is free at once",
			"udp: connect returns 0 on datagram sockets, again elsewhere, and blocking on TCP", "udp: loop checks passed")
	})
	t.Run("resolver", func(t *testing.T) {
		r := run(t, testProgram(t, "udp"), "lookup", "localhost", "127.0.0.1")
		r.wantExit(t, 0)
		r.wantLines(t, `udp: /etc/resolv.conf: "nameserver 10.0.2.3\n"`, "udp: lookups done")
	})
	t.Run("dns", func(t *testing.T) {
		srv, err := net.ListenPacket("udp4", "127.0.0.1:53")
		if err != nil {
			t.Skipf("no name server on the host's port 53 (it needs root or CAP_NET_BIND_SERVICE, and the port free): %v", err)
		}
		defer srv.Close()
		asked := make(chan string, 16)
		go serveDNS(srv, "gobare-dns-test.example.", [4]byte{192, 0, 2, 77}, asked)
		r := run(t, "-append", "ip=10.0.2.15/24,10.0.2.2,10.0.2.2", testProgram(t, "udp"), "lookup", "gobare-dns-test.example", "192.0.2.77")
		r.wantExit(t, 0)
		r.wantLines(t, `udp: /etc/resolv.conf: "nameserver 10.0.2.2\n"`, "udp: gobare-dns-test.example is [192.0.2.77]", "udp: lookups done")
		if len(asked) == 0 {
			r.fatalf(t, "the host's name server was not asked")
		}
	})
}

// freeUDPPort returns a UDP port on the host's loopback that nothing uses.
func freeUDPPort(t *testing.T) int {
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// echoDatagram sends msg on c and wants the same datagram back within
// wait; others that come (late echoes of earlier pings) are skipped.
func echoDatagram(c net.Conn, msg []byte, wait time.Duration) error {
	if _, err := c.Write(msg); err != nil {
		return err
	}
	buf := make([]byte, 65536)
	c.SetReadDeadline(time.Now().Add(wait))
	for {
		n, err := c.Read(buf)
		var ne net.Error
		switch {
		case errors.As(err, &ne) && ne.Timeout():
			return fmt.Errorf("no echo in %v", wait)
		case err != nil: // ECONNREFUSED: nothing listened yet
			return err
		case bytes.Equal(buf[:n], msg):
			return nil
		case bytes.Equal(buf[:n], []byte("ping")):
			continue
		}
		return fmt.Errorf("sent %d bytes, %d different ones came back", len(msg), n)
	}
}

// serveDNS answers queries on c (RFC 1035 §4.1): an A query for name
// with addr, any other for name with no records, any other name with
// NXDOMAIN. Each question's name goes to asked.
func serveDNS(c net.PacketConn, name string, addr [4]byte, asked chan<- string) {
	buf := make([]byte, 1500)
	for {
		n, from, err := c.ReadFrom(buf)
		if err != nil {
			return
		}
		q := buf[:n]
		if n < 12 || binary.BigEndian.Uint16(q[4:]) != 1 {
			continue
		}
		var labels []string
		i := 12
		for i < n && q[i] != 0 {
			l := int(q[i])
			if i+1+l > n {
				break
			}
			labels = append(labels, string(q[i+1:i+1+l]))
			i += 1 + l
		}
		if i+5 > n {
			continue
		}
		qname, qtype := strings.ToLower(strings.Join(labels, ".")+"."), binary.BigEndian.Uint16(q[i+1:])
		select {
		case asked <- qname:
		default:
		}
		ans := append([]byte(nil), q[:i+5]...) // the header and the question
		ans[2] = 0x84 | q[2]&1                 // a response, authoritative, RD as asked
		ans[3] = 0x80                          // RA, NOERROR
		binary.BigEndian.PutUint16(ans[6:], 0)
		binary.BigEndian.PutUint16(ans[8:], 0)
		binary.BigEndian.PutUint16(ans[10:], 0)
		switch {
		case qname != name:
			ans[3] |= 3 // NXDOMAIN
		case qtype == 1: // A
			binary.BigEndian.PutUint16(ans[6:], 1)
			ans = append(ans, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4)
			ans = append(ans, addr[:]...)
		}
		c.WriteTo(ans, from)
	}
}
