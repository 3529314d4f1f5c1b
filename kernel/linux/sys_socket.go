package linux

import (
	kerrno "github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/fs/sockfs"
	"github.com/gobare/gobare/kernel/sched"
	"github.com/gobare/gobare/kernel/vfs"
)

// The socket system calls (docs/design.md, Networking). A socket is a
// sockfs.Socket: read, write, close and epoll go through vfs as for any
// file; the control calls here ask the network service (sockfs.Ask) and
// wait, uninterruptibly, for its answer. AF_INET and AF_INET6 (dual-stack
// unless IPV6_V6ONLY, with v4-mapped addresses as Linux's), SOCK_STREAM
// (TCP) and SOCK_DGRAM (UDP); sys_msg.go moves their data.
// AF_UNIX sockets are the kernel's own: each call hands them to
// sys_unix.go.

// Socket constants (Linux uapi socket.h, in.h).
const (
	afInet       = 2
	afInet6      = 10
	sockStream   = 1
	sockDgram    = 2
	sockTypeMask = 0xf
	sockNonblock = vfs.Nonblock
	sockCloexec  = oCloexec
	ipprotoTCP   = 6
	ipprotoUDP   = 17
	sockaddrIn   = 16 // sizeof(struct sockaddr_in)
	sockaddrIn6  = 28 // sizeof(struct sockaddr_in6)
	sin6LenMin   = 24 // SIN6_LEN_RFC2133: without sin6_scope_id
)

// sockFile returns the socket at fd: EBADF for no file, ENOTSOCK for
// another kind.
func sockFile(fd uintptr) (*sockfs.Socket, kerrno.Errno) {
	f := file(fd)
	if f == nil {
		return nil, EBADF
	}
	s, ok := f.(*sockfs.Socket)
	if !ok {
		return nil, ENOTSOCK
	}
	return s, 0
}

// waitOn blocks the call on key, also on a retry that waited on another
// key (a request's answer, then the socket).
func (c call) waitOn(key uintptr) uintptr {
	if c.retry {
		c.t.WaitKey = key
		return blocked
	}
	return c.block(key, 0, 0)
}

// ask makes request op for the calling thread and waits for the answer;
// done=false: the call is blocked (return blocked).
func (c call) ask(op uint32, s *sockfs.Socket, arg uint32, addr []byte, a *sockfs.Reply) bool {
	if sockfs.Ask(c.t.Slot, c.retry, op, s, arg, addr, a) {
		return true
	}
	c.waitOn(sockfs.RequestKey(c.t.Slot))
	return false
}

// opening holds each thread's new datagram socket while the service
// makes its endpoint, kept over the call's retries.
var opening [sched.MaxThreads]*sockfs.Socket

// letGo ends with result r a call that keeps a socket in kept over its
// retries (opening, accepting) when it fails before taking its answer:
// the socket goes, closed at the service if the answer had made its
// endpoint (sockfs.Abandon).
func letGo(c call, kept *[sched.MaxThreads]*sockfs.Socket, r uintptr) uintptr {
	if s := kept[c.t.Slot]; s != nil {
		kept[c.t.Slot] = nil
		sockfs.Abandon(c.t.Slot, s)
	}
	return r
}

// socket(domain, type, protocol): a datagram socket's endpoint is made at
// once (OpOpen), so that sendto finds it; a stream socket's at its first
// request.
func sysSocket(c call) uintptr {
	typ := c.arg(1)
	kind, proto := typ&sockTypeMask, c.arg(2)
	switch {
	case c.arg(0) == afUnix:
		return unixSocket(c) // sys_unix.go
	case c.arg(0) != afInet && c.arg(0) != afInet6 || !sockfs.Served():
		return letGo(c, &opening, errno(EAFNOSUPPORT)) // no stack without the service
	case typ&^(sockTypeMask|sockNonblock|sockCloexec) != 0:
		return errno(EINVAL)
	case kind == sockStream && proto != 0 && proto != ipprotoTCP,
		kind == sockDgram && proto != 0 && proto != ipprotoUDP,
		kind != sockStream && kind != sockDgram:
		return errno(EPROTONOSUPPORT)
	}
	s := opening[c.t.Slot]
	if s == nil {
		var err kerrno.Errno
		if s, err = sockfs.New(uint16(c.arg(0)), uint16(kind), uint32(typ)&sockNonblock); err != 0 {
			return errno(err)
		}
	}
	if kind == sockDgram {
		opening[c.t.Slot] = s
		var a sockfs.Reply
		if !c.ask(sockfs.OpOpen, s, 0, nil, &a) {
			return blocked
		}
		opening[c.t.Slot] = nil
		if a.Err != 0 {
			sockfs.Discard(s)
			return errno(a.Err)
		}
	}
	fd, err := FDs.Install(s, 0, typ&sockCloexec != 0)
	if err != 0 {
		vfs.Put(s)
		return errno(err)
	}
	return uintptr(fd)
}

// readSockaddr copies the program's address of length n for a socket of
// family into buf: EINVAL when too short for the family (a sockaddr_in6
// may leave out its scope, as RFC 2133's did), EAFNOSUPPORT for another
// family (Linux's inet_bind, inet6_bind, tcp_v4_connect, tcp_v6_connect).
func readSockaddr(family uint16, addr, n uintptr, buf *[sockfs.AddrMax]byte) ([]byte, kerrno.Errno) {
	least, most := uintptr(sockaddrIn), uintptr(sockaddrIn)
	if family == afInet6 {
		least, most = sin6LenMin, sockaddrIn6
	}
	if n < least || n > 128 {
		return nil, EINVAL
	}
	clear(buf[:])
	if !Space.CopyIn(buf[:min(n, most)], addr) {
		return nil, EFAULT
	}
	if le16(buf[:]) != family {
		return nil, EAFNOSUPPORT
	}
	return buf[:most], 0
}

// le16 reads a little-endian 16-bit word (a sockaddr's family).
func le16(b []byte) uint16 { return uint16(b[0]) | uint16(b[1])<<8 }

// addrCall makes a request with the program's address (bind, connect).
func addrCall(c call, op uint32, a *sockfs.Reply) (*sockfs.Socket, uintptr, bool) {
	s, err := sockFile(c.arg(0))
	if err != 0 {
		return nil, errno(err), true
	}
	var buf [sockfs.AddrMax]byte
	addr, err := readSockaddr(s.Family, c.arg(1), c.arg(2), &buf)
	if err != 0 {
		return nil, errno(err), true
	}
	if !c.ask(op, s, 0, addr, a) {
		return nil, blocked, true
	}
	return s, 0, false
}

// bind(fd, addr, addrlen)
func sysBind(c call) uintptr {
	if u := unixFile(c.arg(0)); u != nil {
		return unixBind(c, u)
	}
	var a sockfs.Reply
	if _, r, stop := addrCall(c, sockfs.OpBind, &a); stop {
		return r
	}
	return errno(a.Err)
}

// listen(fd, backlog)
func sysListen(c call) uintptr {
	if u := unixFile(c.arg(0)); u != nil {
		return errno(u.Listen(int(min(c.arg(1), 4096))))
	}
	s, err := sockFile(c.arg(0))
	if err != 0 {
		return errno(err)
	}
	var a sockfs.Reply
	if !c.ask(sockfs.OpListen, s, uint32(min(c.arg(1), 4096)), nil, &a) {
		return blocked
	}
	return errno(a.Err)
}

// connect(fd, addr, addrlen): EINPROGRESS on a non-blocking socket, whose
// end epoll (EPOLLOUT) and SO_ERROR tell; a blocking one waits for it.
func sysConnect(c call) uintptr {
	if u := unixFile(c.arg(0)); u != nil {
		return unixConnect(c, u)
	}
	s, err := sockFile(c.arg(0))
	if err != 0 {
		return errno(err)
	}
	// A stream socket connects once; a retry waiting for the answer goes
	// on to take it, although the connection may already be made. A
	// datagram socket's connect only sets its peer, as often as asked.
	if s.Type == sockStream && (s.Connecting || !c.retry && s.State()&(sockfs.Connected|sockfs.Failed) != 0) {
		return connectEnd(c, s)
	}
	var a sockfs.Reply
	if _, r, stop := addrCall(c, sockfs.OpConnect, &a); stop {
		return r
	}
	if a.Err != EINPROGRESS {
		return errno(a.Err)
	}
	s.Connecting = true
	if s.Desc().Status&vfs.Nonblock != 0 {
		return errno(EINPROGRESS)
	}
	return connectEnd(c, s)
}

// connectEnd answers a connect on a socket that is connecting or was
// connected.
func connectEnd(c call, s *sockfs.Socket) uintptr {
	st := s.State()
	switch {
	case st&sockfs.Failed != 0:
		s.Connecting = false
		return errno(s.Error())
	case st&sockfs.Connected != 0 && s.Connecting:
		s.Connecting = false
		return 0
	case st&sockfs.Connected != 0:
		return errno(EISCONN)
	case s.Desc().Status&vfs.Nonblock != 0:
		return errno(EALREADY)
	}
	return c.waitOn(s.WaitKey())
}

// accepting holds each thread's socket for the connection its accept asks
// for, kept over the call's retries.
var accepting [sched.MaxThreads]*sockfs.Socket

// accept(fd, addr, addrlen) is accept4 without flags.
func sysAccept(c call) uintptr { return accept(c, 0) }

// accept4(fd, addr, addrlen, flags)
func sysAccept4(c call) uintptr { return accept(c, c.arg(3)) }

func accept(c call, flags uintptr) uintptr {
	if u := unixFile(c.arg(0)); u != nil && flags&^(sockNonblock|sockCloexec) == 0 {
		return unixAccept(c, u, flags)
	}
	s, err := sockFile(c.arg(0))
	switch {
	case err != 0:
		return letGo(c, &accepting, errno(err))
	case flags&^(sockNonblock|sockCloexec) != 0:
		return errno(EINVAL)
	case s.State()&sockfs.Listening == 0:
		return letGo(c, &accepting, errno(EINVAL))
	}
	nonblock := s.Desc().Status&vfs.Nonblock != 0
	if !nonblock && s.State()&sockfs.Acceptable == 0 {
		return c.waitOn(s.WaitKey())
	}
	n := accepting[c.t.Slot]
	if n == nil {
		if n, err = sockfs.New(s.Family, s.Type, uint32(flags)&sockNonblock); err != 0 {
			return errno(err)
		}
		accepting[c.t.Slot] = n
	}
	var a sockfs.Reply
	if !c.ask(sockfs.OpAccept, s, uint32(n.Index()), nil, &a) {
		return blocked
	}
	accepting[c.t.Slot] = nil
	if a.Err != 0 {
		sockfs.Discard(n)
		if a.Err == EAGAIN && !nonblock {
			return c.waitOn(s.WaitKey())
		}
		return errno(a.Err)
	}
	sockfs.Adopt(n)
	if r := putSockaddr(c.arg(1), c.arg(2), &a); r != 0 {
		vfs.Put(n)
		return r
	}
	fd, err := FDs.Install(n, 0, flags&sockCloexec != 0)
	if err != 0 {
		vfs.Put(n)
		return errno(err)
	}
	return uintptr(fd)
}

// putSockaddr writes the answer's address to addr, as copyAddrOut.
func putSockaddr(addr, lenAddr uintptr, a *sockfs.Reply) uintptr {
	return copyAddrOut(addr, lenAddr, a.Addr[:a.AddrLen])
}

// copyAddrOut writes the address src to addr, cut to the length at
// lenAddr, and its whole length there (Linux's move_addr_to_user); no
// address is asked for when addr is 0.
func copyAddrOut(addr, lenAddr uintptr, src []byte) uintptr {
	if addr == 0 {
		return 0
	}
	var w [4]byte
	if !Space.CopyIn(w[:], lenAddr) {
		return errno(EFAULT)
	}
	n := le32(w[:])
	if int32(n) < 0 {
		return errno(EINVAL)
	}
	putLE32(w[:], uint32(len(src)))
	if !Space.CopyOut(addr, src[:min(int(n), len(src))]) || !Space.CopyOut(lenAddr, w[:]) {
		return errno(EFAULT)
	}
	return 0
}

// getsockname(fd, addr, addrlen) and getpeername(fd, addr, addrlen)
func sysGetsockname(c call) uintptr { return sockName(c, 0) }
func sysGetpeername(c call) uintptr { return sockName(c, 1) }

func sockName(c call, peer uint32) uintptr {
	if u := unixFile(c.arg(0)); u != nil {
		return unixName(c, u, peer)
	}
	s, err := sockFile(c.arg(0))
	if err != 0 {
		return errno(err)
	}
	if c.arg(1) == 0 {
		return errno(EFAULT)
	}
	var a sockfs.Reply
	if !s.Name(peer == 1, &a) && !c.ask(sockfs.OpName, s, peer, nil, &a) {
		return blocked
	}
	if a.Err != 0 {
		return errno(a.Err)
	}
	return putSockaddr(c.arg(1), c.arg(2), &a)
}

// shutdown(fd, how): SHUT_RD, SHUT_WR or SHUT_RDWR.
func sysShutdown(c call) uintptr {
	if u := unixFile(c.arg(0)); u != nil {
		return unixShutdown(c, u)
	}
	s, err := sockFile(c.arg(0))
	switch {
	case err != 0:
		return errno(err)
	case c.arg(1) > 2:
		return errno(EINVAL)
	case s.State()&sockfs.Connected == 0:
		return errno(ENOTCONN)
	}
	s.Shut(uint32(c.arg(1)) + 1) // SHUT_RD 0, SHUT_WR 1, SHUT_RDWR 2 as bits
	return 0
}
