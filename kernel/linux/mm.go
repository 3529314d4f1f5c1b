package linux

import (
	"github.com/gobare/gobare/kernel/mem"
	"github.com/gobare/gobare/kernel/vm"
)

// mmap flags (Linux uapi mman.h).
const (
	mapShared         = 0x01
	mapPrivate        = 0x02
	mapFixed          = 0x10
	mapAnonymous      = 0x20
	mapFixedNoReplace = 0x100000
)

// overcommit is how many times the machine's RAM one writable mapping may
// be. The Go runtime maps more than it touches (hello world maps about
// 40 MiB and runs in 32), so the factor is generous.
const overcommit = 4

// pageRound rounds n up to a whole number of pages.
func pageRound(n uintptr) uintptr { return (n + mem.PageSize - 1) &^ (mem.PageSize - 1) }

// userRange checks that [addr, addr+length) is page aligned and inside the
// program's half of the address space.
func userRange(addr, length uintptr) bool {
	return addr%mem.PageSize == 0 && addr+length >= addr && addr+length <= vm.UserTop
}

// mmap(addr, length, prot, flags, fd, offset): anonymous memory only,
// demand-paged; MAP_FIXED replaces, a free hint is honoured.
func sysMmap(c call) uintptr {
	addr, length, prot, flags := c.arg(0), pageRound(c.arg(1)), uint32(c.arg(2)), c.arg(3)
	if length == 0 {
		return errno(EINVAL)
	}
	if flags&mapAnonymous == 0 {
		return errno(ENODEV) // no files to map
	}
	// MAP_SHARED anonymous memory is shared with child processes; with no
	// fork, it is the same as private memory.
	switch {
	case flags&mapFixed != 0:
		if !userRange(addr, length) || addr < mem.ProgramFloor {
			return errno(EINVAL)
		}
	case flags&mapFixedNoReplace != 0:
		if !userRange(addr, length) || addr < mem.ProgramFloor {
			return errno(EINVAL)
		}
		if Space.Overlaps(addr, addr+length) {
			return errno(EEXIST)
		}
	default:
		var ok bool
		if addr, ok = Space.FindFree(addr&^(mem.PageSize-1), length); !ok {
			return errno(ENOMEM)
		}
	}
	if prot&vm.ProtWrite != 0 && length/mem.PageSize > overcommit*uintptr(Space.PT.Frames.Usable()) {
		// A heuristic overcommit, like Linux's default: memory is
		// committed lazily, but a single writable mapping that could never
		// be backed is refused, and the Go runtime reports "out of
		// memory" itself instead of being killed later.
		return errno(ENOMEM)
	}
	if !Space.Add(addr, addr+length, prot&(vm.ProtRead|vm.ProtWrite|vm.ProtExec)) {
		return errno(ENOMEM)
	}
	return addr
}

// munmap(addr, length)
func sysMunmap(c call) uintptr {
	addr, length := c.arg(0), pageRound(c.arg(1))
	if !userRange(addr, length) || length == 0 {
		return errno(EINVAL)
	}
	if !Space.Remove(addr, addr+length) {
		return errno(ENOMEM)
	}
	return 0
}

// mprotect(addr, length, prot)
func sysMprotect(c call) uintptr {
	addr, length, prot := c.arg(0), pageRound(c.arg(1)), uint32(c.arg(2))
	if !userRange(addr, length) {
		return errno(EINVAL)
	}
	if !Space.Protect(addr, addr+length, prot&(vm.ProtRead|vm.ProtWrite|vm.ProtExec)) {
		return errno(ENOMEM)
	}
	return 0
}

// madvise advice values used by the Go runtime (Linux uapi mman-common.h).
const (
	madvDontneed = 4
	madvFree     = 8
)

// madvise(addr, length, advice): MADV_DONTNEED (and MADV_FREE, which Linux
// may treat the same way) drop the pages: they read as zero afterwards and
// their frames go back to the allocator. Other advice is accepted and
// ignored.
func sysMadvise(c call) uintptr {
	addr, length, advice := c.arg(0), pageRound(c.arg(1)), c.arg(2)
	if !userRange(addr, length) {
		return errno(EINVAL)
	}
	if advice == madvDontneed || advice == madvFree {
		Space.Discard(addr, addr+length)
	}
	return 0
}
