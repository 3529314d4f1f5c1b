//go:build unix

package mem

import "testing"

// TestShare: a shared frame goes back to the allocator with its last
// holder's FreeFrame, not before; frames never shared free at once.
func TestShare(t *testing.T) {
	fa := newArena(t, 64).allocator(t)
	f, _ := fa.Alloc()
	plain, _ := fa.Alloc()
	for range 2 {
		if !fa.Share(f) {
			t.Fatal("Share failed")
		}
	}
	free := fa.Free() // after the count table's two pages were taken
	fa.FreeFrame(f)
	fa.FreeFrame(f)
	if fa.Free() != free {
		t.Fatalf("a frame with a holder left was freed: %d free, want %d", fa.Free(), free)
	}
	fa.FreeFrame(f)
	fa.FreeFrame(plain)
	if fa.Free() != free+2 {
		t.Fatalf("%d free after the last holds, want %d", fa.Free(), free+2)
	}
	if g, _ := fa.Alloc(); fa.Share(g) && fa.Free() != free+1 {
		t.Errorf("sharing a second frame took table pages again: %d free, want %d", fa.Free(), free+1)
	}
	if fa.Share(uintptr(fa.nframes) * PageSize) {
		t.Error("Share accepted a frame past the top")
	}
}
