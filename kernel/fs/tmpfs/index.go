package tmpfs

import (
	"unsafe"

	"github.com/gobare/gobare/kernel/errno"
)

// A page index maps page numbers (offset / PageSize) to pages, like a page
// table: a tree of index pages, each holding fanout page numbers, of a
// height that grows with the largest page number. Height 1 is one index
// page whose slots are data pages (2 MiB of data); each level more
// multiplies by fanout. Slots never written hold 0, and so do whole
// subtrees: a file with holes costs only the pages written. File data,
// directory entries and the inode table all live in page indexes.

const (
	fanout      = PageSize / 8 // slots in an index page
	fanoutShift = 9            // fanout is 1 << fanoutShift
	maxHeight   = 4            // 512^4 pages: 256 TiB
)

// index is the root of a page index.
type index struct {
	root   uintptr // the top index page; 0 when empty
	height uint32
}

// slots returns an index page's slots.
func (fs *FS) slots(pg uintptr) *[fanout]uintptr {
	return (*[fanout]uintptr)(unsafe.Pointer(&fs.pages.Page(pg)[0]))
}

// span returns how many data pages a slot of an index page at level
// covers (level 1: one), as a shift: the count is 1 << spanShift(level).
// (Shifts, not divisions: a division by a variable may call the runtime's
// divide-by-zero panic.)
func spanShift(level uint32) uint {
	if level == 0 {
		return 0
	}
	return uint(level-1) * fanoutShift
}

func span(level uint32) int64 { return 1 << spanShift(level) }

// grow raises ix's height until page number n fits: the old root becomes
// slot 0 of a new top page. EFBIG past the largest height.
func (fs *FS) grow(ix *index, n int64) errno.Errno {
	for n >= span(ix.height)*fanout || ix.height == 0 {
		if ix.height == maxHeight {
			return errno.EFBIG
		}
		if ix.root != 0 {
			top, ok := fs.pages.Alloc()
			if !ok {
				return errno.ENOSPC
			}
			fs.slots(top)[0] = ix.root
			ix.root = top
		}
		ix.height++
	}
	return 0
}

// pageAt returns the data page numbered n, or 0 when there is none. With
// alloc it makes the page (zeroed) and the index pages on its way.
func (fs *FS) pageAt(ix *index, n int64, alloc bool) (uintptr, errno.Errno) {
	if n < 0 {
		return 0, errno.EINVAL
	}
	if ix.height == 0 || n >= span(ix.height)*fanout {
		if !alloc {
			return 0, 0
		}
		if err := fs.grow(ix, n); err != 0 {
			return 0, err
		}
	}
	slot := &ix.root
	for level := ix.height; ; level-- {
		if *slot == 0 {
			if !alloc {
				return 0, 0
			}
			pg, ok := fs.pages.Alloc()
			if !ok {
				return 0, errno.ENOSPC
			}
			*slot = pg
		}
		if level == 0 {
			return *slot, 0
		}
		sh := spanShift(level)
		slot = &fs.slots(*slot)[n>>sh]
		n &= 1<<sh - 1
	}
}

// trim frees every data page numbered keep or more, and the index pages
// left empty; it returns how many data pages it freed.
func (fs *FS) trim(ix *index, keep int64) int64 {
	if ix.root == 0 {
		return 0
	}
	freed, empty := fs.trimPage(ix.root, ix.height, 0, keep)
	if empty {
		fs.pages.FreeFrame(ix.root)
		*ix = index{}
	}
	return freed
}

// trimPage trims below the index page pg at level, which covers the pages
// from base on; it reports the data pages freed and whether pg is empty.
func (fs *FS) trimPage(pg uintptr, level uint32, base, keep int64) (int64, bool) {
	s := fs.slots(pg)
	step := span(level)
	freed, empty := int64(0), true
	for i := range s {
		if s[i] == 0 {
			continue
		}
		first := base + int64(i)*step
		switch {
		case first+step <= keep:
			empty = false
		case level == 1:
			fs.pages.FreeFrame(s[i])
			s[i] = 0
			freed++
		default:
			n, sub := fs.trimPage(s[i], level-1, first, keep)
			freed += n
			if sub {
				fs.pages.FreeFrame(s[i])
				s[i] = 0
			} else {
				empty = false
			}
		}
	}
	return freed, empty
}
