package unixsock

import (
	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/vfs"
)

// Name is a socket's address: the sockaddr_un bind was given (family and
// sun_path, as getsockname returns it), and the key connect and sendto
// find it by — the absolute path for a path name, sun_path itself (which
// starts with a NUL byte) for an abstract one.
type Name struct {
	addr    [AddrMax]byte
	addrLen uint8
	key     [KeyMax]byte
	keyLen  uint16
}

// Sizes: a sockaddr_un (family and the 108 bytes of sun_path), and the
// longest key: an absolute path longer than KeyMax cannot be bound
// (ENAMETOOLONG; Linux takes up to PATH_MAX).
const (
	AddrMax = 110
	KeyMax  = 256
)

// MakeName makes a name from a sockaddr_un (addr) and its key (the path
// made absolute, or addr's sun_path for an abstract name): EINVAL or
// ENAMETOOLONG when either does not fit.
func MakeName(addr, key []byte) (Name, errno.Errno) {
	var n Name
	switch {
	case len(addr) > AddrMax || len(key) == 0:
		return n, errno.EINVAL
	case len(key) > KeyMax:
		return n, errno.ENAMETOOLONG
	}
	n.addrLen = uint8(copy(n.addr[:], addr))
	n.keyLen = uint16(copy(n.key[:], key))
	return n, 0
}

// Addr is the name's sockaddr_un; only the family for an unnamed socket.
func (n *Name) Addr() []byte {
	if n.addrLen == 0 {
		return unnamed[:]
	}
	return n.addr[:n.addrLen]
}

// unnamed is an unbound socket's address: the family alone (AF_UNIX).
var unnamed = [2]byte{1, 0}

func (n *Name) bound() bool { return n.keyLen > 0 }

// sender is the address a receiver learns from recvfrom: Linux gives none
// (length 0) for an unnamed socket.
func (n *Name) sender() []byte {
	if n.addrLen == 0 {
		return nil
	}
	return n.Addr()
}

// PeerSender is the address recvfrom gives on a connected socket: its
// peer's, as sender.
func (s *Socket) PeerSender() []byte {
	if s.peer == nil {
		return nil
	}
	return s.peer.name.sender()
}

// Bound says whether the socket has a name.
func (s *Socket) Bound() bool { return s.name.bound() }

func (n *Name) is(key []byte) bool { return n.bound() && string(n.key[:n.keyLen]) == string(key) }

// Name is the socket's name (empty when unbound).
func (s *Socket) Name() *Name { return &s.name }

// Bind gives the socket name n: EINVAL when it has one, EADDRINUSE when
// another socket holds the key. For a path the caller has made the file
// (its O_EXCL create tells a name in use); a socket still holding the
// key then holds it for a file that was removed, and loses it.
func (s *Socket) Bind(n Name, path bool) errno.Errno {
	if s.name.bound() {
		return errno.EINVAL
	}
	if t := Find(n.key[:n.keyLen]); t != nil {
		if !path {
			return errno.EADDRINUSE
		}
		t.name = Name{}
	}
	s.name = n
	return 0
}

// Autobind gives an unnamed socket an abstract name of five hex digits,
// as Linux does for bind with no name: EADDRINUSE when all are taken.
func (s *Socket) Autobind() errno.Errno {
	if s.name.bound() {
		return errno.EINVAL
	}
	const hex = "0123456789abcdef"
	for tries := 0; tries < 1<<20; tries++ {
		autoName = (autoName + 1) & (1<<20 - 1)
		addr := [8]byte{1, 0, 0}
		for i := 0; i < 5; i++ {
			addr[3+i] = hex[autoName>>(16-4*i)&0xf]
		}
		n, _ := MakeName(addr[:], addr[2:])
		if Find(n.key[:n.keyLen]) == nil {
			s.name = n
			return 0
		}
	}
	return errno.EADDRINUSE
}

// autoName is the last abstract name Autobind gave.
var autoName uint32

// Find returns the socket bound to key, or nil.
func Find(key []byte) *Socket {
	for i := 0; i < sockets.Len(); i++ {
		if t := sockets.At(i); t.used && t.name.is(key) {
			return t
		}
	}
	return nil
}

var _ vfs.File = (*Socket)(nil)
