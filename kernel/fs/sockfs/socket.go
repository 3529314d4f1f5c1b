// Package sockfs owns sockets (socket(7)) as files: a pool of slots, each
// an open file description with a receive ring and a send ring in frames
// that the network service shares (docs/design.md, Networking). Data moves
// ahead of the program's calls, as in a pipe: the service fills the
// receive ring and drains the send ring, so read, write and epoll answer
// from the rings alone and never wait for the service. The service's
// State bits and error word, beside the rings, say what the connection
// is; the kernel's Shut bits say what the program closed. Whatever the
// service writes is checked before use: broken counters read as EIO, an
// error word that is no errno as EIO.
package sockfs

import (
	"sync/atomic"

	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/vfs"
)

// MaxSockets is how many sockets may exist at once: the descriptor
// limit's hard ceiling (4096, docs/design.md: Files), since each socket
// is a descriptor.
const MaxSockets = 4096

// State bits: what the service says of a socket (the header's state word).
const (
	Connected  = 1 << iota // the connection is up: writes may go
	Listening              // listen succeeded
	Acceptable             // a connection waits for accept
	PeerClosed             // the peer sent its end (FIN): reads end once the ring is empty
	Failed                 // the error word holds an error (reset, refused, ...)
	Gone                   // the service dropped its endpoint: the slot may be reused
	Named                  // the header holds the connection's two addresses (Name)
)

// Shut bits: what the program closed (the header's shut word).
const (
	ShutRead  = 1 << iota // shutdown(SHUT_RD)
	ShutWrite             // shutdown(SHUT_WR): the service sends FIN after the ring
	Released              // the last descriptor closed
	Abort                 // with Released: reset the connection (RST), drop the send ring
)

// Pages hands out the pages slots live in (the frame allocator).
type Pages = vfs.Pages

// Socket is an open socket: the description the program's descriptors
// refer to.
type Socket struct {
	vfs.Base
	s      *slot
	Family uint16 // AF_INET or AF_INET6
	Type   uint16 // SOCK_STREAM or SOCK_DGRAM
	// Connecting: connect answered EINPROGRESS; the service's state
	// says how it ends (the system call layer's).
	Connecting bool
	// V6Only: IPV6_V6ONLY is set (an AF_INET6 socket takes IPv6 peers
	// only); each request carries it (TypeV6Only).
	V6Only bool
	// Bound: the socket has a local address (a bind, listen or connect
	// the service took, accept made it, or a datagram queued to send:
	// the service picks the port, as Linux's inet_autobind at the first
	// sendto), so IPV6_V6ONLY may no longer change (Linux's inet_num
	// test).
	Bound bool
	// Linger is SO_LINGER as set; on with a zero time, the last close
	// resets the connection (Abort) instead of sending what is queued
	// and a FIN, as Linux's tcp_close.
	Linger struct {
		On   bool
		Secs uint32
	}
	// Options are the socket options kept for getsockopt (the system
	// call layer's; kernel/linux/sys_sockopt.go).
	Options [8]Option
}

// Option is one kept socket option: its level, name and value.
type Option struct {
	Level, Name uint16
	Val         uint32
}

// slot is one socket's place: its frames (taken when first used, kept for
// later sockets) and its description.
type slot struct {
	frames [SlotPages]uintptr // 0: not taken yet
	sock   Socket
	index  int32 // its number in slots
	used   bool  // between New and the service's Gone
	asked  bool  // the service heard of it (a request)
}

var (
	// slots grows a page of slots at a time as sockets are made (a
	// slot's frames are taken with it), up to MaxSockets; slots are never
	// given back, so a slot's number and key stay its own.
	slots = vfs.Pool[slot]{Max: MaxSockets}
	pages Pages
	// news has a bit per slot whose rings or Shut bits the kernel changed
	// since the service last looked (TakeNews).
	news [MaxSockets / 64]uint64
)

// Init gives sockfs its source of pages, and a limit on sockets below
// MaxSockets when max is one (the kernel word sockets=N: a test can
// exhaust them).
func Init(p Pages, max int) {
	pages = p
	if max > 0 && max < MaxSockets {
		slots.Max = max
	}
}

// New makes a socket of family and type with one reference; flags may
// hold O_NONBLOCK. ENFILE when every slot is in use, ENOMEM when there is
// no memory for its rings.
func New(family, typ uint16, flags uint32) (*Socket, errno.Errno) {
	for i := 0; ; i++ {
		s, err := slotAt(i)
		if err != 0 {
			return nil, err
		}
		if s.used && s.sock.Free() && s.state()&Gone != 0 {
			s.used = false
		}
		if s.used {
			continue
		}
		if !s.takePages() {
			return nil, errno.ENOMEM
		}
		clear(pages.Page(s.frames[0])[:nameOff])
		s.used, s.asked = true, false
		s.sock = Socket{Base: s.sock.Base, s: s, Family: family, Type: typ}
		s.sock.Base.Open(vfs.ReadWrite | flags&vfs.Nonblock)
		return &s.sock, 0
	}
}

// slotAt returns slot i, growing the pool to it: ENFILE past MaxSockets,
// ENOMEM without a page for it.
func slotAt(i int) (*slot, errno.Errno) {
	s, err := slots.Slot(i)
	if err == 0 {
		s.index = int32(i)
	}
	return s, err
}

// takePages gives the slot its frames unless it has them; false, with
// none kept, when the allocator runs out.
func (s *slot) takePages() bool {
	return vfs.TakeFrames(pages, s.frames[:])
}

// Index is the socket's slot number, which names it to the service.
func (f *Socket) Index() int { return int(f.s.index) }

// State returns the service's State bits.
func (f *Socket) State() uint32 { return f.s.state() }

func (s *slot) state() uint32 { return atomic.LoadUint32(s.word(stateOff)) }

// Name copies the connection's local address (peer false) or its peer's
// from the header into a, where the service wrote them once connected
// (Named), and reports whether it could: the peer's only while the
// connection is up and has not failed (Linux's inet_getname is ENOTCONN
// once a connection is reset; the service answers those cases), and not
// a length out of bounds. Otherwise the caller asks the service.
func (f *Socket) Name(peer bool, a *Reply) bool {
	st := f.State()
	if st&Named == 0 || peer && st&(Connected|Failed) != Connected {
		return false
	}
	off := nameOff
	if peer {
		off += nameSize
	}
	n := atomic.LoadUint32(f.s.word(off))
	if n == 0 || n > AddrMax {
		return false
	}
	a.Err, a.AddrLen = 0, int(n)
	copy(a.Addr[:n], pages.Page(f.s.frames[0])[off+4:])
	return true
}

// Error returns the service's error as an errno: EIO for a value that is
// none.
func (f *Socket) Error() errno.Errno {
	e := atomic.LoadUint32(f.s.word(errorOff))
	if e == 0 || e > 133 { // 133 is EHWPOISON, Linux's last errno
		return errno.EIO
	}
	return errno.Errno(e)
}

// Shut records what the program closed and tells the service; the
// socket's own waiters see it too (after SHUT_RD a read ends, and epoll
// reports it readable).
func (f *Socket) Shut(bits uint32) {
	w := f.s.word(shutOff)
	atomic.StoreUint32(w, atomic.LoadUint32(w)|bits)
	f.tell()
	vfs.Changed(f.WaitKey())
}

// tell marks the slot as having news for the service and wakes it.
func (f *Socket) tell() {
	i := uint32(f.s.index)
	news[i/64] |= 1 << (i % 64)
	vfs.Changed(NewsKey())
}

// NewsKey is the key the service's wait for news blocks on.
func NewsKey() uintptr { return vfs.KeyOf(&news) }

// TakeNews returns a slot with news and forgets its news; ok=false when
// none has any.
func TakeNews() (int, bool) {
	for w := range news {
		if news[w] != 0 {
			for b := 0; b < 64; b++ {
				if news[w]&(1<<b) != 0 {
					news[w] &^= 1 << b
					return w*64 + b, true
				}
			}
		}
	}
	return 0, false
}

// Changed wakes the socket's waiters: the service reports news of slot i.
func Changed(i int) {
	if i >= 0 && i < slots.Len() {
		vfs.Changed(vfs.KeyOf(slots.At(i)))
	}
}

// WaitKey: its readers, writers and epoll wait on the slot.
func (f *Socket) WaitKey() uintptr { return vfs.KeyOf(f.s) }

// Read takes received bytes: 0 at the end of the peer's stream, the
// service's error when the connection failed, EAGAIN while nothing came;
// on a datagram socket, one datagram.
func (f *Socket) Read(b []byte) (int, errno.Errno) {
	if f.IsDatagram() {
		return f.readDgram(b)
	}
	return f.Receive(b, 0, false)
}

// Receive takes received bytes of a stream socket, as Read; with peek it
// copies them from offset off and leaves them in the ring.
func (f *Socket) Receive(b []byte, off int, peek bool) (int, errno.Errno) {
	r := f.s.receive()
	n, ok := r.peek(off, b)
	if !peek {
		r.consume(uint32(n))
	}
	switch st, shut := f.State(), atomic.LoadUint32(f.s.word(shutOff)); {
	case !ok:
		return 0, errno.EIO
	case n > 0 && peek:
		return n, 0
	case n > 0:
		if left, _ := r.used(); left <= RxSize/2 && atomic.SwapUint32(f.s.word(rxWant), 0) != 0 {
			f.tell() // half the ring free, which the service waits for
		}
		return n, 0
	case len(b) == 0:
		return 0, 0
	case st&PeerClosed != 0 || shut&ShutRead != 0:
		return 0, 0
	case st&Failed != 0:
		return 0, f.Error()
	case st&Connected == 0:
		return 0, errno.ENOTCONN
	}
	return 0, errno.EAGAIN
}

// Write queues bytes to send: EPIPE after shutdown(SHUT_WR) or once the
// connection failed, ENOTCONN before it is up, EAGAIN while the ring is
// full; on a datagram socket, one datagram to the connected peer.
func (f *Socket) Write(b []byte) (int, errno.Errno) {
	if f.IsDatagram() {
		return f.writeDgram(b)
	}
	switch st, shut := f.State(), atomic.LoadUint32(f.s.word(shutOff)); {
	case shut&ShutWrite != 0:
		return 0, errno.EPIPE
	case st&Failed != 0:
		return 0, f.Error()
	case st&Connected == 0:
		return 0, errno.ENOTCONN
	}
	n, ok := f.s.send().put(b)
	if ok && n == 0 && len(b) > 0 { // full: ask for word of room, then look again (txWant)
		atomic.StoreUint32(f.s.word(txWant), 1)
		n, ok = f.s.send().put(b)
	}
	switch {
	case !ok:
		return 0, errno.EIO
	case n == 0 && len(b) > 0:
		return 0, errno.EAGAIN
	}
	f.tell() // bytes in the ring: the service may send them
	return n, 0
}

// Events reports readiness as Linux's tcp_poll does: readable with bytes,
// at the peer's end or with a connection to accept; writable while
// connected with room; EPOLLERR on failure; EPOLLHUP when both
// directions are closed. A datagram socket's are dgramEvents.
func (f *Socket) Events() uint32 {
	if f.IsDatagram() {
		return f.dgramEvents()
	}
	st, shut := f.State(), atomic.LoadUint32(f.s.word(shutOff))
	var ev uint32
	used, ok := f.s.receive().used()
	if used > 0 || !ok || st&(PeerClosed|Acceptable) != 0 || shut&ShutRead != 0 {
		ev |= vfs.EventIn
	}
	if st&PeerClosed != 0 {
		ev |= vfs.EventRdhup
	}
	sent, ok := f.s.send().used()
	if ok && sent == TxSize { // full: a poller waits for word of room (txWant), as a writer
		atomic.StoreUint32(f.s.word(txWant), 1)
		sent, ok = f.s.send().used()
	}
	if st&Connected != 0 && (sent < TxSize || !ok) || shut&ShutWrite != 0 {
		ev |= vfs.EventOut
	}
	if st&Failed != 0 {
		ev |= vfs.EventErr | vfs.EventIn | vfs.EventOut
	}
	if st&PeerClosed != 0 && shut&ShutWrite != 0 || st&Failed != 0 {
		ev |= vfs.EventHup
	}
	return ev
}

func (f *Socket) Stat(st *vfs.Stat) errno.Errno {
	*st = vfs.Stat{Mode: vfs.ModeSocket | 0o777, Nlink: 1}
	return 0
}

// Pollable: epoll may watch it.
func (f *Socket) Pollable() bool { return true }

// Release: the service closes its endpoint and, when done, sets Gone; a
// socket it never heard of is gone at once.
func (f *Socket) Release() {
	if !f.s.asked {
		atomic.StoreUint32(f.s.word(stateOff), Gone)
		return
	}
	if f.Linger.On && f.Linger.Secs == 0 {
		f.Shut(Released | Abort)
		return
	}
	f.Shut(Released)
}
