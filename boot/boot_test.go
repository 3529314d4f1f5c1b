package boot_test

import (
	"debug/elf"
	"path/filepath"
	"testing"

	"golang.org/x/arch/x86/x86asm"

	"github.com/gobare/gobare/internal/image"
)

// TestEntry32MeansTheSameIn32BitMode builds the kernel and decodes entry32,
// which the CPU runs in 32-bit protected mode although the Go assembler
// wrote it as 64-bit code, both ways: every instruction must have the same
// length and the same operation in both modes (no REX prefix, which a
// 32-bit CPU would read as INC or DEC). Run with -v to see the 32-bit
// disassembly.
func TestEntry32MeansTheSameIn32BitMode(t *testing.T) {
	root, err := image.FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	kernel := filepath.Join(t.TempDir(), "kernel.elf")
	if err := image.BuildKernel(root, kernel); err != nil {
		t.Fatal(err)
	}
	f, err := elf.Open(kernel)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	var entry32 elf.Symbol
	for _, s := range syms {
		if s.Name == image.Module+"/boot.entry32.abi0" {
			entry32 = s
		}
	}
	if entry32.Size == 0 {
		t.Fatal("boot.entry32.abi0 not found in the kernel")
	}
	text := f.Section(".text")
	data, err := text.Data()
	if err != nil {
		t.Fatal(err)
	}
	code := data[entry32.Value-text.Addr:][:entry32.Size]
	sawFarReturn := false
	for pc := 0; pc < len(code) && !sawFarReturn; {
		in64, err64 := x86asm.Decode(code[pc:], 64)
		in32, err32 := x86asm.Decode(code[pc:], 32)
		if err64 != nil || err32 != nil {
			t.Fatalf("%#x: cannot decode: %v / %v", entry32.Value+uint64(pc), err64, err32)
		}
		if in64.Len != in32.Len || in64.Op != in32.Op {
			t.Errorf("%#x: 64-bit %v (%d bytes) but 32-bit %v (%d bytes)",
				entry32.Value+uint64(pc), in64, in64.Len, in32, in32.Len)
		}
		t.Logf("%#x  %-40s  %s", entry32.Value+uint64(pc), x86asm.GNUSyntax(in32, entry32.Value+uint64(pc), nil), x86asm.GoSyntax(in64, entry32.Value+uint64(pc), nil))
		sawFarReturn = in32.Op == x86asm.LRET
		pc += in32.Len
	}
	if !sawFarReturn {
		t.Error("entry32 has no far return into 64-bit mode")
	}
}
