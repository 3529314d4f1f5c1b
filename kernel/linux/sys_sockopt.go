package linux

import (
	kerrno "github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/fs/pipefs"
	"github.com/gobare/gobare/kernel/fs/sockfs"
	"github.com/gobare/gobare/kernel/fs/unixsock"
)

// Socket options. The ones Go's net sets (SO_REUSEADDR, SO_KEEPALIVE,
// SO_BROADCAST, TCP_NODELAY, the keep-alive timers, IPV6_V6ONLY, ...)
// are accepted and kept, and getsockopt reads them back; the service
// sees IPV6_V6ONLY (sockfs.Socket.V6Only, sent with each request) and
// SO_LINGER with a zero time (sockfs.Socket.Linger: the last close resets
// the connection), its endpoints keep gVisor's defaults for the others. SO_ERROR,
// SO_TYPE, SO_DOMAIN, SO_ACCEPTCONN and the buffer sizes are the socket's
// own.

// Option levels and names (Linux uapi socket.h, in.h, tcp.h).
const (
	solSocket       = 1
	ipprotoIP       = 0
	soType          = 3
	soError         = 4
	soSndbuf        = 7
	soRcvbuf        = 8
	soDomain        = 39
	soLinger        = 13 // a struct linger: l_onoff, l_linger (seconds)
	soAcceptconn    = 30
	ipprotoIPv6     = 41
	ipv6V6only      = 26
	ipv6UnicastHops = 16
)

// keptOption reports whether (level, name) is an option setsockopt
// accepts and keeps: an int, as Go sets them.
func keptOption(level, name uintptr) bool {
	switch level {
	case ipprotoIP: // IP_TOS, IP_TTL
		return name == 1 || name == 2
	case solSocket: // SO_REUSEADDR, SO_BROADCAST, SO_KEEPALIVE, SO_REUSEPORT
		return name == 2 || name == 6 || name == 9 || name == 15
	case ipprotoTCP: // TCP_NODELAY, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT
		return name == 1 || name == 4 || name == 5 || name == 6
	case ipprotoIPv6: // IPV6_UNICAST_HOPS, IPV6_V6ONLY
		return name == ipv6UnicastHops || name == ipv6V6only
	}
	return false
}

// sockOption finds s's kept (level, name), or a free entry for it when
// add; nil when there is none.
func sockOption(s *sockfs.Socket, level, name uintptr, add bool) *sockfs.Option {
	var free *sockfs.Option
	for i := range s.Options {
		o := &s.Options[i]
		if o.Level == uint16(level) && o.Name == uint16(name) {
			return o
		}
		if o.Level == 0 && free == nil {
			free = o
		}
	}
	if add {
		return free
	}
	return nil
}

// setsockopt(fd, level, name, value, len)
func sysSetsockopt(c call) uintptr {
	s, err := sockFile(c.arg(0))
	u := unixFile(c.arg(0))
	if err != 0 && u == nil {
		return errno(err)
	}
	level, name := c.arg(1), c.arg(2)
	buffer := level == solSocket && (name == soSndbuf || name == soRcvbuf)
	linger := level == solSocket && name == soLinger
	if !keptOption(level, name) && !buffer && !linger || level == ipprotoIPv6 && (u != nil || s.Family != afInet6) {
		return errno(ENOPROTOOPT)
	}
	var v [8]byte
	size := uintptr(4)
	if linger {
		size = 8
	}
	if c.arg(4) < size {
		return errno(EINVAL)
	}
	if !Space.CopyIn(v[:size], c.arg(3)) {
		return errno(EFAULT)
	}
	if u != nil || buffer {
		return 0 // AF_UNIX's options and the buffer sizes: accepted, not kept
	}
	if level == ipprotoIPv6 && name == ipv6V6only && s.Bound {
		return errno(EINVAL) // as Linux once the socket has its address
	}
	if linger { // as Linux's sock_setsockopt: off keeps the time
		s.Linger.On = le32(v[:]) != 0
		if s.Linger.On {
			s.Linger.Secs = le32(v[4:])
		}
		return 0
	}
	o := sockOption(s, level, name, true)
	if o == nil {
		return errno(ENOMEM)
	}
	*o = sockfs.Option{Level: uint16(level), Name: uint16(name), Val: le32(v[:])}
	if level == ipprotoIPv6 && name == ipv6V6only {
		s.V6Only = o.Val != 0
	}
	return 0
}

// getsockopt(fd, level, name, value, lenp)
func sysGetsockopt(c call) uintptr {
	level, name := c.arg(1), c.arg(2)
	var val uint32
	var err kerrno.Errno
	u := unixFile(c.arg(0))
	if level == solSocket && name == soLinger {
		return lingerOption(c, u)
	}
	if u != nil {
		val, err = unixOption(u, level, name)
	} else {
		val, err = sockfsOption(c.arg(0), level, name)
	}
	if err != 0 {
		return errno(err)
	}
	var v [4]byte
	putLE32(v[:], val)
	return putOption(c, v[:])
}

// lingerOption is getsockopt's SO_LINGER: a struct linger, as set (an
// AF_UNIX socket's, u, reads as off).
func lingerOption(c call, u *unixsock.Socket) uintptr {
	var v [8]byte
	if u == nil {
		s, err := sockFile(c.arg(0))
		if err != 0 {
			return errno(err)
		}
		if s.Linger.On {
			putLE32(v[:], 1)
		}
		putLE32(v[4:], s.Linger.Secs)
	}
	return putOption(c, v[:])
}

// sockfsOption is a network socket's option value.
func sockfsOption(fd, level, name uintptr) (uint32, kerrno.Errno) {
	s, err := sockFile(fd)
	if err != 0 {
		return 0, err
	}
	var val uint32
	switch {
	case level == solSocket && name == soError:
		if s.State()&sockfs.Failed != 0 {
			val = uint32(s.Error())
		}
	case level == solSocket && name == soType:
		val = uint32(s.Type)
	case level == solSocket && name == soDomain:
		val = uint32(s.Family)
	case level == solSocket && name == soAcceptconn:
		val = s.State() & sockfs.Listening / sockfs.Listening
	case level == solSocket && name == soSndbuf:
		val = sockfs.TxSize
	case level == solSocket && name == soRcvbuf:
		val = sockfs.RxSize
	case keptOption(level, name):
		if o := sockOption(s, level, name, false); o != nil {
			val = o.Val
		}
	default:
		return 0, ENOPROTOOPT
	}
	return val, 0
}

// unixOption is an AF_UNIX socket's option value: the kept options read
// as 0 (setsockopt does not keep them).
func unixOption(u *unixsock.Socket, level, name uintptr) (uint32, kerrno.Errno) {
	switch {
	case level == solSocket && name == soError:
		return 0, 0
	case level == solSocket && name == soType:
		return uint32(u.Type), 0
	case level == solSocket && name == soDomain:
		return afUnix, 0
	case level == solSocket && name == soAcceptconn:
		if u.Listening() {
			return 1, 0
		}
		return 0, 0
	case level == solSocket && (name == soSndbuf || name == soRcvbuf):
		return pipefs.Size, 0
	case keptOption(level, name):
		return 0, 0
	}
	return 0, ENOPROTOOPT
}

// putOption writes an option's value v and its length (getsockopt's
// value and lenp), cut to the length the program gave.
func putOption(c call, v []byte) uintptr {
	var w [4]byte
	if !Space.CopyIn(w[:], c.arg(4)) {
		return errno(EFAULT)
	}
	n := le32(w[:])
	if int32(n) < 0 {
		return errno(EINVAL)
	}
	size := min(n, uint32(len(v)))
	putLE32(w[:], size)
	if !Space.CopyOut(c.arg(3), v[:size]) || !Space.CopyOut(c.arg(4), w[:]) {
		return errno(EFAULT)
	}
	return 0
}
