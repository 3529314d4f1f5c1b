package main

import (
	"time"

	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
)

// Closing a socket lingers, as Linux's close(2) does without SO_LINGER:
// the program's close returns at once, and the stack goes on sending what
// was queued, then the FIN. The slot is given back (Gone) only once the
// peer has acknowledged the FIN — everything the program wrote has
// arrived — or the connection is lost, or lingerMax has passed. The
// kernel waits for that when the program exits (kernel/linux/linger.go),
// so bytes written just before exit reach the peer. gVisor tells nothing
// when a FIN is acknowledged, so the closed endpoints are looked at every
// lingerPoll.

const (
	lingerPoll = 10 * time.Millisecond
	lingerMax  = 30 * time.Second
)

// close closes k's endpoint (its send ring is empty and its FIN queued,
// or the connection is gone) and keeps its slot until linger gives it
// back. It says so to the kernel, whose wait at the program's exit goes
// on while the service reports work on closed sockets.
func (ss *sockets) close(k *sock) {
	k.wq.EventUnregister(&k.entry)
	k.ep.Close()
	ss.tell(k)
	ss.socks[k.slot] = nil
	k.closedAt = time.Now()
	ss.closed = append(ss.closed, k)
	ss.linger()
}

// linger gives back the slots of closed endpoints that are done.
func (ss *sockets) linger() {
	kept := ss.closed[:0]
	for _, k := range ss.closed {
		switch tcp.EndpointState(k.ep.State()) {
		case tcp.StateEstablished, tcp.StateFinWait1, tcp.StateClosing, tcp.StateCloseWait, tcp.StateLastAck, tcp.StateSynSent, tcp.StateSynRecv:
			if time.Since(k.closedAt) < lingerMax {
				kept = append(kept, k) // bytes or the FIN not yet acknowledged
				continue
			}
		}
		k.setState(stGone)
		ss.tell(k)
	}
	clear(ss.closed[len(kept):])
	ss.closed = kept
}
