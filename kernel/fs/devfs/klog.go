package devfs

import (
	"github.com/gobare/gobare/kernel/console"
	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/vfs"
)

// logFile is where the network service's standard streams go: a read is
// end of file, a write goes to the kernel's console (the serial line) as
// kernel messages do, so the service's lines never mix with the
// program's output.
type logFile struct{ vfs.Base }

var klog logFile

// KernelLog returns the description of the kernel log, claiming it on
// first use (each descriptor that refers to it adds a reference).
func KernelLog() vfs.File {
	if klog.Free() {
		klog.Base.Open(vfs.ReadWrite)
	}
	return &klog
}

func (f *logFile) Read(p []byte) (int, errno.Errno) { return 0, 0 }

func (f *logFile) Write(p []byte) (int, errno.Errno) {
	console.Write(p)
	return len(p), 0
}

func (f *logFile) Stat(st *vfs.Stat) errno.Errno {
	*st = vfs.Stat{Ino: 1, Mode: vfs.ModeCharFile, Nlink: 1}
	return 0
}
