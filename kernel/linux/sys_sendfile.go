package linux

import (
	kerrno "github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/vfs"
)

// sendfile(out_fd, in_fd, offset, count) copies from a file that can
// seek to any file open for writing, through a chunk on the kernel stack,
// as Linux's does through the page cache. Go's net sends a file to a TCP
// connection with it (io.Copy from *os.File). The input is read at
// *offset (which is moved on) or at its own position (moved on), and only
// the bytes the output took count: a full socket ends the call early, or
// blocks it before anything moved unless the output is non-blocking.
func sysSendfile(c call) uintptr {
	out, in := file(c.arg(0)), file(c.arg(1))
	if out == nil || in == nil || !allowed(out, true) || !allowed(in, false) {
		return errno(EBADF)
	}
	if _, ok := in.Size(); !ok {
		return errno(EINVAL) // Linux: the input must be a file it can map
	}
	off := in.Desc().Offset
	if c.arg(2) != 0 {
		var w [8]byte
		if !Space.CopyIn(w[:], c.arg(2)) {
			return errno(EFAULT)
		}
		if off = int64(le64(w[:])); off < 0 {
			return errno(EINVAL)
		}
	}
	done, err := copyFile(out, in, off, int64(c.arg(3)))
	if done == 0 && wouldBlock(out, err) {
		return c.block(out.WaitKey(), 0, 0)
	}
	if done == 0 && err != 0 {
		return errno(err)
	}
	if c.arg(2) == 0 {
		in.Desc().Offset = off + done
		return uintptr(done)
	}
	var w [8]byte
	putLE32(w[:], uint32(off+done))
	putLE32(w[4:], uint32((off+done)>>32))
	if !Space.CopyOut(c.arg(2), w[:]) {
		return errno(EFAULT)
	}
	return uintptr(done)
}

// copyFile copies up to count bytes of in from off to out, and returns
// how many out took, with the error that stopped it early.
func copyFile(out, in vfs.File, off, count int64) (int64, kerrno.Errno) {
	var chunk [chunkSize]byte
	done := int64(0)
	for done < count {
		k, err := vfs.ReadAt(in, chunk[:min(count-done, chunkSize)], off+done)
		if err != 0 || k == 0 {
			return done, err
		}
		w, err := vfs.Write(out, chunk[:k])
		done += int64(w)
		if err != 0 || w < k {
			return done, err
		}
	}
	return done, 0
}
