package sockfs

import (
	"encoding/binary"

	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/vfs"
)

// Datagrams (docs/design.md, Networking): a SOCK_DGRAM socket's rings
// carry records, not a byte stream, so message boundaries and addresses
// survive. A record is a DgramHeader-byte header — the payload's length
// (a little-endian uint32) and a sockaddr of up to AddrMax bytes (the
// source of a received datagram; the destination of one to send, family
// 0 for the connected peer) — then the payload. The service may put an
// error record in the receive ring instead (the length word ErrorRecord
// | errno, no payload): an ICMP error on a connected socket, reported
// once by the next receive, as Linux reports sk_err.

// Socket types (Linux uapi socket.h).
const (
	Stream   = 1 // SOCK_STREAM
	Datagram = 2 // SOCK_DGRAM
)

// The record header.
const (
	DgramHeader = 4 + AddrMax
	ErrorRecord = 1 << 31
	// MaxDgram is the largest payload the send ring holds: larger ones
	// are EMSGSIZE (Linux's limit is 65507 bytes for UDP over IPv4).
	MaxDgram = TxSize - DgramHeader
)

// IsDatagram reports whether the socket keeps message boundaries.
func (f *Socket) IsDatagram() bool { return f.Type == Datagram }

// DgramRoom says whether a datagram of n payload bytes can be queued now:
// EMSGSIZE when it never can, EAGAIN while the send ring lacks room, EIO
// when its counters are broken, the socket's error once it failed (the
// service ended: ENETDOWN).
func (f *Socket) DgramRoom(n int) errno.Errno {
	used, ok := f.s.send().used()
	switch {
	case n > MaxDgram:
		return errno.EMSGSIZE
	case f.State()&Failed != 0:
		return f.Error()
	case !ok:
		return errno.EIO
	case int(used)+DgramHeader+n > TxSize:
		return errno.EAGAIN
	}
	return 0
}

// DgramData places b at offset off of the payload of the datagram being
// queued (after DgramRoom said it fits, before SendDgram).
func (f *Socket) DgramData(off int, b []byte) {
	r := f.s.send()
	r.copyIn(r.tailAt()+DgramHeader+uint32(off), b)
}

// SendDgram queues the datagram of n payload bytes that DgramData placed,
// to addr (empty: the connected peer), and tells the service. The
// socket has its address from now on: the service binds an unbound one
// to a free port before it sends (Linux's inet_autobind).
func (f *Socket) SendDgram(n int, addr []byte) {
	f.Bound = true
	var h [DgramHeader]byte
	binary.LittleEndian.PutUint32(h[:], uint32(n))
	copy(h[4:], addr)
	r := f.s.send()
	r.copyIn(r.tailAt(), h[:])
	r.produce(uint32(DgramHeader + n))
	f.tell()
}

// NextDgram describes the first received datagram: its payload's length
// and its source address, copied into addr (its length, 16 or 28, is
// the family's). EAGAIN when none waits (the socket's error once it
// failed), EIO for a record that does not fit the ring's counters; an
// error record's errno is returned, and dropped unless peek.
func (f *Socket) NextDgram(addr *[AddrMax]byte, peek bool) (n, addrLen int, err errno.Errno) {
	r := f.s.receive()
	used, ok := r.used()
	switch {
	case !ok:
		return 0, 0, errno.EIO
	case used == 0 && f.State()&Failed != 0:
		return 0, 0, f.Error()
	case used == 0:
		return 0, 0, errno.EAGAIN
	case used < DgramHeader:
		return 0, 0, errno.EIO
	}
	var h [DgramHeader]byte
	r.copyOut(r.headAt(), h[:])
	w := binary.LittleEndian.Uint32(h[:])
	if w&ErrorRecord != 0 {
		if !peek {
			f.DropDgram()
		}
		if e := w &^ ErrorRecord; e > 0 && e <= lastErrno {
			return 0, 0, errno.Errno(e)
		}
		return 0, 0, errno.EIO
	}
	if w > used-DgramHeader {
		return 0, 0, errno.EIO
	}
	copy(addr[:], h[4:])
	addrLen = 16                                 // sockaddr_in
	if binary.LittleEndian.Uint16(h[4:]) == 10 { // AF_INET6
		addrLen = 28 // sockaddr_in6
	}
	return int(w), addrLen, 0
}

// DgramRead copies the first datagram's payload from offset off into b
// (after NextDgram, which said how long it is).
func (f *Socket) DgramRead(off int, b []byte) {
	r := f.s.receive()
	r.copyOut(r.headAt()+DgramHeader+uint32(off), b)
}

// DropDgram takes the first datagram (or error record) out of the
// receive ring: the service may fill its room.
func (f *Socket) DropDgram() {
	r := f.s.receive()
	var h [4]byte
	r.copyOut(r.headAt(), h[:])
	w := binary.LittleEndian.Uint32(h[:])
	if w&ErrorRecord != 0 {
		w = 0
	}
	r.consume(DgramHeader + w)
	f.tell()
}

// readDgram is read(2) on a datagram socket: the first datagram, cut to
// len(b) (the rest of it is lost, as on Linux).
func (f *Socket) readDgram(b []byte) (int, errno.Errno) {
	var addr [AddrMax]byte
	n, _, err := f.NextDgram(&addr, false)
	if err != 0 {
		return 0, err
	}
	n = min(n, len(b))
	f.DgramRead(0, b[:n])
	f.DropDgram()
	return n, 0
}

// writeDgram is write(2) on a datagram socket: one datagram to the
// connected peer; EDESTADDRREQ when there is none.
func (f *Socket) writeDgram(b []byte) (int, errno.Errno) {
	if f.State()&(Connected|Failed) == 0 {
		return 0, errno.EDESTADDRREQ
	}
	if err := f.DgramRoom(len(b)); err != 0 {
		return 0, err
	}
	f.DgramData(0, b)
	f.SendDgram(len(b), nil)
	return len(b), 0
}

// dgramEvents is readiness as Linux's udp_poll gives it: readable while a
// datagram (or an error) waits, writable while the send ring is at most
// half full (sock_writeable); all and EPOLLERR once the socket failed.
func (f *Socket) dgramEvents() uint32 {
	if f.State()&Failed != 0 {
		return vfs.EventIn | vfs.EventOut | vfs.EventErr
	}
	var ev uint32
	if used, ok := f.s.receive().used(); used > 0 || !ok {
		ev |= vfs.EventIn
	}
	if sent, ok := f.s.send().used(); sent <= TxSize/2 || !ok {
		ev |= vfs.EventOut
	}
	return ev
}
