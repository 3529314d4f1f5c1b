// Command regs checks that system calls keep the program's registers:
// for every system call the kernel implements (and a few it does not), it
// loads a sentinel into every general register but RAX, RCX and R11, and
// into X0-X15, sets MXCSR and the x87 control word to values other than
// their defaults, makes the call with harmless arguments through SYSCALL
// (probe_amd64.s), and compares the registers afterwards. The argument
// registers must come back holding the arguments; RSP must be unchanged,
// and so must the status flags (the carry flag among them), MXCSR and the
// control word. X15 must come back 0 (Go's ABIInternal zero register);
// X0-X14 are not kept, a deliberate departure from Linux (README). It
// prints one line per call and a summary:
//
//	regs: 22 pipe: ok (returned 0)
//	regs: 95 calls, 95 kept every register, 0 did not
//
// Calls that cannot return (exit, exit_group, rt_sigreturn) are listed as
// skipped. clone gets flags that make it fail (CLONE_THREAD without
// CLONE_VM and CLONE_SIGHAND): a thread started by this probe would run
// the probe's code after SYSCALL on a stack it does not own.
package main

import (
	"fmt"
	"os"
	"syscall"
	"unsafe"
)

// Slots of probe's in and out arrays (probe_amd64.s).
const (
	nin  = 6 + 32 + 3  // BX, BP, R12-R15, X0-X15, MXCSR, x87 control word, status flags
	nout = 15 + 32 + 2 // 12 registers, SP after and before, status flags, X0-X15, MXCSR, control word
	xout = 15          // first XMM word in out
	cin  = 6 + 32      // MXCSR in in (the control word next)
	cout = 15 + 32     // MXCSR in out (the control word next)
	// Not the defaults (0x1F80, 0x37F): rounding toward zero, and the
	// x87's precision control at 53 bits. Harmless for what runs
	// between the probe's loads and its stores: kernel code and nothing
	// else.
	mxcsr = 0x7F80
	fcw   = 0x027F
)

func probe(nr, a1, a2, a3, a4, a5, a6 uintptr, in *[nin]uint64, out *[nout]uint64) uintptr

// call is one system call to probe: prep returns its arguments (making
// whatever they name), cleanup undoes what the call made. The argument
// registers a call does not use hold sentinels too.
type call struct {
	nr      uintptr
	name    string
	prep    func() []uintptr
	cleanup func(r uintptr)
	skip    string // why the call is not made
}

// Scratch state the calls use.
var (
	buf     [4096]byte
	devnull uintptr
	file    uintptr // /tmp/regs-file, 16 bytes
	tmpdir  uintptr // /tmp, open
	epfd    uintptr
	word    uint32 // a futex word
	pipefds [2]int32
	// Arguments passed by address live here, not in calls(): the kernel
	// gets them as uintptrs, which keep nothing alive, so a local would be
	// dead (its stack frame gone or its memory reused) by the time probe
	// runs.
	timespec = [2]int64{0, 1000} // 1 µs
	event    = [2]uint64{syscall.EPOLLIN, 0}
	iovec    = syscall.Iovec{Base: &buf[0], Len: 8}
)

func main() {
	setup()
	var pass, fail, skipped int
	for _, c := range calls() {
		if c.skip != "" {
			fmt.Printf("regs: %d %s: skipped (%s)\n", c.nr, c.name, c.skip)
			skipped++
			continue
		}
		if bad := run(c); bad != "" {
			fmt.Printf("regs: %d %s: FAIL %s\n", c.nr, c.name, bad)
			fail++
		} else {
			pass++
		}
	}
	syscall.Unlink("/tmp/regs-link")
	syscall.Unlink("/tmp/regs-file")
	fmt.Printf("regs: %d calls, %d kept every register, %d did not, %d skipped\n", pass+fail, pass, fail, skipped)
}

// run probes one call and returns "" or what went wrong.
func run(c call) string {
	var in [nin]uint64
	var out [nout]uint64
	for i := range in {
		in[i] = sentinel(c.nr, i)
	}
	in[cin], in[cin+1] = mxcsr, fcw
	// The status flags (RFLAGS 0x8D5) to make the call with: the carry
	// flag always, and calls with odd and even numbers complementary
	// patterns of the others, so that each is seen set and clear.
	flags := uint64(0x0C4) // PF, ZF, SF
	if c.nr%2 == 1 {
		flags = 0x8D5 &^ flags // AF, OF
	}
	in[cin+2] = flags | 1
	var a [6]uintptr
	for i := range a {
		a[i] = uintptr(sentinel(c.nr, nin+i))
	}
	if c.prep != nil {
		copy(a[:], c.prep())
	}
	r := probe(c.nr, a[0], a[1], a[2], a[3], a[4], a[5], &in, &out)
	if c.cleanup != nil {
		c.cleanup(r)
	}
	want := [...]struct {
		name string
		got  uint64
		want uint64
	}{
		{"RBX", out[0], in[0]}, {"RBP", out[1], in[1]},
		{"RSI", out[2], uint64(a[1])}, {"RDI", out[3], uint64(a[0])}, {"RDX", out[4], uint64(a[2])},
		{"R8", out[5], uint64(a[4])}, {"R9", out[6], uint64(a[5])}, {"R10", out[7], uint64(a[3])},
		{"R12", out[8], in[2]}, {"R13", out[9], in[3]}, {"R14", out[10], in[4]}, {"R15", out[11], in[5]},
		{"RSP", out[12], out[13]}, {"RFLAGS status flags", out[14], in[cin+2]},
		{"X15.lo", out[xout+30], 0}, {"X15.hi", out[xout+31], 0},
		{"MXCSR", out[cout], mxcsr}, {"FCW", out[cout+1], fcw},
	}
	var bad string
	for _, w := range want {
		if w.got != w.want {
			bad += fmt.Sprintf(" %s=%#x(want %#x)", w.name, w.got, w.want)
		}
	}
	if bad != "" {
		return bad[1:]
	}
	fmt.Printf("regs: %d %s: ok (returned %s)\n", c.nr, c.name, result(r))
	return ""
}

// sentinel is the value for slot i in call nr: distinct in every
// register and every call, with high bits set so that truncation to 32
// bits shows.
func sentinel(nr uintptr, i int) uint64 {
	return 0x5eed_0000_0000_0000 | uint64(nr)<<24 | uint64(i+1)<<8 | 0xa5
}

// result shows a system call's result: a number or -ERRNO.
func result(r uintptr) string {
	if r >= ^uintptr(4094) {
		return fmt.Sprintf("-%d %v", -r, syscall.Errno(-r))
	}
	return fmt.Sprint(int64(r))
}

// setup opens the descriptors and makes the files the calls use.
func setup() {
	var err error
	devnull, err = open("/dev/null", syscall.O_RDWR)
	check(err)
	file, err = open("/tmp/regs-file", syscall.O_RDWR|syscall.O_CREAT)
	check(err)
	_, err = syscall.Write(int(file), []byte("0123456789abcdef"))
	check(err)
	tmpdir, err = open("/tmp", syscall.O_RDONLY|syscall.O_DIRECTORY)
	check(err)
	fd, err := syscall.EpollCreate1(0)
	check(err)
	epfd = uintptr(fd)
	syscall.Unlink("/tmp/regs-link")
	check(syscall.Symlink("regs-file", "/tmp/regs-link"))
	check(syscall.Pipe2(pipe2fds(), syscall.O_NONBLOCK))
}

func pipe2fds() []int {
	var p [2]int
	return p[:]
}

func open(path string, flags int) (uintptr, error) {
	fd, err := syscall.Open(path, flags|syscall.O_CLOEXEC, 0o644)
	return uintptr(fd), err
}

func check(err error) {
	if err != nil {
		fmt.Println("regs: setup:", err)
		os.Exit(1)
	}
}

// Helpers for arguments.
func ptr[T any](p *T) uintptr { return uintptr(unsafe.Pointer(p)) }

// str returns a NUL-terminated copy of s that stays alive (package-level
// slice), as an argument.
func str(s string) uintptr {
	b := append([]byte(s), 0)
	keep = append(keep, b)
	return uintptr(unsafe.Pointer(&b[0]))
}

var keep [][]byte

func args(a ...uintptr) func() []uintptr {
	return func() []uintptr { return a }
}

// closeFD closes a descriptor a call returned.
func closeFD(r uintptr) {
	if int64(r) >= 0 {
		syscall.Close(int(r))
	}
}

// closePipe closes the pair pipe or pipe2 wrote.
func closePipe(r uintptr) {
	if r == 0 {
		syscall.Close(int(pipefds[0]))
		syscall.Close(int(pipefds[1]))
	}
}

// scratch maps a fresh page for the memory calls.
func scratch() uintptr {
	a, _, e := syscall.Syscall6(syscall.SYS_MMAP, 0, 4096, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANONYMOUS, ^uintptr(0), 0)
	if e != 0 {
		fmt.Println("regs: mmap:", e)
		os.Exit(1)
	}
	return a
}

func unmap(a uintptr) { syscall.Syscall(syscall.SYS_MUNMAP, a, 4096, 0) }

const atFdcwd = ^uintptr(99) // AT_FDCWD, -100

// calls lists every call to probe, with harmless arguments.
func calls() []call {
	var page uintptr
	var evfd uintptr
	mk := func(path string) func() []uintptr {
		return func() []uintptr {
			fd, _ := open(path, syscall.O_RDWR|syscall.O_CREAT)
			syscall.Close(int(fd))
			return []uintptr{str(path)}
		}
	}
	unlink := func(path string) func(uintptr) { return func(uintptr) { syscall.Unlink(path) } }
	return []call{
		{nr: 0, name: "read", prep: args(devnull, ptr(&buf), 8)},
		{nr: 1, name: "write", prep: args(devnull, ptr(&buf), 8)},
		{nr: 2, name: "open", prep: args(str("/dev/null"), syscall.O_RDONLY), cleanup: closeFD},
		{nr: 3, name: "close", prep: func() []uintptr { fd, _ := syscall.Dup(int(devnull)); return []uintptr{uintptr(fd)} }},
		{nr: 4, name: "stat", prep: args(str("/dev/null"), ptr(&buf))},
		{nr: 5, name: "fstat", prep: args(devnull, ptr(&buf))},
		{nr: 6, name: "lstat", prep: args(str("/tmp/regs-link"), ptr(&buf))},
		{nr: 8, name: "lseek", prep: args(file, 0, 0)},
		{nr: 9, name: "mmap", prep: args(0, 4096, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANONYMOUS, ^uintptr(0), 0), cleanup: unmap},
		{nr: 10, name: "mprotect", prep: func() []uintptr { page = scratch(); return []uintptr{page, 4096, syscall.PROT_READ} }, cleanup: func(uintptr) { unmap(page) }},
		{nr: 11, name: "munmap", prep: func() []uintptr { return []uintptr{scratch(), 4096} }},
		{nr: 12, name: "brk", prep: args(0)},
		{nr: 13, name: "rt_sigaction", prep: args(uintptr(syscall.SIGUSR1), 0, ptr(&buf), 8)},
		{nr: 14, name: "rt_sigprocmask", prep: args(0, 0, ptr(&buf), 8)},
		{nr: 15, name: "rt_sigreturn", skip: "does not return to its caller"},
		{nr: 16, name: "ioctl", prep: args(devnull, syscall.TCGETS, ptr(&buf))},
		{nr: 17, name: "pread64", prep: args(file, ptr(&buf), 8, 0)},
		{nr: 18, name: "pwrite64", prep: args(file, ptr(&buf), 8, 0)},
		{nr: 19, name: "readv", prep: args(devnull, ptr(&iovec), 1)},
		{nr: 20, name: "writev", prep: args(devnull, ptr(&iovec), 1)},
		{nr: 21, name: "access", prep: args(str("/dev/null"), 0)},
		{nr: 22, name: "pipe", prep: args(ptr(&pipefds)), cleanup: closePipe},
		{nr: 24, name: "sched_yield"},
		{nr: 26, name: "msync", prep: func() []uintptr { page = scratch(); return []uintptr{page, 4096, syscall.MS_SYNC} }, cleanup: func(uintptr) { unmap(page) }},
		{nr: 28, name: "madvise", prep: func() []uintptr { page = scratch(); return []uintptr{page, 4096, 4} }, cleanup: func(uintptr) { unmap(page) }},
		{nr: 32, name: "dup", prep: args(devnull), cleanup: closeFD},
		{nr: 33, name: "dup2", prep: args(devnull, 100), cleanup: closeFD},
		{nr: 35, name: "nanosleep", prep: args(ptr(&timespec), 0)},
		{nr: 39, name: "getpid"},
		{nr: 40, name: "sendfile", prep: args(devnull, file, 0, 8)},
		{nr: 41, name: "socket", prep: args(syscall.AF_INET, syscall.SOCK_STREAM, 0), cleanup: closeFD},
		{nr: 42, name: "connect", prep: args(devnull, ptr(&buf), 16)},
		{nr: 43, name: "accept", prep: args(devnull, 0, 0)},
		{nr: 44, name: "sendto", prep: args(devnull, ptr(&buf), 8, 0, 0, 0)},
		{nr: 45, name: "recvfrom", prep: args(devnull, ptr(&buf), 8, syscall.MSG_DONTWAIT, 0, 0)},
		{nr: 46, name: "sendmsg", prep: args(devnull, ptr(&buf), 0)},
		{nr: 47, name: "recvmsg", prep: args(devnull, ptr(&buf), syscall.MSG_DONTWAIT)},
		{nr: 48, name: "shutdown", prep: args(devnull, syscall.SHUT_WR)},
		{nr: 49, name: "bind", prep: args(devnull, ptr(&buf), 16)},
		{nr: 50, name: "listen", prep: args(devnull, 1)},
		{nr: 51, name: "getsockname", prep: args(devnull, ptr(&buf), ptr(&word))},
		{nr: 52, name: "getpeername", prep: args(devnull, ptr(&buf), ptr(&word))},
		{nr: 53, name: "socketpair", prep: args(syscall.AF_UNIX, syscall.SOCK_STREAM, 0, ptr(&pipefds)), cleanup: closePipe},
		{nr: 54, name: "setsockopt", prep: args(devnull, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, ptr(&word), 4)},
		{nr: 55, name: "getsockopt", prep: args(devnull, syscall.SOL_SOCKET, syscall.SO_ERROR, ptr(&buf), ptr(&word))},
		{nr: 56, name: "clone", prep: args(syscall.CLONE_THREAD, 0, 0, 0, 0)},
		{nr: 60, name: "exit", skip: "ends the thread"},
		{nr: 61, name: "wait4", prep: args(^uintptr(0), 0, syscall.WNOHANG, 0)},
		{nr: 62, name: "kill", prep: func() []uintptr { return []uintptr{uintptr(syscall.Getpid()), 0} }},
		{nr: 63, name: "uname", prep: args(ptr(&buf))},
		{nr: 72, name: "fcntl", prep: args(devnull, syscall.F_GETFD)},
		{nr: 73, name: "flock", prep: args(file, syscall.LOCK_SH|syscall.LOCK_NB)},
		{nr: 74, name: "fsync", prep: args(file)},
		{nr: 75, name: "fdatasync", prep: args(file)},
		{nr: 76, name: "truncate", prep: args(str("/tmp/regs-file"), 16)},
		{nr: 77, name: "ftruncate", prep: args(file, 16)},
		{nr: 79, name: "getcwd", prep: args(ptr(&buf), 256)},
		{nr: 80, name: "chdir", prep: args(str("/tmp"))},
		{nr: 81, name: "fchdir", prep: args(tmpdir)},
		{nr: 82, name: "rename", prep: func() []uintptr { a := mk("/tmp/regs-a")(); return []uintptr{a[0], str("/tmp/regs-b")} }, cleanup: unlink("/tmp/regs-b")},
		{nr: 83, name: "mkdir", prep: args(str("/tmp/regs-dir"), 0o755), cleanup: func(uintptr) { syscall.Rmdir("/tmp/regs-dir") }},
		{nr: 84, name: "rmdir", prep: func() []uintptr { syscall.Mkdir("/tmp/regs-dir", 0o755); return []uintptr{str("/tmp/regs-dir")} }},
		{nr: 86, name: "link", prep: args(str("/tmp/regs-file"), str("/tmp/regs-hard")), cleanup: unlink("/tmp/regs-hard")},
		{nr: 87, name: "unlink", prep: mk("/tmp/regs-u")},
		{nr: 88, name: "symlink", prep: args(str("regs-file"), str("/tmp/regs-sym")), cleanup: unlink("/tmp/regs-sym")},
		{nr: 89, name: "readlink", prep: args(str("/tmp/regs-link"), ptr(&buf), 256)},
		{nr: 90, name: "chmod", prep: args(str("/tmp/regs-file"), 0o644)},
		{nr: 91, name: "fchmod", prep: args(file, 0o644)},
		{nr: 93, name: "fchown", prep: args(file, 0, 0)},
		{nr: 95, name: "umask", prep: args(0o022)},
		{nr: 102, name: "getuid"},
		{nr: 104, name: "getgid"},
		{nr: 107, name: "geteuid"},
		{nr: 108, name: "getegid"},
		{nr: 110, name: "getppid"},
		{nr: 115, name: "getgroups", prep: args(0, 0)},
		{nr: 131, name: "sigaltstack", prep: args(0, ptr(&buf))},
		{nr: 157, name: "prctl", prep: args(syscall.PR_GET_NAME, ptr(&buf))},
		{nr: 158, name: "arch_prctl", prep: args(0x1003, ptr(&buf))}, // ARCH_GET_FS
		{nr: 186, name: "gettid"},
		{nr: 200, name: "tkill", prep: func() []uintptr { return []uintptr{uintptr(syscall.Gettid()), 0} }},
		{nr: 202, name: "futex", prep: args(ptr(&word), 129, 1)}, // FUTEX_WAKE_PRIVATE
		{nr: 204, name: "sched_getaffinity", prep: args(0, 8, ptr(&buf))},
		{nr: 217, name: "getdents64", prep: func() []uintptr {
			syscall.Seek(int(tmpdir), 0, 0)
			return []uintptr{tmpdir, ptr(&buf), uintptr(len(buf))}
		}},
		{nr: 228, name: "clock_gettime", prep: args(1, ptr(&buf))},
		{nr: 230, name: "clock_nanosleep", prep: args(1, 0, ptr(&timespec), 0)},
		{nr: 231, name: "exit_group", skip: "ends the program"},
		{nr: 232, name: "epoll_wait", prep: args(epfd, ptr(&buf), 1, 0)},
		{nr: 233, name: "epoll_ctl", prep: func() []uintptr {
			fd, _, _ := syscall.Syscall(syscall.SYS_EVENTFD2, 0, 0, 0)
			evfd = fd
			return []uintptr{epfd, syscall.EPOLL_CTL_ADD, fd, ptr(&event)}
		}, cleanup: func(uintptr) {
			syscall.Syscall6(syscall.SYS_EPOLL_CTL, epfd, syscall.EPOLL_CTL_DEL, evfd, 0, 0, 0)
			closeFD(evfd)
		}},
		{nr: 234, name: "tgkill", prep: func() []uintptr {
			return []uintptr{uintptr(syscall.Getpid()), uintptr(syscall.Gettid()), 0}
		}},
		{nr: 247, name: "waitid", prep: args(0, 0, ptr(&buf), syscall.WEXITED|syscall.WNOHANG, 0)}, // P_ALL
		{nr: 257, name: "openat", prep: args(atFdcwd, str("/dev/null"), syscall.O_RDONLY), cleanup: closeFD},
		{nr: 258, name: "mkdirat", prep: args(atFdcwd, str("/tmp/regs-dir"), 0o755), cleanup: func(uintptr) { syscall.Rmdir("/tmp/regs-dir") }},
		{nr: 260, name: "fchownat", prep: args(atFdcwd, str("/tmp/regs-file"), 0, 0, 0)},
		{nr: 262, name: "newfstatat", prep: args(atFdcwd, str("/tmp/regs-file"), ptr(&buf), 0)},
		{nr: 263, name: "unlinkat", prep: func() []uintptr { a := mk("/tmp/regs-u")(); return []uintptr{atFdcwd, a[0], 0} }},
		{nr: 264, name: "renameat", prep: func() []uintptr {
			a := mk("/tmp/regs-a")()
			return []uintptr{atFdcwd, a[0], atFdcwd, str("/tmp/regs-b")}
		}, cleanup: unlink("/tmp/regs-b")},
		{nr: 265, name: "linkat", prep: args(atFdcwd, str("/tmp/regs-file"), atFdcwd, str("/tmp/regs-hard"), 0), cleanup: unlink("/tmp/regs-hard")},
		{nr: 266, name: "symlinkat", prep: args(str("regs-file"), atFdcwd, str("/tmp/regs-sym")), cleanup: unlink("/tmp/regs-sym")},
		{nr: 267, name: "readlinkat", prep: args(atFdcwd, str("/tmp/regs-link"), ptr(&buf), 256)},
		{nr: 268, name: "fchmodat", prep: args(atFdcwd, str("/tmp/regs-file"), 0o644)},
		{nr: 269, name: "faccessat", prep: args(atFdcwd, str("/tmp/regs-file"), 0)},
		{nr: 275, name: "splice", prep: args(devnull, 0, devnull, 0, 8, 0)},
		{nr: 280, name: "utimensat", prep: args(atFdcwd, str("/tmp/regs-file"), 0, 0)},
		{nr: 281, name: "epoll_pwait", prep: args(epfd, ptr(&buf), 1, 0, 0, 8)},
		{nr: 284, name: "eventfd", prep: args(0), cleanup: closeFD},
		{nr: 288, name: "accept4", prep: args(devnull, 0, 0, 0)},
		{nr: 290, name: "eventfd2", prep: args(0, syscall.O_CLOEXEC), cleanup: closeFD},
		{nr: 291, name: "epoll_create1", prep: args(syscall.EPOLL_CLOEXEC), cleanup: closeFD},
		{nr: 292, name: "dup3", prep: args(devnull, 101, syscall.O_CLOEXEC), cleanup: closeFD},
		{nr: 293, name: "pipe2", prep: args(ptr(&pipefds), syscall.O_CLOEXEC), cleanup: closePipe},
		{nr: 302, name: "prlimit64", prep: args(0, syscall.RLIMIT_NOFILE, 0, ptr(&buf))},
		{nr: 316, name: "renameat2", prep: func() []uintptr {
			a := mk("/tmp/regs-a")()
			return []uintptr{atFdcwd, a[0], atFdcwd, str("/tmp/regs-b"), 0}
		}, cleanup: unlink("/tmp/regs-b")},
		{nr: 318, name: "getrandom", prep: args(ptr(&buf), 16, 0)},
		{nr: 439, name: "faccessat2", prep: args(atFdcwd, str("/tmp/regs-file"), 0, 0)},
		{nr: 452, name: "fchmodat2", prep: args(atFdcwd, str("/tmp/regs-file"), 0o644, 0)},
		{nr: 1000, name: "rt0_trace (gobare's own)", prep: args(0)},
		{nr: 500, name: "(no such call)", prep: args(1, 2, 3, 4, 5, 6)},
		{nr: 1 << 20, name: "(a number past every table)", prep: args(1, 2, 3, 4, 5, 6)},
	}
}
