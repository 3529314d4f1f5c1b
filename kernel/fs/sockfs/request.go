package sockfs

import (
	"encoding/binary"
	"sync/atomic"

	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/vfs"
)

// Requests: a control call (socket, bind, listen, accept4, connect,
// getsockname, getpeername) is a request the service answers. Each thread
// has one request slot (by its thread slot). Ask queues the call, the
// service reads it from /dev/netctl, and the thread waits on the slot's
// key until the answer comes; its system call, run again, finds the
// answer. The wait cannot be interrupted (Asking): a call that ended with
// EINTR after the service acted would be repeated by the runtime. The
// service never blocks on one (connect answers EINPROGRESS, accept
// EAGAIN), so waits are short.

// MaxRequests is how many requests may wait at once: one per thread
// (sched.MaxThreads).
const MaxRequests = 128

// Request states.
const (
	reqIdle     = iota
	reqQueued   // waiting for the service to read it
	reqSent     // read, waiting for the answer
	reqAnswered // the answer is in reply
)

// Reply is the service's answer to a request.
type Reply struct {
	Err     errno.Errno
	Val     uint32
	AddrLen int
	Addr    [AddrMax]byte
}

type request struct {
	state         uint8
	seq           uint32
	op, slot, arg uint32
	typ           uint32
	addrLen       int
	addr          [AddrMax]byte
	reply         Reply
}

var requests [MaxRequests]request

// RequestKey is the key a thread waits on for request req's answer.
func RequestKey(req int) uintptr { return vfs.KeyOf(&requests[req]) }

// Asking reports whether key is a request's: such a wait is not ended by
// signals.
func Asking(key uintptr) bool {
	return key >= RequestKey(0) && key <= RequestKey(MaxRequests-1)
}

// Ask makes control call op on socket f with arg and addr (at most AddrMax
// bytes) for the thread with request slot req. The first time (retry
// false: the system call starts) it queues the request and returns false:
// the caller waits on RequestKey(req) and, run again (retry true), calls
// again with the same arguments, until it returns true with the answer in
// *a. Without a service the answer is ENETDOWN.
//
// An answer is only ever its own call's: a call that starts drops whatever
// request an earlier call of the thread left (one that ended another way
// before taking its answer, as a connect that found its socket already
// connected), so a later identical call cannot take that stale answer as
// its own.
func Ask(req int, retry bool, op uint32, f *Socket, arg uint32, addr []byte, a *Reply) bool {
	r := &requests[req]
	slot := f.Index()
	mine := retry && r.op == op && r.slot == uint32(slot) && r.arg == arg
	switch {
	case !Served():
		*a = Reply{Err: errno.ENETDOWN}
		r.state = reqIdle
		return true
	case mine && r.state == reqAnswered:
		*a = r.reply
		r.state = reqIdle
		f.Bound = f.Bound || binds(op, a.Err)
		return true
	case mine && r.state != reqIdle:
		return false
	}
	// A new request: a late answer to the one it replaces is refused
	// (answer checks seq).
	r.seq++
	r.op, r.slot, r.arg = op, uint32(slot), arg
	r.addrLen = copy(r.addr[:], addr)
	r.typ = uint32(f.Family)<<16 | uint32(f.Type)
	if f.V6Only {
		r.typ |= TypeV6Only
	}
	r.state = reqQueued
	f.s.asked = true
	vfs.Changed(NewsKey())
	return false
}

// binds reports whether op, answered with e, gave the socket its local
// address: a bind or listen that succeeded, a connect that succeeded or
// started.
func binds(op uint32, e errno.Errno) bool {
	return (op == OpBind || op == OpListen || op == OpConnect) && (e == 0 || op == OpConnect && e == errno.EINPROGRESS)
}

// pendingRequests reports whether a request waits for the service to read
// it.
func pendingRequests() bool {
	for i := range requests {
		if requests[i].state == reqQueued {
			return true
		}
	}
	return false
}

// takeRequest writes the first queued request into record m; false when
// none is queued.
func takeRequest(m []byte) bool {
	for i := range requests {
		r := &requests[i]
		if r.state != reqQueued {
			continue
		}
		clear(m)
		binary.LittleEndian.PutUint32(m[MsgKind:], KindRequest)
		binary.LittleEndian.PutUint32(m[MsgSlot:], r.slot)
		binary.LittleEndian.PutUint32(m[MsgReq:], uint32(i))
		binary.LittleEndian.PutUint32(m[MsgSeq:], r.seq)
		binary.LittleEndian.PutUint32(m[MsgOp:], r.op)
		binary.LittleEndian.PutUint32(m[MsgArg:], r.arg)
		binary.LittleEndian.PutUint32(m[MsgAddrLen:], uint32(r.addrLen))
		binary.LittleEndian.PutUint32(m[MsgType:], r.typ)
		copy(m[MsgAddr:], r.addr[:r.addrLen])
		r.state = reqSent
		return true
	}
	return false
}

// answer takes the service's answer record m; false when it names no
// request waiting for one.
func answer(m []byte) bool {
	i := binary.LittleEndian.Uint32(m[MsgReq:])
	if i >= MaxRequests {
		return false
	}
	r := &requests[i]
	if r.state != reqSent || r.seq != binary.LittleEndian.Uint32(m[MsgSeq:]) {
		return false
	}
	e := binary.LittleEndian.Uint32(m[MsgOp:])
	if e > lastErrno {
		e = errno.EIO
	}
	r.reply = Reply{Err: errno.Errno(e), Val: binary.LittleEndian.Uint32(m[MsgArg:])}
	r.reply.AddrLen = copy(r.reply.Addr[:], m[MsgAddr:MsgAddr+min(int(binary.LittleEndian.Uint32(m[MsgAddrLen:])), AddrMax)])
	r.state = reqAnswered
	vfs.Changed(RequestKey(int(i)))
	return true
}

// lastErrno is Linux's last error number (EHWPOISON).
const lastErrno = 133

// serviceGone answers every waiting request with ENETDOWN and fails every
// socket with it: the service ended.
func serviceGone() {
	for i := range requests {
		r := &requests[i]
		if r.state == reqQueued || r.state == reqSent {
			r.reply = Reply{Err: errno.ENETDOWN}
			r.state = reqAnswered
			vfs.Changed(RequestKey(i))
		}
	}
	for i := 0; i < slots.Len(); i++ {
		s := slots.At(i)
		if s.used {
			atomic.StoreUint32(s.word(errorOff), errno.ENETDOWN)
			atomic.StoreUint32(s.word(stateOff), Failed|Gone)
			Changed(i)
		}
	}
	news = [MaxSockets / 64]uint64{}
	vfs.Changed(ClosingKey()) // nothing lingers now
}

// Adopt records that the service holds an endpoint for f, a connection
// its OpAccept moved into f's slot: its close must reach the service,
// and it has its address (Bound).
func Adopt(f *Socket) { f.s.asked, f.Bound = true, true }

// Abandon lets go of socket f, kept for the request of the thread with
// request slot req (an OpOpen or OpAccept), whose call ends without taking
// the answer: when the answer came and made f's endpoint, f is closed at
// the service; else f is dropped (Discard).
func Abandon(req int, f *Socket) {
	r := &requests[req]
	made := r.state == reqAnswered && r.reply.Err == 0
	r.state = reqIdle
	if made {
		Adopt(f)
		vfs.Put(f)
		return
	}
	Discard(f)
}

// Discard drops a socket the service never took (its OpSocket or
// OpAccept failed): nothing of it is the service's to let go.
func Discard(f *Socket) {
	atomic.StoreUint32(f.s.word(stateOff), Gone)
	vfs.Put(f)
	i := uint32(f.s.index)
	news[i/64] &^= 1 << (i % 64)
}
