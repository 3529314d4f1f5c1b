// Package pipefs owns pipes (pipe(7)): a ring buffer between a read end and
// a write end, each an open file description. A read finds EAGAIN while
// the pipe is empty and a writer remains, a write while it is full and a
// reader remains; the system call layer then blocks the thread on the
// pipe's WaitKey unless the descriptor is O_NONBLOCK (the Go runtime then
// waits in epoll_pwait instead). The testing package needs pipes: examples
// capture their output through os.Pipe.
package pipefs

import (
	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/vfs"
)

// Limits: bytes one pipe holds (Linux's default capacity, pipe(7)). The
// pipes themselves are as many as a Pool holds.
const (
	Size     = 64 << 10
	PageSize = 4096
)

// Pages hands out the pages pipe buffers live in (the frame allocator).
type Pages = vfs.Pages

// pipe is a Buffer between two ends.
type pipe struct {
	buf  Buffer
	ends [2]end // read end, write end
}

// end is one end of a pipe: an open file description.
type end struct {
	vfs.Base
	p     *pipe
	write bool
}

var (
	pipes vfs.Pool[pipe] // in pages from vfs.UsePages
	pages Pages
)

// Init gives pipefs its source of pages.
func Init(p Pages) { pages = p }

// New makes a pipe and returns its two ends, each with one reference;
// flags may hold O_NONBLOCK. ENFILE when every pipe is in use, ENOMEM
// when there is no memory for its buffer.
func New(flags uint32) (r, w vfs.File, err errno.Errno) {
	p, err := vfs.TakeFree(&pipes)
	if err != 0 {
		return nil, nil, err
	}
	if !p.buf.Take() {
		return nil, nil, errno.ENOMEM
	}
	p.ends[0].Base.Open(vfs.ReadOnly | flags&vfs.Nonblock)
	p.ends[1].Base.Open(vfs.WriteOnly | flags&vfs.Nonblock)
	p.ends[0].p, p.ends[1].p = p, p
	p.ends[1].write = true
	return &p.ends[0], &p.ends[1], 0
}

// Free says whether the slot holds no pipe (neither end is open).
func (p *pipe) Free() bool { return p.ends[0].Free() && p.ends[1].Free() }

// WaitKey: both ends wait on the pipe.
func (e *end) WaitKey() uintptr { return vfs.KeyOf(e.p) }

// Read copies queued bytes: 0 at end of file (no writer left), EAGAIN when
// empty.
func (e *end) Read(b []byte) (int, errno.Errno) {
	p := e.p
	if e.write {
		return 0, errno.EBADF
	}
	if p.buf.Len() == 0 {
		if p.ends[1].Free() {
			return 0, 0
		}
		return 0, errno.EAGAIN
	}
	k := p.buf.Read(b)
	vfs.Changed(e.WaitKey())
	return k, 0
}

// Write copies as much as fits: EPIPE without readers, EAGAIN when full.
func (e *end) Write(b []byte) (int, errno.Errno) {
	p := e.p
	switch {
	case !e.write:
		return 0, errno.EBADF
	case p.ends[0].Free():
		return 0, errno.EPIPE
	case p.buf.Room() == 0:
		return 0, errno.EAGAIN
	}
	k := min(len(b), p.buf.Room())
	p.buf.Append(b[:k])
	vfs.Changed(e.WaitKey())
	return k, 0
}

// Events: the read end is readable with data or at end of file; the write
// end writable with room, and in error without readers.
func (e *end) Events() uint32 {
	p := e.p
	if !e.write {
		var ev uint32
		if p.buf.Len() > 0 {
			ev |= vfs.EventIn
		}
		if p.ends[1].Free() {
			ev |= vfs.EventIn | vfs.EventHup | vfs.EventRdhup
		}
		return ev
	}
	if p.ends[0].Free() {
		return vfs.EventOut | vfs.EventErr
	}
	if p.buf.Room() > 0 {
		return vfs.EventOut
	}
	return 0
}

func (e *end) Stat(st *vfs.Stat) errno.Errno {
	*st = vfs.Stat{Mode: vfs.ModeFIFO | 0o600, Nlink: 1, Size: int64(e.p.buf.Len())}
	return 0
}

// Release: the other end's waiters learn of end of file or EPIPE.
func (e *end) Release() { vfs.Changed(e.WaitKey()) }

// Pollable: epoll may watch it.
func (e *end) Pollable() bool { return true }
