package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand"
	"net/netip"
	"sync"
	"testing"
	"time"

	"gvisor.dev/gvisor/pkg/buffer"
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/adapters/gonet"
	"gvisor.dev/gvisor/pkg/tcpip/checksum"
	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/link/channel"
	"gvisor.dev/gvisor/pkg/tcpip/link/ethernet"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
)

// Malformed frames: the service's stack, as newStack builds it, takes
// whatever the wire brings. A pair of stacks joined by a simulated wire
// (the service's at 10.0.2.15, a peer at 10.0.2.2) carries a TCP echo
// while random frames and mutated copies of the frames on the wire —
// some with their IPv4, TCP and UDP checksums made right again, so the
// stack parses past them — are thrown at the service's; afterwards a
// fresh connection must echo intact. FuzzFrames feeds the service's
// stack one frame at a time, seeded with the frames of a real exchange.

// pair is the two stacks and the wire between them.
type pair struct {
	svc, peer     *stack.Stack
	svcLink       *link // the service's: GRO over svcCh
	svcCh, peerCh *channel.Endpoint
	burst         [][]byte   // frames for the service, delivered together
	inMu          sync.Mutex // toSvc's
	mu            sync.Mutex
	junk          func(frame []byte) [][]byte // extra frames for the service, given each frame the peer sent
	seen          [][]byte                    // frames the peer sent, when recording
	record        bool
}

var (
	svcMAC  = tcpip.LinkAddress("\x52\x54\x00\x12\x34\x56")
	peerMAC = tcpip.LinkAddress("\x52\x55\x0a\x00\x02\x02")
)

// newPair starts two stacks on a wire, the service's echoing TCP on port 7.
func newPair(t testing.TB) *pair {
	p := &pair{svcLink: newLink(svcMAC), peerCh: channel.New(outQueue, maxFrame, peerMAC)}
	p.svcCh = p.svcLink.ch
	p.svc = newStack(p.svcLink, config{Addr: netip.MustParsePrefix("10.0.2.15/24"), Gateway: netip.MustParseAddr("10.0.2.2")})
	p.peer = newStack(ethernet.New(p.peerCh), config{Addr: netip.MustParsePrefix("10.0.2.2/24")})
	go p.carry(p.svcCh, p.peerCh, false)
	go p.carry(p.peerCh, p.svcCh, true)
	l, err := gonet.ListenTCP(p.svc, tcpip.FullAddress{Port: 7}, ipv4.ProtocolNumber)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				io.Copy(c, c)
				c.Close()
			}()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		p.svc.Close()
		p.peer.Close()
	})
	return p
}

// carry moves frames from one stack's link to the other's; toSvc: the
// service's side, where junk goes too, and the frames go in bursts, as
// link.go's receive reads them: all the peer has queued (at most
// groBatch), then GRO's segments up.
func (p *pair) carry(from, to *channel.Endpoint, toSvc bool) {
	for {
		pkt := from.ReadContext(context.Background())
		if pkt == nil {
			return
		}
		frame := bytes.Clone(pkt.ToView().AsSlice())
		pkt.DecRef()
		var extra [][]byte
		if toSvc {
			p.mu.Lock()
			if p.record {
				p.seen = append(p.seen, frame)
			}
			if p.junk != nil {
				extra = p.junk(frame)
			}
			p.mu.Unlock()
		}
		if !toSvc {
			inject(to, frame)
			continue
		}
		p.burst = append(append(p.burst, extra...), frame)
		if from.NumQueued() == 0 || len(p.burst) >= groBatch {
			p.toSvc(p.burst...)
			p.burst = p.burst[:0]
		}
	}
}

// toSvc hands frames to the service's link as one burst. One goroutine
// at a time: GRO is the receive goroutine's alone in the service.
func (p *pair) toSvc(frames ...[]byte) {
	p.inMu.Lock()
	defer p.inMu.Unlock()
	for _, f := range frames {
		p.svcLink.deliver(buffer.NewViewWithData(bytes.Clone(f)))
	}
	p.svcLink.flush()
}

// inject hands frame to the stack above ch, as link.go's receive does.
func inject(ch *channel.Endpoint, frame []byte) {
	pkt := stack.NewPacketBuffer(stack.PacketBufferOptions{Payload: buffer.MakeWithData(bytes.Clone(frame))})
	ch.InjectInbound(0, pkt)
	pkt.DecRef()
}

// echo sends n bytes through the service's echo server from the peer and
// checks them.
func (p *pair) echo(n int) error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := gonet.DialContextTCP(ctx, p.peer, tcpip.FullAddress{Addr: tcpip.AddrFrom4([4]byte{10, 0, 2, 15}), Port: 7}, ipv4.ProtocolNumber)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	msg := make([]byte, n)
	rand.New(rand.NewSource(int64(n))).Read(msg)
	go func() {
		c.Write(msg)
		c.CloseWrite()
	}()
	got, err := io.ReadAll(c)
	if err != nil {
		return err
	}
	if !bytes.Equal(got, msg) {
		return fmt.Errorf("%d bytes back of %d, or different ones", len(got), len(msg))
	}
	return nil
}

// mutate returns a copy of frame with a few bytes changed; fix makes the
// IPv4 header's and its TCP or UDP checksums right again.
func mutate(r *rand.Rand, frame []byte, fix bool) []byte {
	m := bytes.Clone(frame)
	for k := r.Intn(4) + 1; k > 0 && len(m) > 0; k-- {
		m[r.Intn(len(m))] ^= byte(r.Intn(255) + 1)
	}
	if r.Intn(8) == 0 {
		m = m[:r.Intn(len(m)+1)] // cut short
	}
	if fix {
		fixChecksums(m)
	}
	return m
}

// fixChecksums recomputes an IPv4 frame's header checksum and its TCP or
// UDP checksum, where the lengths allow.
func fixChecksums(frame []byte) {
	if len(frame) < header.EthernetMinimumSize+header.IPv4MinimumSize || binary.BigEndian.Uint16(frame[12:]) != uint16(header.IPv4ProtocolNumber) {
		return
	}
	ip := header.IPv4(frame[header.EthernetMinimumSize:])
	hl, tl := int(ip.HeaderLength()), int(ip.TotalLength())
	if hl < header.IPv4MinimumSize || hl > tl || tl > len(ip) {
		return
	}
	ip.SetChecksum(0)
	ip.SetChecksum(^ip.CalculateChecksum())
	seg := ip[hl:tl]
	at := map[tcpip.TransportProtocolNumber]int{header.TCPProtocolNumber: 16, header.UDPProtocolNumber: 6}
	off, ok := at[ip.TransportProtocol()]
	if !ok || len(seg) < off+2 {
		return
	}
	binary.BigEndian.PutUint16(seg[off:], 0)
	sum := header.PseudoHeaderChecksum(ip.TransportProtocol(), ip.SourceAddress(), ip.DestinationAddress(), uint16(len(seg)))
	binary.BigEndian.PutUint16(seg[off:], ^checksum.Checksum(seg, sum))
}

// TestStackTakesGarbage: thousands of bad frames amid a live exchange; the
// service's stack must come through and echo a fresh connection intact.
func TestStackTakesGarbage(t *testing.T) {
	p := newPair(t)
	if err := p.echo(64 << 10); err != nil {
		t.Fatalf("before any junk: %v", err)
	}
	r := rand.New(rand.NewSource(1))
	sent := 0
	p.mu.Lock()
	p.junk = func(frame []byte) [][]byte {
		var out [][]byte
		for k := 0; k < 4; k++ {
			switch r.Intn(3) {
			case 0:
				j := make([]byte, r.Intn(maxFrame+1))
				r.Read(j)
				out = append(out, j)
			case 1:
				out = append(out, mutate(r, frame, false))
			default:
				out = append(out, mutate(r, frame, true))
			}
		}
		sent += len(out)
		return out
	}
	p.mu.Unlock()
	// Echoes under fire may fail: a mutated segment whose checksums were
	// made right (or, rarely, still add up: the Internet checksum misses
	// some changes) is data to the stack, and can reset the connection
	// or change its bytes. What matters is what follows.
	failed, echoes, n := 0, 0, 0
	for end := time.Now().Add(2 * time.Minute); n < 10000 && time.Now().Before(end); echoes++ {
		if err := p.echo(32 << 10); err != nil {
			failed++
		}
		p.mu.Lock()
		n = sent
		p.mu.Unlock()
	}
	p.mu.Lock()
	p.junk = nil
	p.mu.Unlock()
	if n < 10000 {
		t.Fatalf("only %d junk frames went in", n)
	}
	if err := p.echo(256 << 10); err != nil {
		t.Fatalf("after %d junk frames: %v", n, err)
	}
	t.Logf("%d junk frames; %d of %d echoes under fire failed; a fresh echo after them is intact", n, failed, echoes)
}

// FuzzFrames feeds the service's stack single frames.
func FuzzFrames(f *testing.F) {
	p := newPair(f)
	p.mu.Lock()
	p.record = true
	p.mu.Unlock()
	if err := p.echo(3000); err != nil {
		f.Fatal(err)
	}
	p.mu.Lock()
	p.record = false
	for _, frame := range p.seen { // ARP, the handshake, data, FIN, ...
		f.Add(frame)
	}
	p.mu.Unlock()
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, frame []byte) {
		p.toSvc(frame)
	})
}
