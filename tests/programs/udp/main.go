// Command udp uses UDP and the resolver through the standard net package,
// and the message calls (sendto, recvfrom, sendmsg, recvmsg) through
// syscall, checking each answer against Linux's (tests/udp_test.go runs
// it under gobare's network service):
//
//	udp echo PORT     echo the datagrams that arrive on PORT to their
//	                  senders, until one that says "end" (not echoed)
//	udp loop          datagrams over the loopback interface: boundaries,
//	                  source addresses, MSG_PEEK, MSG_TRUNC, iovecs
//	                  (also readv, writev), a TCP pair's sendmsg,
//	                  writev and recvmsg, the errors
//	                  (EMSGSIZE, EDESTADDRREQ, EFAULT, EINVAL), a
//	                  connected socket's ECONNREFUSED, IPv6's ::1, and
//	                  connect(2) made by hand
//	udp lookup NAME ADDR   resolve NAME (net.LookupHost) and want ADDR
//	                  among the answers; localhost and the host name
//	                  from /etc/hosts too
package main

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"slices"
	"syscall"
	"time"
	"unsafe"
)

func main() {
	switch {
	case len(os.Args) == 3 && os.Args[1] == "echo":
		echo(os.Args[2])
	case len(os.Args) == 2 && os.Args[1] == "loop":
		loop()
	case len(os.Args) == 4 && os.Args[1] == "lookup":
		lookup(os.Args[2], os.Args[3])
	default:
		check(fmt.Errorf("usage: udp echo PORT | udp loop | udp lookup NAME ADDR"))
	}
}

// echo sends datagrams back to where they came from until "end", which
// it counts but does not echo.
func echo(port string) {
	c, err := net.ListenPacket("udp4", ":"+port)
	check(err)
	fmt.Printf("udp: listening on %v\n", c.LocalAddr())
	buf := make([]byte, 65536)
	for n, bytes := 0, 0; ; n++ {
		k, from, err := c.ReadFrom(buf)
		check(err)
		if string(buf[:k]) == "end" {
			fmt.Printf("udp: echoed %d datagrams, %d bytes; the end came from %v\n", n, bytes, from.(*net.UDPAddr).IP)
			break
		}
		_, err = c.WriteTo(buf[:k], from)
		check(err)
		bytes += k
	}
	c.Close()
}

// loop checks datagrams between two sockets on 127.0.0.1.
func loop() {
	srv, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	check(err)
	cli, err := net.DialUDP("udp4", nil, srv.LocalAddr().(*net.UDPAddr))
	check(err)
	deadline := time.Now().Add(30 * time.Second)
	srv.SetDeadline(deadline)
	cli.SetDeadline(deadline)

	// Boundaries and sources: each datagram arrives whole and alone,
	// from the client's address, and the echo comes back whole.
	sizes := []int{1, 0, 1000, 9000, 20000, 3}
	for _, n := range sizes {
		_, err := cli.Write(pattern(n, byte(n)))
		check(err)
	}
	buf := make([]byte, 65536)
	for _, n := range sizes {
		k, from, err := srv.ReadFromUDP(buf)
		check(err)
		want(k == n && bytes.Equal(buf[:k], pattern(n, byte(n))), "datagram of %d bytes arrived as %d bytes", n, k)
		want(from.String() == cli.LocalAddr().String(), "datagram from %v, want %v", from, cli.LocalAddr())
		_, err = srv.WriteToUDP(buf[:k], from)
		check(err)
	}
	for _, n := range sizes {
		k, err := cli.Read(buf)
		check(err)
		want(k == n && bytes.Equal(buf[:k], pattern(n, byte(n))), "echo of %d bytes came back as %d bytes", n, k)
	}
	fmt.Printf("udp: %d datagrams echoed over loopback, boundaries and sources kept\n", len(sizes))

	// ReadMsgUDP (recvmsg): a datagram cut to the buffer says MSG_TRUNC.
	_, err = cli.Write(pattern(100, 7))
	check(err)
	small := make([]byte, 10)
	k, _, flags, from, err := srv.ReadMsgUDP(small, nil)
	check(err)
	want(k == 10 && flags&syscall.MSG_TRUNC != 0 && from.Port == cli.LocalAddr().(*net.UDPAddr).Port,
		"recvmsg of 100 bytes into 10: %d bytes, flags %#x, from %v", k, flags, from)
	fmt.Println("udp: recvmsg cut a datagram and said MSG_TRUNC")

	rawChecks(srv, cli)
	streamChecks()
	refusedAndV6()
	connectChecks()
	fmt.Println("udp: loop checks passed")
}

// rawChecks uses the message calls on the sockets' descriptors directly.
func rawChecks(srv, cli *net.UDPConn) {
	sfd, cfd := fd(srv), fd(cli)
	to := sockaddr(srv.LocalAddr().(*net.UDPAddr))

	// MSG_PEEK leaves the datagram; MSG_TRUNC gives its whole length.
	_, err := cli.Write(pattern(300, 9))
	check(err)
	waitReadable(sfd)
	b := make([]byte, 50)
	n, err := recvfrom(sfd, b, syscall.MSG_PEEK|syscall.MSG_TRUNC)
	want(err == nil && n == 300 && bytes.Equal(b, pattern(300, 9)[:50]), "recvfrom(MSG_PEEK|MSG_TRUNC) = %d, %v", n, err)
	b = make([]byte, 400)
	n, err = recvfrom(sfd, b, 0)
	want(err == nil && n == 300 && bytes.Equal(b[:n], pattern(300, 9)), "recvfrom after the peek = %d, %v", n, err)
	n, err = recvfrom(sfd, b, syscall.MSG_DONTWAIT)
	want(err == syscall.EAGAIN, "recvfrom(MSG_DONTWAIT) with nothing there = %d, %v; want EAGAIN", n, err)
	fmt.Println("udp: MSG_PEEK, MSG_TRUNC and MSG_DONTWAIT as Linux")

	// sendmsg gathers iovecs into one datagram, to msg_name; recvmsg
	// scatters it.
	parts := [][]byte{[]byte("gather "), []byte("into "), []byte("one")}
	n, err = sendmsg(cfd, parts, to, 0)
	want(err == nil && n == 15, "sendmsg of 3 iovecs = %d, %v", n, err)
	waitReadable(sfd)
	outs := [][]byte{make([]byte, 4), make([]byte, 20)}
	n, name, flags, err := recvmsg(sfd, outs, 0)
	want(err == nil && n == 15 && string(outs[0])+string(outs[1][:11]) == "gather into one" && flags == 0 && len(name) == 16,
		"recvmsg into 2 iovecs = %d %q %q flags %#x name %d bytes, %v", n, outs[0], outs[1], flags, len(name), err)
	fmt.Println("udp: sendmsg gathered and recvmsg scattered one datagram")

	// writev and readv do the same without addresses; readv's buffers
	// take 6 bytes of the 15 and the rest is lost.
	wv := iovecs([][]byte{[]byte("writev "), []byte("datagram")})
	_, _, errno := syscall.Syscall(syscall.SYS_WRITEV, uintptr(cfd), uintptr(unsafe.Pointer(&wv[0])), 2)
	want(errno == 0, "writev on a connected UDP socket: %v", errno)
	waitReadable(sfd)
	rb := [][]byte{make([]byte, 3), make([]byte, 3)}
	rv := iovecs(rb)
	got, _, errno := syscall.Syscall(syscall.SYS_READV, uintptr(sfd), uintptr(unsafe.Pointer(&rv[0])), 2)
	want(errno == 0 && got == 6 && string(rb[0])+string(rb[1]) == "writev", "readv = %d %q %q, %v", got, rb[0], rb[1], errno)
	n, err = recvfrom(sfd, b, syscall.MSG_DONTWAIT)
	want(err == syscall.EAGAIN, "recvfrom after readv took the datagram = %d, %v; want EAGAIN", n, err)
	fmt.Println("udp: writev gathered and readv scattered one datagram")

	// The errors, as Linux gives them.
	_, err = cli.Write(make([]byte, 65508))
	want(errors.Is(err, syscall.EMSGSIZE), "a 65508-byte datagram: %v, want EMSGSIZE", err)
	u, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM, 0)
	check(err)
	_, err = syscall.Write(u, []byte("x"))
	want(err == syscall.EDESTADDRREQ, "write on an unconnected UDP socket: %v, want EDESTADDRREQ", err)
	_, _, e := syscall.Syscall6(syscall.SYS_SENDTO, uintptr(u), 0, 1, 0, 0, 0)
	want(e == syscall.EDESTADDRREQ, "sendto without an address: %v, want EDESTADDRREQ", e)
	_, _, e = syscall.Syscall6(syscall.SYS_SENDTO, uintptr(u), 8, 10, 0, uintptr(unsafe.Pointer(&to[0])), uintptr(len(to)))
	want(e == syscall.EFAULT, "sendto from a bad buffer: %v, want EFAULT", e)
	_, _, e = syscall.Syscall6(syscall.SYS_SENDTO, uintptr(u), uintptr(unsafe.Pointer(&b[0])), 10, 0, 8, 16)
	want(e == syscall.EFAULT, "sendto to a bad address pointer: %v, want EFAULT", e)
	_, _, e = syscall.Syscall6(syscall.SYS_SENDTO, uintptr(u), uintptr(unsafe.Pointer(&b[0])), 10, 0, uintptr(unsafe.Pointer(&to[0])), 8)
	want(e == syscall.EINVAL, "sendto with an 8-byte address: %v, want EINVAL", e)
	_, _, e = syscall.Syscall(syscall.SYS_SENDMSG, uintptr(u), 8, 0)
	want(e == syscall.EFAULT, "sendmsg with a bad msghdr: %v, want EFAULT", e)
	_, _, e = syscall.Syscall(syscall.SYS_RECVMSG, uintptr(u), 8, syscall.MSG_DONTWAIT)
	want(e == syscall.EFAULT, "recvmsg with a bad msghdr: %v, want EFAULT", e)
	_, err = cli.Write([]byte("lost"))
	check(err)
	waitReadable(sfd)
	_, _, e = syscall.Syscall6(syscall.SYS_RECVFROM, uintptr(sfd), 8, 10, 0, 0, 0)
	want(e == syscall.EFAULT, "recvfrom into a bad buffer: %v, want EFAULT", e)
	n, err = recvfrom(sfd, b, syscall.MSG_DONTWAIT)
	want(err == syscall.EAGAIN, "recvfrom after the EFAULT = %d, %v; want EAGAIN (the datagram dropped, as Linux)", n, err)
	syscall.Close(u)
	fmt.Println("udp: EMSGSIZE, EDESTADDRREQ, EFAULT and EINVAL as Linux")
}

// streamChecks moves bytes over a TCP pair on loopback with sendmsg,
// sendto and recvmsg, peeking first.
func streamChecks() {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	check(err)
	c, err := net.Dial("tcp4", l.Addr().String())
	check(err)
	s, err := l.Accept()
	check(err)
	cfd, sfd := fd(c.(*net.TCPConn)), fd(s.(*net.TCPConn))
	n, err := sendmsg(cfd, [][]byte{[]byte("stream "), []byte("of "), []byte("bytes")}, nil, 0)
	want(err == nil && n == 15, "sendmsg on TCP = %d, %v", n, err)
	_, _, e := syscall.Syscall6(syscall.SYS_SENDTO, uintptr(cfd), uintptr(unsafe.Pointer(&[]byte("!")[0])), 1, syscall.MSG_NOSIGNAL, 0, 0)
	want(e == 0, "sendto on TCP: %v", e)
	bufs := net.Buffers{[]byte(" and"), []byte(" more")} // writev
	if k, err := bufs.WriteTo(c); k != 9 || err != nil {
		check(fmt.Errorf("net.Buffers' writev on TCP = %d, %v", k, err))
	}
	got := make([]byte, 0, 25)
	peek := make([]byte, 6)
	waitReadable(sfd)
	k, err := recvfrom(sfd, peek, syscall.MSG_PEEK)
	want(err == nil && k == 6 && string(peek) == "stream", "recv(MSG_PEEK) on TCP = %d %q, %v", k, peek, err)
	for len(got) < 25 {
		waitReadable(sfd)
		outs := [][]byte{make([]byte, 5), make([]byte, 20)}
		k, name, _, err := recvmsg(sfd, outs, 0)
		check(err)
		want(len(name) == 0, "recvmsg on TCP gave an address of %d bytes", len(name))
		got = append(got, (append(outs[0], outs[1]...))[:k]...)
	}
	want(string(got) == "stream of bytes! and more", "TCP carried %q", got)
	c.Close()
	s.Close()
	fmt.Println("udp: sendmsg, sendto, writev, recvmsg and MSG_PEEK on TCP")

	// SO_LINGER with a zero time: close resets the connection, so the
	// peer's read fails with ECONNRESET, not EOF; getsockopt reads back
	// the struct linger.
	c, err = net.Dial("tcp4", l.Addr().String())
	check(err)
	s, err = l.Accept()
	check(err)
	check(s.(*net.TCPConn).SetLinger(0))
	lg, size := syscall.Linger{Linger: -1}, uint32(unsafe.Sizeof(syscall.Linger{}))
	_, _, e = syscall.Syscall6(syscall.SYS_GETSOCKOPT, uintptr(fd(s.(*net.TCPConn))), syscall.SOL_SOCKET, syscall.SO_LINGER,
		uintptr(unsafe.Pointer(&lg)), uintptr(unsafe.Pointer(&size)), 0)
	want(e == 0 && size == 8 && lg.Onoff == 1 && lg.Linger == 0, "getsockopt(SO_LINGER) = %+v (%d bytes), %v", lg, size, e)
	s.Close()
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	_, err = c.Read(make([]byte, 1))
	want(errors.Is(err, syscall.ECONNRESET), "read after the peer's close with SO_LINGER 0: %v, want ECONNRESET", err)
	c.Close()
	l.Close()
	fmt.Println("udp: SO_LINGER 0 resets the connection")

	// A listener's close frees its port at once, as Linux's: a listen
	// on the same port right after it succeeds.
	for range 20 {
		l, err := net.Listen("tcp4", "127.0.0.1:0")
		check(err)
		addr := l.Addr().String()
		check(l.Close())
		l, err = net.Listen("tcp4", addr)
		want(err == nil, "listen on %s right after closing its listener: %v", addr, err)
		check(l.Close())
	}
	fmt.Println("udp: a closed listener's port is free at once")
}

// refusedAndV6: a connected socket's datagram to a port nobody has
// brings ECONNREFUSED to its next read (the ICMP error, once), and
// datagrams over IPv6's loopback keep their sources too.
func refusedAndV6() {
	l, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	check(err)
	closed := l.LocalAddr().(*net.UDPAddr)
	l.Close()
	c, err := net.DialUDP("udp4", nil, closed)
	check(err)
	c.SetDeadline(time.Now().Add(10 * time.Second))
	_, err = c.Write([]byte("anyone?"))
	check(err)
	_, err = c.Read(make([]byte, 10))
	want(errors.Is(err, syscall.ECONNREFUSED), "read after a datagram to a closed port: %v, want ECONNREFUSED", err)
	c.Close()

	srv, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback})
	check(err)
	cli, err := net.DialUDP("udp6", nil, srv.LocalAddr().(*net.UDPAddr))
	check(err)
	srv.SetDeadline(time.Now().Add(10 * time.Second))
	_, err = cli.Write([]byte("over ::1"))
	check(err)
	b := make([]byte, 20)
	n, from, err := srv.ReadFromUDP(b)
	check(err)
	want(string(b[:n]) == "over ::1" && from.String() == cli.LocalAddr().String(), "IPv6 datagram %q from %v, want from %v", b[:n], from, cli.LocalAddr())
	srv.Close()
	cli.Close()
	fmt.Println("udp: ECONNREFUSED once on a connected socket; IPv6 datagrams over ::1")
}

// connectChecks makes connect(2) by hand on one thread, as a C program
// would: a datagram socket's connect returns 0, also when it connects
// again elsewhere; a blocking TCP connect returns 0 and its connection
// reaches the listener, every time, also right after a datagram socket
// of the same thread closed (each call's answer is its own).
func connectChecks() {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	lfd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK, 0)
	check(err)
	loopback := [4]byte{127, 0, 0, 1}
	check(syscall.Bind(lfd, &syscall.SockaddrInet4{Addr: loopback}))
	check(syscall.Listen(lfd, 64))
	sa, err := syscall.Getsockname(lfd)
	check(err)
	port := sa.(*syscall.SockaddrInet4).Port
	for i := range 20 {
		u, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM, 0)
		check(err)
		err = syscall.Connect(u, &syscall.SockaddrInet4{Addr: loopback, Port: 9})
		want(err == nil, "connect of a datagram socket: %v, want 0", err)
		err = syscall.Connect(u, &syscall.SockaddrInet4{Addr: loopback, Port: port})
		want(err == nil, "a datagram socket's second connect: %v, want 0", err)
		peer, err := syscall.Getpeername(u)
		want(err == nil && peer.(*syscall.SockaddrInet4).Port == port, "a datagram socket's peer after its second connect: %v, %v, want port %d", peer, err, port)
		check(syscall.Close(u))
		time.Sleep(50 * time.Millisecond) // the service lets go of u's slot, for t to take

		t, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
		check(err)
		err = syscall.Connect(t, &syscall.SockaddrInet4{Addr: loopback, Port: port})
		want(err == nil, "blocking TCP connect %d: %v, want 0", i, err)
		c := acceptWithin(lfd, 10*time.Second)
		local, err := syscall.Getsockname(t)
		check(err)
		peer, err = syscall.Getpeername(c)
		check(err)
		want(peer.(*syscall.SockaddrInet4).Port == local.(*syscall.SockaddrInet4).Port,
			"the listener accepted a connection from port %d, the connect was from %d", peer.(*syscall.SockaddrInet4).Port, local.(*syscall.SockaddrInet4).Port)
		check(syscall.Close(c))
		check(syscall.Close(t))
	}
	check(syscall.Close(lfd))
	fmt.Println("udp: connect returns 0 on datagram sockets, again elsewhere, and blocking on TCP")
}

// acceptWithin accepts a connection on the non-blocking listener lfd,
// trying every millisecond until d has passed.
func acceptWithin(lfd int, d time.Duration) int {
	for start := time.Now(); time.Since(start) < d; time.Sleep(time.Millisecond) {
		c, _, err := syscall.Accept(lfd)
		if err != syscall.EAGAIN {
			check(err)
			return c
		}
	}
	check(fmt.Errorf("no connection to accept in %v", d))
	return -1
}

// lookup resolves name through Go's own resolver and the files.
func lookup(name, addr string) {
	conf, err := os.ReadFile("/etc/resolv.conf")
	check(err)
	fmt.Printf("udp: /etc/resolv.conf: %q\n", conf)
	for _, h := range []struct{ name, addr string }{{"localhost", "127.0.0.1"}, {"gobare", "127.0.0.1"}, {name, addr}} {
		addrs, err := net.LookupHost(h.name)
		check(err)
		want(slices.Contains(addrs, h.addr), "%s resolved to %v, want %s among them", h.name, addrs, h.addr)
		fmt.Printf("udp: %s is %v\n", h.name, addrs)
	}
	_, err = net.LookupHost("nosuchname.invalid")
	var dnsErr *net.DNSError
	want(errors.As(err, &dnsErr) && dnsErr.IsNotFound, "nosuchname.invalid: %v, want no such host", err)
	fmt.Printf("udp: lookups done\n")
}

// fd is a connection's descriptor (it stays the connection's).
func fd(c syscall.Conn) int {
	rc, err := c.SyscallConn()
	check(err)
	var n int
	check(rc.Control(func(f uintptr) { n = int(f) }))
	return n
}

// waitReadable waits until the socket has something to receive, peeking
// (MSG_PEEK|MSG_DONTWAIT) every 10 ms.
func waitReadable(fd int) {
	b := make([]byte, 1)
	for start := time.Now(); time.Since(start) < 10*time.Second; time.Sleep(10 * time.Millisecond) {
		if _, err := recvfrom(fd, b, syscall.MSG_PEEK|syscall.MSG_DONTWAIT); err != syscall.EAGAIN {
			return
		}
	}
	check(fmt.Errorf("descriptor %d not readable in 10 s", fd))
}

// sockaddr is a as struct sockaddr_in.
func sockaddr(a *net.UDPAddr) []byte {
	b := make([]byte, 16)
	b[0] = syscall.AF_INET
	b[2], b[3] = byte(a.Port>>8), byte(a.Port)
	copy(b[4:], a.IP.To4())
	return b
}

// recvfrom is recvfrom(2) with flags, without an address.
func recvfrom(fd int, b []byte, flags int) (int, error) {
	n, _, e := syscall.Syscall6(syscall.SYS_RECVFROM, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), uintptr(flags), 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

// iovecs describes bufs for a msghdr.
func iovecs(bufs [][]byte) []syscall.Iovec {
	v := make([]syscall.Iovec, len(bufs))
	for i, b := range bufs {
		v[i].Base = &b[0]
		v[i].SetLen(len(b))
	}
	return v
}

// sendmsg is sendmsg(2) of bufs to name (nil: the connected peer).
func sendmsg(fd int, bufs [][]byte, name []byte, flags int) (int, error) {
	v := iovecs(bufs)
	var m syscall.Msghdr
	m.Iov, m.Iovlen = &v[0], uint64(len(v))
	if name != nil {
		m.Name, m.Namelen = &name[0], uint32(len(name))
	}
	n, _, e := syscall.Syscall(syscall.SYS_SENDMSG, uintptr(fd), uintptr(unsafe.Pointer(&m)), uintptr(flags))
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

// recvmsg is recvmsg(2) into bufs: the length, the source address and
// msg_flags.
func recvmsg(fd int, bufs [][]byte, flags int) (int, []byte, int, error) {
	v := iovecs(bufs)
	name := make([]byte, 128)
	var m syscall.Msghdr
	m.Iov, m.Iovlen = &v[0], uint64(len(v))
	m.Name, m.Namelen = &name[0], uint32(len(name))
	n, _, e := syscall.Syscall(syscall.SYS_RECVMSG, uintptr(fd), uintptr(unsafe.Pointer(&m)), uintptr(flags))
	if e != 0 {
		return 0, nil, 0, e
	}
	return int(n), name[:m.Namelen], int(m.Flags), nil
}

// pattern is n bytes from seed.
func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i*7+i>>8)
	}
	return b
}

// want fails the program with the message unless ok.
func want(ok bool, format string, args ...any) {
	if !ok {
		check(fmt.Errorf(format, args...))
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "udp:", err)
		os.Exit(1)
	}
}
