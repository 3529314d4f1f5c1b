package unixsock

import (
	"bytes"
	"testing"

	"github.com/gobare/gobare/internal/kfstest"
	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/fs/pipefs"
	"github.com/gobare/gobare/kernel/vfs"
)

func setup(t *testing.T) {
	t.Helper()
	vfs.UsePages(&kfstest.Pages{Pointers: true})
	pipefs.Init(&kfstest.Pages{})
	sockets = vfs.Pool[Socket]{}
}

func name(t *testing.T, key string) Name {
	t.Helper()
	addr := append([]byte{1, 0}, key...)
	n, err := MakeName(addr, []byte(key))
	if err != 0 {
		t.Fatal(err)
	}
	return n
}

// TestStreamPair sends bytes both ways through a socketpair, fills the
// peer's buffer (EAGAIN), and sees end of file and EPIPE once one end
// closes.
func TestStreamPair(t *testing.T) {
	setup(t)
	a, b, err := Pair(Stream, vfs.Nonblock)
	if err != 0 {
		t.Fatal(err)
	}
	if n, err := a.Write([]byte("hello")); n != 5 || err != 0 {
		t.Fatalf("write: %d %v", n, err)
	}
	buf := make([]byte, 16)
	if n, err := b.Read(buf); string(buf[:n]) != "hello" || err != 0 {
		t.Fatalf("read: %q %v", buf[:n], err)
	}
	if _, err := b.Read(buf); err != errno.EAGAIN {
		t.Fatalf("read of nothing: %v, want EAGAIN", err)
	}
	big := make([]byte, pipefs.Size+100)
	if n, _ := b.Write(big); n != pipefs.Size {
		t.Fatalf("write of more than fits: %d", n)
	}
	if a.Events()&vfs.EventIn == 0 || b.Events()&vfs.EventOut != 0 {
		t.Fatalf("events: a %#x b %#x", a.Events(), b.Events())
	}
	if _, err := b.Write(big); err != errno.EAGAIN {
		t.Fatalf("write when full: %v, want EAGAIN", err)
	}
	vfs.Put(b)
	total := 0
	for {
		n, err := a.Read(big)
		if err != 0 {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		total += n
	}
	if total != pipefs.Size {
		t.Fatalf("read %d bytes after the close, want %d", total, pipefs.Size)
	}
	if _, err := a.Write(buf); err != errno.EPIPE {
		t.Fatalf("write to a closed peer: %v, want EPIPE", err)
	}
	if a.Events()&vfs.EventHup == 0 {
		t.Fatalf("events after the close: %#x, want EPOLLHUP", a.Events())
	}
}

// TestListenConnectAccept connects through a named listener: the queue
// holds backlog connections, accept takes them in order, and closing the
// listener drops the rest (their clients read end of file).
func TestListenConnectAccept(t *testing.T) {
	setup(t)
	l, _ := New(Stream, vfs.Nonblock)
	if err := l.Listen(1); err != errno.EINVAL {
		t.Fatalf("listen unbound: %v, want EINVAL", err)
	}
	if err := l.Bind(name(t, "/tmp/s"), true); err != 0 {
		t.Fatal(err)
	}
	if err := l.Listen(2); err != 0 {
		t.Fatal(err)
	}
	if Find([]byte("/tmp/s")) != l {
		t.Fatal("Find does not find the listener")
	}
	c := make([]*Socket, 3)
	for i := range c {
		c[i], _ = New(Stream, 0)
	}
	for i := 0; i < 2; i++ {
		if err := c[i].Connect(l); err != 0 {
			t.Fatalf("connect %d: %v", i, err)
		}
	}
	if err := c[2].Connect(l); err != errno.EAGAIN {
		t.Fatalf("connect past the backlog: %v, want EAGAIN", err)
	}
	if l.Events()&vfs.EventIn == 0 {
		t.Fatal("listener not readable with connections waiting")
	}
	s, err := l.Accept(0)
	if err != 0 || s.Peer() != c[0] {
		t.Fatalf("accept: %v, peer %p want %p", err, s.Peer(), c[0])
	}
	if string(s.Name().Addr()[2:]) != "/tmp/s" {
		t.Fatalf("accepted socket's name %q", s.Name().Addr())
	}
	c[0].Write([]byte("x"))
	b := make([]byte, 4)
	if n, _ := s.Read(b); n != 1 || b[0] != 'x' {
		t.Fatalf("read %d %q", n, b[:n])
	}
	vfs.Put(l) // c[1]'s server end was never accepted
	if n, err := c[1].Read(b); n != 0 || err != 0 {
		t.Fatalf("read after the listener closed: %d %v, want end of file", n, err)
	}
	if Find([]byte("/tmp/s")) != nil {
		t.Fatal("a closed listener is still found")
	}
	if err := c[2].Connect(s); err != errno.ECONNREFUSED {
		t.Fatalf("connect to a socket that does not listen: %v", err)
	}
}

// TestDatagrams sends datagrams between named sockets: each keeps its
// boundaries and its sender, a cut message loses its rest, a full buffer
// says EAGAIN, and a connected destination that closes refuses once.
func TestDatagrams(t *testing.T) {
	setup(t)
	a, _ := New(Dgram, 0)
	b, _ := New(Dgram, 0)
	a.Bind(name(t, "\x00a"), false)
	b.Bind(name(t, "\x00b"), false)
	for _, m := range []string{"one", "three"} {
		if err := a.Send(b, len(m)); err != 0 {
			t.Fatal(err)
		}
		a.SendPart(0, []byte(m))
		a.SendEnd(len(m))
	}
	var from [AddrMax]byte
	p := make([]byte, 4)
	n, addr, err := b.Recv(p, &from)
	if err != 0 || string(p[:n]) != "one" || string(addr) != "\x01\x00\x00a" {
		t.Fatalf("recv: %q from %q, %v", p[:n], addr, err)
	}
	if n, _, _ := b.Recv(p, nil); string(p[:n]) != "thre" {
		t.Fatalf("cut recv: %q", p[:n])
	}
	if _, _, err := b.Recv(p, nil); err != errno.EAGAIN {
		t.Fatalf("recv of nothing: %v", err)
	}
	if err := a.Send(b, pipefs.Size); err != errno.EMSGSIZE {
		t.Fatalf("send of more than a buffer: %v", err)
	}
	for err := errno.Errno(0); err == 0; {
		if err = a.Send(b, 1000); err == 0 {
			a.SendEnd(1000)
		} else if err != errno.EAGAIN {
			t.Fatal(err)
		}
	}
	if err := a.Connect(b); err != 0 {
		t.Fatal(err)
	}
	vfs.Put(b)
	if err := a.Send(nil, 1); err != errno.ECONNREFUSED {
		t.Fatalf("send to a closed destination: %v", err)
	}
	if err := a.Send(nil, 1); err != errno.ENOTCONN {
		t.Fatalf("send after the refusal: %v", err)
	}
}

// TestSeqpacket sends a message longer than one piece in pieces and reads
// it whole, then sees end of file after the peer shuts its way.
func TestSeqpacket(t *testing.T) {
	setup(t)
	a, b, _ := Pair(Seqpacket, 0)
	msg := bytes.Repeat([]byte("0123456789"), 1000)
	if err := a.Send(nil, len(msg)); err != 0 {
		t.Fatal(err)
	}
	for off := 0; off < len(msg); off += 4096 {
		a.SendPart(off, msg[off:min(off+4096, len(msg))])
	}
	a.SendEnd(len(msg))
	a.Write([]byte("next"))
	size, ok, err := b.Next()
	if !ok || err != 0 || size != len(msg) {
		t.Fatalf("next: %d %v %v", size, ok, err)
	}
	got := make([]byte, size)
	b.PeekMsg(0, got)
	b.Drop()
	if !bytes.Equal(got, msg) {
		t.Fatal("the long message changed")
	}
	p := make([]byte, 10)
	if n, _ := b.Read(p); string(p[:n]) != "next" {
		t.Fatalf("read %q", p[:n])
	}
	a.Shut(false, true)
	if n, err := b.Read(p); n != 0 || err != 0 {
		t.Fatalf("read after SHUT_WR: %d %v", n, err)
	}
	if _, err := a.Write(p); err != errno.EPIPE {
		t.Fatalf("write after SHUT_WR: %v", err)
	}
}

// TestAutobindAndNames: autobind gives distinct abstract names; a name in
// use is EADDRINUSE; a bound socket cannot bind again.
func TestAutobindAndNames(t *testing.T) {
	setup(t)
	a, _ := New(Dgram, 0)
	b, _ := New(Dgram, 0)
	if a.Autobind() != 0 || b.Autobind() != 0 {
		t.Fatal("autobind failed")
	}
	if string(a.Name().Addr()) == string(b.Name().Addr()) || len(a.Name().Addr()) != 8 {
		t.Fatalf("autobind names %q %q", a.Name().Addr(), b.Name().Addr())
	}
	if err := a.Bind(name(t, "\x00x"), false); err != errno.EINVAL {
		t.Fatalf("bind of a bound socket: %v", err)
	}
	c, _ := New(Dgram, 0)
	key := string(a.Name().Addr()[2:])
	if err := c.Bind(name(t, key), false); err != errno.EADDRINUSE {
		t.Fatalf("bind of a name in use: %v", err)
	}
	if _, err := MakeName(nil, make([]byte, KeyMax+1)); err != errno.ENAMETOOLONG {
		t.Fatalf("a long key: %v", err)
	}
}
