package ipc

import (
	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/sched"
	"github.com/gobare/gobare/kernel/vfs"
)

// Epoll control operations and the edge-triggered flag (uapi eventpoll.h).
const (
	EpollCtlAdd = 1
	EpollCtlDel = 2
	EpollCtlMod = 3
	EpollET     = 1 << 31
)

// EventSize is the size of struct epoll_event (packed: u32 events, u64
// data).
const EventSize = 12

// interest is one file an epoll instance watches. It holds no reference:
// when the file is closed (its slot's open count changes) the interest
// dies, as Linux drops an epoll item when its file is released.
type interest struct {
	fd     int32
	file   vfs.File
	opens  uint32
	events uint32
	data   uint64
	seen   uint64 // 1 + the file's vfs.Changes when last reported; 0: never
}

// MaxInterests bounds one instance's interest list (Linux's bound is
// max_user_watches, 4% of RAM): the Go runtime registers every pipe,
// eventfd and socket it opens non-blocking, so as many as descriptors.
const MaxInterests = vfs.MaxFDs

// Epoll is an epoll instance. Its interests live in a Pool (48 bytes
// each, 85 a page), which grows as they are added and is given back when
// the instance is released.
type Epoll struct {
	vfs.Base
	interests  vfs.Pool[interest]
	ninterests int
}

// epolls are the epoll instances (the Go runtime makes one), in pages
// from vfs.UsePages.
var epolls vfs.Pool[Epoll]

// NewEpoll makes an epoll instance.
func NewEpoll() (vfs.File, errno.Errno) {
	e, err := vfs.TakeFree(&epolls)
	if err != 0 {
		return nil, err
	}
	e.Base.Open(vfs.ReadWrite)
	e.interests, e.ninterests = vfs.Pool[interest]{Max: MaxInterests}, 0
	return e, 0
}

// AsEpoll returns f as an epoll instance, or nil if it is something else.
func AsEpoll(f vfs.File) *Epoll {
	e, _ := f.(*Epoll)
	return e
}

func (ep *Epoll) Pollable() bool { return true }

// Release gives the interest list's pages back.
func (ep *Epoll) Release() { ep.interests.Drop() }

// WaitKey: a waiter is woken by a change to any file.
func (ep *Epoll) WaitKey() uintptr { return vfs.AnyChangeKey() }

// Ctl adds, changes or removes the interest in file f (descriptor fd), ev
// being the struct epoll_event for add and modify.
func (ep *Epoll) Ctl(op int, fd int32, f vfs.File, ev *[EventSize]byte) errno.Errno {
	if !f.Pollable() {
		return errno.EPERM // as Linux: regular files and directories
	}
	if f.Desc() == ep.Desc() {
		return errno.EINVAL // an instance cannot watch itself
	}
	i := 0
	for i < ep.ninterests && !(ep.interests.At(i).fd == fd && ep.interests.At(i).file.Desc() == f.Desc()) {
		i++
	}
	var in interest
	if op != EpollCtlDel {
		// seen stays 0: Linux reports a file that is ready when it is
		// added, edge-triggered or not.
		in = interest{fd: fd, file: f, opens: f.Desc().Opens(), events: le32(ev[0:]), data: le64(ev[4:])}
	}
	switch op {
	case EpollCtlAdd:
		if i < ep.ninterests {
			return errno.EEXIST
		}
		s, err := ep.interests.Slot(ep.ninterests)
		if err == errno.ENFILE {
			return errno.ENOSPC // as Linux past max_user_watches
		} else if err != 0 {
			return err
		}
		*s = in
		ep.ninterests++
	case EpollCtlMod:
		if i == ep.ninterests {
			return errno.ENOENT
		}
		*ep.interests.At(i) = in
	case EpollCtlDel:
		if i == ep.ninterests {
			return errno.ENOENT
		}
		ep.drop(i)
	default:
		return errno.EINVAL
	}
	// A file ready when its interest is added or changed wakes the threads
	// blocked in epoll_wait, as Linux's ep_insert and ep_modify do: they
	// wait for a change to some file, and this readiness came before the
	// interest. Go registers a connecting socket only after connect(2)
	// returns EINPROGRESS; when the service finished the handshake first,
	// the program's netpoller slept on, and the connect with it, until
	// something else changed (make bench's new-connection row: a request
	// in a few hundred stalled for seconds, or for good).
	if op != EpollCtlDel && f.Events()&(in.events|vfs.EventErr|vfs.EventHup) != 0 {
		sched.Notify(vfs.AnyChangeKey())
	}
	return 0
}

// Collect writes up to len(out)/EventSize ready events into out and
// returns how many: level-triggered interests whenever they are ready,
// edge-triggered ones (EPOLLET) only once after each change to their
// file (its key's vfs.Changes; those are not even asked for their
// events). Interests whose file was closed are dropped.
func (ep *Epoll) Collect(out []byte) int {
	n := 0
	for i := 0; i < ep.ninterests && (n+1)*EventSize <= len(out); i++ {
		in := ep.interests.At(i)
		if in.file.Desc().Free() || in.file.Desc().Opens() != in.opens {
			ep.drop(i)
			i--
			continue
		}
		var gen uint64
		if in.events&EpollET != 0 {
			if gen = 1 + vfs.Changes(in.file.WaitKey()); in.seen == gen {
				continue
			}
		}
		ready := in.file.Events() & (in.events | vfs.EventErr | vfs.EventHup)
		if ready == 0 {
			continue
		}
		in.seen = gen
		b := out[n*EventSize:]
		putLE32(b, ready)
		putLE64(b[4:], in.data)
		n++
	}
	return n
}

// drop removes interest i: the last one takes its place.
func (ep *Epoll) drop(i int) {
	*ep.interests.At(i) = *ep.interests.At(ep.ninterests - 1)
	*ep.interests.At(ep.ninterests - 1) = interest{}
	ep.ninterests--
}
