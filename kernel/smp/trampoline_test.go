package smp

import (
	"strings"
	"testing"

	"golang.org/x/arch/x86/x86asm"
)

// TestTrampolineDecodes decodes the trampoline's three parts in the modes
// the CPU runs them in (16-bit real mode, 32-bit protected mode, 64-bit
// mode) and compares them with the instructions its comments name, in GNU
// syntax. Run with -v to see the listing.
func TestTrampolineDecodes(t *testing.T) {
	parts := []struct {
		mode       int
		start, end int
		length     int // the bytes the instructions take: the operand sizes are right
		want       []string
	}{
		{16, 0, offProtected, 27, []string{
			"cli",
			"mov %cs,%ax",
			"mov %ax,%ds",
			"lgdtl 0xc0",
			"mov %cr0,%eax",
			"or $0x1,%al",
			"mov %eax,%cr0",
			"ljmp $0x18,$0x8020", // with the 0x66 prefix: a 32-bit offset (the part is 27 bytes)
		}},
		{32, offProtected, offLong, 66, []string{
			"mov $0x10,%ax",
			"mov %eax,%ds",
			"mov %eax,%es",
			"mov %eax,%ss",
			"mov %cr4,%eax",
			"or $0x620,%eax",
			"mov %eax,%cr4",
			"mov 0x80c8,%eax",
			"mov %eax,%cr3",
			"mov $0xc0000080,%ecx",
			"rdmsr",
			"or $0x901,%eax",
			"wrmsr",
			"mov %cr0,%eax",
			"and $0x9ffffffb,%eax",
			"or $0x80010002,%eax",
			"mov %eax,%cr0",
			"ljmp $0x8,$0x8070",
		}},
		{64, offLong, offGDT, 17, []string{
			"mov $0x10,%ax",
			"mov %eax,%ds",
			"mov %eax,%es",
			"mov %eax,%ss",
			"jmpq *0x80d8",
		}},
	}
	for _, p := range parts {
		code := trampoline[p.start:p.end]
		var got []string
		pc := 0
		for pc < len(code) && len(got) < len(p.want) {
			in, err := x86asm.Decode(code[pc:], p.mode)
			if err != nil {
				t.Fatalf("%d-bit part, offset %#x: %v", p.mode, p.start+pc, err)
			}
			text := x86asm.GNUSyntax(in, uint64(Base+p.start+pc), nil)
			t.Logf("%#x  %2d-bit  %s", Base+p.start+pc, p.mode, text)
			got = append(got, text)
			pc += in.Len
		}
		if pc != p.length {
			t.Errorf("%d-bit part: %d bytes, want %d", p.mode, pc, p.length)
		}
		if strings.Join(got, "\n") != strings.Join(p.want, "\n") {
			t.Errorf("%d-bit part:\ngot\n\t%s\nwant\n\t%s", p.mode, strings.Join(got, "\n\t"), strings.Join(p.want, "\n\t"))
		}
	}
}

// TestTrampolineGDT checks the trampoline's GDT pointer and descriptors:
// the selectors must be those of the far jumps and of trap.KernelCS/SS.
func TestTrampolineGDT(t *testing.T) {
	limit := uint16(trampoline[offGDTR]) | uint16(trampoline[offGDTR+1])<<8
	base := uint32(trampoline[offGDTR+2]) | uint32(trampoline[offGDTR+3])<<8 | uint32(trampoline[offGDTR+4])<<16 | uint32(trampoline[offGDTR+5])<<24
	if limit != 31 || base != Base+offGDT {
		t.Errorf("GDTR = limit %d base %#x, want 31 and %#x", limit, base, Base+offGDT)
	}
	desc := func(sel int) uint64 {
		var v uint64
		for i := 0; i < 8; i++ {
			v |= uint64(trampoline[offGDT+sel+i]) << (8 * i)
		}
		return v
	}
	for sel, want := range map[int]uint64{selCode64: 0x00af9a000000ffff, selData: 0x00cf92000000ffff, selCode32: 0x00cf9a000000ffff} {
		if got := desc(sel); got != want {
			t.Errorf("descriptor %#x = %#016x, want %#016x", sel, got, want)
		}
	}
}
