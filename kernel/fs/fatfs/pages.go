package fatfs

import "github.com/gobare/gobare/kernel/errno"

// The page cache: what makes files mappable (mmap). A mapping needs each
// page of the file in a frame of its own that stays put while it is
// mapped (vfs.File.MapFrame), but the file's bytes live in clusters
// (512 B to 32 KiB, not aligned with pages) inside the block cache,
// whose blocks move. So a page that a mapping touches is copied into a
// frame of its own here, and from then on that frame is the page: read
// copies from it, write changes it as well as the clusters, and what a
// shared writable mapping stores in it goes back to the clusters when
// the page is written back — at fsync (the volume's Sync), when the
// last description of the file closes, and when the page is evicted.
// Pages no mapping touched are not cached: read and write go straight
// to the block cache as before.
//
// A page is dirty while a writable shared mapping may store into it:
// from MapFrame(write) until it is written back with no mapping holding
// its frame any more (the mapping's stores are not trapped, so a page
// still mapped stays dirty and is written back at every Sync). A page
// whose frame a mapping holds (Pages.Shared) is never evicted; the
// others are, in turn (a hand goes round the table), when maxPages are
// cached or the frame allocator has none left. When every page is held, MapFrame is
// ENOMEM (the program gets SIGBUS).

// PageSize is the size of a mapped page.
const PageSize = 4096

// maxPages bounds the frames the page cache holds: 16 MiB. (Its table
// lives in the kernel's image, which has little room: 16 bytes a page.)
const maxPages = 4096

// pageHashSize is the number of hash chains (a power of two).
const pageHashSize = 1024

// cpage is one cached page: page idx of the inode in slot in-1 (0:
// unused). next holds an index plus one (0 ends a chain).
type cpage struct {
	frame uintptr
	idx   uint32
	next  int16
	in    uint8
	dirty bool
}

type pageCache struct {
	pages [maxPages]cpage
	heads [pageHashSize]int16
	n     int // pages in use
	hand  int
}

func pageHash(in uint8, idx uint32) int {
	return int((uint64(idx)+uint64(in)<<32)*0x9E3779B97F4A7C15>>54) & (pageHashSize - 1)
}

// slotOf is the inode's number in the page cache (its index plus one).
func (fs *FS) slotOf(in *inode) uint8 {
	for i := 0; i < fs.inodes.Len(); i++ {
		if fs.inodes.At(i) == in {
			return uint8(i + 1)
		}
	}
	return 0
}

// cachedPage returns the index of the inode's page idx in the page
// cache, or -1.
func (fs *FS) cachedPage(in *inode, idx uint32) int {
	if in.npages == 0 {
		return -1
	}
	slot := fs.slotOf(in)
	for i := fs.pc.heads[pageHash(slot, idx)]; i != 0; i = fs.pc.pages[i-1].next {
		if p := &fs.pc.pages[i-1]; p.in == slot && p.idx == idx {
			return int(i - 1)
		}
	}
	return -1
}

// mapFrame returns the frame of the inode's page at off (below its
// size), copying the page into a new frame when it is not cached; write
// marks it dirty.
func (fs *FS) mapFrame(in *inode, off int64, write bool) (uintptr, errno.Errno) {
	if off < 0 || off%PageSize != 0 || off >= int64(in.size) {
		return 0, errno.EINVAL
	}
	idx := uint32(off / PageSize)
	i := fs.cachedPage(in, idx)
	if i < 0 {
		var err errno.Errno
		if i, err = fs.newPage(); err != 0 {
			return 0, err
		}
		p := &fs.pc.pages[i]
		b := fs.c.pages.Page(p.frame)
		n, err := fs.readData(in, b, off)
		if err != 0 {
			fs.pc.free(fs, i)
			return 0, err
		}
		clear(b[n:])
		slot := fs.slotOf(in)
		h := &fs.pc.heads[pageHash(slot, idx)]
		p.in, p.idx, p.next, *h = slot, idx, *h, int16(i+1)
		in.npages++
	}
	p := &fs.pc.pages[i]
	p.dirty = p.dirty || write
	return p.frame, 0
}

// newPage returns the index of an unused page with a zeroed frame:
// a free one while fewer than maxPages are cached and the allocator has
// frames, else an evicted one.
func (fs *FS) newPage() (int, errno.Errno) {
	pc := &fs.pc
	if pc.n < maxPages {
		if frame, ok := fs.c.pages.Alloc(); ok {
			for i := range pc.pages {
				if pc.pages[i].in == 0 && pc.pages[i].frame == 0 {
					pc.pages[i].frame = frame
					pc.n++
					return i, 0
				}
			}
			fs.c.pages.FreeFrame(frame) // not reached: n counts the frames
		}
	}
	for range maxPages {
		i := pc.hand
		pc.hand = (pc.hand + 1) % maxPages
		p := &pc.pages[i]
		switch {
		case p.frame == 0 || fs.c.pages.Shared(p.frame):
		case p.in == 0:
			return i, 0
		default:
			if err := fs.writePage(i); err != 0 {
				return 0, err
			}
			fs.unhashPage(i)
			clear(fs.c.pages.Page(p.frame))
			return i, 0
		}
	}
	return 0, errno.ENOMEM
}

// writePage writes the dirty page i back to its clusters (the part below
// the file's size); it stays dirty while a mapping holds its frame.
func (fs *FS) writePage(i int) errno.Errno {
	p := &fs.pc.pages[i]
	in := fs.inodes.At(int(p.in) - 1)
	if !p.dirty || in.gone {
		return 0
	}
	off := int64(p.idx) * PageSize
	if n := min(int64(in.size)-off, PageSize); n > 0 {
		if _, err := fs.store(in, fs.c.pages.Page(p.frame)[:n], int(n), off); err != 0 {
			return err
		}
	}
	p.dirty = fs.c.pages.Shared(p.frame)
	return 0
}

// unhashPage takes page i out of its chain and its inode's count,
// keeping its frame for reuse.
func (fs *FS) unhashPage(i int) {
	p := &fs.pc.pages[i]
	for h := &fs.pc.heads[pageHash(p.in, p.idx)]; *h != 0; h = &fs.pc.pages[*h-1].next {
		if int(*h-1) == i {
			*h = p.next
			break
		}
	}
	fs.inodes.At(int(p.in)-1).npages--
	p.in, p.next, p.dirty = 0, 0, false
}

// free gives an unused page's frame back (a mapping may still hold it).
func (pc *pageCache) free(fs *FS, i int) {
	fs.c.pages.FreeFrame(pc.pages[i].frame)
	pc.pages[i] = cpage{}
	pc.n--
}

// writePages writes back the dirty pages of in (nil: of every file).
func (fs *FS) writePages(in *inode) errno.Errno {
	slot := uint8(0) // every file's
	if in != nil {
		if in.npages == 0 {
			return 0
		}
		slot = fs.slotOf(in)
	}
	for i := range fs.pc.pages {
		if p := &fs.pc.pages[i]; p.in != 0 && (slot == 0 || p.in == slot) {
			if err := fs.writePage(i); err != 0 {
				return err
			}
		}
	}
	return 0
}

// dropPages gives up the inode's pages from page from on, unwritten
// (truncate; the last close after writePages). A mapping keeps the
// frames it holds.
func (fs *FS) dropPages(in *inode, from uint32) {
	if in.npages == 0 {
		return
	}
	slot := fs.slotOf(in)
	for i := range fs.pc.pages {
		if p := &fs.pc.pages[i]; p.in == slot && p.idx >= from {
			fs.unhashPage(i)
			fs.pc.free(fs, i)
		}
	}
}

// mirror copies a change of the file's bytes at off (p, or n zero bytes
// when p is nil) into its cached pages, so that they stay the file.
func (fs *FS) mirror(in *inode, p []byte, n int, off int64) {
	for done := 0; in.npages > 0 && done < n; {
		at := int((off + int64(done)) % PageSize)
		k := min(n-done, PageSize-at)
		if i := fs.cachedPage(in, uint32((off+int64(done))/PageSize)); i >= 0 {
			b := fs.c.pages.Page(fs.pc.pages[i].frame)[at : at+k]
			if p != nil {
				copy(b, p[done:])
			} else {
				clear(b)
			}
		}
		done += k
	}
}

// readPages copies file data at off (below its size) into p: from the
// cached pages where there are some, else from the clusters (readData).
func (fs *FS) readPages(in *inode, p []byte, off int64) (int, errno.Errno) {
	if in.npages == 0 {
		return fs.readData(in, p, off)
	}
	done := 0
	for done < len(p) && off < int64(in.size) {
		at := int(off % PageSize)
		k := int(min(int64(len(p)-done), int64(PageSize-at), int64(in.size)-off))
		if i := fs.cachedPage(in, uint32(off/PageSize)); i >= 0 {
			copy(p[done:done+k], fs.c.pages.Page(fs.pc.pages[i].frame)[at:])
		} else if n, err := fs.readData(in, p[done:done+k], off); err != 0 {
			return done + n, err
		}
		done += k
		off += int64(k)
	}
	return done, 0
}
