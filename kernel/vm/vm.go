// Package vm owns the program's address space: its regions (what mmap
// created, with which protection), demand paging (a zero-filled frame on
// the first touch of a page), and the kernel's one safe path into program
// memory (CopyIn, CopyOut), which faults pages in or fails with EFAULT.
package vm

import (
	"github.com/gobare/gobare/kernel/cpu"
	"github.com/gobare/gobare/kernel/mem"
)

// Protection bits, as mmap's prot argument (Linux uapi mman-common.h).
const (
	ProtRead  = 0x1
	ProtWrite = 0x2
	ProtExec  = 0x4
)

// Address-space limits for the program.
const (
	// UserTop is the end of the lower canonical half.
	UserTop = 0x0000_8000_0000_0000
	// StackTop is the top of the main thread's stack, and StackSize the
	// most it may grow (demand-paged).
	StackTop  = 0x0000_7fff_ffff_f000
	StackSize = 8 << 20
	// mmapTop is where top-down placement of mmaps without a usable hint
	// starts: below the stack with a gap.
	mmapTop = StackTop - StackSize - 1<<30
)

// Region is a range of the address space with one protection.
type Region struct {
	Start, End uintptr // page aligned, Start < End
	Prot       uint32
}

// MaxRegions bounds the region table (Go makes a few dozen).
const MaxRegions = 512

// Space is the program's address space: the regions, sorted by Start and
// never overlapping, and the page table that maps the touched pages.
type Space struct {
	regions  [MaxRegions]Region
	nregions int
	PT       *mem.PageTable
}

// Init empties the space; pt is the page table shared with the kernel.
func (s *Space) Init(pt *mem.PageTable) {
	s.nregions = 0
	s.PT = pt
}

// Find returns the region containing addr.
func (s *Space) Find(addr uintptr) (Region, bool) {
	for i := 0; i < s.nregions; i++ {
		if addr >= s.regions[i].Start && addr < s.regions[i].End {
			return s.regions[i], true
		}
	}
	return Region{}, false
}

// Overlaps reports whether any region touches [start, end).
func (s *Space) Overlaps(start, end uintptr) bool {
	for i := 0; i < s.nregions; i++ {
		if s.regions[i].Start < end && start < s.regions[i].End {
			return true
		}
	}
	return false
}

// Add creates a region for [start, end) with prot, replacing whatever was
// mapped there (the MAP_FIXED rule). It fails only when the table is full.
func (s *Space) Add(start, end uintptr, prot uint32) bool {
	s.Remove(start, end)
	if s.nregions == MaxRegions {
		return false
	}
	i := 0
	for i < s.nregions && s.regions[i].Start < start {
		i++
	}
	copy(s.regions[i+1:s.nregions+1], s.regions[i:s.nregions])
	s.regions[i] = Region{start, end, prot}
	s.nregions++
	s.merge()
	return true
}

// Remove takes [start, end) out of the regions, splitting those that
// straddle it, and frees the frames of the pages it mapped. It fails only
// if a split does not fit in the table.
func (s *Space) Remove(start, end uintptr) bool {
	for i := 0; i < s.nregions; i++ {
		r := s.regions[i]
		if r.End <= start || r.Start >= end {
			continue
		}
		s.freePages(max(r.Start, start), min(r.End, end))
		switch {
		case r.Start < start && r.End > end: // split in two
			if s.nregions == MaxRegions {
				return false
			}
			copy(s.regions[i+2:s.nregions+1], s.regions[i+1:s.nregions])
			s.regions[i].End = start
			s.regions[i+1] = Region{end, r.End, r.Prot}
			s.nregions++
			i++
		case r.Start < start:
			s.regions[i].End = start
		case r.End > end:
			s.regions[i].Start = end
		default: // wholly inside: delete
			copy(s.regions[i:], s.regions[i+1:s.nregions])
			s.nregions--
			i--
		}
	}
	return true
}

// Protect changes the protection of [start, end), which must be fully
// covered by regions, and of the pages already present there.
func (s *Space) Protect(start, end uintptr, prot uint32) bool {
	for a := start; a < end; {
		r, ok := s.Find(a)
		if !ok {
			return false
		}
		a = r.End
	}
	for i := 0; i < s.nregions; i++ {
		r := s.regions[i]
		if r.End <= start || r.Start >= end || r.Prot == prot {
			continue
		}
		lo, hi := max(r.Start, start), min(r.End, end)
		// Split off the parts outside [lo, hi), then set the middle.
		if !s.Add(lo, hi, prot) {
			return false
		}
		for a := lo; a < hi; a += mem.PageSize {
			if prot == 0 {
				s.freePage(a)
			} else if s.PT.SetFlags(a, pageFlags(prot)) {
				cpu.Invlpg(a)
			}
		}
		i = -1 // the table changed: start over
	}
	return true
}

// merge joins neighbouring regions with the same protection.
func (s *Space) merge() {
	for i := 0; i+1 < s.nregions; i++ {
		a, b := s.regions[i], s.regions[i+1]
		if a.End == b.Start && a.Prot == b.Prot {
			s.regions[i].End = b.End
			copy(s.regions[i+1:], s.regions[i+2:s.nregions])
			s.nregions--
			i--
		}
	}
}

// FindFree returns a free range of length bytes: at hint if it is free and
// in the program's part of the address space, else the highest free range
// below mmapTop.
func (s *Space) FindFree(hint, length uintptr) (uintptr, bool) {
	if hint >= mem.ProgramFloor && hint+length > hint && hint+length <= StackTop-StackSize && !s.Overlaps(hint, hint+length) {
		return hint, true
	}
	end := uintptr(mmapTop)
	for end-length > mem.ProgramFloor && end > length {
		start := end - length
		conflict := false
		for i := 0; i < s.nregions; i++ {
			if s.regions[i].Start < end && start < s.regions[i].End {
				conflict = true
				end = s.regions[i].Start
				break
			}
		}
		if !conflict {
			return start, true
		}
	}
	return 0, false
}

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

// freePages unmaps the present pages of [start, end) and frees their frames.
func (s *Space) freePages(start, end uintptr) {
	for a := start; a < end; a += mem.PageSize {
		s.freePage(a)
	}
}

func (s *Space) freePage(a uintptr) {
	if phys, ok := s.PT.Unmap(a); ok {
		cpu.Invlpg(a)
		s.PT.Frames.FreeFrame(phys)
	}
}

// Discard frees the frames of [start, end) but keeps the regions, so the
// pages read as zero on next touch (madvise MADV_DONTNEED).
func (s *Space) Discard(start, end uintptr) {
	s.freePages(start, end)
}
