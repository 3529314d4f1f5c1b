package mem

// Shared frames. A frame may have more than one holder: a file's page
// that tmpfs keeps and a mapping of the file maps too (kernel/vm,
// kernel/fs/tmpfs). Share takes one more hold on a frame; FreeFrame drops
// one, and gives the frame back only when it drops the last. So a mapping
// keeps its pages after the file is truncated, unlinked or closed, and a
// file keeps its pages after the mapping goes, as Linux's page
// reference counts do (include/linux/mm.h, get_page and put_page).
//
// The counts (of holders beyond the first, so that frames never shared
// cost nothing) live in pages taken from the allocator when a frame in
// their range is first shared, found through a two-level table like a
// page table's: shares[i] is a page of leafPointers, each a page of
// countsPerPage 16-bit counts. The pages stay once made: at most one
// 2048th of the RAM they count.

const (
	countsPerPage = PageSize / 2 // 16-bit counts in a count page
	leafPointers  = PageSize / 8 // count pages one middle page points to
	framesPerMid  = countsPerPage * leafPointers
	// midPages is the size of the top level: enough for MaxRAM.
	midPages = MaxRAM / PageSize / framesPerMid
)

// shares is the top level of the count table; it lives in the allocator.
type shares [midPages]uintptr

// Share takes one more hold on the allocated frame at phys. It fails when
// the frame is out of range, already has 65535 more holders, or no page
// is left for its count.
func (a *FrameAllocator) Share(phys uintptr) bool {
	c := a.shareCount(phys, true)
	if c == nil || *c == ^uint16(0) {
		return false
	}
	*c++
	return true
}

// Shared reports whether the frame at phys has a holder beyond the first
// (a file system keeps a page in place while a mapping holds it).
func (a *FrameAllocator) Shared(phys uintptr) bool {
	c := a.shareCount(phys, false)
	return c != nil && *c > 0
}

// unshare drops one hold of phys beyond the first; false when the frame
// has no other holder, so that the caller frees it.
func (a *FrameAllocator) unshare(phys uintptr) bool {
	c := a.shareCount(phys, false)
	if c == nil || *c == 0 {
		return false
	}
	*c--
	return true
}

// shareCount returns the count of phys's holders beyond the first; with
// alloc it makes the table's pages on the way, else it returns nil where
// they are missing (no frame there was ever shared).
func (a *FrameAllocator) shareCount(phys uintptr, alloc bool) *uint16 {
	f := uint64(phys) / PageSize
	if f >= a.nframes || f/framesPerMid >= midPages {
		return nil
	}
	mid := a.tablePage(&a.shares[f/framesPerMid], alloc)
	if mid == 0 {
		return nil
	}
	leaf := a.tablePage(&(*[leafPointers]uintptr)(ptr(mid + a.Offset))[f/countsPerPage%leafPointers], alloc)
	if leaf == 0 {
		return nil
	}
	return &(*[countsPerPage]uint16)(ptr(leaf + a.Offset))[f%countsPerPage]
}

// tablePage returns the page *slot points to, taking a zeroed one from the
// allocator when the slot is empty and alloc is set; 0 when there is none
// (frame 0 lies in the first MiB, which the kernel never hands out).
func (a *FrameAllocator) tablePage(slot *uintptr, alloc bool) uintptr {
	if *slot == 0 && alloc {
		*slot, _ = a.Alloc()
	}
	return *slot
}
