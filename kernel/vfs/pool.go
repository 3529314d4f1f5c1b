package vfs

import (
	"unsafe"

	"github.com/gobare/gobare/kernel/errno"
)

// Pages hands out the pages pools live in: the frame allocator in the
// kernel, Go memory in host tests. Pages come back zero-filled or not;
// a pool clears what it takes.
type Pages interface {
	Alloc() (uintptr, bool)
	FreeFrame(uintptr)
	Page(uintptr) []byte
}

// pages is where every pool takes its pages (UsePages).
var pages Pages

// UsePages gives the pools their source of pages; the kernel passes its
// frame allocator at boot.
func UsePages(p Pages) { pages = p }

// TakeFrames fills frames with pages from p, all or none: frames already
// taken (frames[0] not 0) stay as they are; when p runs out, the pages
// taken so far go back and frames is all 0 again (false).
func TakeFrames(p Pages, frames []uintptr) bool {
	if frames[0] != 0 {
		return true
	}
	for i := range frames {
		pg, ok := p.Alloc()
		if !ok {
			for j := 0; j < i; j++ {
				p.FreeFrame(frames[j])
				frames[j] = 0
			}
			return false
		}
		frames[i] = pg
	}
	return true
}

// PageSize is the size of a pool page.
const PageSize = 4096

// dirSlots is how many slot pages one directory page lists.
const dirSlots = PageSize / 8

// Pool is a growable table of T kept out of the kernel image: its slots
// live in pages taken one at a time as the table fills, listed in a
// directory page taken with the first. The zero Pool is empty; its pages
// stay with it until Drop, so slot i keeps its address and a released
// slot is reused as it is (its owner tells free from taken). A T must
// fit in a page; a pool holds at most Max slots (0: as many as its
// directory lists).
type Pool[T any] struct {
	Max   int
	dir   uintptr // the directory page; 0 before the first slot
	pages int     // slot pages taken
}

// perPage is how many slots one page holds.
func (p *Pool[T]) perPage() int {
	var zero T
	return PageSize / int(unsafe.Sizeof(zero))
}

// Cap is the most slots the pool can ever hold.
func (p *Pool[T]) Cap() int {
	c := dirSlots * p.perPage()
	if p.Max > 0 && p.Max < c {
		c = p.Max
	}
	return c
}

// Len is how many slots the pool has now (all of its pages' slots, up to Cap).
func (p *Pool[T]) Len() int { return min(p.pages*p.perPage(), p.Cap()) }

// directory returns the directory page as its list of slot pages.
func (p *Pool[T]) directory() *[dirSlots]uintptr {
	return (*[dirSlots]uintptr)(unsafe.Pointer(&pages.Page(p.dir)[0]))
}

// At returns slot i, which must be below Len.
func (p *Pool[T]) At(i int) *T {
	per := p.perPage()
	pg := pages.Page(p.directory()[i/per])
	var zero T
	return (*T)(unsafe.Pointer(&pg[uintptr(i%per)*unsafe.Sizeof(zero)]))
}

// Slot returns slot i, taking pages up to it when the pool is shorter:
// ENFILE at Cap, ENOMEM when no page is left. A new slot is zero.
func (p *Pool[T]) Slot(i int) (*T, errno.Errno) {
	if i < 0 || i >= p.Cap() {
		return nil, errno.ENFILE
	}
	for i >= p.Len() {
		if !p.grow() {
			return nil, errno.ENOMEM
		}
	}
	return p.At(i), 0
}

// grow takes one more slot page (and the directory with the first).
func (p *Pool[T]) grow() bool {
	if p.dir == 0 {
		d, ok := pages.Alloc()
		if !ok {
			return false
		}
		clear(pages.Page(d))
		p.dir = d
	}
	pg, ok := pages.Alloc()
	if !ok {
		return false
	}
	clear(pages.Page(pg))
	p.directory()[p.pages] = pg
	p.pages++
	return true
}

// Drop gives every page back; the pool is empty again. Its slots must
// hold nothing that is still in use.
func (p *Pool[T]) Drop() {
	if p.dir == 0 {
		return
	}
	d := p.directory()
	for i := 0; i < p.pages; i++ {
		pages.FreeFrame(d[i])
	}
	pages.FreeFrame(p.dir)
	p.dir, p.pages = 0, 0
}

// Freer is a pool slot that tells whether it is free (an open file
// description: Base.Free).
type Freer[T any] interface {
	*T
	Free() bool
}

// TakeFree returns the first free slot of p, growing p when every slot is
// taken: ENFILE when p is full (the kernel's table of open files, as
// Linux's file-max), ENOMEM when no page is left.
func TakeFree[T any, P Freer[T]](p *Pool[T]) (P, errno.Errno) {
	for i := 0; ; i++ {
		s, err := p.Slot(i)
		if err != 0 {
			return nil, err
		}
		if P(s).Free() {
			return s, 0
		}
	}
}
