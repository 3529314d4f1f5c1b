package unixsock

import (
	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/vfs"
)

// Listen makes a bound stream or sequenced-packet socket accept
// connections, at most backlog waiting at once: EINVAL when it is
// unbound or connected, EOPNOTSUPP for a datagram socket.
func (s *Socket) Listen(backlog int) errno.Errno {
	switch {
	case s.Type == Dgram:
		return errno.EOPNOTSUPP
	case s.connected || !s.name.bound():
		return errno.EINVAL
	}
	s.listening = true
	s.backlog = max(backlog, 1)
	return 0
}

// Connect connects the socket to the listener l: the server's end is made
// connected and queued for accept; a datagram socket takes l as its
// destination instead (connectDgram). EISCONN when the socket is connected,
// EINVAL when it listens, ECONNREFUSED when l does not listen, EPROTOTYPE
// for a listener of another type, EAGAIN while l's queue is full (the
// caller waits on l's WaitKey unless non-blocking).
func (s *Socket) Connect(l *Socket) errno.Errno {
	switch {
	case s.Type == Dgram:
		return s.connectDgram(l)
	case s.connected:
		return errno.EISCONN
	case s.listening:
		return errno.EINVAL
	case l.Type != s.Type:
		return errno.EPROTOTYPE
	case !l.listening:
		return errno.ECONNREFUSED
	case l.queued >= l.backlog:
		return errno.EAGAIN
	}
	n, err := New(s.Type, 0)
	if err != 0 {
		return err
	}
	n.name.addr, n.name.addrLen = l.name.addr, l.name.addrLen // getsockname's, not found by it
	link(s, n)
	q := &l.queue
	for *q != nil {
		q = &(*q).next
	}
	*q = n
	l.queued++
	vfs.Changed(l.WaitKey())
	return 0
}

// connectDgram makes l the datagram socket's destination: EPROTOTYPE for
// another type, EPERM when l is connected to another socket.
func (s *Socket) connectDgram(l *Socket) errno.Errno {
	switch {
	case l.Type != Dgram:
		return errno.EPROTOTYPE
	case l.peer != nil && l.peer != s:
		return errno.EPERM
	}
	s.peer, s.peerGone = l, false
	return 0
}

// Accept takes the oldest connection waiting on the listener, with one
// reference and the status flags (O_NONBLOCK) given: EINVAL when the
// socket does not listen, EAGAIN when none waits.
func (s *Socket) Accept(flags uint32) (*Socket, errno.Errno) {
	switch {
	case !s.listening:
		return nil, errno.EINVAL
	case s.queue == nil:
		return nil, errno.EAGAIN
	}
	n := s.queue
	s.queue, n.next = n.next, nil
	s.queued--
	n.Status = flags & vfs.Nonblock
	vfs.Changed(s.WaitKey()) // a connect waiting for room
	return n, 0
}

// Read takes queued bytes (a stream socket) or the next message, cut to
// p (the others): 0 at end of file, EAGAIN when nothing is queued yet,
// EINVAL when the socket is not connected.
func (s *Socket) Read(p []byte) (int, errno.Errno) {
	if s.Type != Stream {
		n, _, err := s.Recv(p, nil)
		return n, err
	}
	switch {
	case !s.connected:
		return 0, errno.EINVAL
	case s.buf.Len() == 0 && (s.shutRead || s.atEOF()):
		return 0, 0
	case s.buf.Len() == 0:
		return 0, errno.EAGAIN
	}
	k := s.buf.Read(p)
	s.changed()
	return k, 0
}

// Write queues bytes in the peer's buffer (a stream socket), as many as
// fit, or sends p as one message (the others): ENOTCONN when the socket
// is not connected, EPIPE when either side shut the way or the peer is
// gone, EAGAIN when the peer's buffer is full.
func (s *Socket) Write(p []byte) (int, errno.Errno) {
	if s.Type != Stream {
		if err := s.Send(nil, len(p)); err != 0 {
			return 0, err
		}
		s.SendPart(0, p)
		s.SendEnd(len(p))
		return len(p), 0
	}
	if err := s.writable(); err != 0 {
		return 0, err
	}
	k := min(len(p), s.peer.buf.Room())
	s.peer.buf.Append(p[:k])
	s.changed()
	return k, 0
}

// writable checks that a connected socket may send now.
func (s *Socket) writable() errno.Errno {
	switch {
	case s.shutWrite || s.peerGone:
		return errno.EPIPE
	case !s.connected || s.peer == nil:
		return errno.ENOTCONN
	case s.peer.shutRead:
		return errno.EPIPE
	case s.peer.buf.Room() == 0:
		return errno.EAGAIN
	}
	return 0
}
