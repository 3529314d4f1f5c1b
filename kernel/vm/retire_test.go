//go:build unix

package vm

import (
	"testing"

	"github.com/gobare/gobare/kernel/percpu"
)

// severalCPUs makes ts behave as on a machine with other CPUs: flush
// marks the TLBs stale as the kernel's flushPage does, and the shootdown
// is a recorder that counts the free frames at the moment it runs.
// It returns the recorder's list.
func severalCPUs(t *testing.T, ts *testSpace) *[]int {
	online, down := percpu.Online, shootdown
	t.Cleanup(func() { percpu.Online, shootdown, TLBStale = online, down, false })
	percpu.Online = 2
	ts.flush = func(a uintptr) { ts.flushed[a]++; TLBStale = true }
	var freeAt []int
	shootdown = func() { freeAt = append(freeAt, ts.frames.Free()) }
	return &freeAt
}

// TestUnmapFreesAfterShootdown is munmap on a machine with other CPUs:
// the unmapped pages' frames go back to the allocator only after the
// shootdown that drops the other CPUs' TLB entries for them, so nothing
// the rest of the kernel entry allocates can be one of them.
func TestUnmapFreesAfterShootdown(t *testing.T) {
	ts := newSpace(t, 64)
	freeAt := severalCPUs(t, ts)
	ts.Add(base, base+3*pg, ProtRead|ProtWrite)
	var unmapped [3]uintptr
	for i := range unmapped {
		ts.write(t, base+uintptr(i)*pg, uint64(i+1))
		unmapped[i], _ = ts.frameOf(base + uintptr(i)*pg)
	}
	free := ts.frames.Free()
	if !ts.Remove(base, base+3*pg) {
		t.Fatal("Remove failed")
	}
	if got := ts.frames.Free(); got != free {
		t.Errorf("Remove gave %d frames back before the shootdown, want 0", got-free)
	}
	for ts.frames.Free() > 0 { // the entry goes on allocating: never an unmapped frame
		f, _ := ts.frames.Alloc()
		for _, u := range unmapped {
			if f == u {
				t.Fatalf("frame %#x, unmapped in this entry, handed out before the shootdown", f)
			}
		}
	}
	Settle()
	if len(*freeAt) != 1 || (*freeAt)[0] != 0 {
		t.Errorf("shootdowns saw free frames %v, want one shootdown before any frame went back", *freeAt)
	}
	if got := ts.frames.Free(); got != 3 {
		t.Errorf("Settle gave back %d frames, want 3", got)
	}
	if TLBStale {
		t.Error("TLBStale still set after Settle")
	}
}

// TestUnmapManyPagesSettlesInBatches unmaps more pages than one entry
// keeps waiting: every retireMax frames a shootdown goes first, and after
// Settle every frame is back.
func TestUnmapManyPagesSettlesInBatches(t *testing.T) {
	const pages = retireMax + 10
	ts := newSpace(t, pages+64)
	freeAt := severalCPUs(t, ts)
	ts.Add(base, base+pages*pg, ProtRead|ProtWrite)
	for i := uintptr(0); i < pages; i++ {
		ts.write(t, base+i*pg, uint64(i))
	}
	free := ts.frames.Free()
	ts.Remove(base, base+pages*pg)
	if len(*freeAt) != 1 || (*freeAt)[0] != free {
		t.Errorf("shootdowns during Remove saw free frames %v, want one with %d (before the first batch went back)", *freeAt, free)
	}
	Settle()
	if len(*freeAt) != 2 {
		t.Errorf("%d shootdowns, want 2", len(*freeAt))
	}
	if got := ts.frames.Free(); got != free+pages {
		t.Errorf("%d frames back, want %d", got-free, pages)
	}
	ts.wantNoLeak(t, base, base+pages*pg)
}
