package vfs_test

import (
	"testing"

	"github.com/gobare/gobare/internal/kfstest"
	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/vfs"
)

// slot is a pool slot the size of an fd table's (24 bytes: 170 a page).
type slot struct {
	vfs.Base
}

// usePages gives the pools a fresh page source for one test.
func usePages(t *testing.T, limit int) *kfstest.Pages {
	pg := &kfstest.Pages{Limit: limit, Pointers: true}
	vfs.UsePages(pg)
	t.Cleanup(func() { vfs.UsePages(&kfstest.Pages{Pointers: true}) })
	return pg
}

// TestPoolGrows: a pool takes a directory page and then one page per
// page of slots, only when a slot past its length is asked for; slots
// keep their addresses; ENFILE at Max, ENOMEM without pages; Drop gives
// every page back.
func TestPoolGrows(t *testing.T) {
	pg := usePages(t, 3) // the directory and two pages of slots
	var p vfs.Pool[slot]
	if p.Len() != 0 || pg.InUse != 0 {
		t.Fatalf("empty pool: %d slots, %d pages", p.Len(), pg.InUse)
	}
	first, err := p.Slot(0)
	if err != 0 || pg.InUse != 2 {
		t.Fatalf("slot 0: %v, %d pages in use; want 2 (directory and slots)", err, pg.InUse)
	}
	per := p.Len()
	if _, err := p.Slot(per); err != 0 || pg.InUse != 3 || p.Len() != 2*per {
		t.Fatalf("slot %d: %v, %d pages, %d slots", per, err, pg.InUse, p.Len())
	}
	if p.At(0) != first {
		t.Errorf("slot 0 moved when the pool grew")
	}
	if _, err := p.Slot(2 * per); err != errno.ENOMEM {
		t.Errorf("slot past the pages there are: %v, want ENOMEM", err)
	}
	p.Drop()
	if pg.InUse != 0 || p.Len() != 0 {
		t.Errorf("after Drop: %d pages in use, %d slots", pg.InUse, p.Len())
	}
	q := vfs.Pool[slot]{Max: 5}
	if _, err := q.Slot(5); err != errno.ENFILE || q.Cap() != 5 {
		t.Errorf("slot 5 of 5: %v (cap %d), want ENFILE", err, q.Cap())
	}
}

// TestTakeFree: TakeFree hands out the first free slot, grows the pool
// when all are taken and reuses a slot once it is free again.
func TestTakeFree(t *testing.T) {
	usePages(t, 0)
	p := vfs.Pool[slot]{Max: 300}
	for i := 0; i < 300; i++ {
		s, err := vfs.TakeFree(&p)
		if err != 0 || s != p.At(i) {
			t.Fatalf("take %d: %v, slot %p want %p", i, err, s, p.At(i))
		}
		s.Open(vfs.ReadOnly)
	}
	if _, err := vfs.TakeFree(&p); err != errno.ENFILE {
		t.Fatalf("full pool: %v, want ENFILE", err)
	}
	vfs.Put(p.At(123))
	if s, _ := vfs.TakeFree(&p); s != p.At(123) {
		t.Errorf("a released slot is not reused")
	}
}

// TestDescriptorLimits: the table holds SoftFDs descriptors at first and
// MaxFDs with the limit raised, EMFILE past it (the file's reference is
// dropped); a lowered limit refuses new descriptors and dup2 past it
// (EBADF) but keeps those open; without pages, ENOMEM.
func TestDescriptorLimits(t *testing.T) {
	usePages(t, 0)
	var fds vfs.FDTable
	open := func() (*slot, int, errno.Errno) {
		f := new(slot)
		f.Open(vfs.ReadOnly)
		fd, err := fds.Install(f, 0, false)
		return f, fd, err
	}
	if fds.Limit() != vfs.SoftFDs {
		t.Fatalf("limit %d, want %d", fds.Limit(), vfs.SoftFDs)
	}
	fds.SetLimit(vfs.MaxFDs + 100)
	for i := 0; i < vfs.MaxFDs; i++ {
		if _, fd, err := open(); fd != i || err != 0 {
			t.Fatalf("descriptor %d: %d, %v", i, fd, err)
		}
	}
	f, _, err := open()
	if err != errno.EMFILE || !f.Free() {
		t.Fatalf("past %d: %v (reference dropped: %v), want EMFILE", vfs.MaxFDs, err, f.Free())
	}
	fds.Close(100)
	if _, fd, _ := open(); fd != 100 {
		t.Errorf("after closing 100 the next descriptor is %d", fd)
	}
	fds.SetLimit(50)
	if _, _, err := open(); err != errno.EMFILE {
		t.Errorf("under a lowered limit: %v, want EMFILE", err)
	}
	if _, err := fds.Dup(0, 60, 0, false); err != errno.EBADF {
		t.Errorf("dup2 past the limit: %v, want EBADF", err)
	}
	if fds.Get(4000) == nil {
		t.Errorf("descriptor 4000 closed when the limit was lowered")
	}
	fds.CloseAll()
	if fds.Get(0) != nil || fds.Len() != 0 {
		t.Errorf("CloseAll left descriptors")
	}

	usePages(t, 1) // the directory, no page for slots
	var small vfs.FDTable
	g := new(slot)
	g.Open(vfs.ReadOnly)
	if _, err := small.Install(g, 0, false); err != errno.ENOMEM || !g.Free() {
		t.Errorf("no page for a slot: %v, want ENOMEM", err)
	}
}

// The kernel's pools of open files take their pages from Go memory
// the GC scans.
func init() { vfs.UsePages(&kfstest.Pages{Pointers: true}) }
