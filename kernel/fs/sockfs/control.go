package sockfs

import (
	"encoding/binary"

	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/vfs"
)

// /dev/netctl is where the network service meets the sockets
// (docs/design.md, Networking). Its pages are the slots' frames: the
// service maps slot i's SlotPages at offset i*SlotBytes (MapFrame). A
// read returns whole Msg records — the slots with news, then the
// program's requests — and a write takes whole records back: answers to
// requests, slots whose rings or state the service changed, and the
// service's name servers (Configure).

// SlotBytes is the span of one slot in /dev/netctl's pages.
const SlotBytes = SlotPages * PageSize

// MsgSize is the size of one record; its words (little-endian uint32s)
// are at the Msg* offsets, and an address (a sockaddr) at MsgAddr.
const (
	MsgSize    = 64
	MsgKind    = 0  // one of the Kind* values
	MsgSlot    = 4  // the socket's slot
	MsgReq     = 8  // a request: its number (an answer names it back)
	MsgSeq     = 12 // and its sequence number, which tells reuse apart
	MsgOp      = 16 // a request: the operation (Op*); an answer: the errno
	MsgArg     = 20 // a request: its argument; an answer: its value
	MsgAddrLen = 24 // the length of the address at MsgAddr
	MsgType    = 28 // a request: the socket's family<<16 | type, with TypeV6Only
	MsgAddr    = 32
	AddrMax    = MsgSize - MsgAddr // a sockaddr_in6 is 28 bytes
)

// TypeV6Only, in a request's MsgType, says the socket has IPV6_V6ONLY.
const TypeV6Only = 0x100

// Record kinds.
const (
	KindNews    = 1 // to the service: the slot's rings or Shut bits changed
	KindRequest = 2 // to the service: a control call
	KindChanged = 3 // from the service: the slot's rings or state changed
	KindAnswer  = 4 // from the service: a request's result
	KindConfig  = 5 // from the service: its name servers (MsgArg of them, 4 bytes each at MsgAddr)
)

// Configure, when set, takes the name servers the service reports
// (IPv4 addresses, 4 bytes each): the kernel writes /etc/resolv.conf.
var Configure func(servers []byte)

// Operations a request asks for; the slot is the socket's. The service
// makes a slot's endpoint at its first request (socket(2) asks nothing).
const (
	OpOpen    = 1 // make the endpoint (a datagram socket's, at socket(2))
	OpBind    = 2 // bind to the address
	OpListen  = 3 // listen (arg: the backlog)
	OpAccept  = 4 // move a waiting connection into slot arg; the answer's address is the peer's
	OpConnect = 5 // connect to the address: 0, EINPROGRESS or an error
	OpName    = 6 // the answer's address: the local one (arg 0) or the peer's (arg 1)
)

// controlFile is the open /dev/netctl: one, the service's.
type controlFile struct{ vfs.Base }

var control controlFile

// OpenControl claims /dev/netctl, unless it is open (EBUSY).
func OpenControl(flags uint32) (vfs.File, errno.Errno) {
	if !control.Free() {
		return nil, errno.EBUSY
	}
	control.Base.Open(flags)
	return &control, 0
}

// served: a network service runs (from Start until it closes
// /dev/netctl); its requests wait for it to open the file.
var served bool

// Start says a network service runs: sockets may be made, and their
// requests wait for the service to read them.
func Start() { served = true }

// Served reports whether a network service runs: without one there are no
// sockets.
func Served() bool { return served }

// Read returns the waiting records: EAGAIN when there are none, EINVAL
// when p cannot hold one. News comes before requests, so the service
// acts on what a program did before it asked: a listener closed just
// before a bind to its port is closed first, and the port is free, as
// Linux's close releases it at once.
func (f *controlFile) Read(p []byte) (int, errno.Errno) {
	if len(p) < MsgSize {
		return 0, errno.EINVAL
	}
	n := 0
	for n+MsgSize <= len(p) {
		i, ok := TakeNews()
		if !ok {
			break
		}
		m := p[n : n+MsgSize]
		clear(m)
		binary.LittleEndian.PutUint32(m[MsgKind:], KindNews)
		binary.LittleEndian.PutUint32(m[MsgSlot:], uint32(i))
		n += MsgSize
	}
	for n+MsgSize <= len(p) && takeRequest(p[n:n+MsgSize]) {
		n += MsgSize
	}
	if n == 0 {
		return 0, errno.EAGAIN
	}
	return n, 0
}

// Write takes whole records from the service; a record that names no
// slot, no pending request or no known kind is EINVAL (those before it
// count).
func (f *controlFile) Write(p []byte) (int, errno.Errno) {
	n := 0
	for ; n+MsgSize <= len(p); n += MsgSize {
		m := p[n : n+MsgSize]
		slot := binary.LittleEndian.Uint32(m[MsgSlot:])
		ok := false
		switch binary.LittleEndian.Uint32(m[MsgKind:]) {
		case KindChanged:
			ok = int(slot) < slots.Len()
			Changed(int(slot))
			if closing {
				reports++
				vfs.Changed(ClosingKey())
			}
		case KindAnswer:
			ok = answer(m)
		case KindConfig:
			n := binary.LittleEndian.Uint32(m[MsgArg:])
			if ok = n <= AddrMax/4; ok && Configure != nil {
				Configure(m[MsgAddr : MsgAddr+4*n])
			}
		}
		if !ok {
			break
		}
	}
	if n == 0 && len(p) > 0 {
		return 0, errno.EINVAL
	}
	return n, 0
}

// Events: readable with records waiting; always writable.
func (f *controlFile) Events() uint32 {
	if pendingRequests() || news != [MaxSockets / 64]uint64{} {
		return vfs.EventIn | vfs.EventOut
	}
	return vfs.EventOut
}

// WaitKey: the service waits for records on the news key.
func (f *controlFile) WaitKey() uintptr { return NewsKey() }

// Pollable: epoll may watch it.
func (f *controlFile) Pollable() bool { return true }

// Size is the span the service may map: every slot.
func (f *controlFile) Size() (int64, bool) { return MaxSockets * SlotBytes, true }

// MapKind: the slots' frames are mapped shared.
func (f *controlFile) MapKind() vfs.MapKind { return vfs.MapFrames }

// MapFrame gives the frame of the slot's page at off, taking the slot's
// frames if it has none yet.
func (f *controlFile) MapFrame(off int64, _ bool) (uintptr, errno.Errno) {
	if off < 0 || off >= MaxSockets*SlotBytes {
		return 0, errno.EINVAL
	}
	s, err := slotAt(int(off / SlotBytes))
	if err != 0 {
		return 0, err
	}
	if !s.takePages() {
		return 0, errno.ENOMEM
	}
	return s.frames[off%SlotBytes/PageSize], 0
}

// Release: the service is gone; every waiting request fails with
// ENETDOWN, and every socket reads as failed with it.
func (f *controlFile) Release() { Stop() }

// Stop says the service ended (its file closed, or it exited before
// opening it).
func Stop() {
	served = false
	serviceGone()
}
