package sockfs

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/vfs"
)

// freshDgram is fresh for a UDP socket.
func freshDgram(t *testing.T) *Socket {
	t.Helper()
	f := fresh(t)
	f.Type = Datagram
	return f
}

// record is a datagram record as the service writes one: payload from a
// source of family 2 and port.
func record(payload []byte, port uint16) []byte {
	r := make([]byte, DgramHeader+len(payload))
	binary.LittleEndian.PutUint32(r, uint32(len(payload)))
	binary.LittleEndian.PutUint16(r[4:], 2)
	binary.BigEndian.PutUint16(r[6:], port)
	copy(r[DgramHeader:], payload)
	return r
}

// TestDatagrams: each read takes one datagram, cut to the buffer; the
// source comes with it; an error record is reported once; writes are
// whole datagrams to the connected peer, EDESTADDRREQ without one,
// EMSGSIZE past the ring, EAGAIN while it lacks room.
func TestDatagrams(t *testing.T) {
	f := freshDgram(t)
	rx := f.s.receive()
	rx.put(record([]byte("first datagram"), 53))
	rx.put(record(nil, 54))
	e := make([]byte, DgramHeader)
	binary.LittleEndian.PutUint32(e, ErrorRecord|errno.ECONNRESET)
	rx.put(e)
	rx.put(record([]byte("last"), 55))
	if ev := f.Events(); ev != vfs.EventIn|vfs.EventOut {
		t.Errorf("events %#x, want EPOLLIN|EPOLLOUT", ev)
	}
	buf := make([]byte, 5)
	if n, err := f.Read(buf); n != 5 || err != 0 || string(buf) != "first" {
		t.Errorf("read = %d %q, %v; want the datagram cut to 5 bytes", n, buf[:n], err)
	}
	var addr [AddrMax]byte
	if n, alen, err := f.NextDgram(&addr, true); n != 0 || alen != 16 || err != 0 || binary.BigEndian.Uint16(addr[2:]) != 54 {
		t.Errorf("peek at the empty datagram: %d bytes, address %d bytes, port %d, %v", n, alen, binary.BigEndian.Uint16(addr[2:]), err)
	}
	if n, err := f.Read(buf); n != 0 || err != 0 {
		t.Errorf("read of the empty datagram = %d, %v", n, err)
	}
	if _, err := f.Read(buf); err != errno.ECONNRESET {
		t.Errorf("read of the error record: %v, want ECONNRESET", err)
	}
	if n, err := f.Read(buf); n != 4 || err != 0 || string(buf[:4]) != "last" {
		t.Errorf("read after the error = %d %q, %v", n, buf[:n], err)
	}
	if _, err := f.Read(buf); err != errno.EAGAIN {
		t.Errorf("read of nothing: %v, want EAGAIN", err)
	}

	if _, err := f.Write([]byte("x")); err != errno.EDESTADDRREQ {
		t.Errorf("write unconnected: %v, want EDESTADDRREQ", err)
	}
	setWord(f, stateOff, Connected)
	if n, err := f.Write([]byte("hello")); n != 5 || err != 0 {
		t.Errorf("write = %d, %v", n, err)
	}
	got := make([]byte, 100)
	n, _ := f.s.send().get(got)
	if want := append(make([]byte, 0, 64), 5, 0, 0, 0); n != DgramHeader+5 || !bytes.Equal(got[:4], want) || string(got[DgramHeader:n]) != "hello" {
		t.Errorf("the send ring holds % x", got[:n])
	}
	if err := f.DgramRoom(MaxDgram + 1); err != errno.EMSGSIZE {
		t.Errorf("room for %d bytes: %v, want EMSGSIZE", MaxDgram+1, err)
	}
	for i := 0; i < 3; i++ {
		if _, err := f.Write(make([]byte, 10000)); err != 0 {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	if f.Events()&vfs.EventOut != 0 {
		t.Errorf("a ring %d bytes full is writable", 3*(DgramHeader+10000))
	}
	if _, err := f.Write(make([]byte, 10000)); err != errno.EAGAIN {
		t.Errorf("write to a full ring: %v, want EAGAIN", err)
	}

	serviceGone()
	if _, err := f.Read(buf); err != errno.ENETDOWN {
		t.Errorf("read after the service ended: %v, want ENETDOWN", err)
	}
	if _, err := f.Write(buf); err != errno.ENETDOWN {
		t.Errorf("write after the service ended: %v, want ENETDOWN", err)
	}
	if ev := f.Events(); ev&vfs.EventErr == 0 {
		t.Errorf("events after the service ended: %#x, want EPOLLERR", ev)
	}
}

// FuzzDatagram: whatever records and counters the service writes, a
// read returns at most its buffer and never reads past the ring.
func FuzzDatagram(f *testing.F) {
	f.Add(uint32(0), uint32(40), []byte{4, 0, 0, 0, 2, 0}, 10)
	f.Add(uint32(5), uint32(5+DgramHeader), []byte{0xff, 0xff, 0, 0x80}, 1)
	f.Add(uint32(0), uint32(RxSize), []byte{0xff, 0x7f, 0, 0}, 1<<16)
	f.Fuzz(func(t *testing.T, head, tail uint32, rec []byte, bn int) {
		s := freshDgram(t)
		s.s.receive().copyIn(head, rec)
		setWord(s, rxHead, head)
		setWord(s, rxTail, tail)
		bn &= 0x1ffff
		if n, err := s.Read(make([]byte, bn)); n > bn || err != 0 && n != 0 {
			t.Fatalf("read %d of %d, %v", n, bn, err)
		}
		s.Events()
	})
}
