//go:build unix

package mem

import "testing"

// newPT returns an empty page table over an arena of n frames.
func newPT(t *testing.T, n int) (PageTable, *FrameAllocator, *arena) {
	t.Helper()
	a := newArena(t, n)
	fa := a.allocator(t)
	pt, ok := NewPageTable(fa)
	if !ok {
		t.Fatal("NewPageTable failed")
	}
	return pt, fa, a
}

// wantLookup fails t unless virt maps to phys with exactly flags.
func wantLookup(t *testing.T, pt *PageTable, virt, phys uintptr, flags uint64) {
	t.Helper()
	p, f, ok := pt.Lookup(virt)
	if !ok || p != phys || f != flags {
		t.Errorf("Lookup(%#x) = %#x, flags %#x, %v; want %#x, flags %#x, true", virt, p, f, ok, phys, flags)
	}
}

// wantUnmapped fails t unless virt is unmapped.
func wantUnmapped(t *testing.T, pt *PageTable, virt uintptr) {
	t.Helper()
	if p, f, ok := pt.Lookup(virt); ok {
		t.Errorf("Lookup(%#x) = %#x, flags %#x; want unmapped", virt, p, f)
	}
}

func TestMapLookupUnmap(t *testing.T) {
	pt, fa, _ := newPT(t, 64)
	if fa.Free() != 63 {
		t.Fatalf("NewPageTable took %d frames, want 1", 64-fa.Free())
	}
	const (
		va = 0x40_1000
		pa = 0x1234_5000
	)
	wantUnmapped(t, &pt, va)
	if err := pt.Map(va, pa, Writable|NoExec); err != MapOK {
		t.Fatalf("Map: %v", err)
	}
	// PDPT, PD and PT were created.
	if fa.Free() != 60 {
		t.Errorf("first Map took %d frames, want 3 (PDPT, PD, PT)", 63-fa.Free())
	}
	wantLookup(t, &pt, va, pa, Present|Writable|NoExec)
	wantLookup(t, &pt, va+0xabc, pa+0xabc, Present|Writable|NoExec)
	wantLookup(t, &pt, va+PageSize-1, pa+PageSize-1, Present|Writable|NoExec)
	wantUnmapped(t, &pt, va-1)
	wantUnmapped(t, &pt, va+PageSize)
	wantUnmapped(t, &pt, 0)

	// A neighbour in the same page table takes no new frame.
	if err := pt.Map(va+PageSize, pa+0x10_0000, 0); err != MapOK {
		t.Fatalf("Map: %v", err)
	}
	if fa.Free() != 60 {
		t.Errorf("Map next to an existing page took %d frames", 60-fa.Free())
	}
	wantLookup(t, &pt, va+PageSize+8, pa+0x10_0000+8, Present)

	// Remapping replaces.
	if err := pt.Map(va, 0x7000, Global); err != MapOK {
		t.Fatalf("remap: %v", err)
	}
	wantLookup(t, &pt, va, 0x7000, Present|Global)

	// Unmap returns the frame, takes any address in the page, and only
	// works once.
	if p, ok := pt.Unmap(va + 0x123); !ok || p != 0x7000 {
		t.Errorf("Unmap = %#x, %v; want 0x7000, true", p, ok)
	}
	wantUnmapped(t, &pt, va)
	if p, ok := pt.Unmap(va); ok {
		t.Errorf("second Unmap = %#x, true", p)
	}
	wantLookup(t, &pt, va+PageSize, pa+0x10_0000, Present)
	// Unmapping where no table exists is a plain "not mapped".
	if _, ok := pt.Unmap(0x7fff_ffff_f000); ok {
		t.Error("Unmap of an address with no tables succeeded")
	}
	if fa.Free() != 60 {
		t.Errorf("Unmap changed the frame count: %d free, want 60 (tables are kept)", fa.Free())
	}
}

func TestMapHighHalfAndTopOfLowHalf(t *testing.T) {
	pt, _, _ := newPT(t, 64)
	for _, va := range []uintptr{
		0,                     // first page
		0x7fff_ffff_f000,      // last page of the low half
		0xffff_8000_0000_0000, // first page of the high half
		0xffff_ffff_ffff_f000, // last page
		StackBase + PageSize,
	} {
		if err := pt.Map(va, 0x5000, Writable); err != MapOK {
			t.Errorf("Map(%#x): %v", va, err)
		}
		wantLookup(t, &pt, va+0xfff, 0x5fff, Present|Writable)
	}
}

func TestMapFlags(t *testing.T) {
	pt, _, _ := newPT(t, 16)
	all := uint64(Writable | User | Accessed | Dirty | Global | NoExec)
	if err := pt.Map(0x1000, 0x2000, all); err != MapOK {
		t.Fatal(err)
	}
	wantLookup(t, &pt, 0x1000, 0x2000, all|Present)
	// The flags are stored in the entry, the frame address intact.
	if !pt.SetFlags(0x1fff, 0) {
		t.Fatal("SetFlags failed on a mapped page")
	}
	wantLookup(t, &pt, 0x1000, 0x2000, Present)
	if !pt.SetFlags(0x1000, NoExec|Writable) {
		t.Fatal("SetFlags failed")
	}
	wantLookup(t, &pt, 0x1000, 0x2000, Present|NoExec|Writable)
	// SetFlags cannot create mappings.
	if pt.SetFlags(0x2000, Writable) {
		t.Error("SetFlags succeeded on an unmapped page in an existing table")
	}
	if pt.SetFlags(0x7000_0000_0000, Writable) {
		t.Error("SetFlags succeeded where no table exists")
	}
	wantUnmapped(t, &pt, 0x2000)
	if pt.SetFlags(0x8000_0000_0000, Writable) {
		t.Error("SetFlags succeeded on a non-canonical address")
	}
}

func TestMapHuge(t *testing.T) {
	pt, fa, _ := newPT(t, 64)
	const va, pa = 0xffff_8000_0020_0000, 0x4000_0000
	if err := pt.MapHuge(va, pa, Writable|NoExec); err != MapOK {
		t.Fatalf("MapHuge: %v", err)
	}
	if fa.Free() != 61 {
		t.Errorf("MapHuge took %d frames, want 2 (PDPT, PD)", 63-fa.Free())
	}
	for _, off := range []uintptr{0, 0x1000, 0x12345, HugePageSize - 1} {
		wantLookup(t, &pt, va+off, pa+off, Present|Writable|NoExec|Huge)
	}
	wantUnmapped(t, &pt, va-1)
	wantUnmapped(t, &pt, va+HugePageSize)

	// A 4 KiB page cannot go inside it; Unmap and SetFlags (4 KiB only)
	// refuse it too, leaving it intact.
	if err := pt.Map(va+0x5000, 0x9000, 0); err != MapHugeInTheWay {
		t.Errorf("Map inside a 2 MiB page: %v, want %v", err, MapHugeInTheWay)
	}
	if p, ok := pt.Unmap(va + 0x5000); ok {
		t.Errorf("Unmap inside a 2 MiB page = %#x, true", p)
	}
	if pt.SetFlags(va, 0) {
		t.Error("SetFlags on a 2 MiB page succeeded")
	}
	wantLookup(t, &pt, va+0x5000, pa+0x5000, Present|Writable|NoExec|Huge)

	// Remapping a 2 MiB page replaces it.
	if err := pt.MapHuge(va, 0x20_0000, 0); err != MapOK {
		t.Fatal(err)
	}
	wantLookup(t, &pt, va+0x1234, 0x20_1234, Present|Huge)
	// Its neighbour can hold small pages.
	if err := pt.Map(va+HugePageSize, 0x3000, 0); err != MapOK {
		t.Errorf("Map next to a 2 MiB page: %v", err)
	}
	wantLookup(t, &pt, va+HugePageSize, 0x3000, Present)
}

func TestMisaligned(t *testing.T) {
	pt, fa, _ := newPT(t, 16)
	free := fa.Free()
	for _, tc := range []struct {
		virt, phys uintptr
	}{
		{0x1001, 0x2000},
		{0x1000, 0x2001},
		{0x1800, 0x2800},
		{0xffff_8000_0000_0008, 0},
	} {
		if err := pt.Map(tc.virt, tc.phys, 0); err != MapMisaligned {
			t.Errorf("Map(%#x, %#x) = %v, want %v", tc.virt, tc.phys, err, MapMisaligned)
		}
	}
	for _, tc := range []struct {
		virt, phys uintptr
	}{
		{0x1000, 0},                  // 4 KiB-aligned only
		{0x20_0000, 0x1000},          // phys 4 KiB-aligned only
		{0x20_0000 + 1, 0x40_0000},   // byte-misaligned
		{0x20_0000, 0x40_0000 + 8},   // byte-misaligned phys
		{0xffff_8000_0010_0000, 0x0}, // 1 MiB
	} {
		if err := pt.MapHuge(tc.virt, tc.phys, 0); err != MapMisaligned {
			t.Errorf("MapHuge(%#x, %#x) = %v, want %v", tc.virt, tc.phys, err, MapMisaligned)
		}
	}
	if fa.Free() != free {
		t.Errorf("failed Maps took %d frames", free-fa.Free())
	}
	wantUnmapped(t, &pt, 0x1000)
	wantUnmapped(t, &pt, 0x20_0000)
}

func TestNonCanonical(t *testing.T) {
	pt, fa, _ := newPT(t, 16)
	free := fa.Free()
	for _, va := range []uintptr{
		0x0000_8000_0000_0000, // one past the low half
		0xffff_7fff_ffff_f000, // one below the high half
		0x1000_0000_0000_0000,
		0x8000_0000_0000_0000,
	} {
		if err := pt.Map(va, 0x1000, 0); err != MapNonCanonical {
			t.Errorf("Map(%#x) = %v, want %v", va, err, MapNonCanonical)
		}
		if err := pt.MapHuge(va&^(HugePageSize-1), 0, 0); err != MapNonCanonical {
			t.Errorf("MapHuge(%#x) = %v, want %v", va&^(HugePageSize-1), err, MapNonCanonical)
		}
		wantUnmapped(t, &pt, va)
		if _, ok := pt.Unmap(va); ok {
			t.Errorf("Unmap(%#x) succeeded", va)
		}
		if pt.SetFlags(va, 0) {
			t.Errorf("SetFlags(%#x) succeeded", va)
		}
	}
	if fa.Free() != free {
		t.Errorf("non-canonical calls took %d frames", free-fa.Free())
	}
	// The low-half address with the same table indexes stays unmapped
	// after a non-canonical Map (no aliasing through the dropped bits).
	wantUnmapped(t, &pt, 0x1000)
}

func TestOutOfFrames(t *testing.T) {
	a := newArena(t, 5)
	fa := a.allocator(t)
	fa.Reserve(4*PageSize, 5*PageSize) // kept back for later
	pt, ok := NewPageTable(fa)
	if !ok {
		t.Fatal("NewPageTable failed with 4 frames")
	}
	// PML4 + PDPT + PD + PT = 4 frames: the first Map fits exactly.
	if err := pt.Map(0x1000, 0x1000, 0); err != MapOK {
		t.Fatalf("Map with exactly enough frames: %v", err)
	}
	// Another page in the same table needs nothing more.
	if err := pt.Map(0x2000, 0x2000, 0); err != MapOK {
		t.Fatalf("Map in an existing table: %v", err)
	}
	// A page under another PD entry needs a new PT: none left.
	if err := pt.Map(0x20_0000, 0x3000, 0); err != MapNoMemory {
		t.Errorf("Map with no frame for a table: %v, want %v", err, MapNoMemory)
	}
	wantUnmapped(t, &pt, 0x20_0000)
	// A 2 MiB page in the same PD needs no table.
	if err := pt.MapHuge(0x40_0000, 0x40_0000, 0); err != MapOK {
		t.Errorf("MapHuge into an existing PD: %v", err)
	}
	// One under another PDPT entry needs a PD: none left.
	if err := pt.MapHuge(0x4000_0000, 0, 0); err != MapNoMemory {
		t.Errorf("MapHuge with no frame for a PD: %v, want %v", err, MapNoMemory)
	}
	wantLookup(t, &pt, 0x1000, 0x1000, Present)
	wantLookup(t, &pt, 0x2000, 0x2000, Present)

	// With a frame back, the same Map succeeds.
	fa.Release(4*PageSize, 5*PageSize)
	if err := pt.Map(0x20_0000, 0x3000, 0); err != MapOK {
		t.Errorf("Map after a frame was released: %v", err)
	}
	wantLookup(t, &pt, 0x20_0000, 0x3000, Present)
	if fa.Free() != 0 {
		t.Errorf("%d frames free, want 0", fa.Free())
	}

	var empty FrameAllocator
	if _, ok := NewPageTable(&empty); ok {
		t.Error("NewPageTable succeeded with no frames")
	}
}
