package main

import (
	"encoding/binary"
	"fmt"
	"io"
	"net/netip"
	"os"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv6"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
	"gvisor.dev/gvisor/pkg/tcpip/transport/udp"
	"gvisor.dev/gvisor/pkg/waiter"
)

// The program's sockets (docs/design.md, Networking; the kernel's half is
// kernel/fs/sockfs). The kernel's /dev/netctl gives requests (bind,
// listen, accept, connect, names) and news (the program moved a ring or
// closed something); each socket slot's pages — a header of counters and
// state words, a receive ring and a send ring — are mapped here. One
// goroutine owns every socket: it answers requests at once (never
// blocking: connect answers EINPROGRESS, accept EAGAIN) and moves bytes
// between the rings and gVisor's endpoints whenever either side has
// news; gVisor's waiter callbacks only queue the slot.

// The layout of /dev/netctl (kernel/fs/sockfs: ring.go, control.go).
const (
	pageSize  = 4096
	rxSize    = 128 << 10 // sockfs.RxSize: the receive ring
	txSize    = 32 << 10  // sockfs.TxSize: the send ring
	slotBytes = pageSize + rxSize + txSize
	maxSlots  = 4096 // sockfs.MaxSockets

	rxHead, rxTail, txHead, txTail, stateOff, errorOff, shutOff = 0, 4, 8, 12, 16, 20, 24
	rxWant, txWant                                              = 28, 32                    // who waits for word of room (receive, send)
	nameOff, nameSize                                           = 40, 4 + msgSize - msgAddr // two names: length, sockaddr

	msgSize                                              = 64
	msgKind, msgSlot, msgReq, msgSeq, msgOp, msgArg      = 0, 4, 8, 12, 16, 20
	msgAddrLen, msgType, msgAddr                         = 24, 28, 32
	kindNews, kindRequest, kindChanged, kindAnswer       = 1, 2, 3, 4
	opBind, opListen, opAccept, opConnect, opName        = 2, 3, 4, 5, 6
	stConnected, stListening, stAcceptable, stPeerClosed = 1, 2, 4, 8
	stFailed, stGone, stNamed                            = 16, 32, 64
	shutRead, shutWrite, shutReleased, shutAbort         = 1, 2, 4, 8
	typeV6Only                                           = 0x100
)

// UDP's additions: the open request (a datagram socket's endpoint, made
// at socket(2)), the socket types, and the record naming name servers.
const (
	opOpen                = 1
	sockStream, sockDgram = 1, 2
	kindConfig            = 5
)

// sock is one socket slot the service serves.
type sock struct {
	slot       int
	family     uint16 // afInet or afInet6
	mem        []byte // the slot's pages
	ep         tcpip.Endpoint
	wq         *waiter.Queue
	entry      waiter.Entry
	dgram      bool // UDP: the rings hold records (dgram.go)
	connecting bool
	finSent    bool
	closedAt   time.Time // when close closed ep
}

// sockets is the service's half: the stack, /dev/netctl and the slots.
type sockets struct {
	s       *stack.Stack
	ctl     *os.File // /dev/netctl
	mapped  []byte   // every slot's pages: /dev/netctl, mapped once
	socks   []*sock
	ready   chan int // slots whose endpoint has news (waiter callbacks)
	queued  []int32  // 1 while a slot is in ready
	changed []byte   // Changed records to write
	closed  []*sock  // closed endpoints whose slots wait to be Gone (linger.go)
}

// serveSockets serves the program's sockets until the service ends;
// without /dev/netctl (a kernel without sockets) it returns. It first
// tells the kernel the name servers dns, for /etc/resolv.conf.
func serveSockets(s *stack.Stack, dns []netip.Addr) {
	fd, err := syscall.Open("/dev/netctl", syscall.O_RDWR|syscall.O_NONBLOCK, 0)
	if err != nil {
		fmt.Fprintf(os.Stderr, "netsvc: no sockets: /dev/netctl: %v\n", err)
		return
	}
	// Reads and writes go through the netpoller, as /dev/net0's (link.go).
	ss := &sockets{s: s, ctl: os.NewFile(uintptr(fd), "/dev/netctl"), socks: make([]*sock, maxSlots),
		ready: make(chan int, maxSlots), queued: make([]int32, maxSlots)}
	// One mapping for every slot (the kernel's mappings are few): a
	// slot's pages come in as they are first touched.
	ss.mapped, err = syscall.Mmap(fd, 0, maxSlots*slotBytes, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	if err != nil {
		fatal(fmt.Errorf("mapping the sockets: %v", err))
	}
	ss.configure(dns)
	records := make(chan []byte)
	go ss.read(records)
	for {
		var tick <-chan time.Time
		if len(ss.closed) > 0 {
			tick = time.After(lingerPoll)
		}
		select {
		case <-tick:
			ss.linger()
		case recs := <-records:
			for i := 0; i+msgSize <= len(recs); i += msgSize {
				ss.record(recs[i : i+msgSize])
			}
		case slot := <-ss.ready:
			atomic.StoreInt32(&ss.queued[slot], 0)
			if k := ss.socks[slot]; k != nil {
				ss.pump(k)
			}
		}
		ss.flush()
	}
}

// read sends the kernel's records to the loop as they come: through the
// netpoller, a short read meaning no more (drained, link.go). It stays
// in one raw read of the file, as link.receive does: each call of
// RawRead forgets readiness the netpoller recorded before it
// (runtime_pollReset), so a wait begun in a new call would miss a record
// that came in between. The loop is done with one buffer before it takes
// the next, so two take turns.
func (ss *sockets) read(records chan<- []byte) {
	rc, err := ss.ctl.SyscallConn()
	if err != nil {
		fatal(fmt.Errorf("/dev/netctl: %v", err))
	}
	bufs := [2][]byte{make([]byte, 64*msgSize), make([]byte, 64*msgSize)}
	i := 0
	var rerr error
	err = rc.Read(func(fd uintptr) bool {
		for {
			n, err := syscall.Read(int(fd), bufs[i])
			switch err {
			case nil:
			case syscall.EINTR:
				continue
			case syscall.EAGAIN:
				return false // wait for the next record
			default:
				rerr = err
				return true
			}
			records <- bufs[i][:n]
			i ^= 1
			if n < len(bufs[i]) { // drained
				return false
			}
		}
	})
	if err == nil {
		err = rerr
	}
	fatal(fmt.Errorf("reading /dev/netctl: %v", err))
}

// configure queues the record that names the name servers (IPv4 ones,
// as many as fit) to the kernel.
func (ss *sockets) configure(dns []netip.Addr) {
	m := make([]byte, msgSize)
	binary.LittleEndian.PutUint32(m[msgKind:], kindConfig)
	n := 0
	for _, a := range dns {
		if a.Is4() && msgAddr+4*(n+1) <= msgSize {
			copy(m[msgAddr+4*n:], a.AsSlice())
			n++
		}
	}
	binary.LittleEndian.PutUint32(m[msgArg:], uint32(n))
	ss.changed = append(ss.changed, m...)
	ss.flush()
}

// record handles one record from the kernel.
func (ss *sockets) record(m []byte) {
	slot := int(binary.LittleEndian.Uint32(m[msgSlot:]))
	if slot >= maxSlots {
		return
	}
	switch binary.LittleEndian.Uint32(m[msgKind:]) {
	case kindNews:
		if k := ss.socks[slot]; k != nil {
			ss.pump(k)
		}
	case kindRequest:
		ss.request(slot, m)
	}
}

// word points at a header word of a slot's pages.
func word(mem []byte, off int) *uint32 { return (*uint32)(unsafe.Pointer(&mem[off])) }

// slotMem returns slot's pages.
func (ss *sockets) slotMem(slot int) []byte {
	return ss.mapped[slot*slotBytes : (slot+1)*slotBytes : (slot+1)*slotBytes]
}

// newSock serves slot with endpoint ep and its queue.
func (ss *sockets) newSock(slot int, family uint16, ep tcpip.Endpoint, wq *waiter.Queue) *sock {
	k := &sock{slot: slot, family: family, mem: ss.slotMem(slot), ep: ep, wq: wq}
	k.entry = waiter.NewFunctionEntry(waiter.ReadableEvents|waiter.WritableEvents|waiter.EventErr|waiter.EventHUp, func(waiter.EventMask) {
		if atomic.CompareAndSwapInt32(&ss.queued[slot], 0, 1) {
			ss.ready <- slot
		}
	})
	wq.EventRegister(&k.entry)
	ss.socks[slot] = k
	return k
}

// request answers a control call.
func (ss *sockets) request(slot int, m []byte) {
	ans := make([]byte, msgSize)
	copy(ans[msgReq:msgOp], m[msgReq:msgOp]) // the request's number and sequence
	binary.LittleEndian.PutUint32(ans[msgKind:], kindAnswer)
	binary.LittleEndian.PutUint32(ans[msgSlot:], uint32(slot))
	e := ss.serve(slot, m, ans)
	binary.LittleEndian.PutUint32(ans[msgOp:], uint32(e))
	ss.changed = append(ss.changed, ans...)
}

// serve carries out request m on slot, filling ans's value and address,
// and returns its errno.
func (ss *sockets) serve(slot int, m, ans []byte) syscall.Errno {
	k := ss.socks[slot]
	typ := binary.LittleEndian.Uint32(m[msgType:])
	if k == nil { // its first request: make its endpoint
		family, proto, transport := uint16(typ>>16), ipv4.ProtocolNumber, tcp.ProtocolNumber
		switch {
		case typ&0xff == sockDgram:
			transport = udp.ProtocolNumber
		case typ&0xff != sockStream:
			return syscall.EPROTONOSUPPORT
		}
		switch {
		case family == afInet6:
			proto = ipv6.ProtocolNumber
		case family != afInet:
			return syscall.EAFNOSUPPORT
		}
		wq := new(waiter.Queue)
		ep, err := ss.s.NewEndpoint(transport, proto, wq)
		if err != nil {
			return errnoOf(err)
		}
		k = ss.newSock(slot, family, ep, wq)
		k.dgram = transport == udp.ProtocolNumber
		clear(k.mem[:nameOff])
	}
	addr, aerr := sockaddr(m, k.family)
	op := binary.LittleEndian.Uint32(m[msgOp:])
	if k.family == afInet6 && (op == opBind || op == opListen || op == opConnect) {
		k.ep.SocketOptions().SetV6Only(typ&typeV6Only != 0) // IPV6_V6ONLY, as the program set it
	}
	switch op {
	case opOpen:
		return 0
	case opBind:
		if aerr != 0 {
			return aerr
		}
		return errnoOf(k.ep.Bind(addr))
	case opListen:
		if err := k.ep.Listen(int(binary.LittleEndian.Uint32(m[msgArg:]))); err != nil {
			return errnoOf(err)
		}
		k.setState(stListening)
		ss.pump(k)
		return 0
	case opConnect:
		if aerr != 0 {
			return aerr
		}
		switch err := k.ep.Connect(addr); err.(type) {
		case nil:
			k.name()
			k.setState(stConnected)
			return 0
		case *tcpip.ErrConnectStarted:
			k.connecting = true
			return syscall.EINPROGRESS
		default:
			return errnoOf(err)
		}
	case opAccept:
		return ss.accept(k, int(binary.LittleEndian.Uint32(m[msgArg:])), ans)
	case opName:
		get := k.ep.GetLocalAddress
		if binary.LittleEndian.Uint32(m[msgArg:]) == 1 {
			get = k.ep.GetRemoteAddress
		}
		a, err := get()
		if err != nil {
			return errnoOf(err)
		}
		putSockaddr(ans, a, k.family)
		return 0
	}
	return syscall.EINVAL
}

// accept moves a waiting connection of listener k into slot n.
func (ss *sockets) accept(k *sock, n int, ans []byte) syscall.Errno {
	if n >= maxSlots || ss.socks[n] != nil {
		return syscall.EINVAL
	}
	var peer tcpip.FullAddress
	ep, wq, err := k.ep.Accept(&peer)
	if err != nil {
		if _, ok := err.(*tcpip.ErrWouldBlock); ok {
			k.clearState(stAcceptable)
			ss.tell(k)
		}
		return errnoOf(err)
	}
	c := ss.newSock(n, k.family, ep, wq)
	clear(c.mem[:nameOff])
	c.name()
	c.setState(stConnected)
	putSockaddr(ans, peer, k.family)
	ss.pump(c)
	return 0
}

func (k *sock) state() uint32 { return atomic.LoadUint32(word(k.mem, stateOff)) }
func (k *sock) setState(bits uint32) {
	atomic.StoreUint32(word(k.mem, stateOff), k.state()|bits)
}
func (k *sock) clearState(bits uint32) {
	atomic.StoreUint32(word(k.mem, stateOff), k.state()&^bits)
}

// name writes a connection's local and peer addresses into its header
// (nameOff: each a length word and a sockaddr, as in an answer) and
// marks them there (stNamed): the kernel answers the program's
// getsockname, and getpeername while the connection is up, from them,
// without a request (Go asks both of every connection it makes and the
// first of every one it accepts).
func (k *sock) name() {
	for i, get := range [...]func() (tcpip.FullAddress, tcpip.Error){k.ep.GetLocalAddress, k.ep.GetRemoteAddress} {
		a, err := get()
		if err != nil {
			return
		}
		b := k.mem[nameOff+i*nameSize : nameOff+(i+1)*nameSize]
		binary.LittleEndian.PutUint32(b, uint32(formatSockaddr(b[4:], a, k.family)))
	}
	k.setState(stNamed)
}

// fail records the connection's error.
func (k *sock) fail(e syscall.Errno) {
	atomic.StoreUint32(word(k.mem, errorOff), uint32(e))
	k.setState(stFailed)
}

// tell queues a Changed record for k's slot: the kernel wakes its waiters.
func (ss *sockets) tell(k *sock) {
	m := make([]byte, msgSize)
	binary.LittleEndian.PutUint32(m[msgKind:], kindChanged)
	binary.LittleEndian.PutUint32(m[msgSlot:], uint32(k.slot))
	ss.changed = append(ss.changed, m...)
}

// flush writes the queued records to the kernel.
func (ss *sockets) flush() {
	for len(ss.changed) > 0 {
		n, err := ss.ctl.Write(ss.changed)
		if err != nil { // a record the kernel refused (a request it gave up): drop it
			n += msgSize
		}
		ss.changed = ss.changed[n:]
	}
	ss.changed = ss.changed[:0]
}

// pump brings slot k up to date both ways: the endpoint's state into the
// header, received bytes into the receive ring, the send ring into the
// endpoint, the program's shutdowns and close into the endpoint.
func (ss *sockets) pump(k *sock) {
	before := k.state()
	shut := atomic.LoadUint32(word(k.mem, shutOff))
	if k.dgram {
		ss.pumpDgram(k, shut)
		return
	}
	ev := k.ep.Readiness(waiter.ReadableEvents | waiter.WritableEvents | waiter.EventErr | waiter.EventHUp)
	switch st := k.state(); {
	case st&stListening != 0:
		if ev&waiter.ReadableEvents != 0 {
			k.setState(stAcceptable)
		}
	case k.connecting:
		if ev&(waiter.WritableEvents|waiter.EventErr|waiter.EventHUp) != 0 {
			k.connecting = false
			if err := k.ep.LastError(); err != nil {
				k.fail(errnoOf(err))
			} else {
				k.name()
				k.setState(stConnected)
			}
		}
	}
	if k.state()&stConnected != 0 && k.state()&stFailed == 0 {
		ss.receive(k)
		if shut&shutAbort == 0 {
			ss.send(k, shut)
		}
	}
	if shut&shutReleased != 0 && (k.state()&(stConnected|stFailed) != stConnected || k.sent() || k.finSent || shut&shutAbort != 0) {
		if shut&shutAbort != 0 { // SO_LINGER with a zero time: Close resets
			k.ep.SocketOptions().SetLinger(tcpip.LingerOption{Enabled: true})
		}
		ss.close(k)
		return
	}
	if k.state() != before {
		ss.tell(k)
	}
}

// sent reports whether the send ring is empty.
func (k *sock) sent() bool {
	return atomic.LoadUint32(word(k.mem, txTail)) == atomic.LoadUint32(word(k.mem, txHead))
}

// receive reads what the endpoint has into the receive ring, as much as
// fits, until the endpoint says it has no more (ErrWouldBlock) or has
// ended: an end (FIN) that came with the last bytes shows only in the
// read after them, and nothing else would come to look (the program's
// reads tell the service nothing unless it asked). When the ring is
// full, the endpoint may hold more: the kernel is asked to tell once the
// program has emptied half the ring (rxWant; the kernel's half is
// sockfs.Socket.Receive), and the ring is looked at again, since the
// program may have taken some before the kernel could see the ask.
func (ss *sockets) receive(k *sock) {
	for k.state()&(stPeerClosed|stFailed) == 0 {
		head := atomic.LoadUint32(word(k.mem, rxHead))
		tail := atomic.LoadUint32(word(k.mem, rxTail))
		room := rxSize - int(tail-head)
		if room <= 0 {
			atomic.StoreUint32(word(k.mem, rxWant), 1)
			if atomic.LoadUint32(word(k.mem, rxHead)) == head {
				return // the kernel tells when the program takes bytes
			}
			continue
		}
		w := ringIO{ring: k.mem[pageSize : pageSize+rxSize], at: tail, n: room}
		res, err := k.ep.Read(&w, tcpip.ReadOptions{})
		switch err.(type) {
		case nil:
			if res.Count == 0 {
				return
			}
			atomic.StoreUint32(word(k.mem, rxTail), tail+uint32(res.Count))
			ss.tell(k)
		case *tcpip.ErrWouldBlock:
			return
		case *tcpip.ErrClosedForReceive:
			k.setState(stPeerClosed)
			return
		default:
			k.fail(errnoOf(err))
			return
		}
	}
}

// send writes the send ring into the endpoint, as much as it takes, and
// its end (FIN) after shutdown(SHUT_WR) or close once the ring is empty.
func (ss *sockets) send(k *sock, shut uint32) {
	head := atomic.LoadUint32(word(k.mem, txHead))
	tail := atomic.LoadUint32(word(k.mem, txTail))
	if used := int(tail - head); used > 0 && used <= txSize {
		r := ringIO{ring: k.mem[pageSize+rxSize : slotBytes], at: head, n: used}
		n, err := k.ep.Write(&r, tcpip.WriteOptions{})
		switch err.(type) {
		case nil:
			atomic.StoreUint32(word(k.mem, txHead), head+uint32(n))
			// The kernel hears of the room only when a writer or a
			// poller found the ring full (txWant), and always once the
			// program closed the socket: its lingering exit counts
			// these reports as progress (sockfs.Reports).
			if atomic.SwapUint32(word(k.mem, txWant), 0) != 0 || shut&shutReleased != 0 {
				ss.tell(k)
			}
		case *tcpip.ErrWouldBlock:
		default:
			k.fail(errnoOf(err))
		}
	}
	if shut&(shutWrite|shutReleased) != 0 && k.sent() && !k.finSent {
		k.ep.Shutdown(tcpip.ShutdownWrite)
		k.finSent = true
	}
}

// ringIO reads or writes n bytes of a ring from counter at, wrapping at
// the ring's length (a power of two).
type ringIO struct {
	ring []byte
	at   uint32
	n    int
}

func (r *ringIO) Len() int { return r.n }

func (r *ringIO) Write(p []byte) (int, error) {
	done := 0
	for done < len(p) && r.n > 0 {
		off := int(r.at) % len(r.ring)
		c := copy(r.ring[off:min(len(r.ring), off+r.n)], p[done:])
		done += c
		r.at += uint32(c)
		r.n -= c
	}
	if done < len(p) {
		return done, io.ErrShortWrite
	}
	return done, nil
}

func (r *ringIO) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	done := 0
	for done < len(p) && r.n > 0 {
		off := int(r.at) % len(r.ring)
		c := copy(p[done:], r.ring[off:min(len(r.ring), off+r.n)])
		done += c
		r.at += uint32(c)
		r.n -= c
	}
	return done, nil
}

// errnoOf is the Linux errno of a stack error.
func errnoOf(err tcpip.Error) syscall.Errno {
	switch err.(type) {
	case nil:
		return 0
	case *tcpip.ErrWouldBlock:
		return syscall.EAGAIN
	case *tcpip.ErrConnectionRefused:
		return syscall.ECONNREFUSED
	case *tcpip.ErrConnectionReset:
		return syscall.ECONNRESET
	case *tcpip.ErrConnectionAborted:
		return syscall.ECONNABORTED
	case *tcpip.ErrTimeout:
		return syscall.ETIMEDOUT
	case *tcpip.ErrPortInUse:
		return syscall.EADDRINUSE
	case *tcpip.ErrBadLocalAddress:
		return syscall.EADDRNOTAVAIL
	case *tcpip.ErrHostUnreachable:
		return syscall.EHOSTUNREACH
	case *tcpip.ErrNetworkUnreachable:
		return syscall.ENETUNREACH
	case *tcpip.ErrAlreadyConnected:
		return syscall.EISCONN
	case *tcpip.ErrNotConnected:
		return syscall.ENOTCONN
	case *tcpip.ErrAlreadyConnecting:
		return syscall.EALREADY
	case *tcpip.ErrClosedForSend:
		return syscall.EPIPE
	case *tcpip.ErrAlreadyBound:
		return syscall.EINVAL
	case *tcpip.ErrNotSupported:
		return syscall.EOPNOTSUPP
	case *tcpip.ErrMessageTooLong:
		return syscall.EMSGSIZE
	case *tcpip.ErrDestinationRequired:
		return syscall.EDESTADDRREQ
	}
	return syscall.EINVAL
}
