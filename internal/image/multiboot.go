// Package image owns the bootable kernel image: it turns the Go-built
// kernel ELF into a file that Multiboot loaders (QEMU's -kernel, GRUB's
// multiboot command) accept, and embeds a program and its arguments in it.
//
// QEMU's Multiboot loader refuses 64-bit ELF files, so the image carries a
// Multiboot 1 header with the "a.out kludge" (flag bit 16): the header says
// which file bytes to load at which physical address and where to jump, and
// the loader ignores the ELF structure. The Go linker lays the kernel out so
// that file offset = address - 0x100000 for every loaded byte, so one
// contiguous range of the file is the kernel's memory image.
package image

import (
	"debug/elf"
	"encoding/binary"
	"fmt"
)

// Multiboot 1 header fields (Multiboot specification 0.6.96, §3.1.1).
const (
	headerMagic    = 0x1BADB002
	flagPageAlign  = 1 << 0  // load modules on 4 KiB boundaries
	flagMemoryInfo = 1 << 1  // pass mem_lower/upper and the memory map
	flagVideoMode  = 1 << 2  // the video fields below are valid (§3.1.4)
	flagAddresses  = 1 << 16 // the address fields below are valid (a.out kludge)
	headerFlags    = flagPageAlign | flagMemoryInfo | flagVideoMode | flagAddresses
	headerSize     = 48   // magic, flags, checksum, 5 address fields, 4 video fields
	headerSearch   = 8192 // the header must lie in the first 8 KiB (§3.1.1)
)

// The graphics mode the header asks for (§3.1.4): a linear framebuffer
// (mode_type 0) of 1024x768 pixels, 32 bits each. It is a preference: GRUB
// sets the closest mode the firmware has and describes it in the
// information structure (§3.3, framebuffer_*), which the kernel's console
// reads; on UEFI machines, which have no text mode, this is the only way to
// get a screen. QEMU's own -kernel loader ignores the request (printing
// "multiboot knows VBE. we don't.") and leaves VGA text mode on, which the
// kernel keeps using.
const (
	videoModeLinear = 0
	videoWidth      = 1024
	videoHeight     = 768
	videoDepth      = 32
)

// Layout is where the kernel's loadable bytes are, in the file and in memory.
type Layout struct {
	LoadAddr    uint32 // physical address of file offset 0
	LoadEndAddr uint32 // end of the bytes to load from the file
	BSSEndAddr  uint32 // end of the zero-filled memory after them
	EntryAddr   uint32 // boot.entry32
	HeaderOff   int    // file offset where the Multiboot header goes
}

// KernelLayout checks that f is a kernel the a.out kludge can load and
// returns its layout: PT_LOAD segments contiguous in file and memory with
// one common offset-to-address difference, starting at file offset 0, all
// below 4 GiB, and a gap of zero bytes in the first 8 KiB for the header.
func KernelLayout(f *elf.File, file []byte) (Layout, error) {
	var l Layout
	var loads []*elf.Prog
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD {
			loads = append(loads, p)
		}
	}
	if len(loads) == 0 {
		return l, fmt.Errorf("kernel has no PT_LOAD segment")
	}
	if loads[0].Off != 0 {
		return l, fmt.Errorf("kernel's first PT_LOAD starts at file offset %#x, not 0", loads[0].Off)
	}
	base := loads[0].Vaddr
	var fileEnd, memEnd uint64
	for _, p := range loads {
		if p.Vaddr-p.Off != base {
			return l, fmt.Errorf("kernel segment at %#x is not at file offset address-%#x", p.Vaddr, base)
		}
		fileEnd = max(fileEnd, p.Vaddr+p.Filesz)
		memEnd = max(memEnd, p.Vaddr+p.Memsz)
	}
	if memEnd > 1<<32 {
		return l, fmt.Errorf("kernel ends at %#x, above 4 GiB", memEnd)
	}
	l = Layout{
		LoadAddr:    uint32(base),
		LoadEndAddr: uint32(fileEnd),
		BSSEndAddr:  uint32(memEnd),
		EntryAddr:   uint32(f.Entry),
	}
	// The header goes after the ELF and section headers, in the zeros
	// before the first section's bytes.
	used := uint64(64) + uint64(len(f.Progs))*56
	shoff := binary.LittleEndian.Uint64(file[0x28:])
	shnum := uint64(binary.LittleEndian.Uint16(file[0x3c:]))
	if shoff < headerSearch {
		used = max(used, shoff+shnum*64)
	}
	l.HeaderOff = int((used + 15) &^ 15)
	if l.HeaderOff+headerSize > headerSearch || l.HeaderOff+headerSize > len(file) {
		return l, fmt.Errorf("no room for the Multiboot header in the kernel's first 8 KiB")
	}
	for _, b := range file[l.HeaderOff : l.HeaderOff+headerSize] {
		if b != 0 {
			return l, fmt.Errorf("the gap for the Multiboot header at %#x is not empty", l.HeaderOff)
		}
	}
	for _, s := range f.Sections {
		if s.Type != elf.SHT_NOBITS && s.Size > 0 && s.Offset < uint64(l.HeaderOff+headerSize) && s.Offset+s.Size > uint64(l.HeaderOff) {
			return l, fmt.Errorf("section %s overlaps the Multiboot header gap", s.Name)
		}
	}
	return l, nil
}

// PutHeader writes the Multiboot header for l into file at l.HeaderOff.
func PutHeader(file []byte, l Layout) {
	h := file[l.HeaderOff:]
	le := binary.LittleEndian
	le.PutUint32(h[0:], headerMagic)
	le.PutUint32(h[4:], headerFlags)
	var sum uint32 = headerMagic + headerFlags
	le.PutUint32(h[8:], -sum)                            // magic+flags+checksum = 0
	le.PutUint32(h[12:], l.LoadAddr+uint32(l.HeaderOff)) // header_addr
	le.PutUint32(h[16:], l.LoadAddr)                     // load_addr
	le.PutUint32(h[20:], l.LoadEndAddr)                  // load_end_addr
	le.PutUint32(h[24:], l.BSSEndAddr)                   // bss_end_addr
	le.PutUint32(h[28:], l.EntryAddr)                    // entry_addr
	le.PutUint32(h[32:], videoModeLinear)                // mode_type
	le.PutUint32(h[36:], videoWidth)                     // width
	le.PutUint32(h[40:], videoHeight)                    // height
	le.PutUint32(h[44:], videoDepth)                     // depth
}
