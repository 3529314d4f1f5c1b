//go:build unix

package mem

import (
	"fmt"
	"syscall"
	"testing"
	"unsafe"
)

// A host arena stands in for physical memory in these tests: an anonymous
// mapping outside the Go heap (so that the package's integer-to-pointer
// conversions are legal even under -race's checkptr), page-aligned by the
// operating system. Physical address p is arena byte p, so the allocator's
// Offset is the arena's address and frame numbers count from 0 as they do
// on the machine.
type arena struct {
	mem    []byte
	frames int
}

// newArena maps an arena of n frames; it is unmapped when tb ends.
func newArena(tb testing.TB, n int) *arena {
	tb.Helper()
	a, err := mapArena(n)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { syscall.Munmap(a.mem) })
	return a
}

// mapArena maps an arena of n frames.
func mapArena(n int) (*arena, error) {
	b, err := syscall.Mmap(-1, 0, n*PageSize, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		return nil, fmt.Errorf("mmap of a %d-frame arena: %v", n, err)
	}
	return &arena{mem: b, frames: n}, nil
}

// base is the host address of physical address 0.
func (a *arena) base() uintptr { return uintptr(unsafe.Pointer(&a.mem[0])) }

// top is the end of the arena's physical memory.
func (a *arena) top() uint64 { return uint64(a.frames) * PageSize }

// allocator returns a fresh allocator over the arena with every frame free.
func (a *arena) allocator(tb testing.TB) *FrameAllocator {
	tb.Helper()
	fa := new(FrameAllocator)
	if !fa.Init(make([]uint64, BitmapWords(a.top())), a.top(), a.base()) {
		tb.Fatal("Init refused a bitmap of BitmapWords(top) words")
	}
	fa.Release(0, a.top())
	if fa.Free() != a.frames {
		tb.Fatalf("after Release(0, top): %d free frames, want %d", fa.Free(), a.frames)
	}
	return fa
}

// phys returns the arena bytes of the frame at physical address p.
func (a *arena) frame(p uintptr) []byte { return a.mem[p : p+PageSize] }
