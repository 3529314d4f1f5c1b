package ipc

import (
	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/vfs"
)

// eventfd is a 64-bit counter as a file (eventfd(2)): write adds to it,
// read returns it and clears it; the runtime writes one to wake a thread
// sleeping in epoll_pwait.
type eventfd struct {
	vfs.Base
	counter uint64
}

// eventfds are the open eventfds, in pages from vfs.UsePages.
var eventfds vfs.Pool[eventfd]

// NewEventfd makes an eventfd holding initval; flags may hold O_NONBLOCK.
func NewEventfd(initval uint64, flags uint32) (vfs.File, errno.Errno) {
	e, err := vfs.TakeFree(&eventfds)
	if err != 0 {
		return nil, err
	}
	e.Base.Open(vfs.ReadWrite | flags&vfs.Nonblock)
	e.counter = initval
	return e, 0
}

// Read needs 8 bytes; EAGAIN while the counter is 0.
func (e *eventfd) Read(p []byte) (int, errno.Errno) {
	if len(p) < 8 {
		return 0, errno.EINVAL
	}
	if e.counter == 0 {
		return 0, errno.EAGAIN
	}
	putLE64(p, e.counter)
	e.counter = 0
	vfs.Changed(e.WaitKey())
	return 8, 0
}

// Write adds an 8-byte value (not 2^64-1) to the counter.
func (e *eventfd) Write(p []byte) (int, errno.Errno) {
	if len(p) < 8 {
		return 0, errno.EINVAL
	}
	v := le64(p)
	if v == ^uint64(0) {
		return 0, errno.EINVAL
	}
	e.counter += v
	vfs.Changed(e.WaitKey())
	return 8, 0
}

func (e *eventfd) Events() uint32 {
	if e.counter > 0 {
		return vfs.EventIn | vfs.EventOut
	}
	return vfs.EventOut
}

func (e *eventfd) Pollable() bool { return true }

func le64(b []byte) uint64 {
	return uint64(le32(b)) | uint64(le32(b[4:]))<<32
}

func putLE64(b []byte, v uint64) {
	putLE32(b, uint32(v))
	putLE32(b[4:], uint32(v>>32))
}

func le32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

func putLE32(b []byte, v uint32) {
	b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
}
