//go:build unix

package mem

import "testing"

// TestNewSharingKernel: the new table sees the kernel's image, direct map
// and stacks, also what the kernel maps later under the shared tables, and
// none of the first program's pages; its own pages stay out of the
// kernel's table.
func TestNewSharingKernel(t *testing.T) {
	kernel, fa, _ := newPT(t, 64)
	const (
		image   = KernelBase + PageSize
		program = ProgramFloor
		direct  = DirectMapBase + 2*HugePageSize
	)
	for _, m := range []struct{ va, pa uintptr }{{image, 0x10_1000}, {program, 0x50_0000}, {StackBase + PageSize, 0x60_0000}} {
		if err := kernel.Map(m.va, m.pa, Writable|Global); err != MapOK {
			t.Fatalf("Map(%#x): %v", m.va, err)
		}
	}
	if err := kernel.MapHuge(direct, 2*HugePageSize, Writable|NoExec|Global); err != MapOK {
		t.Fatalf("MapHuge: %v", err)
	}
	second, ok := NewSharingKernel(&kernel)
	if !ok {
		t.Fatal("NewSharingKernel failed")
	}
	wantLookup(t, &second, image, 0x10_1000, Present|Writable|Global)
	wantLookup(t, &second, direct+5, 2*HugePageSize+5, Present|Writable|NoExec|Global|Huge)
	wantLookup(t, &second, StackBase+PageSize, 0x60_0000, Present|Writable|Global)
	wantUnmapped(t, &second, program)

	// Later kernel mappings under shared tables show; program pages of
	// either table stay their own.
	if err := kernel.Map(StackBase+2*PageSize, 0x61_0000, Writable|Global); err != MapOK {
		t.Fatal(err)
	}
	wantLookup(t, &second, StackBase+2*PageSize, 0x61_0000, Present|Writable|Global)
	if err := second.Map(program, 0x70_0000, Writable); err != MapOK {
		t.Fatal(err)
	}
	wantLookup(t, &second, program, 0x70_0000, Present|Writable)
	wantLookup(t, &kernel, program, 0x50_0000, Present|Writable|Global)
	if fa.Free() < 1 {
		t.Fatal("arena exhausted")
	}
}
