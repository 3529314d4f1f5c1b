package main

import (
	"encoding/binary"
	"io"
	"sync/atomic"
	"syscall"

	"gvisor.dev/gvisor/pkg/tcpip"
)

// UDP sockets (the kernel's half is kernel/fs/sockfs/dgram.go): their
// rings carry records — a header of the payload's length and a sockaddr
// (the source of a received datagram, the destination of one to send;
// family 0 for the connected peer), then the payload — so boundaries and
// addresses survive. An error the endpoint reports (an ICMP port
// unreachable on a connected socket) becomes an error record, which the
// program's next receive returns once.

// The record header (sockfs.DgramHeader, sockfs.ErrorRecord).
const (
	dgramHeader = 4 + msgSize - msgAddr
	errorRecord = 1 << 31
)

// pumpDgram brings UDP slot k up to date: received datagrams into the
// receive ring, the send ring's datagrams out, and once the program let
// go of it, the endpoint closed and the slot given back at once (a UDP
// socket has nothing to linger for once its datagrams are sent).
func (ss *sockets) pumpDgram(k *sock, shut uint32) {
	ss.receiveDgrams(k)
	ss.sendDgrams(k)
	if shut&shutReleased != 0 {
		k.wq.EventUnregister(&k.entry)
		k.ep.Close()
		ss.socks[k.slot] = nil
		k.setState(stGone)
		ss.tell(k)
	}
}

// receiveDgrams moves datagrams from the endpoint into the receive ring
// while whole ones fit; one the ring can never hold is dropped.
func (ss *sockets) receiveDgrams(k *sock) {
	ring := k.mem[pageSize : pageSize+rxSize]
	for {
		head := atomic.LoadUint32(word(k.mem, rxHead))
		tail := atomic.LoadUint32(word(k.mem, rxTail))
		room := rxSize - int(tail-head)
		if room < dgramHeader {
			return
		}
		var h [dgramHeader]byte
		res, err := k.ep.Read(io.Discard, tcpip.ReadOptions{Peek: true})
		switch err.(type) {
		case nil:
		case *tcpip.ErrWouldBlock, *tcpip.ErrClosedForReceive:
			return
		default: // the endpoint's error, reported once
			binary.LittleEndian.PutUint32(h[:], errorRecord|uint32(errnoOf(err)))
			ss.produce(k, ring, tail, h[:], 0)
			continue
		}
		if res.Total > rxSize-dgramHeader {
			k.ep.Read(io.Discard, tcpip.ReadOptions{})
			continue
		}
		if room < dgramHeader+res.Total {
			return // the program's receive makes room, and news
		}
		w := ringIO{ring: ring, at: tail + dgramHeader, n: res.Total}
		res, err = k.ep.Read(&w, tcpip.ReadOptions{NeedRemoteAddr: true})
		if err != nil {
			return
		}
		binary.LittleEndian.PutUint32(h[:], uint32(res.Count))
		formatSockaddr(h[4:], res.RemoteAddr, k.family)
		ss.produce(k, ring, tail, h[:], res.Count)
	}
}

// produce writes a record's header at tail, before its payload of n
// bytes, and publishes both to the kernel.
func (ss *sockets) produce(k *sock, ring []byte, tail uint32, h []byte, n int) {
	w := ringIO{ring: ring, at: tail, n: len(h)}
	w.Write(h)
	atomic.StoreUint32(word(k.mem, rxTail), tail+uint32(len(h)+n))
	ss.tell(k)
}

// sendDgrams sends the send ring's datagrams until it is empty or the
// endpoint has no room. A datagram the stack refuses (no route, a bad
// address) is lost, as one lost on the network.
func (ss *sockets) sendDgrams(k *sock) {
	ring := k.mem[pageSize+rxSize : slotBytes]
	for {
		head := atomic.LoadUint32(word(k.mem, txHead))
		used := int(atomic.LoadUint32(word(k.mem, txTail)) - head)
		if used < dgramHeader || used > txSize {
			return
		}
		var h [dgramHeader]byte
		r := ringIO{ring: ring, at: head, n: dgramHeader}
		r.Read(h[:])
		n := int(binary.LittleEndian.Uint32(h[:]))
		if n > used-dgramHeader { // the kernel's records are whole
			k.fail(syscall.EIO)
			return
		}
		var opts tcpip.WriteOptions
		to, bad := parseSockaddr(h[4:], dgramHeader-4, k.family)
		if binary.LittleEndian.Uint16(h[4:]) != 0 {
			opts.To = &to
		}
		if bad == 0 || opts.To == nil {
			r = ringIO{ring: ring, at: head + dgramHeader, n: n}
			if _, err := k.ep.Write(&r, opts); err != nil {
				if _, ok := err.(*tcpip.ErrWouldBlock); ok {
					return // the endpoint's writable event brings us back
				}
			}
		}
		atomic.StoreUint32(word(k.mem, txHead), head+uint32(dgramHeader+n))
		ss.tell(k)
	}
}
