package vm

import (
	"unsafe"

	"github.com/gobare/gobare/kernel/mem"
)

// Page-table entry bits this package reads and writes (SDM Vol. 3A §4.5,
// Table 4-20: a 4-KByte page's entry).
const (
	// frameMask selects bits 51:12 of an entry: the frame's physical
	// address.
	frameMask = 0x000f_ffff_ffff_f000
	// protNone marks an entry whose page is PROT_NONE: Present is clear,
	// so every access faults, but the entry keeps its frame so that the
	// contents survive until the protection allows access again. When P is
	// 0 the processor ignores every other bit of the entry (SDM Vol. 3A
	// §4.5, Table 4-20 note and Figure 4-11, "Ignored"), so software may
	// keep anything there. Linux does the same with _PAGE_PROTNONE
	// (arch/x86/include/asm/pgtable_types.h). Bit 9 is one of the bits
	// ignored in present entries too (Table 4-20, bits 11:9).
	protNone = 1 << 9
)

// pte returns the page-table entry mapping the 4 KiB page at virt. When
// no page table covers virt it returns nil and the size of the aligned
// span around virt that the missing (or 2 MiB/1 GiB) entry stands for, so
// that walks over a range skip whole spans (SDM Vol. 3A §4.5, Figure 4-8:
// 9 address bits per level above the 12-bit page offset). Entries mapping
// large pages are never program pages: vm leaves them alone.
func (s *Space) pte(virt uintptr) (*uint64, uintptr) {
	table := s.PT.Root
	for level := 3; level > 0; level-- {
		e := s.entry(table, virt, level)
		if *e&mem.Present == 0 || *e&mem.Huge != 0 {
			return nil, 1 << (12 + 9*uint(level))
		}
		table = uintptr(*e & frameMask)
	}
	return s.entry(table, virt, 0), mem.PageSize
}

// entry returns a pointer to the entry for virt at level (3 = PML4 ...
// 0 = page table) in the table at physical address table, reached through
// the frame allocator's view of physical memory.
func (s *Space) entry(table, virt uintptr, level int) *uint64 {
	i := (virt >> (12 + 9*uint(level))) & 511
	return (*uint64)(unsafe.Pointer(&s.PT.Frames.Page(table)[i*8]))
}

// nextSpan returns where a walk goes after a, given the span pte reported.
func nextSpan(a, span uintptr) uintptr { return a&^(span-1) + span }

// holdsFrame reports whether an entry has a frame: a present page or a
// PROT_NONE page keeping its contents.
func holdsFrame(e uint64) bool { return e&(mem.Present|protNone) != 0 }

// pageFlags turns mmap protection into page-table flags.
func pageFlags(prot uint32) uint64 {
	flags := uint64(mem.NoExec)
	if prot&ProtWrite != 0 {
		flags |= mem.Writable
	}
	if prot&ProtExec != 0 {
		flags = flags &^ mem.NoExec
	}
	return flags
}

// pageEntry returns the entry for the frame (and cow bit) of entry old
// with protection prot: present with its flags, or not present but
// keeping the frame for PROT_NONE. A page to copy on write stays
// read-only whatever prot says.
func pageEntry(old uint64, prot uint32) uint64 {
	e := old & (frameMask | cowBit)
	if prot == 0 {
		return e | protNone
	}
	flags := pageFlags(prot)
	if old&cowBit != 0 {
		flags &^= mem.Writable
	}
	return e | flags | mem.Present
}

// freePages unmaps the pages of [start, end) that hold a frame and frees
// the frames (drops the holds on a file's frames) once no TLB maps them
// (retire).
func (s *Space) freePages(start, end uintptr) {
	for a := start; a < end; {
		e, span := s.pte(a)
		if e != nil && holdsFrame(*e) {
			phys := uintptr(*e & frameMask)
			*e = 0
			s.flush(a)
			s.retire(phys)
		}
		a = nextSpan(a, span)
	}
}

// reprotectPages gives the pages of [start, end) that hold a frame the
// protection prot, keeping the frame. The TLB entry is dropped whatever
// the change: a stale entry with fewer rights would raise a fault the
// kernel takes for a protection violation (SDM Vol. 3A §4.10.4.3).
func (s *Space) reprotectPages(start, end uintptr, prot uint32) {
	for a := start; a < end; {
		e, span := s.pte(a)
		if e != nil && holdsFrame(*e) {
			*e = pageEntry(*e, prot)
			s.flush(a)
		}
		a = nextSpan(a, span)
	}
}
