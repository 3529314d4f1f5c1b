package pipefs

import (
	"bytes"
	"testing"

	"github.com/gobare/gobare/internal/kfstest"
	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/vfs"
)

// TestPipeRing fills and drains a pipe in uneven pieces, so the ring wraps
// around inside a page and across pages, and checks every byte.
func TestPipeRing(t *testing.T) {
	pg := &kfstest.Pages{}
	Init(pg)
	r, w, err := New(vfs.Nonblock)
	if err != 0 {
		t.Fatal(err)
	}
	var sent, got []byte
	next := byte(0)
	for round := 0; round < 40; round++ {
		chunk := make([]byte, 5000+round*977)
		for i := range chunk {
			chunk[i] = next
			next = next*31 + 7
		}
		n, err := w.Write(chunk)
		if err != 0 && err != errno.EAGAIN {
			t.Fatalf("write: %v", err)
		}
		sent = append(sent, chunk[:n]...)
		buf := make([]byte, 3000+round*1313)
		k, err := r.Read(buf)
		if err != 0 {
			t.Fatalf("read: %v", err)
		}
		got = append(got, buf[:k]...)
	}
	for {
		buf := make([]byte, 7000)
		k, err := r.Read(buf)
		if err == errno.EAGAIN {
			break
		}
		got = append(got, buf[:k]...)
	}
	if !bytes.Equal(sent, got) {
		t.Fatalf("read %d bytes back of %d written, or not the same ones", len(got), len(sent))
	}
	full := make([]byte, Size+1)
	w.Write(full[:Size-1])
	if n, err := w.Write(full); n != 1 || err != 0 {
		t.Errorf("write to a pipe one byte short of full: %d, %v", n, err)
	}
	if n, err := w.Write(full); n != 0 || err != errno.EAGAIN {
		t.Errorf("write to a full pipe: %d, %v; want EAGAIN", n, err)
	}
	if pg.InUse != Size/PageSize {
		t.Errorf("one pipe holds %d pages, want %d", pg.InUse, Size/PageSize)
	}
	vfs.Put(r)
	vfs.Put(w)
}

// TestPipeNoMemory: without pages for its buffer, pipe says ENOMEM and
// keeps none of the pages it got.
func TestPipeNoMemory(t *testing.T) {
	pipes.Drop()
	pg := &kfstest.Pages{Limit: Size/PageSize - 1}
	Init(pg)
	if _, _, err := New(0); err != errno.ENOMEM || pg.InUse != 0 {
		t.Errorf("New with %d pages left: %v, %d pages kept; want ENOMEM, 0", pg.Limit, err, pg.InUse)
	}
}

// The kernel's pools of open files take their pages from Go memory
// the GC scans.
func init() { vfs.UsePages(&kfstest.Pages{Pointers: true}) }
