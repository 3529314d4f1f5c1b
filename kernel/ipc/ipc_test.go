package ipc

import (
	"github.com/gobare/gobare/internal/kfstest"
	"testing"

	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/fs/pipefs"
	"github.com/gobare/gobare/kernel/vfs"
)

func event(events uint32, data uint64) *[EventSize]byte {
	var b [EventSize]byte
	putLE32(b[:], events)
	putLE64(b[4:], data)
	return &b
}

func TestEventfd(t *testing.T) {
	f, _ := NewEventfd(0, 0)
	defer vfs.Put(f)
	var b [8]byte
	if _, err := f.Read(b[:]); err != errno.EAGAIN {
		t.Fatalf("read at 0 = %v, want EAGAIN", err)
	}
	putLE64(b[:], 3)
	f.Write(b[:])
	f.Write(b[:])
	if n, err := f.Read(b[:]); n != 8 || err != 0 || le64(b[:]) != 6 {
		t.Fatalf("read = %d, %v, value %d; want 6", n, err, le64(b[:]))
	}
	putLE64(b[:], ^uint64(0))
	if _, err := f.Write(b[:]); err != errno.EINVAL {
		t.Errorf("write of 2^64-1 = %v", err)
	}
}

func TestEpollLevelAndEdge(t *testing.T) {
	ep, _ := NewEpoll()
	e := AsEpoll(ep)
	pipefs.Init(&kfstest.Pages{})
	r, w, _ := pipefs.New(vfs.Nonblock)
	if err := e.Ctl(EpollCtlAdd, 3, r, event(vfs.EventIn, 7)); err != 0 {
		t.Fatal(err)
	}
	if err := e.Ctl(EpollCtlAdd, 3, r, event(vfs.EventIn, 7)); err != errno.EEXIST {
		t.Errorf("adding twice = %v", err)
	}
	out := make([]byte, 4*EventSize)
	if n := e.Collect(out); n != 0 {
		t.Fatalf("%d events on an empty pipe", n)
	}
	w.Write([]byte("x"))
	for i := 0; i < 2; i++ { // level-triggered: reported while readable
		if n := e.Collect(out); n != 1 || le32(out) != vfs.EventIn || le64(out[4:]) != 7 {
			t.Fatalf("round %d: %d events, first %#x data %d", i, n, le32(out), le64(out[4:]))
		}
	}
	e.Ctl(EpollCtlMod, 3, r, event(vfs.EventIn|EpollET, 7))
	if n := e.Collect(out); n != 1 {
		t.Fatalf("edge-triggered after modify: %d events, want 1", n)
	}
	if n := e.Collect(out); n != 0 {
		t.Fatalf("edge-triggered with no change: %d events, want 0", n)
	}
	w.Write([]byte("y"))
	if n := e.Collect(out); n != 1 {
		t.Fatalf("edge-triggered after a write: %d events, want 1", n)
	}
	// A closed file's interest goes away.
	vfs.Put(r)
	vfs.Put(w)
	if n := e.Collect(out); n != 0 || e.ninterests != 0 {
		t.Fatalf("after close: %d events, %d interests", n, e.ninterests)
	}
}

// Regular files and directories cannot be watched (EPERM, as Linux).
func TestEpollRefusesFiles(t *testing.T) {
	ep, _ := NewEpoll()
	var plain struct{ vfs.Base }
	plain.Base.Open(vfs.ReadOnly)
	if err := AsEpoll(ep).Ctl(EpollCtlAdd, 4, &plain, event(vfs.EventIn, 0)); err != errno.EPERM {
		t.Fatalf("epoll_ctl on a plain file = %v, want EPERM", err)
	}
}

// The kernel's pools of open files take their pages from Go memory
// the GC scans.
func init() { vfs.UsePages(&kfstest.Pages{Pointers: true}) }
