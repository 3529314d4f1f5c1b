//go:build unix

package mem

import (
	"testing"
)

func TestBitmapWords(t *testing.T) {
	for _, tc := range []struct{ top, want uint64 }{
		{0, 0},
		{1, 1},
		{PageSize, 1},
		{64 * PageSize, 1},
		{64*PageSize + 1, 2},
		{65 * PageSize, 2},
		{MaxRAM, MaxRAM / PageSize / 64},
	} {
		if got := BitmapWords(tc.top); got != tc.want {
			t.Errorf("BitmapWords(%#x) = %d, want %d", tc.top, got, tc.want)
		}
	}
}

func TestFrameAllocatorInit(t *testing.T) {
	a := newArena(t, 200)
	var fa FrameAllocator
	if fa.Init(make([]uint64, BitmapWords(a.top())-1), a.top(), a.base()) {
		t.Error("Init accepted a bitmap one word too small")
	}
	if !fa.Init(make([]uint64, 100), a.top(), a.base()) {
		t.Fatal("Init refused a bitmap larger than needed")
	}
	if fa.Free() != 0 {
		t.Errorf("fresh allocator has %d free frames, want 0 (all start used)", fa.Free())
	}
	if p, ok := fa.Alloc(); ok {
		t.Errorf("fresh allocator gave frame %#x", p)
	}
	// Init again resets: frames released before are used again.
	fa.Release(0, a.top())
	storage := make([]uint64, BitmapWords(a.top()))
	fa.Init(storage, a.top(), a.base())
	if fa.Free() != 0 {
		t.Errorf("re-initialised allocator has %d free frames", fa.Free())
	}
	if fa.Offset != a.base() {
		t.Errorf("Offset %#x, want %#x", fa.Offset, a.base())
	}
}

func TestFrameAllocatorReleaseReserve(t *testing.T) {
	a := newArena(t, 200)
	var fa FrameAllocator
	fa.Init(make([]uint64, BitmapWords(a.top())), a.top(), a.base())

	// Release frees only whole frames inside the range.
	fa.Release(100, 3*PageSize+5)
	if fa.Free() != 2 { // frames 1 and 2
		t.Fatalf("Release(100, 3 pages+5): %d free, want 2", fa.Free())
	}
	fa.Release(PageSize, 2*PageSize) // again: no change
	if fa.Free() != 2 {
		t.Fatalf("releasing a free frame again: %d free, want 2", fa.Free())
	}
	fa.Release(7*PageSize, 7*PageSize+100) // less than a frame: nothing
	if fa.Free() != 2 {
		t.Fatalf("Release of a partial frame: %d free, want 2", fa.Free())
	}
	fa.Release(10*PageSize, 10*PageSize) // empty
	fa.Release(20*PageSize, 10*PageSize) // backwards
	if fa.Free() != 2 {
		t.Fatalf("empty Release: %d free, want 2", fa.Free())
	}

	// Reserve takes every frame the range touches.
	fa.Release(0, a.top())
	fa.Reserve(PageSize-1, PageSize+1) // touches frames 0 and 1
	if fa.Free() != a.frames-2 {
		t.Fatalf("Reserve(page-1, page+1): %d free, want %d", fa.Free(), a.frames-2)
	}
	fa.Reserve(0, 2*PageSize) // already reserved
	if fa.Free() != a.frames-2 {
		t.Fatalf("reserving used frames again: %d free, want %d", fa.Free(), a.frames-2)
	}
	fa.Reserve(5*PageSize, 5*PageSize) // empty range: nothing
	if fa.Free() != a.frames-2 {
		t.Fatalf("Reserve of an empty range: %d free, want %d", fa.Free(), a.frames-2)
	}
	// Out-of-range reservations and releases are ignored, not a crash.
	fa.Reserve(a.top()+10*PageSize, a.top()+1<<30)
	fa.Release(1<<40, 1<<40+1<<20)
	if fa.Free() != a.frames-2 {
		t.Fatalf("out-of-range calls changed the count: %d free", fa.Free())
	}
	for range a.frames - 2 {
		p, ok := fa.Alloc()
		if !ok {
			t.Fatal("Alloc failed with frames free")
		}
		if p < 2*PageSize {
			t.Fatalf("Alloc returned reserved frame %#x", p)
		}
	}
}

// Frames at or above top do not exist: Release must not hand them out even
// when top is not a multiple of 64 frames (the bitmap's last word has bits
// beyond top).
func TestFrameAllocatorReleaseStopsAtTop(t *testing.T) {
	a := newArena(t, 128)
	var fa FrameAllocator
	const frames = 100 // top: 100 frames; the bitmap has 2 words, 128 bits
	fa.Init(make([]uint64, BitmapWords(frames*PageSize)), frames*PageSize, a.base())
	fa.Release(0, a.top())
	if fa.Free() != frames {
		t.Errorf("Release(0, 128 frames) with top = 100 frames: %d free, want %d", fa.Free(), frames)
	}
	for {
		p, ok := fa.Alloc()
		if !ok {
			break
		}
		if p >= frames*PageSize {
			t.Fatalf("Alloc returned frame %#x, at or above top %#x", p, frames*PageSize)
		}
	}
}

func TestFrameAllocatorAlloc(t *testing.T) {
	a := newArena(t, 300)
	fa := a.allocator(t)
	seen := make(map[uintptr]bool)
	for i := range a.frames {
		p, ok := fa.Alloc()
		if !ok {
			t.Fatalf("Alloc %d of %d failed", i, a.frames)
		}
		if p%PageSize != 0 || uint64(p) >= a.top() {
			t.Fatalf("Alloc returned %#x: not a frame of the arena", p)
		}
		if seen[p] {
			t.Fatalf("Alloc returned %#x twice", p)
		}
		seen[p] = true
		// Dirty it, so the zeroing check below means something.
		for j := range a.frame(p) {
			a.frame(p)[j] = 0xa5
		}
		if fa.Free() != a.frames-i-1 {
			t.Fatalf("after %d Allocs: %d free", i+1, fa.Free())
		}
	}
	if p, ok := fa.Alloc(); ok {
		t.Fatalf("Alloc succeeded with no frame free: %#x", p)
	}

	// Free a scattered few and take them again: zero-filled, the same set.
	freed := map[uintptr]bool{0: true, 63 * PageSize: true, 64 * PageSize: true, 299 * PageSize: true, 150 * PageSize: true}
	for p := range freed {
		fa.FreeFrame(p)
	}
	fa.FreeFrame(150 * PageSize) // double free: no effect
	fa.FreeFrame(1 << 40)        // not a frame: no effect
	if fa.Free() != len(freed) {
		t.Fatalf("after freeing %d frames (one twice, one bogus): %d free", len(freed), fa.Free())
	}
	for range len(freed) {
		p, ok := fa.Alloc()
		if !ok || !freed[p] {
			t.Fatalf("Alloc after FreeFrame = %#x, %v; want one of the freed frames", p, ok)
		}
		delete(freed, p)
		for j, b := range a.frame(p) {
			if b != 0 {
				t.Fatalf("frame %#x byte %d is %#x after Alloc, want 0", p, j, b)
			}
		}
	}
	if p, ok := fa.Alloc(); ok {
		t.Fatalf("Alloc succeeded after every freed frame was taken again: %#x (%d free)", p, fa.Free())
	}
}

func TestFrameAllocatorPage(t *testing.T) {
	a := newArena(t, 4)
	fa := a.allocator(t)
	fa.Page(2 * PageSize)[7] = 42
	if a.mem[2*PageSize+7] != 42 {
		t.Fatal("Page(phys) does not address arena byte phys")
	}
	if n := len(fa.Page(3 * PageSize)); n != PageSize {
		t.Fatalf("len(Page) = %d", n)
	}
}

// TestFrameAllocatorReleaseWords: releases that cover whole bitmap words,
// parts of them, and frames already free count each frame once, and stop
// at the last frame.
func TestFrameAllocatorReleaseWords(t *testing.T) {
	a := newArena(t, 200) // 200 frames: three whole words and 8 frames
	var fa FrameAllocator
	fa.Init(make([]uint64, BitmapWords(a.top())), a.top(), a.base())
	fa.Release(3*PageSize, 10*PageSize) // 7 frames in word 0
	fa.Release(0, 130*PageSize)         // word 0's rest, word 1, 2 of word 2
	if fa.Free() != 130 || fa.Usable() != 130 {
		t.Fatalf("%d free, %d usable, want 130 and 130", fa.Free(), fa.Usable())
	}
	fa.Release(0, 1<<40) // past the end: up to frame 199
	if fa.Free() != 200 {
		t.Fatalf("%d free after releasing everything, want 200", fa.Free())
	}
	n := 0
	for {
		if _, ok := fa.Alloc(); !ok {
			break
		}
		n++
	}
	if n != 200 {
		t.Errorf("%d frames allocated, want 200", n)
	}
}
