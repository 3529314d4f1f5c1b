package unixsock

import (
	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/fs/pipefs"
)

// Datagram and sequenced-packet sockets queue whole messages: each is a
// record in the receiver's buffer, a header — the data's length (4 bytes,
// little-endian), the sender's address length (1 byte) and address — and
// the data. A message is written in pieces (the system call layer copies
// the program's bytes a chunk at a time) and queued whole: Send checks
// and reserves its room, SendPart fills it, SendEnd queues it. Readers
// look at the next message (Next, PeekMsg, From) and Drop it.

// headerSize is a record's header without the address.
const headerSize = 5

// Send starts a message of n bytes from s to to (sendto), or to the
// socket's peer when to is nil. ENOTCONN with no destination, EPROTOTYPE
// for a socket of another type, EPERM when to is connected to another
// socket, ECONNREFUSED once after the connected destination went away,
// EMSGSIZE for a message larger than a buffer, EAGAIN while it does not
// fit yet (the caller waits on its own WaitKey).
func (s *Socket) Send(to *Socket, n int) errno.Errno {
	if s.Type == Seqpacket {
		if err := s.writable(); err != 0 && err != errno.EAGAIN {
			return err
		}
		to = s.peer
	} else if to == nil {
		switch {
		case s.peerGone:
			s.peerGone = false
			return errno.ECONNREFUSED
		case s.peer == nil:
			return errno.ENOTCONN
		}
		to = s.peer
	}
	from := s.name.sender()
	hdr := headerSize + len(from)
	switch {
	case to.Type != s.Type:
		return errno.EPROTOTYPE
	case to.peer != nil && to.peer != s && s.Type == Dgram:
		return errno.EPERM
	case hdr+n > pipefs.Size:
		return errno.EMSGSIZE
	case hdr+n > to.buf.Room():
		return errno.EAGAIN
	}
	var h [headerSize]byte
	h[0], h[1], h[2], h[3] = byte(n), byte(n>>8), byte(n>>16), byte(n>>24)
	h[4] = byte(hdr - headerSize)
	to.buf.Put(0, h[:])
	to.buf.Put(headerSize, from)
	s.sending, s.sendHeader = to, hdr
	return 0
}

// SendPart copies p into the message Send started, off bytes into its data.
func (s *Socket) SendPart(off int, p []byte) { s.sending.buf.Put(s.sendHeader+off, p) }

// SendCancel forgets the message Send started (the program's bytes could
// not be read).
func (s *Socket) SendCancel() { s.sending = nil }

// SendEnd queues the message Send started, n bytes of data, and wakes its
// receiver.
func (s *Socket) SendEnd(n int) {
	to := s.sending
	to.buf.Queue(s.sendHeader + n)
	s.sending = nil
	s.changed()
	to.changed()
}

// Next says what the next queued message is: its size, or ok=false at
// end of file (a sequenced-packet socket whose peer closed or shut its
// way). EAGAIN when none is queued, EINVAL for a sequenced-packet socket
// that is not connected.
func (s *Socket) Next() (size int, ok bool, err errno.Errno) {
	switch {
	case s.Type == Seqpacket && !s.connected:
		return 0, false, errno.EINVAL
	case s.buf.Len() == 0 && (s.shutRead || s.atEOF()):
		return 0, false, 0
	case s.buf.Len() == 0:
		return 0, false, errno.EAGAIN
	}
	var h [headerSize]byte
	s.buf.Peek(h[:], 0)
	return int(h[0]) | int(h[1])<<8 | int(h[2])<<16 | int(h[3])<<24, true, 0
}

// addrLen is the next message's sender address length.
func (s *Socket) addrLen() int {
	var h [headerSize]byte
	s.buf.Peek(h[:], 0)
	return int(h[4])
}

// PeekMsg copies the next message's data from off into p (off+len(p) at
// most its size).
func (s *Socket) PeekMsg(off int, p []byte) { s.buf.Peek(p, headerSize+s.addrLen()+off) }

// From returns the next message's sender address in buf: a datagram's,
// when its sender is bound; empty otherwise.
func (s *Socket) From(buf *[AddrMax]byte) []byte {
	n := s.addrLen()
	s.buf.Peek(buf[:n], headerSize)
	return buf[:n]
}

// Drop removes the next message and wakes its senders.
func (s *Socket) Drop() {
	size, _, _ := s.Next()
	s.buf.Discard(headerSize + s.addrLen() + size)
	s.changed()
	if s.Type == Dgram { // a sender to this socket waits on its own key
		for i := 0; i < sockets.Len(); i++ {
			if t := sockets.At(i); t.used && t.peer == s {
				t.changed()
			}
		}
	}
}

// Recv takes the next message, its data cut to p, and the sender's
// address into from when it is not nil: the bytes copied (a longer
// message loses the rest), 0 at end of file.
func (s *Socket) Recv(p []byte, from *[AddrMax]byte) (size int, addr []byte, err errno.Errno) {
	size, ok, err := s.Next()
	if !ok {
		return 0, nil, err
	}
	s.PeekMsg(0, p[:min(len(p), size)])
	if from != nil {
		addr = s.From(from)
	}
	s.Drop()
	return min(len(p), size), addr, 0
}
