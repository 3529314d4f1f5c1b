package main

import (
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"
)

// The fuzzer's descriptors: calls that read, write or change a descriptor
// get one of these (all non-blocking), a closed number or an invalid one.
// Descriptors the program had before (stdin, stdout, stderr, the
// runtime's epoll and eventfd) are only given to calls that merely look
// at them.
var (
	pool     []uintptr        // the fuzzer's own descriptors
	known    = map[int]bool{} // every descriptor open after setup
	devnull  uintptr
	freeBase = 600 // dup2/dup3 targets: numbers nothing else uses
)

// maxFD bounds the numbers the fuzzer tracks; the sweep for leaked
// descriptors looks at the lowest ones (where new descriptors go) and at
// the dup2/dup3 targets.
const (
	maxFD    = 1024
	sweepLow = 128
)

// setup makes the fuzzer's memory, files and descriptors.
func setup() {
	setupMemory()
	for _, d := range []string{"/tmp/fz", "/tmp/fz/d"} {
		if err := syscall.Mkdir(d, 0o755); err != nil && err != syscall.EEXIST {
			fail("mkdir "+d, err)
		}
	}
	open := func(path string, flags int) uintptr {
		fd, err := syscall.Open(path, flags|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0o644)
		if err != nil {
			fail("open "+path, err)
		}
		pool = append(pool, uintptr(fd))
		return uintptr(fd)
	}
	devnull = open("/dev/null", syscall.O_RDWR)
	f1 := open("/tmp/fz/pool1", syscall.O_RDWR|syscall.O_CREAT)
	open("/tmp/fz/pool2", syscall.O_RDWR|syscall.O_CREAT|syscall.O_APPEND)
	open("/tmp", syscall.O_RDONLY|syscall.O_DIRECTORY)
	open("/tmp/fz/d", syscall.O_RDONLY|syscall.O_DIRECTORY)
	syscall.Write(int(f1), []byte(strings.Repeat("pool file ", 100)))
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_NONBLOCK|syscall.O_CLOEXEC); err != nil {
		fail("pipe2", err)
	}
	pool = append(pool, uintptr(p[0]), uintptr(p[1]))
	syscall.Write(p[1], []byte("data in the pipe"))
	efd, _, e := syscall.Syscall(syscall.SYS_EVENTFD2, 3, syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if e != 0 {
		fail("eventfd2", e)
	}
	pool = append(pool, efd)
	ep, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		fail("epoll_create1", err)
	}
	pool = append(pool, uintptr(ep))
	for _, fd := range []int{p[0], int(efd)} {
		ev := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(fd)}
		if err := syscall.EpollCtl(ep, syscall.EPOLL_CTL_ADD, fd, &ev); err != nil {
			fail("epoll_ctl", err)
		}
	}
	// The Go runtime opens its netpoller's descriptors (an epoll and an
	// eventfd) the first time a timer is set: sleep once, so that they
	// are open, and known, before the first sweep.
	time.Sleep(time.Millisecond)
	for fd := 0; fd < maxFD; fd++ {
		if isOpen(fd) {
			known[fd] = true
		}
	}
}

func fail(what string, err error) {
	fmt.Printf("syscallfuzz: setup: %s: %v\n", what, err)
	os.Exit(3)
}

// isOpen reports whether fd is an open descriptor.
func isOpen(fd int) bool {
	_, _, e := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_GETFD, 0)
	return e == 0
}

// closeNew closes a descriptor a call made, unless it is one of the
// known ones (a call that answers with an old descriptor).
func closeNew(fd uintptr) {
	if fd < maxFD && !known[int(fd)] {
		syscall.Close(int(fd))
	}
}

// sweep returns the open descriptors that are not known: after closeNew,
// only a descriptor the kernel made without telling the program is left
// (a leak). It does not close them (one might be the runtime's after
// all) but makes them known, so that each is reported once.
func sweep() string {
	var leaked []string
	for fd := 3; fd < maxFD; fd++ {
		if fd == sweepLow {
			fd = freeBase
		}
		if fd == freeBase+16 {
			break
		}
		if !known[fd] && isOpen(fd) {
			leaked = append(leaked, fmt.Sprint(fd))
			known[fd] = true
		}
	}
	return strings.Join(leaked, " ")
}

// afterFD closes the descriptor a successful call returned.
func afterFD(a [6]uintptr, r uintptr, e syscall.Errno) {
	if e == 0 {
		closeNew(r)
	}
}

// afterPipe closes the two descriptors pipe or pipe2 wrote, when it wrote
// them where the fuzzer can read them back.
func afterPipe(a [6]uintptr, r uintptr, e syscall.Errno) { closePair(a[0], e) }

// afterSocketpair closes the two sockets socketpair wrote.
func afterSocketpair(a [6]uintptr, r uintptr, e syscall.Errno) { closePair(a[3], e) }

// closePair closes the two descriptors a successful call wrote at addr.
func closePair(addr uintptr, e syscall.Errno) {
	if e != 0 {
		return
	}
	for _, at := range []uintptr{addr, addr + 4} {
		if fd, ok := readInt32(at); ok && fd >= 0 {
			closeNew(uintptr(fd))
		}
	}
}

// afterMmap unmaps what a successful mmap made outside the playground.
func afterMmap(a [6]uintptr, r uintptr, e syscall.Errno) {
	if e == 0 && (r < playBase || r >= playEnd) {
		syscall.Syscall(syscall.SYS_MUNMAP, r, a[1], 0)
	}
}
