// Command net6 checks IPv6 sockets through the standard net and syscall
// packages only, as any program would (tests/ipv6_test.go runs it under
// gobare's network service):
//
//	net6 [-dial6 ADDR [-from6 IP]] [-serve PORT]
//
// First, on the loopback interface: Go's start-up probe must have found
// IPv6 and v4-mapped addresses (":0" listens on "[::]"); a dual-stack
// listener takes 127.0.0.1 and ::1; "[::1]:0" takes ::1 only; "tcp6"
// (IPV6_V6ONLY) refuses 127.0.0.1; the socket calls' addresses have the
// socket's family. -dial6 then echoes through an IPv6 server outside the
// guest (on QEMU's user network, [fec0::2]:PORT is the host's [::1]),
// from the local address -from6 if given (a static one: ip6=),
// and -serve echoes one connection on :PORT (dual-stack) from the host.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"time"
)

func main() {
	dial6 := flag.String("dial6", "", "echo through the IPv6 server at `ADDR`")
	from6 := flag.String("from6", "", "dial -dial6 from `IP`")
	serve := flag.String("serve", "", "echo one connection on :`PORT`")
	flag.Parse()
	loopback()
	rawCalls()
	if *dial6 != "" {
		dialRemote(*dial6, *from6)
	}
	if *serve != "" {
		serveOne(*serve)
	}
	fmt.Println("net6: done")
}

// loopback checks listeners of each kind against dials over 127.0.0.1 and ::1.
func loopback() {
	dual := listen("tcp", ":0")
	if !strings.HasPrefix(dual.Addr().String(), "[::]:") {
		fail(fmt.Errorf(`":0" listens on %v, want [::]: Go found no IPv6 or no v4-mapped addresses`, dual.Addr()))
	}
	fmt.Println("net6: \":0\" listens on [::] (dual-stack)")
	port := portOf(dual)
	echoVia(dual, "127.0.0.1", port, "127.0.0.1")
	echoVia(dual, "::1", port, "::1")
	dual.Close()

	only := listen("tcp", "[::1]:0")
	echoVia(only, "::1", portOf(only), "::1")
	refused("127.0.0.1", portOf(only))
	only.Close()

	v6only := listen("tcp6", ":0") // Go sets IPV6_V6ONLY for tcp6
	echoVia(v6only, "::1", portOf(v6only), "::1")
	refused("127.0.0.1", portOf(v6only))
	v6only.Close()

	v4 := listen("tcp4", ":0")
	echoVia(v4, "127.0.0.1", portOf(v4), "127.0.0.1")
	refused("::1", portOf(v4))
	v4.Close()
}

func listen(network, addr string) net.Listener {
	l, err := net.Listen(network, addr)
	if err != nil {
		fail(err)
	}
	return l
}

func portOf(l net.Listener) int { return l.Addr().(*net.TCPAddr).Port }

// echoVia dials host:port, has l's next connection echo a line, and
// checks the line and the addresses both ends see (the server sees the
// client as wantPeer).
func echoVia(l net.Listener, host string, port int, wantPeer string) {
	addr := net.JoinHostPort(host, fmt.Sprint(port))
	peer := make(chan string, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			fail(err)
		}
		io.Copy(c, c)
		c.Close()
		peer <- c.RemoteAddr().(*net.TCPAddr).IP.String()
	}()
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		fail(fmt.Errorf("dial %s: %v", addr, err))
	}
	echoCheck(c, []byte("hello over "+host+"\n"))
	if got := <-peer; got != wantPeer {
		fail(fmt.Errorf("%v's server saw %s, want %s", l.Addr(), got, wantPeer))
	}
	if ip := c.LocalAddr().(*net.TCPAddr).IP.String(); ip != host {
		fail(fmt.Errorf("dialing %s: local address %s", addr, ip))
	}
	fmt.Printf("net6: %v: %s -> %s echoed\n", l.Addr(), c.LocalAddr(), addr)
}

// echoCheck writes msg to c, half-closes, and checks that msg comes back.
func echoCheck(c net.Conn, msg []byte) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	go func() {
		c.Write(msg)
		c.(*net.TCPConn).CloseWrite()
	}()
	got, err := io.ReadAll(c)
	if err != nil {
		fail(err)
	}
	if !bytes.Equal(got, msg) {
		fail(fmt.Errorf("echo from %v: %q, want %q", c.RemoteAddr(), got, msg))
	}
}

// refused checks that nothing answers host:port.
func refused(host string, port int) {
	addr := net.JoinHostPort(host, fmt.Sprint(port))
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err == nil {
		c.Close()
		fail(fmt.Errorf("dial %s: connected, want refused", addr))
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		fail(fmt.Errorf("dial %s: %v, want connection refused", addr, err))
	}
	fmt.Printf("net6: %s refused\n", addr)
}

// rawCalls checks the socket calls themselves: families of addresses,
// IPV6_V6ONLY's default and where it applies, short addresses.
func rawCalls() {
	fd, err := syscall.Socket(syscall.AF_INET6, syscall.SOCK_STREAM, 0)
	if err != nil {
		fail(err)
	}
	v, err := syscall.GetsockoptInt(fd, syscall.IPPROTO_IPV6, syscall.IPV6_V6ONLY)
	if err != nil || v != 0 {
		fail(fmt.Errorf("IPV6_V6ONLY of a new socket: %d, %v; want 0", v, err))
	}
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != syscall.EINVAL {
		fail(fmt.Errorf("an AF_INET6 socket bound to a sockaddr_in: %v, want EINVAL", err))
	}
	if err := syscall.Bind(fd, &syscall.SockaddrInet6{Addr: [16]byte{15: 1}}); err != nil {
		fail(err)
	}
	sa, err := syscall.Getsockname(fd)
	if a, ok := sa.(*syscall.SockaddrInet6); err != nil || !ok || a.Addr != [16]byte{15: 1} || a.Port == 0 {
		fail(fmt.Errorf("getsockname of a socket bound to ::1: %#v, %v", sa, err))
	}
	if _, err := syscall.Getpeername(fd); err != syscall.ENOTCONN {
		fail(fmt.Errorf("getpeername before connect: %v, want ENOTCONN", err))
	}
	syscall.Close(fd)
	v6onlyFixed()
	udpAutobind()

	fd, err = syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		fail(err)
	}
	if err := syscall.SetsockoptInt(fd, syscall.IPPROTO_IPV6, syscall.IPV6_V6ONLY, 1); err != syscall.ENOPROTOOPT {
		fail(fmt.Errorf("IPV6_V6ONLY on an AF_INET socket: %v, want ENOPROTOOPT", err))
	}
	if err := syscall.Bind(fd, &syscall.SockaddrInet6{Addr: [16]byte{15: 1}}); err != syscall.EAFNOSUPPORT {
		fail(fmt.Errorf("an AF_INET socket bound to a sockaddr_in6: %v, want EAFNOSUPPORT", err))
	}
	syscall.Close(fd)
	fmt.Println("net6: socket calls: families, IPV6_V6ONLY, errors as Linux")
}

// v6onlyFixed checks that IPV6_V6ONLY set after bind is EINVAL, as
// Linux's, and changes nothing: a dual-stack socket stays one.
func v6onlyFixed() {
	fd, err := syscall.Socket(syscall.AF_INET6, syscall.SOCK_STREAM, 0)
	if err != nil {
		fail(err)
	}
	defer syscall.Close(fd)
	if err := syscall.Bind(fd, &syscall.SockaddrInet6{}); err != nil {
		fail(err)
	}
	if err := syscall.SetsockoptInt(fd, syscall.IPPROTO_IPV6, syscall.IPV6_V6ONLY, 1); err != syscall.EINVAL {
		fail(fmt.Errorf("IPV6_V6ONLY after bind: %v, want EINVAL", err))
	}
	if v, err := syscall.GetsockoptInt(fd, syscall.IPPROTO_IPV6, syscall.IPV6_V6ONLY); err != nil || v != 0 {
		fail(fmt.Errorf("IPV6_V6ONLY after the refused set: %d, %v; want 0", v, err))
	}
	if err := syscall.Listen(fd, 1); err != nil {
		fail(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		fail(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", sa.(*syscall.SockaddrInet6).Port)
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		fail(fmt.Errorf("IPV6_V6ONLY set after bind took effect: dial %s: %v", addr, err))
	}
	c.Close()
}

// udpAutobind checks a UDP socket that gets its port at its first
// sendto (Linux's inet_autobind in inet_send_prepare): getsockname
// reports the port; IPV6_V6ONLY and bind are then EINVAL, as after a
// bind, and change nothing: the socket stays dual-stack and its port the
// same, so an IPv4 peer's answer reaches it.
func udpAutobind() {
	peer, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		fail(err)
	}
	defer peer.Close()
	fd, err := syscall.Socket(syscall.AF_INET6, syscall.SOCK_DGRAM, 0)
	if err != nil {
		fail(err)
	}
	defer syscall.Close(fd)
	to := &syscall.SockaddrInet6{Addr: [16]byte{10: 0xff, 11: 0xff, 12: 127, 15: 1}, Port: peer.LocalAddr().(*net.UDPAddr).Port}
	if err := syscall.Sendto(fd, []byte("autobind"), 0, to); err != nil {
		fail(fmt.Errorf("sendto from an unbound UDP socket: %v", err))
	}
	sa, err := syscall.Getsockname(fd)
	a, ok := sa.(*syscall.SockaddrInet6)
	if err != nil || !ok || a.Port == 0 {
		fail(fmt.Errorf("getsockname after sendto: %#v, %v; want the port sendto took", sa, err))
	}
	if err := syscall.SetsockoptInt(fd, syscall.IPPROTO_IPV6, syscall.IPV6_V6ONLY, 1); err != syscall.EINVAL {
		fail(fmt.Errorf("IPV6_V6ONLY after sendto gave the socket its port: %v, want EINVAL", err))
	}
	if v, err := syscall.GetsockoptInt(fd, syscall.IPPROTO_IPV6, syscall.IPV6_V6ONLY); err != nil || v != 0 {
		fail(fmt.Errorf("IPV6_V6ONLY after the refused set: %d, %v; want 0", v, err))
	}
	if err := syscall.Bind(fd, &syscall.SockaddrInet6{}); err != syscall.EINVAL {
		fail(fmt.Errorf("bind after sendto gave the socket its port: %v, want EINVAL", err))
	}
	b := make([]byte, 64)
	peer.SetDeadline(time.Now().Add(10 * time.Second))
	n, from, err := peer.ReadFrom(b)
	if err != nil || string(b[:n]) != "autobind" || from.(*net.UDPAddr).Port != a.Port {
		fail(fmt.Errorf("the peer got %q from %v (%v); want \"autobind\" from port %d", b[:n], from, err, a.Port))
	}
	if _, err := peer.WriteTo([]byte("answer"), from); err != nil {
		fail(err)
	}
	if err := syscall.SetNonblock(fd, true); err != nil {
		fail(err)
	}
	for end := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		n, _, err := syscall.Recvfrom(fd, b, 0)
		if err == nil && string(b[:n]) == "answer" {
			break
		}
		if err != syscall.EAGAIN || time.Now().After(end) {
			fail(fmt.Errorf("the IPv4 peer's answer to the autobound socket: %q, %v", b[:max(n, 0)], err))
		}
	}
	fmt.Println("net6: udp autobind: a port at sendto, IPV6_V6ONLY and bind EINVAL after")
}

// dialRemote echoes through the IPv6 server at addr, from local address
// from unless empty, trying until the interface has its address (router
// advertisements take a moment).
func dialRemote(addr, from string) {
	d := net.Dialer{Timeout: 5 * time.Second}
	if from != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(from)}
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := d.Dial("tcp6", addr)
		if err == nil {
			msg := bytes.Repeat([]byte("ipv6 over the user network\n"), 4096)
			echoCheck(c, msg)
			fmt.Printf("net6: %s -> %s: %d bytes echoed\n", c.LocalAddr(), addr, len(msg))
			return
		}
		if time.Now().After(deadline) {
			fail(fmt.Errorf("dial %s: %v", addr, err))
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// serveOne echoes one connection on :port.
func serveOne(port string) {
	l := listen("tcp", ":"+port)
	fmt.Println("net6: serving on", l.Addr())
	c, err := l.Accept()
	if err != nil {
		fail(err)
	}
	n, err := io.Copy(c, c)
	if err != nil {
		fail(err)
	}
	c.Close()
	fmt.Printf("net6: echoed %d bytes to %v on %v\n", n, c.RemoteAddr(), c.LocalAddr())
	l.Close()
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "net6:", err)
	os.Exit(1)
}
