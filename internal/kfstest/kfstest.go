// Package kfstest gives the host tests of the kernel's file systems what
// the kernel gives them when it runs: pages of memory (from Go's heap, not
// the frame allocator) and newc archives like the ones mkimage packs.
package kfstest

import (
	"bytes"
	"strconv"
	"unsafe"

	"github.com/u-root/u-root/pkg/cpio"
)

// PageSize is the size of the pages Pages hands out (mem.PageSize).
const PageSize = 4096

// Pages hands out pages from Go memory, each its own allocation so that
// pointers into a page stay valid, and counts those in use. Page numbers
// start at 1 (0 is no page). Freed pages are handed out again as they
// are, not cleared, as the kernel's allocator does.
type Pages struct {
	Limit int // most pages in use at once; 0: no limit
	InUse int // pages handed out and not freed
	// Pointers: the pages hold Go pointers (the kernel's pools of open
	// files), so they are allocated as pointer arrays the GC scans: what a
	// pool slot points to stays alive while the slot does.
	Pointers bool

	pages []*[PageSize]byte
	free  []uintptr
}

// Alloc returns a page, or false when Limit pages are in use.
func (p *Pages) Alloc() (uintptr, bool) {
	if p.Limit > 0 && p.InUse == p.Limit {
		return 0, false
	}
	p.InUse++
	if n := len(p.free); n > 0 {
		pg := p.free[n-1]
		p.free = p.free[:n-1]
		return pg, true
	}
	pg := new([PageSize]byte)
	if p.Pointers {
		pg = (*[PageSize]byte)(unsafe.Pointer(new([PageSize / 8]unsafe.Pointer)))
	}
	p.pages = append(p.pages, pg)
	return uintptr(len(p.pages)), true
}

// FreeFrame takes a page back.
func (p *Pages) FreeFrame(pg uintptr) {
	p.InUse--
	p.free = append(p.free, pg)
}

// Page returns a page's bytes.
func (p *Pages) Page(pg uintptr) []byte { return p.pages[pg-1][:] }

// Archive packs records into a newc archive, numbering their inodes from
// 1, as mkimage does (internal/cpioarchive). It panics if the writer
// fails, which only a record of impossible size can make it do.
func Archive(recs ...cpio.Record) []byte {
	var buf bytes.Buffer
	w := cpio.Newc.Writer(&buf)
	for i, r := range recs {
		r.Ino = uint64(i + 1)
		if err := w.WriteRecord(r); err != nil {
			panic(err)
		}
	}
	if err := cpio.WriteTrailer(w); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// Files packs name, mode, data triples (the mode in octal with its type
// bits, as "100644" for a file or "40755" for a directory) with Archive;
// every member is dated 1700000000 (November 2023).
func Files(entries ...[3]string) []byte {
	recs := make([]cpio.Record, len(entries))
	for i, e := range entries {
		mode, err := strconv.ParseUint(e[1], 8, 32)
		if err != nil {
			panic("kfstest: mode " + e[1] + " is not octal")
		}
		recs[i] = cpio.Record{
			ReaderAt: bytes.NewReader([]byte(e[2])),
			Info:     cpio.Info{Name: e[0], Mode: mode, NLink: 1, MTime: 1700000000, FileSize: uint64(len(e[2]))},
		}
	}
	return Archive(recs...)
}
