package linux

import (
	kerrno "github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/fs/pipefs"
	"github.com/gobare/gobare/kernel/fs/unixsock"
)

// Moving data on AF_UNIX sockets: sendto, recvfrom, sendmsg and recvmsg
// (sys_msg.go hands them here) and read and write on the message kinds.
// A stream socket moves bytes as write and read do; a datagram or
// sequenced-packet socket sends the buffers as one message (reserved
// whole, filled chunk by chunk: unixsock.Socket.Send) and receives one,
// cut to the buffers, with its sender's address. No control messages
// (SCM_RIGHTS, credentials).

// unixSend sends the buffers: on a stream socket as write (an address is
// EISCONN, or EOPNOTSUPP unconnected), on the others as one message, to
// the address when a datagram socket is given one.
func unixSend(c call, s *unixsock.Socket, v *msgBufs, flags, addr, addrLen uintptr) uintptr {
	if flags&msgOOB != 0 {
		return errno(EOPNOTSUPP)
	}
	if s.Type == unixsock.Stream {
		switch {
		case addr != 0 && s.Connected():
			return errno(EISCONN)
		case addr != 0:
			return errno(EOPNOTSUPP)
		}
		return vecTransfer(c, s, v, true, nonblocking(s, flags))
	}
	var to *unixsock.Socket
	if addr != 0 && s.Type == unixsock.Dgram {
		var err kerrno.Errno
		if to, err = findUnix(addr, addrLen); err != 0 {
			return errno(err)
		}
	}
	n, err := v.total()
	if err == 0 && n > pipefs.Size {
		err = EMSGSIZE
	}
	if err == 0 {
		err = s.Send(to, int(n))
	}
	switch {
	case err == EAGAIN && !nonblocking(s, flags):
		if to == nil {
			to = s.Peer()
		}
		return c.waitOn(to.WaitKey()) // its reads make room
	case err != 0:
		return errno(err)
	}
	if !v.gather(s.SendPart) {
		s.SendCancel()
		return errno(EFAULT)
	}
	s.SendEnd(int(n))
	return n
}

// unixRecv fills the buffers: on a stream socket as read, on the others
// with the next message (cut to the buffers: MSG_TRUNC in *msgFlags, and
// with MSG_TRUNC in flags its whole length is the result; MSG_PEEK leaves
// it queued), and its sender's address into addr (the length at lenAddr).
func unixRecv(c call, s *unixsock.Socket, v *msgBufs, flags, addr, lenAddr uintptr, msgFlags *uint32) uintptr {
	if flags&(msgOOB|msgPeek) != 0 && s.Type == unixsock.Stream {
		return errno(EOPNOTSUPP) // peeking a stream: not kept
	}
	total, err := v.total()
	if err != 0 {
		return errno(err)
	}
	if s.Type == unixsock.Stream {
		r := vecTransfer(c, s, v, false, nonblocking(s, flags))
		if int64(r) >= 0 && r != blocked {
			if e := copyAddrOut(addr, lenAddr, s.PeerSender()); e != 0 {
				return e
			}
		}
		return r
	}
	size, ok, err := s.Next()
	switch {
	case err == EAGAIN && !nonblocking(s, flags):
		return c.waitOn(s.WaitKey())
	case err != 0 || !ok:
		return errno(err) // 0 at end of file
	}
	k := min(total, uintptr(size))
	if !v.scatter(k, s.PeekMsg) {
		return errno(EFAULT)
	}
	var from [unixsock.AddrMax]byte
	if e := copyAddrOut(addr, lenAddr, s.From(&from)); e != 0 {
		return e
	}
	if flags&msgPeek == 0 {
		s.Drop()
	}
	if uintptr(size) > total {
		*msgFlags |= msgTrunc
		if flags&msgTrunc != 0 {
			return uintptr(size)
		}
	}
	return k
}

// unixMessage is read(2) or write(2) on a datagram or sequenced-packet
// socket: one whole message, however long.
func unixMessage(c call, s *unixsock.Socket, write bool) uintptr {
	v := msgBufs{n: 1, base: c.arg(1), size: c.arg(2)}
	if write {
		return unixSend(c, s, &v, 0, 0, 0)
	}
	var flags uint32
	return unixRecv(c, s, &v, 0, 0, 0, &flags)
}
