//go:build unix

package mem

import (
	"encoding/binary"
	"testing"
)

// putPhdr writes an ELF64 program header at b.
func putPhdr(b []byte, typ, flags uint32, vaddr, memsz uint64) {
	le := binary.LittleEndian
	le.PutUint32(b[0:], typ)
	le.PutUint32(b[4:], flags)
	le.PutUint64(b[16:], vaddr)  // p_vaddr
	le.PutUint64(b[24:], vaddr)  // p_paddr
	le.PutUint64(b[40:], memsz)  // p_memsz
	le.PutUint64(b[32:], memsz)  // p_filesz
	le.PutUint64(b[48:], 0x1000) // p_align
}

func TestKernelSegments(t *testing.T) {
	a := newArena(t, 1)
	h := a.mem
	const phoff = 64
	binary.LittleEndian.PutUint64(h[0x20:], phoff)
	binary.LittleEndian.PutUint16(h[0x38:], 5)
	ph := func(i int) []byte { return h[phoff+56*i:] }
	putPhdr(ph(0), 6, 4, 0x100000, 0x40)         // PT_PHDR: skipped
	putPhdr(ph(1), ptLoad, 5, 0x101000, 0x2345)  // text: R+X
	putPhdr(ph(2), ptLoad, 4, 0x104000, 0x1000)  // rodata: R
	putPhdr(ph(3), 4, 4, 0x104100, 0x20)         // PT_NOTE: skipped
	putPhdr(ph(4), ptLoad, 6, 0x105800, 0x10000) // data+bss: R+W, unaligned start
	segs, n := KernelSegments(a.base())
	want := []KernelSegment{
		{0x101000, 0x104000, 0},
		{0x104000, 0x105000, NoExec},
		{0x105000, 0x116000, Writable | NoExec},
	}
	if n != len(want) {
		t.Fatalf("KernelSegments found %d segments, want %d: %+v", n, len(want), segs[:n])
	}
	for i := range want {
		if segs[i] != want[i] {
			t.Errorf("segment %d = %+v, want %+v", i, segs[i], want[i])
		}
	}
}

func TestBuildKernelSpace(t *testing.T) {
	a := newArena(t, 64)
	fa := a.allocator(t)
	segs := []KernelSegment{
		{0x101000, 0x104000, 0},
		{0x104000, 0x105000, NoExec},
		{0x105000, 0x108000, Writable | NoExec},
	}
	const ramTop = 64<<20 + 4096 // not 2 MiB-aligned: rounded up
	pt, err := BuildKernelSpace(fa, segs, ramTop)
	if err != MapOK {
		t.Fatalf("BuildKernelSpace: %v", err)
	}
	wantUnmapped(t, &pt, 0)
	wantUnmapped(t, &pt, 0x1000)
	wantUnmapped(t, &pt, 0x100000)
	wantLookup(t, &pt, 0x101000, 0x101000, Present|Global)
	wantLookup(t, &pt, 0x103fff, 0x103fff, Present|Global)
	wantLookup(t, &pt, 0x104000, 0x104000, Present|Global|NoExec)
	wantLookup(t, &pt, 0x105008, 0x105008, Present|Global|Writable|NoExec)
	wantUnmapped(t, &pt, 0x108000)
	direct := uint64(Present | Huge | Writable | NoExec | Global)
	wantLookup(t, &pt, DirectMapBase, 0, direct)
	wantLookup(t, &pt, DirectMapBase+0x101000, 0x101000, direct)
	wantLookup(t, &pt, DirectMapBase+ramTop, ramTop, direct)
	wantLookup(t, &pt, DirectMapBase+66<<20-1, 66<<20-1, direct)
	wantUnmapped(t, &pt, DirectMapBase+66<<20)

	// Kernel stacks: a guard page, then the pages.
	top, err := MapStack(&pt, 2, 4)
	if err != MapOK {
		t.Fatalf("MapStack: %v", err)
	}
	bottom := uintptr(StackBase + 2<<30 + PageSize)
	if top != bottom+4*PageSize {
		t.Errorf("MapStack top %#x, want %#x", top, bottom+4*PageSize)
	}
	wantUnmapped(t, &pt, bottom-1)
	wantUnmapped(t, &pt, top)
	seen := map[uintptr]bool{}
	for va := bottom; va < top; va += PageSize {
		p, f, ok := pt.Lookup(va)
		if !ok || f != Present|Writable|NoExec|Global || seen[p] || uint64(p) >= a.top() {
			t.Errorf("stack page %#x: %#x, flags %#x, %v", va, p, f, ok)
		}
		seen[p] = true
	}

	// Running out of frames while mapping a stack is reported.
	for {
		if _, ok := fa.Alloc(); !ok {
			break
		}
	}
	if _, err := MapStack(&pt, 3, 1); err != MapNoMemory {
		t.Errorf("MapStack with no frames: %v, want %v", err, MapNoMemory)
	}
}

func TestPhysSlice(t *testing.T) {
	a := newArena(t, 2)
	a.mem[PageSize+3] = 9
	b := PhysSlice(a.base(), 2*PageSize)
	if len(b) != 2*PageSize || b[PageSize+3] != 9 {
		t.Fatal("PhysSlice does not view the memory at offset")
	}
}

func TestMapErrString(t *testing.T) {
	seen := map[string]MapErr{}
	for e := MapOK; e <= MapNonCanonical; e++ {
		s := e.String()
		if prev, dup := seen[s]; dup || s == "" {
			t.Errorf("MapErr %d and %d both read %q", prev, e, s)
		}
		seen[s] = e
	}
}
