package main

import "syscall"

// spec describes one implemented system call: the kinds of its
// arguments, a fix that enforces what the kinds cannot say (applied after
// drawing, without drawing more unless it says so), and an after hook that
// cleans up what a successful call made.
type spec struct {
	nr    uintptr
	name  string
	args  []kind
	fix   func(f *fuzzer, a *[6]uintptr)
	after func(a [6]uintptr, r uintptr, e syscall.Errno)
}

// specs are the calls gobare implements (kernel/linux/table.go), with
// the constraints that keep the program alive (see the package comment).
var specs = []spec{
	{nr: 0, name: "read", args: []kind{kFd, kPtrOut, kLen}},
	{nr: 1, name: "write", args: []kind{kFd, kPtrIn, kLen}},
	{nr: 2, name: "open", args: []kind{kPath, kOpenFlags, kMode}, after: afterFD},
	{nr: 3, name: "close", args: []kind{kFdClose}},
	{nr: 4, name: "stat", args: []kind{kPath, kPtrOut}},
	{nr: 5, name: "fstat", args: []kind{kFdAny, kPtrOut}},
	{nr: 6, name: "lstat", args: []kind{kPath, kPtrOut}},
	{nr: 8, name: "lseek", args: []kind{kFdAny, kInt, kSmall}},
	{nr: 9, name: "mmap", args: []kind{kAddr, kLen, kProt, kFlags, kFd, kInt}, fix: fixMmap, after: afterMmap},
	{nr: 10, name: "mprotect", args: []kind{kAddr, kLen, kProt}, fix: fixMemLen(true)},
	{nr: 11, name: "munmap", args: []kind{kAddr, kLen}, fix: fixMemLen(true)},
	{nr: 12, name: "brk", args: []kind{kAddr}, fix: func(f *fuzzer, a *[6]uintptr) { a[0] = 0 }}, // asks only: moving the break could take memory the program uses
	{nr: 13, name: "rt_sigaction", args: []kind{kSmall, kNullOrBad, kPtrOut, kSmall}},
	{nr: 14, name: "rt_sigprocmask", args: []kind{kSmall, kSigset, kPtrOut, kSmall}},
	{nr: 16, name: "ioctl", args: []kind{kFdAny, kInt, kPtrOut}, fix: fixIoctl},
	{nr: 17, name: "pread64", args: []kind{kFd, kPtrOut, kLen, kInt}},
	{nr: 18, name: "pwrite64", args: []kind{kFd, kPtrIn, kLen, kInt}},
	{nr: 19, name: "readv", args: []kind{kFd, kNullOrBad, kSmall}},
	{nr: 20, name: "writev", args: []kind{kFd, kNullOrBad, kSmall}},
	{nr: 21, name: "access", args: []kind{kPath, kSmall}},
	{nr: 22, name: "pipe", args: []kind{kPtrOut}, after: afterPipe},
	{nr: 24, name: "sched_yield"},
	{nr: 26, name: "msync", args: []kind{kAddr, kLen, kSmall}, fix: fixMemLen(true)},
	{nr: 28, name: "madvise", args: []kind{kAddr, kLen, kAdvice}, fix: fixMemLen(false)},
	{nr: 32, name: "dup", args: []kind{kFdAny}, after: afterFD},
	{nr: 33, name: "dup2", args: []kind{kFdAny, kFdNew}, after: afterFD},
	{nr: 35, name: "nanosleep", args: []kind{kSleep, kPtrOut}},
	{nr: 39, name: "getpid"},
	{nr: 40, name: "sendfile", args: []kind{kFd, kFd, kNullOrBad, kLen}},
	{nr: 41, name: "socket", args: []kind{kSmall, kFlags, kSmall}, after: afterFD},
	{nr: 42, name: "connect", args: []kind{kFd, kPtrIn, kLen}},
	{nr: 43, name: "accept", args: []kind{kFd, kNullOrBad, kNullOrBad}, after: afterFD},
	{nr: 44, name: "sendto", args: []kind{kFd, kPtrIn, kLen, kFlags, kNullOrBad, kLen}},
	{nr: 45, name: "recvfrom", args: []kind{kFd, kPtrOut, kLen, kFlags, kNullOrBad, kNullOrBad}},
	{nr: 46, name: "sendmsg", args: []kind{kFd, kNullOrBad, kFlags}},
	{nr: 47, name: "recvmsg", args: []kind{kFd, kNullOrBad, kFlags}},
	{nr: 48, name: "shutdown", args: []kind{kFd, kSmall}},
	{nr: 49, name: "bind", args: []kind{kFd, kPtrIn, kLen}},
	{nr: 50, name: "listen", args: []kind{kFd, kSmall}},
	{nr: 51, name: "getsockname", args: []kind{kFd, kPtrOut, kNullOrBad}},
	{nr: 52, name: "getpeername", args: []kind{kFd, kPtrOut, kNullOrBad}},
	{nr: 53, name: "socketpair", args: []kind{kSmall, kFlags, kSmall, kPtrOut}, after: afterSocketpair},
	{nr: 54, name: "setsockopt", args: []kind{kFd, kSmall, kSmall, kPtrIn, kLen}},
	{nr: 55, name: "getsockopt", args: []kind{kFd, kSmall, kSmall, kPtrOut, kNullOrBad}},
	{nr: 56, name: "clone", args: []kind{kFlags, kPtrOut, kPtrOut, kPtrOut, kInt}, fix: fixClone},
	{nr: 61, name: "wait4", args: []kind{kPid, kPtrOut, kSmall, kPtrOut}},
	{nr: 62, name: "kill", args: []kind{kPid, kSig}},
	{nr: 63, name: "uname", args: []kind{kPtrOut}},
	{nr: 72, name: "fcntl", args: []kind{kFd, kSmall, kInt}, fix: fixFcntl, after: afterFcntl},
	{nr: 73, name: "flock", args: []kind{kFdAny, kSmall}, fix: fixFlock},
	{nr: 74, name: "fsync", args: []kind{kFdAny}},
	{nr: 75, name: "fdatasync", args: []kind{kFdAny}},
	{nr: 76, name: "truncate", args: []kind{kPath, kLen}, fix: fixTruncate},
	{nr: 77, name: "ftruncate", args: []kind{kFd, kLen}, fix: fixTruncate},
	{nr: 79, name: "getcwd", args: []kind{kPtrOut, kLen}},
	{nr: 80, name: "chdir", args: []kind{kPath}},
	{nr: 81, name: "fchdir", args: []kind{kFd}},
	{nr: 82, name: "rename", args: []kind{kPath, kPath}},
	{nr: 83, name: "mkdir", args: []kind{kPath, kMode}},
	{nr: 84, name: "rmdir", args: []kind{kPath}},
	{nr: 86, name: "link", args: []kind{kPath, kPath}},
	{nr: 87, name: "unlink", args: []kind{kPath}},
	{nr: 88, name: "symlink", args: []kind{kPath, kPath}},
	{nr: 89, name: "readlink", args: []kind{kPath, kPtrOut, kLen}},
	{nr: 90, name: "chmod", args: []kind{kPath, kMode}},
	{nr: 91, name: "fchmod", args: []kind{kFd, kMode}},
	{nr: 93, name: "fchown", args: []kind{kFd, kInt, kInt}},
	{nr: 95, name: "umask", args: []kind{kMode}},
	{nr: 102, name: "getuid"},
	{nr: 104, name: "getgid"},
	{nr: 107, name: "geteuid"},
	{nr: 108, name: "getegid"},
	{nr: 110, name: "getppid"},
	{nr: 115, name: "getgroups", args: []kind{kSmall, kPtrOut}},
	{nr: 131, name: "sigaltstack", args: []kind{kNullOrBad, kPtrOut}},
	{nr: 157, name: "prctl", args: []kind{kSmall, kInt, kPtrIn, kInt, kInt}, fix: fixPrctl},
	{nr: 158, name: "arch_prctl", args: []kind{kInt, kPtrOut}, fix: fixArchPrctl},
	{nr: 186, name: "gettid"},
	{nr: 200, name: "tkill", args: []kind{kTid, kSig}},
	{nr: 202, name: "futex", args: []kind{kPtrOut, kSmall, kInt, kSleep, kPtrOut, kInt}, fix: fixFutex},
	{nr: 204, name: "sched_getaffinity", args: []kind{kPid, kLen, kPtrOut}},
	{nr: 217, name: "getdents64", args: []kind{kFd, kPtrOut, kLen}},
	{nr: 228, name: "clock_gettime", args: []kind{kClock, kPtrOut}},
	{nr: 230, name: "clock_nanosleep", args: []kind{kClock, kSmall, kSleep, kPtrOut}, fix: fixClockNanosleep},
	{nr: 232, name: "epoll_wait", args: []kind{kFd, kPtrOut, kSmall, kTimeoutMs}},
	{nr: 233, name: "epoll_ctl", args: []kind{kFd, kSmall, kFdAny, kEvent}},
	{nr: 234, name: "tgkill", args: []kind{kPid, kTid, kSig}},
	{nr: 247, name: "waitid", args: []kind{kSmall, kPid, kPtrOut, kSmall, kPtrOut}},
	{nr: 257, name: "openat", args: []kind{kAtFd, kPath, kOpenFlags, kMode}, after: afterFD},
	{nr: 258, name: "mkdirat", args: []kind{kAtFd, kPath, kMode}},
	{nr: 260, name: "fchownat", args: []kind{kAtFd, kPath, kInt, kInt, kAtFlags}},
	{nr: 262, name: "newfstatat", args: []kind{kAtFd, kPath, kPtrOut, kAtFlags}},
	{nr: 263, name: "unlinkat", args: []kind{kAtFd, kPath, kAtFlags}},
	{nr: 264, name: "renameat", args: []kind{kAtFd, kPath, kAtFd, kPath}},
	{nr: 265, name: "linkat", args: []kind{kAtFd, kPath, kAtFd, kPath, kAtFlags}},
	{nr: 266, name: "symlinkat", args: []kind{kPath, kAtFd, kPath}},
	{nr: 267, name: "readlinkat", args: []kind{kAtFd, kPath, kPtrOut, kLen}},
	{nr: 268, name: "fchmodat", args: []kind{kAtFd, kPath, kMode}},
	{nr: 452, name: "fchmodat2", args: []kind{kAtFd, kPath, kMode, kAtFlags}},
	{nr: 269, name: "faccessat", args: []kind{kAtFd, kPath, kSmall}},
	{nr: 275, name: "splice", args: []kind{kFd, kNullOrBad, kFd, kNullOrBad, kLen, kFlags}},
	{nr: 280, name: "utimensat", args: []kind{kAtFd, kPath, kPtrIn, kAtFlags}},
	{nr: 281, name: "epoll_pwait", args: []kind{kFd, kPtrOut, kSmall, kTimeoutMs, kSigset, kSmall}},
	{nr: 284, name: "eventfd", args: []kind{kInt}, after: afterFD},
	{nr: 288, name: "accept4", args: []kind{kFd, kNullOrBad, kNullOrBad, kFlags}, after: afterFD},
	{nr: 290, name: "eventfd2", args: []kind{kInt, kFlags}, after: afterFD},
	{nr: 291, name: "epoll_create1", args: []kind{kFlags}, after: afterFD},
	{nr: 292, name: "dup3", args: []kind{kFdAny, kFdNew, kFlags}, after: afterFD},
	{nr: 293, name: "pipe2", args: []kind{kPtrOut, kFlags}, after: afterPipe},
	{nr: 302, name: "prlimit64", args: []kind{kPid, kSmall, kNullOrBad, kPtrOut}},
	{nr: 316, name: "renameat2", args: []kind{kAtFd, kPath, kAtFd, kPath, kFlags}},
	{nr: 318, name: "getrandom", args: []kind{kPtrOut, kLen, kFlags}},
	{nr: 439, name: "faccessat2", args: []kind{kAtFd, kPath, kSmall, kAtFlags}},
	{nr: 1000, name: "rt0_trace", args: []kind{kSmall, kInt, kInt}},
}

// implemented marks the numbers in specs.
var implemented = func() map[uintptr]bool {
	m := make(map[uintptr]bool)
	for _, s := range specs {
		m[s.nr] = true
	}
	return m
}()

// mmap flag bits (Linux uapi mman.h).
const (
	mapFixed          = 0x10
	mapFixedNoReplace = 0x100000
)

// fixMmap draws mmap's flags from the bits that matter, keeps MAP_FIXED
// (and MAP_FIXED_NOREPLACE) aimed at the playground or at memory the
// kernel refuses, and bounds the length there.
func fixMmap(f *fuzzer, a *[6]uintptr) {
	fl := pick[uintptr](f, syscall.MAP_PRIVATE, syscall.MAP_PRIVATE, syscall.MAP_SHARED, 3, 0)
	if f.chance(75) { // else a file mapping, of whatever kFd drew
		fl |= syscall.MAP_ANONYMOUS
	}
	for _, b := range []uintptr{mapFixed, mapFixedNoReplace, syscall.MAP_NORESERVE, syscall.MAP_POPULATE,
		syscall.MAP_GROWSDOWN, syscall.MAP_STACK, syscall.MAP_HUGETLB} {
		if f.chance(15) {
			fl |= b
		}
	}
	if f.chance(10) {
		fl |= a[3] // random bits too
	}
	a[3] = fl
	if fl&(mapFixed|mapFixedNoReplace) != 0 || f.chance(50) {
		a[1] = f.memLen(a[0], true)
	} else {
		a[0] = pick(f, 0, a[0], f.u()) // a hint: anywhere
	}
	if f.chance(70) {
		a[4] = ^uintptr(0)
		a[5] = pick[uintptr](f, 0, 0, page, 1)
	}
}

// fixMemLen bounds a memory call's length (see memLen).
func fixMemLen(allowStraddle bool) func(f *fuzzer, a *[6]uintptr) {
	return func(f *fuzzer, a *[6]uintptr) { a[1] = f.memLen(a[0], allowStraddle) }
}

// fixClone clears CLONE_THREAD: gobare makes threads only with CLONE_VM
// and CLONE_THREAD, so the call answers without making one (a thread
// made here would run on a stack it does not own).
func fixClone(f *fuzzer, a *[6]uintptr) { a[0] &^= syscall.CLONE_THREAD }

// fixIoctl draws a request among terminal and file ones; FIONBIO and the
// like only reach the fuzzer's descriptors.
func fixIoctl(f *fuzzer, a *[6]uintptr) {
	a[1] = pick[uintptr](f, syscall.TCGETS, syscall.TCSETS, syscall.TIOCGWINSZ, syscall.TIOCSWINSZ,
		fionread, fionbio, syscall.TIOCGPGRP, 0x5401+f.un(64), a[1])
	if a[0] < 3 || a[1] == fionbio && a[0] == devnull {
		a[1] = pick[uintptr](f, syscall.TCGETS, syscall.TIOCGWINSZ, fionread)
	}
	if a[1] == fionbio {
		a[2] = pick(f, f.badPtr(), constBase) // never clear O_NONBLOCK: the constants start with "/tmp..."
	}
}

// fixFcntl keeps the fuzzer's descriptors non-blocking (F_SETFL always
// keeps O_NONBLOCK) and draws the command among the real ones.
func fixFcntl(f *fuzzer, a *[6]uintptr) {
	a[1] = pick[uintptr](f, syscall.F_DUPFD, syscall.F_GETFD, syscall.F_SETFD, syscall.F_GETFL, syscall.F_SETFL,
		syscall.F_GETLK, syscall.F_SETLK, 1030 /* F_DUPFD_CLOEXEC */, 1031 /* F_SETPIPE_SZ */, 1032, a[1], f.u())
	switch a[1] {
	case syscall.F_SETLKW, 38: // F_OFD_SETLKW would wait for ever on a lock another description holds
		a[1]--
		a[2] = f.ptr(true)
	case syscall.F_SETFL:
		a[2] |= syscall.O_NONBLOCK
	case syscall.F_GETLK, syscall.F_SETLK:
		a[2] = f.ptr(true)
	case syscall.F_DUPFD, 1030:
		a[2] = pick[uintptr](f, 0, 3, uintptr(freeBase), 1<<20, ^uintptr(0))
	}
}

// fixFlock never waits: a lock another description holds would wedge
// the fuzzer.
func fixFlock(f *fuzzer, a *[6]uintptr) { a[1] |= syscall.LOCK_NB }

// afterFcntl closes a descriptor F_DUPFD made.
func afterFcntl(a [6]uintptr, r uintptr, e syscall.Errno) {
	if e == 0 && (a[1] == syscall.F_DUPFD || a[1] == 1030) {
		closeNew(r)
	}
}

// fixTruncate keeps most lengths within what tmpfs holds.
func fixTruncate(f *fuzzer, a *[6]uintptr) {
	if f.chance(70) {
		a[1] = f.un(300 << 10)
	}
}

// fixPrctl leaves out the options that would change the program's
// privileges or memory layout on a kernel that implemented them.
func fixPrctl(f *fuzzer, a *[6]uintptr) {
	if a[0] == 22 || a[0] == 35 { // PR_SET_SECCOMP, PR_SET_MM
		a[0] = 15 // PR_SET_NAME
	}
}

// fixArchPrctl never sets FS or GS (the runtime's thread-local storage).
func fixArchPrctl(f *fuzzer, a *[6]uintptr) {
	a[0] = pick[uintptr](f, 0x1003, 0x1004, 0x1003, 0, 0x1011, 0x3001, a[0]) // GET_FS, GET_GS, GET_CPUID, CET
	switch a[0] {
	case 0x1001, 0x1002, 0x1012, 0x2001, 0x2002, 0x2003: // SET_GS, SET_FS, SET_CPUID, MAP_VDSO_*
		a[0] = 0x1003
	}
}

// fixFutex draws the operation among the ones that cannot wait for long:
// WAIT and WAIT_BITSET always get a timeout (at most 1 ms, relative; an
// absolute one in the past), WAKE variants and invalid numbers anything.
func fixFutex(f *fuzzer, a *[6]uintptr) {
	op := pick[uintptr](f, 0, 0, 1, 1, 9, 10, 3, 4, 5, 14+f.un(100))
	if f.chance(50) {
		op |= 128 // FUTEX_PRIVATE_FLAG
	}
	if f.chance(20) {
		op |= 256 // FUTEX_CLOCK_REALTIME
	}
	a[1] = op
	switch op & 127 {
	case 0, 9:
		if a[3] == 0 {
			a[3] = shortSleeps[0]
		}
		if f.chance(50) && a[0] >= scratchBase && a[0]+4 <= scratchBase+scratchSize {
			if v, ok := readInt32(a[0] &^ 3); ok {
				a[2] = uintptr(uint32(v)) // the value there: the call really waits
			}
		}
	}
}

// fixClockNanosleep: relative sleeps are at most 1 ms, and with
// TIMER_ABSTIME the small times are long past.
func fixClockNanosleep(f *fuzzer, a *[6]uintptr) {
	a[1] = pick[uintptr](f, 0, 1, a[1])
}

// ioctl requests the syscall package does not name (Linux uapi
// asm-generic/ioctls.h).
const (
	fionread = 0x541b
	fionbio  = 0x5421
)
