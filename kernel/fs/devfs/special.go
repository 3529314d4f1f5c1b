package devfs

import (
	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/rand"
)

// The memory devices (Linux drivers/char/mem.c, random.c): what reading
// and writing /dev/null, zero, full, random and urandom do. random and
// urandom are the same source as getrandom (kernel/rand), which never
// blocks here.

func (f *nullFile) Read(p []byte) (int, errno.Errno) {
	switch f.dev {
	case devNull:
		return 0, 0
	case devRandom, devURandom:
		rand.Fill(p)
	default: // zero, full
		clear(p)
	}
	return len(p), 0
}

// ReadAt: pread works on these devices as read does (they have no
// position).
func (f *nullFile) ReadAt(p []byte, _ int64) (int, errno.Errno) { return f.Read(p) }

func (f *nullFile) Write(p []byte) (int, errno.Errno) {
	if f.dev == devFull {
		return 0, errno.ENOSPC
	}
	return len(p), 0
}

func (f *nullFile) WriteAt(p []byte, _ int64) (int, errno.Errno) { return f.Write(p) }
