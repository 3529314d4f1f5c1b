// Package unixsock owns AF_UNIX sockets (unix(7)) inside the kernel: stream,
// datagram and sequenced-packet sockets between threads of the program,
// which need no network service. Each socket is an open file description
// with a receive buffer (a pipefs.Buffer): a writer queues bytes, or whole
// messages, into its peer's buffer, and the peer reads them from its own,
// as through a pipe each way. A socket is named by bind — a path (the
// system call layer makes the file) or an abstract name — and found by
// that name from connect and sendto. A connect to a listening stream or
// sequenced-packet socket makes the server's end at once, connected, and
// queues it until accept takes it, as Linux does.
package unixsock

import (
	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/fs/pipefs"
	"github.com/gobare/gobare/kernel/vfs"
)

// Socket types (Linux uapi socket.h).
const (
	Stream    = 1
	Dgram     = 2
	Seqpacket = 5
)

// Socket is an AF_UNIX socket: the description the program's descriptors
// refer to.
type Socket struct {
	vfs.Base
	Type uint8
	used bool // the slot holds a socket (a queued one has no descriptor yet)

	listening bool
	connected bool // a stream or sequenced-packet socket got its peer (connect, accept, socketpair)
	peerGone  bool // the peer closed (stream) or the connected destination did (datagram)
	shutRead  bool // shutdown(SHUT_RD)
	shutWrite bool // shutdown(SHUT_WR): the peer reads end of file

	peer *Socket // the connected peer, or a datagram socket's destination
	buf  pipefs.Buffer

	// A listener's connections that wait for accept, oldest first,
	// linked through next.
	queue, next *Socket
	queued      int
	backlog     int

	name Name // what bind gave it, else empty

	// The message being sent (message.go): its receiver and header size.
	sending    *Socket
	sendHeader int
}

var sockets vfs.Pool[Socket] // in pages from vfs.UsePages

// Free says whether the slot holds no socket.
func (s *Socket) Free() bool { return !s.used }

// New makes a socket of type typ (Stream, Dgram or Seqpacket) with one
// reference; flags may hold O_NONBLOCK. ENFILE when the pool is full,
// ENOMEM when there is no memory for its buffer.
func New(typ uint8, flags uint32) (*Socket, errno.Errno) {
	s, err := vfs.TakeFree(&sockets)
	if err != 0 {
		return nil, err
	}
	if !s.buf.Take() {
		return nil, errno.ENOMEM
	}
	buf := s.buf
	*s = Socket{Type: typ, used: true, buf: buf}
	s.Base.Open(vfs.ReadWrite | flags&vfs.Nonblock)
	return s, 0
}

// Pair makes two sockets of type typ connected to each other
// (socketpair).
func Pair(typ uint8, flags uint32) (a, b *Socket, err errno.Errno) {
	if a, err = New(typ, flags); err != 0 {
		return nil, nil, err
	}
	if b, err = New(typ, flags); err != 0 {
		vfs.Put(a)
		return nil, nil, err
	}
	link(a, b)
	return a, b, 0
}

// link connects a and b to each other.
func link(a, b *Socket) {
	a.peer, b.peer = b, a
	if a.Type != Dgram {
		a.connected, b.connected = true, true
	}
}

// Listening, Connected and Peer say what the socket is.
func (s *Socket) Listening() bool { return s.listening }
func (s *Socket) Connected() bool { return s.connected }
func (s *Socket) Peer() *Socket   { return s.peer }

// Shut records shutdown(2)'s SHUT_RD (read) and SHUT_WR (write) and wakes
// both ends.
func (s *Socket) Shut(read, write bool) {
	s.shutRead = s.shutRead || read
	s.shutWrite = s.shutWrite || write
	s.changed()
}

// changed wakes the socket's waiters and its peer's.
func (s *Socket) changed() {
	vfs.Changed(s.WaitKey())
	if s.peer != nil {
		vfs.Changed(s.peer.WaitKey())
	}
}

// Events: readable with bytes or a message queued, a connection to
// accept, or at end of file; writable while the peer's buffer has room
// (a datagram socket without a destination always is); hung up when the
// peer is gone.
func (s *Socket) Events() uint32 {
	var ev uint32
	switch {
	case s.listening:
		if s.queued > 0 {
			ev |= vfs.EventIn
		}
		return ev
	case s.Type != Dgram && !s.connected:
		return vfs.EventOut | vfs.EventHup
	}
	if s.buf.Len() > 0 || s.shutRead || s.atEOF() {
		ev |= vfs.EventIn
	}
	if s.atEOF() {
		ev |= vfs.EventRdhup
	}
	if s.peerGone && s.Type != Dgram {
		ev |= vfs.EventHup
	}
	if s.peer == nil || s.peer.buf.Room() > 0 || s.peerGone || s.shutWrite {
		ev |= vfs.EventOut
	}
	return ev
}

// atEOF says whether a connected socket's reads end once its buffer is
// empty: the peer closed or shut its writing side.
func (s *Socket) atEOF() bool {
	return s.Type != Dgram && (s.peerGone || s.peer != nil && s.peer.shutWrite)
}

func (s *Socket) Stat(st *vfs.Stat) errno.Errno {
	*st = vfs.Stat{Mode: vfs.ModeSocket | 0o777, Nlink: 1}
	return 0
}

// Pollable: epoll may watch it.
func (s *Socket) Pollable() bool { return true }

// Release frees the socket when its last descriptor closes: its name, the
// connections still waiting for accept (their clients see the peer gone),
// and every socket connected to it learns that it is gone.
func (s *Socket) Release() {
	for q := s.queue; q != nil; {
		next := q.next
		q.next = nil
		vfs.Put(q)
		q = next
	}
	s.queue, s.queued = nil, 0
	for i := 0; i < sockets.Len(); i++ {
		t := sockets.At(i)
		if t.used && t.peer == s {
			t.peer, t.peerGone = nil, true
			vfs.Changed(t.WaitKey())
		}
	}
	s.peer = nil
	s.used = false
	vfs.Changed(s.WaitKey())
}
