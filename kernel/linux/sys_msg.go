package linux

import (
	kerrno "github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/fs/sockfs"
	"github.com/gobare/gobare/kernel/fs/unixsock"
	"github.com/gobare/gobare/kernel/vfs"
)

// sendto, recvfrom, sendmsg and recvmsg (docs/design.md, Networking), read
// and write on datagram sockets, and readv and writev on any file. A stream socket's bytes go through
// the rings as read and write move them; a datagram socket's are one
// record each way (sockfs/dgram.go), gathered from or scattered to the
// program's buffers, so message boundaries and addresses hold. Control
// messages are not sent (sendmsg ignores msg_control) nor received
// (recvmsg's msg_controllen is 0).

// Message flags (Linux uapi socket.h).
const (
	msgOOB      = 0x1
	msgPeek     = 0x2
	msgTrunc    = 0x20
	msgDontwait = 0x40
)

// maxIOV is UIO_MAXIOV: more buffers are EMSGSIZE.
const maxIOV = 1024

// msgBufs is the program's buffers for one call: n iovecs at iov, or one
// buffer (iov 0) at base of size bytes.
type msgBufs struct {
	iov, n     uintptr
	base, size uintptr
}

// seg returns buffer i; ok=false when the iovec cannot be read (EFAULT).
func (v *msgBufs) seg(i uintptr) (base, size uintptr, ok bool) {
	if v.iov == 0 {
		return v.base, v.size, true
	}
	var b [16]byte
	if !Space.CopyIn(b[:], v.iov+16*i) {
		return 0, 0, false
	}
	return uintptr(le64(b[:8])), uintptr(le64(b[8:])), true
}

// total is the buffers' length: EFAULT for an iovec it cannot read,
// EINVAL for a length that is negative as a ssize_t or a sum that
// overflows one.
func (v *msgBufs) total() (uintptr, kerrno.Errno) {
	var sum uintptr
	for i := uintptr(0); i < v.n; i++ {
		_, size, ok := v.seg(i)
		switch {
		case !ok:
			return 0, EFAULT
		case int64(size) < 0 || int64(sum+size) < 0:
			return 0, EINVAL
		}
		sum += size
	}
	return sum, 0
}

// gather hands the buffers' bytes in turn to put, a chunk at a time with
// its offset in the message, as a datagram's are copied in; false when
// one cannot be read (EFAULT). total has read every iovec already.
func (v *msgBufs) gather(put func(off int, p []byte)) bool {
	var chunk [chunkSize]byte
	off := 0
	for i := uintptr(0); i < v.n; i++ {
		base, size, _ := v.seg(i)
		for done := uintptr(0); done < size; {
			k := min(size-done, chunkSize)
			if !Space.CopyIn(chunk[:k], base+done) {
				return false
			}
			put(off, vfs.Hide(chunk[:k])) // put does not keep it
			off += int(k)
			done += k
		}
	}
	return true
}

// scatter fills the buffers in turn with a message's first n bytes, a
// chunk at a time that get copies from its offset; false when one cannot
// be written (EFAULT), stopping there. total has read every iovec already.
func (v *msgBufs) scatter(n uintptr, get func(off int, p []byte)) bool {
	var chunk [chunkSize]byte
	off := uintptr(0)
	for i := uintptr(0); i < v.n && off < n; i++ {
		base, size, _ := v.seg(i)
		for done := uintptr(0); done < size && off < n; {
			k := min(size-done, n-off, chunkSize)
			get(int(off), vfs.Hide(chunk[:k])) // get does not keep it
			if !Space.CopyOut(base+done, chunk[:k]) {
				return false
			}
			off += k
			done += k
		}
	}
	return true
}

// le64 reads a little-endian 64-bit word (an iovec's or msghdr's field).
func le64(b []byte) uint64 { return uint64(le32(b)) | uint64(le32(b[4:]))<<32 }

// sendto(fd, buf, len, flags, dest_addr, addrlen)
func sysSendto(c call) uintptr {
	v := msgBufs{n: 1, base: c.arg(1), size: c.arg(2)}
	if u := unixFile(c.arg(0)); u != nil {
		return unixSend(c, u, &v, c.arg(3), c.arg(4), c.arg(5)) // sys_unixmsg.go
	}
	s, err := sockFile(c.arg(0))
	if err != 0 {
		return errno(err)
	}
	return send(c, s, &v, c.arg(3), c.arg(4), c.arg(5))
}

// recvfrom(fd, buf, len, flags, src_addr, addrlen)
func sysRecvfrom(c call) uintptr {
	v := msgBufs{n: 1, base: c.arg(1), size: c.arg(2)}
	var flags uint32
	if u := unixFile(c.arg(0)); u != nil {
		return unixRecv(c, u, &v, c.arg(3), c.arg(4), c.arg(5), &flags)
	}
	s, err := sockFile(c.arg(0))
	if err != 0 {
		return errno(err)
	}
	return receive(c, s, &v, c.arg(3), c.arg(4), c.arg(5), &flags)
}

// msghdr is struct msghdr's fields (x86-64: 56 bytes).
type msghdr struct {
	name, nameLen, iov, iovLen, control uintptr
}

// readMsghdr reads the program's msghdr at addr: EFAULT, or EMSGSIZE
// past maxIOV buffers.
func readMsghdr(addr uintptr, m *msghdr) kerrno.Errno {
	var b [56]byte
	if !Space.CopyIn(b[:], addr) {
		return EFAULT
	}
	*m = msghdr{name: uintptr(le64(b[0:])), nameLen: uintptr(le32(b[8:])), iov: uintptr(le64(b[16:])), iovLen: uintptr(le64(b[24:])), control: uintptr(le64(b[32:]))}
	if m.iovLen > maxIOV {
		return EMSGSIZE
	}
	return 0
}

// msgSocket is what sendmsg and recvmsg share: the socket fd names (an
// AF_UNIX one in u, else an IP one in s) and the msghdr at arg 1 into m.
func msgSocket(c call, m *msghdr) (*unixsock.Socket, *sockfs.Socket, kerrno.Errno) {
	u := unixFile(c.arg(0))
	s, err := sockFile(c.arg(0))
	if err != 0 && u == nil {
		return nil, nil, err
	}
	return u, s, readMsghdr(c.arg(1), m)
}

// sendmsg(fd, msg, flags): msg_control is ignored.
func sysSendmsg(c call) uintptr {
	var m msghdr
	u, s, err := msgSocket(c, &m)
	if err != 0 {
		return errno(err)
	}
	v := msgBufs{iov: m.iov, n: m.iovLen}
	if u != nil {
		return unixSend(c, u, &v, c.arg(2), m.name, m.nameLen)
	}
	return send(c, s, &v, c.arg(2), m.name, m.nameLen)
}

// recvmsg(fd, msg, flags): the source address into msg_name (its length
// into msg_namelen), no control messages (msg_controllen 0), MSG_TRUNC
// in msg_flags when a datagram was cut.
func sysRecvmsg(c call) uintptr {
	var m msghdr
	u, s, err := msgSocket(c, &m)
	if err != 0 {
		return errno(err)
	}
	v := msgBufs{iov: m.iov, n: m.iovLen}
	var flags uint32
	var r uintptr
	if u != nil {
		r = unixRecv(c, u, &v, c.arg(2), m.name, c.arg(1)+8, &flags)
	} else {
		r = receive(c, s, &v, c.arg(2), m.name, c.arg(1)+8, &flags)
	}
	if kerrno.FromResult(r) != 0 || r == blocked {
		return r
	}
	if m.control != 0 && !Space.WriteUint64(c.arg(1)+40, 0) {
		return errno(EFAULT)
	}
	if !Space.WriteUint32(c.arg(1)+48, flags) {
		return errno(EFAULT)
	}
	return r
}

// nonblocking reports whether a call on f with flags must not wait.
func nonblocking(f vfs.File, flags uintptr) bool {
	return f.Desc().Status&vfs.Nonblock != 0 || flags&msgDontwait != 0
}

// send queues the buffers on s: a stream's bytes (an address is ignored,
// as Linux's TCP does), or one datagram, to the address at addr when it
// is not 0, else to the connected peer.
func send(c call, s *sockfs.Socket, v *msgBufs, flags, addr, addrLen uintptr) uintptr {
	if flags&msgOOB != 0 {
		return errno(EOPNOTSUPP)
	}
	if !s.IsDatagram() {
		return vecTransfer(c, s, v, true, nonblocking(s, flags))
	}
	var buf [sockfs.AddrMax]byte
	var to []byte
	if addr != 0 {
		a, err := readSockaddr(s.Family, addr, addrLen, &buf)
		if err != 0 {
			return errno(err)
		}
		to = a
	} else if s.State()&(sockfs.Connected|sockfs.Failed) == 0 {
		return errno(EDESTADDRREQ) // a failed socket says why, below
	}
	n, err := v.total()
	if err == 0 {
		err = s.DgramRoom(int(min(n, sockfs.MaxDgram+1)))
	}
	switch {
	case err == EAGAIN && !nonblocking(s, flags):
		return c.waitOn(s.WaitKey())
	case err != 0:
		return errno(err)
	}
	if !v.gather(s.DgramData) {
		return errno(EFAULT)
	}
	s.SendDgram(int(n), to)
	return n
}

// vecTransfer moves the buffers in turn between f and the program, as
// read and write do, stopping at a short transfer; when nothing moved
// and nothing could (EAGAIN) it waits unless nonblock.
func vecTransfer(c call, f vfs.File, v *msgBufs, write, nonblock bool) uintptr {
	done := uintptr(0)
	for i := uintptr(0); i < v.n; i++ {
		base, size, ok := v.seg(i)
		if !ok {
			r, _ := partial(done, EFAULT)
			return r
		}
		r, err := transfer(f, base, size, -1, write)
		switch {
		case err == EAGAIN && done == 0 && !nonblock:
			return c.waitOn(f.WaitKey())
		case err != 0:
			r, _ = partial(done, err)
			return r
		}
		done += r
		if r < size {
			break
		}
	}
	return done
}

// readv(fd, iov, iovcnt) and writev(fd, iov, iovcnt): the buffers in
// turn; on a datagram socket, one datagram scattered or gathered.
func sysReadv(c call) uintptr  { return readWriteV(c, false) }
func sysWritev(c call) uintptr { return readWriteV(c, true) }

func readWriteV(c call, write bool) uintptr {
	f := file(c.arg(0))
	switch {
	case f == nil || !allowed(f, write):
		return errno(EBADF)
	case c.arg(2) > maxIOV:
		return errno(EINVAL)
	}
	v := msgBufs{iov: c.arg(1), n: c.arg(2)}
	if _, err := v.total(); err != 0 {
		return errno(err)
	}
	var flags uint32
	if s, ok := f.(*sockfs.Socket); ok && s.IsDatagram() {
		if write {
			return send(c, s, &v, 0, 0, 0)
		}
		return receive(c, s, &v, 0, 0, 0, &flags)
	}
	if u, ok := f.(*unixsock.Socket); ok && u.Type != unixsock.Stream {
		if write { // one message, as sendmsg (sys_unixmsg.go)
			return unixSend(c, u, &v, 0, 0, 0)
		}
		return unixRecv(c, u, &v, 0, 0, 0, &flags)
	}
	return vecTransfer(c, f, &v, write, f.Desc().Status&vfs.Nonblock != 0)
}

// receive fills the buffers from s: a stream's bytes, or one datagram
// (cut to the buffers: MSG_TRUNC in *msgFlags, and with MSG_TRUNC in
// flags its whole length is the result). The source address goes to addr
// when it is not 0, as putSockaddr does with the length at lenAddr (a
// stream's is empty). MSG_PEEK leaves what it copies to be received
// again.
func receive(c call, s *sockfs.Socket, v *msgBufs, flags, addr, lenAddr uintptr, msgFlags *uint32) uintptr {
	if flags&msgOOB != 0 {
		return errno(EOPNOTSUPP)
	}
	total, err := v.total()
	if err != 0 {
		return errno(err)
	}
	peek := flags&msgPeek != 0
	var src [sockfs.AddrMax]byte
	n, srcLen := 0, 0
	if s.IsDatagram() {
		n, srcLen, err = s.NextDgram(&src, peek)
	}
	var r uintptr
	switch {
	case err == EAGAIN && !nonblocking(s, flags):
		return c.waitOn(s.WaitKey())
	case err != 0:
		return errno(err)
	case s.IsDatagram():
		r, err = receiveDgram(s, v, min(uintptr(n), total), peek)
		if uintptr(n) > total {
			*msgFlags |= msgTrunc
		}
		if err == 0 && flags&msgTrunc != 0 {
			r = uintptr(n)
		}
	default:
		r, err = receiveStream(s, v, peek)
		if err == EAGAIN && !nonblocking(s, flags) {
			return c.waitOn(s.WaitKey())
		}
	}
	if err != 0 {
		return r
	}
	if e := copyAddrOut(addr, lenAddr, src[:srcLen]); e != 0 {
		return e
	}
	return r
}

// receiveDgram copies n bytes of the first datagram into the buffers and,
// unless peek, takes it (also after EFAULT, as Linux drops it).
func receiveDgram(s *sockfs.Socket, v *msgBufs, n uintptr, peek bool) (uintptr, kerrno.Errno) {
	ok := v.scatter(n, s.DgramRead)
	if !peek {
		s.DropDgram()
	}
	if !ok {
		return errno(EFAULT), EFAULT
	}
	return n, 0
}

// receiveStream fills the buffers in turn from a stream socket's bytes,
// stopping at a short read.
func receiveStream(s *sockfs.Socket, v *msgBufs, peek bool) (uintptr, kerrno.Errno) {
	var chunk [chunkSize]byte
	done := uintptr(0)
	for i := uintptr(0); i < v.n; i++ {
		base, size, _ := v.seg(i) // total read them all
		for at := uintptr(0); at < size; {
			want := min(size-at, chunkSize)
			off := 0 // bytes taken are gone; peeked ones are still there
			if peek {
				off = int(done)
			}
			k, err := s.Receive(chunk[:want], off, peek)
			if err != 0 {
				return partial(done, err)
			}
			if !Space.CopyOut(base+at, chunk[:k]) {
				return partial(done, EFAULT)
			}
			done += uintptr(k)
			at += uintptr(k)
			if uintptr(k) < want || k == 0 {
				return done, 0
			}
		}
	}
	return done, 0
}
