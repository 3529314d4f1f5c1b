package linux

import (
	kerrno "github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/fs/unixsock"
	"github.com/gobare/gobare/kernel/vfs"
)

// AF_UNIX sockets (unix(7)), kept by the kernel itself (kernel/fs/unixsock):
// the socket calls of sys_socket.go come here when the descriptor is one.
// A path name is a file bind makes (a regular file: stat does not say
// S_IFSOCK) and connect finds by its absolute path; an abstract name
// (sun_path starting with a NUL byte) lives in the socket table only.

// AF_UNIX's constants (uapi socket.h, un.h).
const (
	afUnix          = 1
	sockaddrUnFam   = 2  // offsetof(struct sockaddr_un, sun_path)
	eSockTNoSupport = 94 // ESOCKTNOSUPPORT: a type AF_UNIX does not have
)

// unixFile returns the AF_UNIX socket at fd, or nil.
func unixFile(fd uintptr) *unixsock.Socket {
	s, _ := file(fd).(*unixsock.Socket)
	return s
}

// unixType checks socket(2)'s type and protocol for AF_UNIX.
func unixType(typ, proto uintptr) (uint8, kerrno.Errno) {
	switch {
	case typ&^(sockTypeMask|sockNonblock|sockCloexec) != 0:
		return 0, EINVAL
	case proto != 0:
		return 0, EPROTONOSUPPORT
	}
	switch t := uint8(typ & sockTypeMask); t {
	case unixsock.Stream, unixsock.Dgram, unixsock.Seqpacket:
		return t, 0
	}
	return 0, ESOCKTNOSUPPORT
}

// unixSocket is socket(AF_UNIX, type, protocol).
func unixSocket(c call) uintptr {
	typ, err := unixType(c.arg(1), c.arg(2))
	if err != 0 {
		return errno(err)
	}
	s, err := unixsock.New(typ, uint32(c.arg(1))&sockNonblock)
	if err != 0 {
		return errno(err)
	}
	return installSocket(s, c.arg(1)&sockCloexec != 0)
}

// installSocket gives a new socket (one reference) a descriptor.
func installSocket(f vfs.File, cloexec bool) uintptr {
	fd, err := FDs.Install(f, 0, cloexec)
	if err != 0 {
		vfs.Put(f)
		return errno(err)
	}
	return uintptr(fd)
}

// socketpair(domain, type, protocol, sv): two connected AF_UNIX sockets;
// EOPNOTSUPP for another family, as Linux answers for AF_INET.
func sysSocketpair(c call) uintptr {
	if c.arg(0) != afUnix {
		return errno(EOPNOTSUPP)
	}
	typ, err := unixType(c.arg(1), c.arg(2))
	if err != 0 {
		return errno(err)
	}
	var sv [8]byte
	if !Space.CopyIn(sv[:], c.arg(3)) { // the program's array must be writable: checked before anything is made
		return errno(EFAULT)
	}
	a, b, err := unixsock.Pair(typ, uint32(c.arg(1))&sockNonblock)
	if err != 0 {
		return errno(err)
	}
	cloexec := c.arg(1)&sockCloexec != 0
	fa := installSocket(a, cloexec)
	if int64(fa) < 0 {
		vfs.Put(b)
		return fa
	}
	fb := installSocket(b, cloexec)
	if int64(fb) < 0 {
		FDs.Close(int(fa))
		return fb
	}
	putLE32(sv[0:], uint32(fa))
	putLE32(sv[4:], uint32(fb))
	if !Space.CopyOut(c.arg(3), sv[:]) {
		FDs.Close(int(fa))
		FDs.Close(int(fb))
		return errno(EFAULT)
	}
	return 0
}

// unixAddr is a sockaddr_un read from the program (into the caller's
// buffer) and what it names.
type unixAddr struct {
	addr     []byte // the family and sun_path, as given
	path     []byte // a path name (without its NUL), or nil
	abstract []byte // an abstract name's sun_path (from its NUL byte), or nil
}

// readUnixAddr copies the program's sockaddr_un of length n into buf:
// EINVAL when it is too short or long or not AF_UNIX. A sockaddr of the
// family alone names nothing (bind: autobind).
func readUnixAddr(addr, n uintptr, buf *[unixsock.AddrMax]byte) (unixAddr, kerrno.Errno) {
	var u unixAddr
	if n < sockaddrUnFam || n > unixsock.AddrMax {
		return u, EINVAL
	}
	if !Space.CopyIn(buf[:n], addr) {
		return u, EFAULT
	}
	if le16(buf[:]) != afUnix {
		return u, EINVAL
	}
	u.addr = buf[:n]
	sun := buf[sockaddrUnFam:n]
	switch {
	case len(sun) == 0:
	case sun[0] == 0:
		u.abstract = sun
	default:
		k := 0
		for k < len(sun) && sun[k] != 0 {
			k++
		}
		u.path = sun[:k]
	}
	return u, 0
}

// key returns what the socket is found by: the path made absolute in buf
// (ENOENT and friends when it does not resolve), or the abstract name.
func (u *unixAddr) key(buf *[vfs.MaxPath]byte) ([]byte, kerrno.Errno) {
	if u.path == nil {
		return u.abstract, 0
	}
	found, err := vfs.Resolve(nil, u.path, buf, true)
	if err != 0 {
		return nil, err
	}
	return found.Abs, 0
}

// findUnix returns the socket the program's address names: ENOENT for a
// path with no file, ECONNREFUSED for a name no socket holds.
func findUnix(addr, n uintptr) (*unixsock.Socket, kerrno.Errno) {
	var buf [unixsock.AddrMax]byte
	u, err := readUnixAddr(addr, n, &buf)
	if err != 0 {
		return nil, err
	}
	if u.path == nil && u.abstract == nil {
		return nil, EINVAL
	}
	var keyBuf [vfs.MaxPath]byte
	key, err := u.key(&keyBuf)
	if err != 0 {
		return nil, err
	}
	t := unixsock.Find(key)
	if t == nil {
		return nil, ECONNREFUSED
	}
	return t, 0
}

// unixBind names the socket: a path (its file made here: EADDRINUSE when
// one exists), an abstract name, or with the family alone an abstract
// name of the kernel's choosing.
func unixBind(c call, s *unixsock.Socket) uintptr {
	var buf [unixsock.AddrMax]byte
	u, err := readUnixAddr(c.arg(1), c.arg(2), &buf)
	if err != 0 {
		return errno(err)
	}
	if u.path == nil && u.abstract == nil {
		return errno(s.Autobind())
	}
	if s.Bound() {
		return errno(EINVAL)
	}
	if u.path != nil {
		f, err := vfs.OpenPerm(nil, u.path, vfs.WriteOnly|vfs.Creat|vfs.Excl, 0o777&^umask)
		if err == EEXIST {
			return errno(EADDRINUSE)
		}
		if err != 0 {
			return errno(err)
		}
		vfs.Put(f)
		// Linux's name is the family, the path and its NUL.
		if end := sockaddrUnFam + len(u.path); end < len(buf) {
			buf[end] = 0
			u.addr = buf[:end+1]
		}
	}
	var keyBuf [vfs.MaxPath]byte
	key, err := u.key(&keyBuf)
	if err != 0 {
		return errno(err)
	}
	n, err := unixsock.MakeName(u.addr, key)
	if err != 0 {
		return errno(err)
	}
	return errno(s.Bind(n, u.path != nil))
}

// unixConnect connects to a listener (stream, sequenced packets), at once
// or, blocking while its queue is full, when accept makes room; or sets a
// datagram socket's destination.
func unixConnect(c call, s *unixsock.Socket) uintptr {
	t, err := findUnix(c.arg(1), c.arg(2))
	if err != 0 {
		return errno(err)
	}
	err = s.Connect(t)
	if err == EAGAIN && s.Desc().Status&vfs.Nonblock == 0 {
		return c.waitOn(t.WaitKey())
	}
	return errno(err)
}

// unixAccept takes a waiting connection, blocking for one unless
// non-blocking.
func unixAccept(c call, s *unixsock.Socket, flags uintptr) uintptr {
	n, err := s.Accept(uint32(flags) & sockNonblock)
	if err == EAGAIN && s.Desc().Status&vfs.Nonblock == 0 {
		return c.waitOn(s.WaitKey())
	}
	if err != 0 {
		return errno(err)
	}
	if r := copyAddrOut(c.arg(1), c.arg(2), peerAddr(n)); r != 0 {
		vfs.Put(n)
		return r
	}
	return installSocket(n, flags&sockCloexec != 0)
}

// peerAddr is the address of s's peer: unnamed once it is gone.
func peerAddr(s *unixsock.Socket) []byte {
	if p := s.Peer(); p != nil {
		return p.Name().Addr()
	}
	var unnamed unixsock.Name
	return unnamed.Addr()
}

// unixName answers getsockname and getpeername.
func unixName(c call, s *unixsock.Socket, peer uint32) uintptr {
	if peer == 0 {
		return copyAddrOut(c.arg(1), c.arg(2), s.Name().Addr())
	}
	if s.Peer() == nil {
		return errno(ENOTCONN)
	}
	return copyAddrOut(c.arg(1), c.arg(2), peerAddr(s))
}

// unixShutdown shuts the reading side, the writing side or both.
func unixShutdown(c call, s *unixsock.Socket) uintptr {
	switch {
	case c.arg(1) > 2:
		return errno(EINVAL)
	case s.Type != unixsock.Dgram && !s.Connected():
		return errno(ENOTCONN)
	}
	s.Shut(c.arg(1) != 1, c.arg(1) != 0)
	return 0
}
