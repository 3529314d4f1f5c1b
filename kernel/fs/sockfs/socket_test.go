package sockfs

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/gobare/gobare/internal/kfstest"
	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/vfs"
)

// fresh empties the pool and gives it new pages.
func fresh(t *testing.T) *Socket {
	t.Helper()
	vfs.UsePages(&kfstest.Pages{Pointers: true})
	slots = vfs.Pool[slot]{Max: MaxSockets}
	news = [MaxSockets / 64]uint64{}
	Init(&kfstest.Pages{}, 0)
	Start()
	f, err := New(2, 1, vfs.Nonblock)
	if err != 0 {
		t.Fatal(err)
	}
	return f
}

// setWord plays the network service's part: it writes a header word.
func setWord(f *Socket, off int, v uint32) {
	binary.LittleEndian.PutUint32(pages.Page(f.s.frames[0])[off:], v)
}

// TestSocketStreams moves bytes both ways in uneven pieces, so both rings
// wrap inside a page and across pages, and checks every byte.
func TestSocketStreams(t *testing.T) {
	f := fresh(t)
	setWord(f, stateOff, Connected)
	var in, got, out, sent []byte
	next := byte(1)
	for round := 0; round < 40; round++ {
		chunk := make([]byte, 3000+round*977)
		for i := range chunk {
			chunk[i] = next
			next = next*31 + 7
		}
		n, ok := f.s.receive().put(chunk) // the service received them
		if !ok {
			t.Fatal("receive ring broken")
		}
		in = append(in, chunk[:n]...)
		buf := make([]byte, 2000+round*1313)
		k, err := f.Read(buf)
		if err != 0 {
			t.Fatalf("read: %v", err)
		}
		got = append(got, buf[:k]...)

		w, err := f.Write(chunk)
		if err != 0 && err != errno.EAGAIN {
			t.Fatalf("write: %v", err)
		}
		out = append(out, chunk[:w]...)
		k, ok = f.s.send().get(buf) // the service sends them
		if !ok {
			t.Fatal("send ring broken")
		}
		sent = append(sent, buf[:k]...)
	}
	if !bytes.Equal(got, in[:len(got)]) || !bytes.Equal(sent, out[:len(sent)]) {
		t.Fatal("bytes differ")
	}
	if len(got) < 4*RxSize || len(sent) < 10*TxSize {
		t.Fatalf("only %d and %d bytes moved", len(got), len(sent))
	}
}

// TestSocketStates checks the answers and readiness in each state the
// service can report, as Linux's for a TCP socket.
func TestSocketStates(t *testing.T) {
	f := fresh(t)
	buf := make([]byte, 10)
	if _, err := f.Read(buf); err != errno.ENOTCONN {
		t.Errorf("read before connecting: %v, want ENOTCONN", err)
	}
	if _, err := f.Write(buf); err != errno.ENOTCONN {
		t.Errorf("write before connecting: %v, want ENOTCONN", err)
	}
	setWord(f, stateOff, Connected)
	if ev := f.Events(); ev != vfs.EventOut {
		t.Errorf("connected: events %#x, want EPOLLOUT", ev)
	}
	if _, err := f.Read(buf); err != errno.EAGAIN {
		t.Errorf("read of nothing: %v, want EAGAIN", err)
	}
	setWord(f, stateOff, Connected|PeerClosed)
	if n, err := f.Read(buf); n != 0 || err != 0 {
		t.Errorf("read after the peer's end: %d, %v, want end of file", n, err)
	}
	if ev := f.Events(); ev&(vfs.EventIn|vfs.EventRdhup) != vfs.EventIn|vfs.EventRdhup {
		t.Errorf("peer closed: events %#x, want EPOLLIN|EPOLLRDHUP", ev)
	}
	setWord(f, errorOff, uint32(errno.ECONNRESET))
	setWord(f, stateOff, Failed)
	if _, err := f.Read(buf); err != errno.ECONNRESET {
		t.Errorf("read after a reset: %v, want ECONNRESET", err)
	}
	if ev := f.Events(); ev&vfs.EventErr == 0 {
		t.Errorf("failed: events %#x, want EPOLLERR", ev)
	}
	setWord(f, stateOff, Connected)
	f.Shut(ShutWrite)
	if _, err := f.Write(buf); err != errno.EPIPE {
		t.Errorf("write after shutdown: %v, want EPIPE", err)
	}
	setWord(f, stateOff, Listening|Acceptable)
	if ev := f.Events(); ev&vfs.EventIn == 0 {
		t.Errorf("a connection to accept: events %#x, want EPOLLIN", ev)
	}
}

// TestSocketDistrustsService: counters that claim more than a ring holds
// and an error that is no errno read as EIO, never past the ring.
func TestSocketDistrustsService(t *testing.T) {
	f := fresh(t)
	setWord(f, stateOff, Connected)
	setWord(f, rxTail, RxSize+1)
	if _, err := f.Read(make([]byte, 100)); err != errno.EIO {
		t.Errorf("read of a broken ring: %v, want EIO", err)
	}
	setWord(f, rxTail, 0)
	setWord(f, txHead, 5) // the service consumed bytes never sent
	if _, err := f.Write(make([]byte, 100)); err != errno.EIO {
		t.Errorf("write to a broken ring: %v, want EIO", err)
	}
	setWord(f, stateOff, Failed)
	setWord(f, errorOff, 999)
	if _, err := f.Read(nil); err != 0 {
		t.Errorf("empty read: %v", err)
	}
	if _, err := f.Read(make([]byte, 1)); err != errno.EIO {
		t.Errorf("an error that is no errno: %v, want EIO", err)
	}
}

// TestSocketNewsAndReuse: the program's writes and its close are news
// for the service, once each; a closed slot is reused only after the
// service says Gone.
func TestSocketNewsAndReuse(t *testing.T) {
	f := fresh(t)
	setWord(f, stateOff, Connected)
	f.Write([]byte("hi"))
	f.Write([]byte("ho"))
	if i, ok := TakeNews(); !ok || i != f.Index() {
		t.Fatalf("news: %d %v, want slot %d", i, ok, f.Index())
	}
	if _, ok := TakeNews(); ok {
		t.Fatal("news twice")
	}
	g, _ := New(2, 1, 0)
	if g.Index() != 1 {
		t.Fatalf("second socket in slot %d, want 1", g.Index())
	}
	f.s.asked = true // as after a request
	vfs.Put(f)
	if i, _ := TakeNews(); i != 0 || f.State()&Gone != 0 {
		t.Fatal("release is news")
	}
	h, _ := New(2, 1, 0)
	if h.Index() != 2 {
		t.Fatalf("slot reused before the service let it go: %d", h.Index())
	}
	setWord(f, stateOff, Gone)
	h, _ = New(10, 1, 0)
	if h.Index() != 0 || h.State() != 0 || h.Family != 10 {
		t.Fatalf("slot 0 not reused clean: slot %d state %#x", h.Index(), h.State())
	}
}

// FuzzSocket: any header words the service writes, and any sizes the
// program asks for, never read or write past a ring (no panic).
func FuzzSocket(f *testing.F) {
	f.Add(uint32(0), uint32(10), uint32(0), uint32(0), uint32(Connected), uint32(0), 100, 100)
	f.Add(uint32(1<<31), uint32(1<<31+RxSize), uint32(5), uint32(1), uint32(0xff), uint32(1<<20), 1<<16, 1)
	f.Fuzz(func(t *testing.T, rh, rt, th, tt, st, e uint32, rn, wn int) {
		s := fresh(t)
		for i, v := range []uint32{rh, rt, th, tt, st, e} {
			setWord(s, 4*i, v)
		}
		rn, wn = rn&0x1ffff, wn&0x1ffff
		if n, err := s.Read(make([]byte, rn)); n > rn || n > RxSize || err != 0 && n != 0 {
			t.Fatalf("read %d of %d, %v", n, rn, err)
		}
		if n, err := s.Write(make([]byte, wn)); n > wn || err != 0 && n != 0 {
			t.Fatalf("wrote %d of %d, %v", n, wn, err)
		}
		s.Events()
	})
}

// TestSocketAcceptedCloseReachesService: a connection the service moved
// into a slot (accept) tells the service of its close, and a refused one
// frees its slot at once.
func TestSocketAcceptedCloseReachesService(t *testing.T) {
	fresh(t)
	n, _ := New(2, 1, 0)
	Adopt(n)
	vfs.Put(n)
	if i, ok := TakeNews(); !ok || i != n.Index() || n.State()&Gone != 0 {
		t.Fatalf("close of an accepted socket: news %d %v, state %#x", i, ok, n.State())
	}
	m, _ := New(2, 1, 0)
	Discard(m)
	if _, ok := TakeNews(); ok || m.State()&Gone == 0 {
		t.Fatal("a discarded socket is news, or not free")
	}
}

// TestSocketName reads the names the service wrote in the header: none
// before it marks them (Named), the peer's not once the connection has
// failed (the service answers then), and a length out of bounds never.
func TestSocketName(t *testing.T) {
	f := fresh(t)
	local := []byte{2, 0, 0x1f, 0x90, 10, 0, 2, 15, 0, 0, 0, 0, 0, 0, 0, 0}
	peer := []byte{2, 0, 0x00, 0x50, 10, 0, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0}
	setWord(f, nameOff, uint32(len(local)))
	copy(pages.Page(f.s.frames[0])[nameOff+4:], local)
	setWord(f, nameOff+nameSize, uint32(len(peer)))
	copy(pages.Page(f.s.frames[0])[nameOff+nameSize+4:], peer)
	var a Reply
	setWord(f, stateOff, Connected)
	if f.Name(false, &a) || f.Name(true, &a) {
		t.Fatal("names read before the service marked them")
	}
	setWord(f, stateOff, Connected|Named)
	for _, c := range []struct {
		peer bool
		want []byte
	}{{false, local}, {true, peer}} {
		if !f.Name(c.peer, &a) || !bytes.Equal(a.Addr[:a.AddrLen], c.want) {
			t.Fatalf("name (peer %v): %x, want %x", c.peer, a.Addr[:a.AddrLen], c.want)
		}
	}
	setWord(f, stateOff, Connected|Named|Failed)
	if f.Name(true, &a) || !f.Name(false, &a) {
		t.Fatal("after a failure: the peer's name must come from the service, the local one from the header")
	}
	setWord(f, nameOff, AddrMax+1)
	if f.Name(false, &a) {
		t.Fatal("a name longer than AddrMax was read")
	}
}

// TestSocketWants checks who tells whom about room: a read tells the
// service only when it asked (rxWant) and half the ring is free, and a
// write or a poll that finds the send ring full asks the service to tell
// (txWant).
func TestSocketWants(t *testing.T) {
	f := fresh(t)
	setWord(f, stateOff, Connected)
	word := func(off int) uint32 { return binary.LittleEndian.Uint32(pages.Page(f.s.frames[0])[off:]) }
	f.s.receive().put(make([]byte, RxSize))
	buf := make([]byte, RxSize/2-2)
	if _, ok := TakeNews(); ok {
		t.Fatal("news before any read")
	}
	if n, err := f.Read(buf); n != len(buf) || err != 0 {
		t.Fatalf("read: %d, %v", n, err)
	}
	if _, ok := TakeNews(); ok {
		t.Fatal("a read told the service, which had not asked")
	}
	setWord(f, rxWant, 1)
	if f.Read(buf[:1]); word(rxWant) != 1 {
		t.Fatal("a read that left more than half the ring took the service's ask")
	}
	if _, ok := TakeNews(); ok {
		t.Fatal("a read that left more than half the ring told the service")
	}
	f.Read(buf[:1])
	if i, ok := TakeNews(); !ok || i != f.Index() || word(rxWant) != 0 {
		t.Fatalf("a read that freed half the ring the service asked for: news %v, rxWant %d", ok, word(rxWant))
	}
	if n, err := f.Write(make([]byte, TxSize)); n != TxSize || err != 0 {
		t.Fatalf("write: %d, %v", n, err)
	}
	TakeNews()
	if word(txWant) != 0 || f.Events()&vfs.EventOut != 0 || word(txWant) != 1 {
		t.Fatalf("a poll of a full ring: txWant %d", word(txWant))
	}
	setWord(f, txWant, 0)
	if n, err := f.Write(buf); n != 0 || err != errno.EAGAIN || word(txWant) != 1 {
		t.Fatalf("a write to a full ring: %d, %v, txWant %d", n, err, word(txWant))
	}
}
