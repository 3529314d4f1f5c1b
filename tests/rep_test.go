package tests

import (
	"bytes"
	"debug/elf"
	"testing"

	"golang.org/x/arch/x86/x86asm"
)

// noREP lists kernel functions that touch whole pages or frames on hot
// paths, which must not use REP MOVS or REP STOS: under QEMU's TCG each
// iteration of a REP instruction is one execution of its translation
// block, 512 for a 4 KiB page (kernel/mem/copy.go). A plain `copy` of
// more than 2 KiB, the clear of a fixed-size array of more than 1 KiB or
// the assignment of a whole trap.Frame brings REP back.
var noREP = []string{
	"github.com/gobare/gobare/kernel/mem.(*FrameAllocator).Alloc", // zeroes every frame it hands out
	"github.com/gobare/gobare/kernel/mem.Clear",
	"github.com/gobare/gobare/kernel/vm.(*Space).Load", // the program's pages at boot
	"github.com/gobare/gobare/kernel/vm.(*Space).CopyIn",
	"github.com/gobare/gobare/kernel/vm.(*Space).CopyOut",
	"github.com/gobare/gobare/kernel/vm.(*Space).copyOf",  // copy on write
	"github.com/gobare/gobare/kernel/sched.switchThreads", // two frames a thread switch
	"github.com/gobare/gobare/kernel/sched.Block",
	"github.com/gobare/gobare/kernel/fs/tmpfs.(*file).ReadAt",
	"github.com/gobare/gobare/kernel/fs/tmpfs.(*file).WriteAt",
	"github.com/gobare/gobare/kernel/linux.transfer", // every read and write: its bounce buffer
}

// TestKernelHotPathsWithoutREP disassembles the functions of noREP in the
// kernel and fails on any REP-prefixed string instruction in them.
func TestKernelHotPathsWithoutREP(t *testing.T) {
	t.Parallel()
	_, image := kernel(t)
	f, err := elf.NewFile(bytes.NewReader(image))
	if err != nil {
		t.Fatal(err)
	}
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	text := f.Section(".text")
	code, err := text.Data()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range noREP {
		var sym *elf.Symbol
		for i := range syms {
			if syms[i].Name == name && elf.ST_TYPE(syms[i].Info) == elf.STT_FUNC {
				sym = &syms[i]
			}
		}
		if sym == nil {
			t.Errorf("%s: no such function in the kernel (renamed? update noREP)", name)
			continue
		}
		body := code[sym.Value-text.Addr : sym.Value-text.Addr+sym.Size]
		for off := 0; off < len(body); {
			inst, err := x86asm.Decode(body[off:], 64)
			if err != nil {
				off++ // padding or data: not an instruction stream here
				continue
			}
			for _, p := range inst.Prefix {
				if p&0xFF == x86asm.PrefixREP || p&0xFF == x86asm.PrefixREPN {
					switch inst.Op {
					case x86asm.MOVSB, x86asm.MOVSW, x86asm.MOVSD, x86asm.MOVSQ, x86asm.STOSB, x86asm.STOSW, x86asm.STOSD, x86asm.STOSQ:
						t.Errorf("%s+%#x: %v", name, off, inst)
					}
				}
			}
			off += inst.Len
		}
	}
}
