package linux

import (
	"github.com/gobare/gobare/kernel/mem"
	"github.com/gobare/gobare/kernel/vfs"
	"github.com/gobare/gobare/kernel/vm"
)

// The memory-management calls answer bad arguments with the errors Linux
// gives for the same shape of arguments (mm/mmap.c, mm/vma.c,
// mm/mprotect.c, mm/madvise.c). The kernel's own memory is never the
// program's: its image lies below mem.ProgramFloor, where Linux keeps
// mmap_min_addr, and the direct map and kernel stacks lie above
// vm.UserTop, where Linux keeps its own kernel. So the calls treat those
// addresses as Linux treats the same ones: mmap(MAP_FIXED) below the
// floor is EPERM (security_mmap_addr), munmap there is EINVAL like munmap
// of a kernel address, mprotect and madvise see no mapping (ENOMEM).
// None of these calls takes a pointer the kernel dereferences; the calls
// that do go through vm.CopyIn/CopyOut, which fail with EFAULT outside the
// program's regions.

// mmap flags (Linux uapi mman.h, mman-common.h).
const (
	mapShared         = 0x01
	mapPrivate        = 0x02
	mapSharedValidate = 0x03
	mapType           = 0x0f
	mapFixed          = 0x10
	mapAnonymous      = 0x20
	mapFixedNoReplace = 0x100000
)

// mprotect's extra prot bits (Linux uapi mman-common.h): PROT_SEM is
// accepted and meaningless on x86; the two GROWS bits apply to stacks
// that grow, which gobare's regions never are.
const (
	protSem       = 0x8
	protGrowsdown = 0x01000000
	protGrowsup   = 0x02000000
	protRWX       = vm.ProtRead | vm.ProtWrite | vm.ProtExec
)

// pageRound rounds n up to a whole number of pages; it wraps to 0 for the
// last page's worth of values, which callers check.
func pageRound(n uintptr) uintptr { return (n + mem.PageSize - 1) &^ (mem.PageSize - 1) }

// pageAligned reports whether addr is the start of a page.
func pageAligned(addr uintptr) bool { return addr%mem.PageSize == 0 }

// maxFileOff is the largest file offset (Linux's MAX_LFS_FILESIZE).
const maxFileOff = 1<<63 - 1

// mmap(addr, length, prot, flags, fd, offset): anonymous memory or a
// file's pages (kernel/vm/file.go), demand-paged; MAP_FIXED replaces, a
// free hint is honoured. The checks come in Linux's order: the offset's
// alignment (sys_mmap), the descriptor (ksys_mmap_pgoff), then do_mmap's.
func sysMmap(c call) uintptr {
	addr, length, prot, flags, off := c.arg(0), c.arg(1), uint32(c.arg(2)), c.arg(3), c.arg(5)
	if !pageAligned(off) {
		return errno(EINVAL)
	}
	var f vfs.File
	if flags&mapAnonymous == 0 {
		if f = file(c.arg(4)); f == nil {
			return errno(EBADF)
		}
	}
	if length == 0 {
		return errno(EINVAL)
	}
	if length = pageRound(length); length == 0 || length > vm.UserTop {
		return errno(ENOMEM)
	}
	if f != nil && off > maxFileOff-length {
		return errno(EOVERFLOW) // file_mmap_ok
	}
	switch flags & mapType {
	case mapShared, mapPrivate, mapSharedValidate:
	default:
		return errno(EINVAL)
	}
	// MAP_SHARED anonymous memory is shared with child processes; with no
	// fork, it is the same as private memory.
	if flags&(mapFixed|mapFixedNoReplace) != 0 {
		if e := fixedRange(addr, length); e != 0 {
			return errno(e)
		}
		if flags&mapFixedNoReplace != 0 && Space.Overlaps(addr, addr+length) {
			return errno(EEXIST)
		}
	} else {
		var ok bool
		if addr, ok = Space.FindFree(addr&^(mem.PageSize-1), length); !ok {
			return errno(ENOMEM)
		}
	}
	r := vm.Region{Start: addr, End: addr + length, Prot: prot & protRWX}
	if f != nil {
		if e := fileMapping(&r, f, flags, off); e != 0 {
			return errno(e)
		}
	}
	// The overcommit heuristic (vm.Space.TooBig) counts what Linux
	// accounts: private writable memory, not a shared file's pages.
	if r.Flags&vm.Shared == 0 && Space.TooBig(length, prot) {
		return errno(ENOMEM)
	}
	if !Space.Map(r) {
		return errno(ENOMEM)
	}
	return addr
}

// fileMapping makes r map file f from off, after do_mmap's checks in its
// order: a shared writable mapping needs a descriptor open for writing
// (EACCES), any mapping one open for reading (EACCES), and a file that
// can be mapped (ENODEV). A shared mapping of a file opened read-only may
// never become writable (vm.NoWrite).
func fileMapping(r *vm.Region, f vfs.File, flags, off uintptr) int {
	d := f.Desc()
	if flags&mapType != mapPrivate {
		if r.Prot&vm.ProtWrite != 0 && !d.Writable() {
			return EACCES
		}
		r.Flags = vm.Shared
		if !d.Writable() {
			r.Flags |= vm.NoWrite
		}
	}
	if !d.Readable() {
		return EACCES
	}
	if f.MapKind() == vfs.MapNone {
		return ENODEV
	}
	r.File, r.Off = f, int64(off)
	return 0
}

// fixedRange checks the address of a MAP_FIXED mapping as Linux's
// __get_unmapped_area does, in its order: past the top of the program's
// half is ENOMEM, a misaligned address EINVAL, and an address below the
// floor (the kernel's image here, mmap_min_addr on Linux) EPERM.
func fixedRange(addr, length uintptr) int {
	switch {
	case addr > vm.UserTop-length:
		return ENOMEM
	case !pageAligned(addr):
		return EINVAL
	case addr < mem.ProgramFloor:
		return EPERM
	}
	return 0
}

// munmap(addr, length): a misaligned address, or a range reaching past
// the program's half, is EINVAL (do_vmi_munmap); so is a range reaching
// into the kernel's image. Nothing mapped there is fine.
func sysMunmap(c call) uintptr {
	// LAB 6 BEGIN: check the range as Linux does, then remove it from the address space
	// LAB 6 STUB: return errno(ENOSYS)
	addr, length := c.arg(0), c.arg(1)
	if !pageAligned(addr) || addr > vm.UserTop || length > vm.UserTop-addr {
		return errno(EINVAL)
	}
	if length = pageRound(length); length == 0 || addr < mem.ProgramFloor {
		return errno(EINVAL)
	}
	if !Space.Remove(addr, addr+length) {
		return errno(ENOMEM) // the split would not fit in the region table
	}
	return 0
	// LAB 6 END
}

// mprotect(addr, length, prot), in do_mprotect_pkey's order: bad GROWS
// bits or a misaligned address EINVAL, an empty range 0, a wrapping range
// ENOMEM, unknown prot bits EINVAL, then a hole (any address outside the
// program's regions) ENOMEM.
func sysMprotect(c call) uintptr {
	// LAB 6 BEGIN: check the arguments in do_mprotect_pkey's order, then change the protection
	// LAB 6 STUB: return errno(ENOSYS)
	addr, length, prot := c.arg(0), c.arg(1), uint32(c.arg(2))
	grows := prot & (protGrowsdown | protGrowsup)
	prot &^= grows
	if grows == protGrowsdown|protGrowsup || !pageAligned(addr) {
		return errno(EINVAL)
	}
	if length == 0 {
		return 0
	}
	length = pageRound(length)
	if addr+length <= addr {
		return errno(ENOMEM)
	}
	if prot&^(protRWX|protSem) != 0 {
		return errno(EINVAL)
	}
	if !Space.Covered(addr, addr+length) {
		return errno(ENOMEM)
	}
	if grows != 0 {
		return errno(EINVAL) // no region grows
	}
	if prot&vm.ProtWrite != 0 && Space.WriteForbidden(addr, addr+length) {
		return errno(EACCES) // a shared mapping of a file opened read-only
	}
	if !Space.Protect(addr, addr+length, prot&protRWX) {
		return errno(ENOMEM) // the splits would not fit in the region table
	}
	return 0
	// LAB 6 END
}

// madvise advice values (Linux uapi mman-common.h).
const (
	madvDontneed       = 4
	madvFree           = 8
	madvRemove         = 9
	madvDontneedLocked = 24
	madvCollapse       = 25 // the highest of the ordinary advice values
)

// validAdvice reports whether Linux knows advice (madvise_behavior_valid):
// 0-4 and 8-25. The guard-page and memory-failure values (100-103) need
// features or privileges gobare does not have, so they are EINVAL here.
func validAdvice(advice uintptr) bool {
	return advice <= madvDontneed || advice >= madvFree && advice <= madvCollapse
}

// discards reports whether advice drops pages: MADV_DONTNEED and its
// variants, and MADV_FREE, which Linux may treat the same way.
func discards(advice uintptr) bool {
	return advice == madvDontneed || advice == madvFree || advice == madvDontneedLocked
}

// madvise(addr, length, advice), in do_madvise's order: unknown advice or
// a misaligned address EINVAL, a length that wraps EINVAL, an empty range
// 0. MADV_DONTNEED (and MADV_FREE) drop the pages of the program's
// regions in the range: they read as zero afterwards and their frames go
// back to the allocator. Other advice is accepted and ignored. A hole in
// the range (any address outside the program's regions, the kernel's
// among them) is ENOMEM, after the mapped parts got the advice.
func sysMadvise(c call) uintptr {
	addr, length, advice := c.arg(0), c.arg(1), c.arg(2)
	if !validAdvice(advice) || !pageAligned(addr) {
		return errno(EINVAL)
	}
	rounded := pageRound(length)
	if length != 0 && rounded == 0 || addr+rounded < addr {
		return errno(EINVAL)
	}
	if rounded == 0 {
		return 0
	}
	end := addr + rounded
	if advice == madvRemove && Space.Overlaps(addr, end) {
		return errno(EINVAL) // only shared file mappings can be punched
	}
	// LAB 6 BEGIN: drop the pages for MADV_DONTNEED and MADV_FREE; ENOMEM for a hole
	// LAB 6 STUB: return 0 // advice accepted and ignored
	covered := Space.Covered(addr, end)
	if discards(advice) {
		Space.Discard(addr, end)
	}
	if !covered {
		return errno(ENOMEM)
	}
	return 0
	// LAB 6 END
}

// msync flags (Linux uapi mman-common.h).
const (
	msAsync      = 1
	msInvalidate = 2
	msSync       = 4
)

// msync(addr, length, flags), in Linux's order (mm/msync.c): unknown
// flags, a misaligned address or MS_ASYNC with MS_SYNC EINVAL, a range
// that wraps ENOMEM, an empty range 0, a hole in the range ENOMEM (after
// the rest was synced). A shared mapping maps the file's own frames
// (kernel/vm/file.go), so its writes are in the file already; MS_SYNC
// syncs the files of the shared mappings in the range (fsync), as Linux's
// vfs_fsync_range does.
func sysMsync(c call) uintptr {
	addr, length, flags := c.arg(0), c.arg(1), c.arg(2)
	if flags&^(msAsync|msInvalidate|msSync) != 0 || !pageAligned(addr) || flags&msAsync != 0 && flags&msSync != 0 {
		return errno(EINVAL)
	}
	length = pageRound(length)
	if addr+length < addr {
		return errno(ENOMEM)
	}
	if length == 0 {
		return 0
	}
	if flags&msSync != 0 {
		for _, r := range Space.Regions() {
			if r.File != nil && r.Flags&vm.Shared != 0 && r.Start < addr+length && addr < r.End {
				if e := r.File.Sync(); e != 0 {
					return errno(e)
				}
			}
		}
	}
	if !Space.Covered(addr, addr+length) {
		return errno(ENOMEM)
	}
	return 0
}
