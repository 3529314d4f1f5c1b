package imagefmt_test

import (
	"encoding/binary"
	"go/build"
	"testing"
	"unsafe"

	"github.com/gobare/gobare/internal/imagefmt"
	"github.com/gobare/gobare/kernel/mem"
)

// TestLayout checks the byte offsets that internal/image writes against
// the struct the kernel reads.
func TestLayout(t *testing.T) {
	var e imagefmt.Embedded
	for _, c := range []struct {
		name      string
		got, want uintptr
	}{
		{"Magic", unsafe.Offsetof(e.Magic), imagefmt.OffMagic},
		{"Addr", unsafe.Offsetof(e.Addr), imagefmt.OffAddr},
		{"Size", unsafe.Offsetof(e.Size), imagefmt.OffSize},
		{"FilesAddr", unsafe.Offsetof(e.FilesAddr), imagefmt.OffFilesAddr},
		{"FilesSize", unsafe.Offsetof(e.FilesSize), imagefmt.OffFilesSize},
		{"Args", unsafe.Offsetof(e.Args), imagefmt.OffArgs},
		{"EtcAddr", unsafe.Offsetof(e.EtcAddr), imagefmt.OffEtcAddr},
		{"EtcSize", unsafe.Offsetof(e.EtcSize), imagefmt.OffEtcSize},
		{"ServiceAddr", unsafe.Offsetof(e.ServiceAddr), imagefmt.OffSvcAddr},
		{"ServiceSize", unsafe.Offsetof(e.ServiceSize), imagefmt.OffSvcSize},
		{"sizeof", unsafe.Sizeof(e), imagefmt.DescriptorSize},
	} {
		if c.got != c.want {
			t.Errorf("%s at %d, constant says %d", c.name, c.got, c.want)
		}
	}
}

func TestMagic(t *testing.T) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], imagefmt.Magic)
	if string(b[:]) != imagefmt.MagicString {
		t.Errorf("Magic is %q in the file, MagicString is %q", b[:], imagefmt.MagicString)
	}
}

// TestKernelConstants checks that the copies of kernel/mem's constants
// agree with the kernel's.
func TestKernelConstants(t *testing.T) {
	if imagefmt.PageSize != mem.PageSize || imagefmt.KernelBase != mem.KernelBase || imagefmt.ProgramFloor != mem.ProgramFloor {
		t.Errorf("imagefmt PageSize %#x KernelBase %#x ProgramFloor %#x; kernel/mem %#x %#x %#x",
			imagefmt.PageSize, imagefmt.KernelBase, imagefmt.ProgramFloor, mem.PageSize, mem.KernelBase, mem.ProgramFloor)
	}
}

// TestNoImports keeps the package fit for the kernel and for any host: no
// imports (so no package initialisation, no runtime calls) and no assembly.
func TestNoImports(t *testing.T) {
	p, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Imports) != 0 || len(p.SFiles) != 0 || len(p.CgoFiles) != 0 {
		t.Errorf("imports %v, assembly %v, cgo %v; want none", p.Imports, p.SFiles, p.CgoFiles)
	}
}
