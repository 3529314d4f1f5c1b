package vdso

import (
	"bytes"
	"debug/elf"
	"testing"
)

func TestBuildIsAnELFTheRuntimeCanUse(t *testing.T) {
	page := make([]byte, Size)
	const base, fn = 0x200000, 0x123456
	if !Build(page, base, fn) {
		t.Fatal("Build failed")
	}
	f, err := elf.NewFile(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	if f.Type != elf.ET_DYN || f.Machine != elf.EM_X86_64 {
		t.Errorf("type %v machine %v", f.Type, f.Machine)
	}
	syms, err := f.DynamicSymbols()
	if err != nil {
		t.Fatal(err)
	}
	if len(syms) != 1 || syms[0].Name != "__vdso_clock_gettime" || syms[0].Value+base != fn {
		t.Fatalf("dynamic symbols = %+v", syms)
	}
	if syms[0].Version != "LINUX_2.6" {
		t.Errorf("version = %q", syms[0].Version)
	}
	if elfHash("LINUX_2.6") != hashLinux26 {
		t.Errorf("elfHash(LINUX_2.6) = %#x", elfHash("LINUX_2.6"))
	}
}
