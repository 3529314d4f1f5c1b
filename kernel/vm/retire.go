package vm

import (
	"github.com/gobare/gobare/kernel/mem"
	"github.com/gobare/gobare/kernel/percpu"
	"github.com/gobare/gobare/kernel/smp"
)

// Frames that leave the address space while other CPUs may still map
// them. Unmapping a page clears its entry and drops this CPU's TLB entry
// at once (flush), but another CPU's TLB may keep the old entry until the
// shootdown at the end of the kernel entry (smp.Shootdown; SDM Vol. 3A
// §4.10.5), and a program thread running there may go on writing through
// it. Were the frame back in the allocator, the rest of the entry could
// hand it out again — as a page table, a pipe buffer, another page — and
// those stray writes would land in it. So the frame is retired: kept
// aside until every CPU has dropped its TLB, then given back (Settle).
// Linux does the same with its mmu_gather (mm/mmu_gather.c,
// tlb_finish_mmu frees the pages after the flush).

// retireMax bounds the frames waiting in one kernel entry; a bigger unmap
// settles (one shootdown) every retireMax frames.
const retireMax = 1024

// retired holds the frames waiting for the shootdown, all of one
// allocator (the kernel has one; host tests one per space). The kernel
// lock guards it, as it does every Space.
var retired struct {
	frames [retireMax]uintptr
	n      int
	from   *mem.FrameAllocator
}

// retire frees a frame whose entry the space has just cleared (and
// flushed), or, when other CPUs run, keeps it until Settle.
func (s *Space) retire(phys uintptr) {
	if percpu.Online == 1 {
		s.PT.Frames.FreeFrame(phys) // no other TLB can hold it
		return
	}
	if retired.n == retireMax || retired.n > 0 && retired.from != s.PT.Frames {
		Settle() // phys's entry was cleared before: this shootdown covers it too
		s.PT.Frames.FreeFrame(phys)
		return
	}
	retired.frames[retired.n] = phys
	retired.from = s.PT.Frames
	retired.n++
}

// shootdown is smp.Shootdown; host tests, which have no other CPUs to
// interrupt, put a recorder here.
var shootdown = smp.Shootdown

// Settle ends a kernel entry's page-table changes: when entries changed
// (TLBStale), every other CPU drops its TLB (smp.Shootdown), and then the
// frames retired in the entry go back to the allocator. The kernel calls
// it before it lets the kernel lock go.
func Settle() {
	if TLBStale {
		TLBStale = false
		shootdown()
	}
	for i := 0; i < retired.n; i++ {
		retired.from.FreeFrame(retired.frames[i])
	}
	retired.n = 0
	retired.from = nil
}
