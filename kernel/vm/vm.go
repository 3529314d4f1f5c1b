// Package vm owns the program's address space: its regions (what mmap
// created, with which protection, anonymous memory or a file's pages),
// demand paging (a zeroed frame, or the file's page, on the first touch
// of a page; copy on write for private file mappings), and the kernel's
// one safe path into program memory (CopyIn, CopyOut), which faults pages
// in or fails with EFAULT.
//
// Regions only ever cover the program's part of the address space,
// [mem.ProgramFloor, UserTop): below it lies the kernel's image, above it
// the direct map and the kernel stacks. Every method that changes regions
// or pages refuses a range outside that part, so no system call can reach
// the kernel's memory through this package.
package vm

import (
	"github.com/gobare/gobare/kernel/cpu"
	"github.com/gobare/gobare/kernel/mem"
	"github.com/gobare/gobare/kernel/vfs"
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

// Region is a range of the address space with one protection, and what
// its pages hold: zeroes at first (anonymous memory) or a file's bytes.
type Region struct {
	Start, End uintptr // page aligned, Start < End
	Prot       uint32
	// A file mapping's file (nil: anonymous memory), the offset in it
	// that Start maps, and Shared and NoWrite. The region holds a
	// reference to the file's description (vfs.Hold), as Linux's vm_file
	// does, so closing the descriptor leaves the mapping working.
	File  vfs.File
	Off   int64
	Flags uint32
}

// Region flags.
const (
	// Shared (MAP_SHARED of a file): the pages are the file's own frames,
	// so writes through the mapping are writes to the file and the
	// mapping sees the file's writes. Without it a file mapping is
	// private: the file's frames are mapped read-only and copied on the
	// first write (copy on write).
	Shared = 1 << iota
	// NoWrite: mprotect may not add PROT_WRITE (a shared mapping of a file
	// opened read-only: Linux's missing VM_MAYWRITE).
	NoWrite
)

// MaxRegions bounds the region table (Go makes a few dozen).
const MaxRegions = 512

// Space is the program's address space: the regions, sorted by Start and
// never overlapping, and the page table that maps the touched pages.
type Space struct {
	regions  [MaxRegions]Region
	nregions int
	PT       *mem.PageTable
	// flush drops the TLB entry of one page after its entry changed:
	// flushPage on the machine; host tests, which cannot execute the
	// privileged INVLPG, put a recorder here.
	flush func(addr uintptr)
}

// TLBStale is set when a page's entry changed in this kernel entry: the
// other CPUs' TLBs may still hold the old one, and the kernel must shoot
// them down before the entry ends (kernel/smp.Shootdown).
var TLBStale bool

// flushPage drops this CPU's TLB entry for addr and notes that the other
// CPUs' are stale.
func flushPage(addr uintptr) {
	cpu.Invlpg(addr)
	TLBStale = true
}

// Init empties the space; pt is the page table shared with the kernel.
func (s *Space) Init(pt *mem.PageTable) {
	s.nregions = 0
	s.PT = pt
	s.flush = flushPage
}

// InUserPart reports whether [start, end) is a non-empty, page-aligned
// range inside the program's part of the address space,
// [mem.ProgramFloor, UserTop): the only addresses regions may cover.
func InUserPart(start, end uintptr) bool {
	return start >= mem.ProgramFloor && start < end && end <= UserTop &&
		start%mem.PageSize == 0 && end%mem.PageSize == 0
}

// Overcommit is how many times the machine's RAM one writable mapping may
// be. The Go runtime maps more than it touches (hello world maps about
// 40 MiB and runs in 32), so the factor is generous.
const Overcommit = 4

// TooBig applies the overcommit heuristic, like Linux's default
// (vm.overcommit_memory = 0): memory is committed lazily, but a single
// writable mapping of length bytes that could never be backed is refused,
// so that the Go runtime reports "out of memory" itself instead of being
// killed later. Read-only and PROT_NONE mappings cost nothing until
// written, so any size passes.
func (s *Space) TooBig(length uintptr, prot uint32) bool {
	return prot&ProtWrite != 0 && length/mem.PageSize > Overcommit*uintptr(s.PT.Frames.Usable())
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

// Covered reports whether regions cover every page of [start, end), with
// no hole (mprotect and madvise answer ENOMEM for a hole).
func (s *Space) Covered(start, end uintptr) bool {
	if !InUserPart(start, end) {
		return false
	}
	for a := start; a < end; {
		r, ok := s.Find(a)
		if !ok {
			return false
		}
		a = r.End
	}
	return true
}

// Add creates a region of anonymous memory for [start, end) with prot
// (Map).
func (s *Space) Add(start, end uintptr, prot uint32) bool {
	return s.Map(Region{Start: start, End: end, Prot: prot})
}

// Map creates region r, replacing whatever was mapped in its range (the
// MAP_FIXED rule); a file mapping takes a reference to its file. It
// fails, changing nothing, when the range is not in the program's part
// or the table would overflow.
func (s *Space) Map(r Region) bool {
	if !InUserPart(r.Start, r.End) || s.countWithout(r.Start, r.End)+1 > MaxRegions {
		return false
	}
	hold(r) // before cut, which may drop the last other reference
	s.cut(r.Start, r.End)
	i := 0
	for i < s.nregions && s.regions[i].Start < r.Start {
		i++
	}
	copy(s.regions[i+1:s.nregions+1], s.regions[i:s.nregions])
	s.regions[i] = r
	s.nregions++
	s.merge()
	return true
}

// Remove takes [start, end) out of the regions, splitting those that
// straddle it, and frees the frames of the pages it mapped. A range with
// no region in it is fine (munmap's rule). It fails, changing nothing,
// when the range is not in the program's part or a split would overflow
// the table.
func (s *Space) Remove(start, end uintptr) bool {
	if !InUserPart(start, end) || s.countWithout(start, end) > MaxRegions {
		return false
	}
	s.cut(start, end)
	return true
}

// countWithout returns how many regions there would be after taking
// [start, end) out: one more for a region that straddles the whole range,
// one fewer for each region wholly inside it.
func (s *Space) countWithout(start, end uintptr) int {
	n := s.nregions
	for i := 0; i < s.nregions; i++ {
		r := s.regions[i]
		switch {
		case r.End <= start || r.Start >= end:
		case r.Start < start && r.End > end:
			n++
		case r.Start >= start && r.End <= end:
			n--
		}
	}
	return n
}

// cut takes [start, end) out of the regions and frees its pages (drops
// its holds on a file's frames); a file mapping wholly inside lets its
// file go. The caller has checked that the table has room for a split.
func (s *Space) cut(start, end uintptr) {
	for i := 0; i < s.nregions; i++ {
		r := s.regions[i]
		if r.End <= start || r.Start >= end {
			continue
		}
		s.freePages(max(r.Start, start), min(r.End, end))
		switch {
		case r.Start < start && r.End > end: // split in two
			copy(s.regions[i+2:s.nregions+1], s.regions[i+1:s.nregions])
			s.regions[i].End = start
			s.regions[i+1] = r.from(end)
			s.nregions++
			hold(r)
			i++
		case r.Start < start:
			s.regions[i].End = start
		case r.End > end:
			s.regions[i] = r.from(end)
		default: // wholly inside: delete
			copy(s.regions[i:], s.regions[i+1:s.nregions])
			s.nregions--
			s.regions[s.nregions] = Region{}
			drop(r)
			i--
		}
	}
}

// Protect changes the protection of [start, end), which regions must
// cover with no hole, and of the pages already present there. The pages
// keep their frames and contents whatever the protection, PROT_NONE
// included (as Linux does). It fails, changing nothing, when the range
// has a hole, is not in the program's part, or its splits would overflow
// the table.
func (s *Space) Protect(start, end uintptr, prot uint32) bool {
	if !s.Covered(start, end) || s.nregions+s.splitsAt(start)+s.splitsAt(end) > MaxRegions {
		return false
	}
	s.split(start)
	s.split(end)
	for i := 0; i < s.nregions; i++ {
		r := s.regions[i]
		if r.Start >= start && r.End <= end && r.Prot != prot {
			s.regions[i].Prot = prot
			s.reprotectPages(r.Start, r.End, prot)
		}
	}
	s.merge()
	return true
}

// splitsAt returns 1 when addr falls strictly inside a region (splitting
// there needs a table slot), else 0.
func (s *Space) splitsAt(addr uintptr) int {
	if r, ok := s.Find(addr); ok && r.Start < addr {
		return 1
	}
	return 0
}

// split cuts the region strictly containing addr in two at addr; the two
// halves keep its protection and its pages. The caller checked for room.
func (s *Space) split(addr uintptr) {
	for i := 0; i < s.nregions; i++ {
		r := s.regions[i]
		if r.Start < addr && addr < r.End {
			copy(s.regions[i+2:s.nregions+1], s.regions[i+1:s.nregions])
			s.regions[i].End = addr
			s.regions[i+1] = r.from(addr)
			s.nregions++
			hold(r)
			return
		}
	}
}

// merge joins neighbouring regions with the same protection that map the
// same thing: anonymous memory, or the same file at following offsets
// with the same flags.
func (s *Space) merge() {
	for i := 0; i+1 < s.nregions; i++ {
		a, b := s.regions[i], s.regions[i+1]
		if a.End == b.Start && a.Prot == b.Prot && continues(a, b) {
			s.regions[i].End = b.End
			copy(s.regions[i+1:], s.regions[i+2:s.nregions])
			s.nregions--
			s.regions[s.nregions] = Region{}
			drop(b)
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
	for end > length && end-length >= mem.ProgramFloor {
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

// Discard frees the frames of the pages of [start, end) that regions
// cover, but keeps the regions, so those pages read as zero on next touch
// (madvise MADV_DONTNEED). It reports whether regions cover the whole
// range; pages outside every region (the kernel's among them) are never
// touched.
func (s *Space) Discard(start, end uintptr) bool {
	for i := 0; i < s.nregions; i++ {
		r := s.regions[i]
		if r.Start < end && start < r.End {
			s.freePages(max(r.Start, start), min(r.End, end))
		}
	}
	return s.Covered(start, end)
}
