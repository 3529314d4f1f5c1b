// Command kernelmem aims memory calls and pointer arguments at the
// kernel's own memory — its image at 1 MiB, the direct map of all RAM in
// the upper half, its stacks — and prints what each call answered. Every
// call must be refused with an error (gobare's kernel is in the program's
// address space, so nothing but the kernel's checks stands in the way),
// and the program must go on running: it ends with "kernelmem: done".
//
// It only makes sense on gobare: it reads the kernel's image directly
// (the program runs in ring 0) to check that no call wrote it.
package main

import (
	"fmt"
	"hash/fnv"
	"os"
	"runtime/debug"
	"syscall"
	"unsafe"
)

// Kernel addresses (kernel/mem/kernelspace.go).
const (
	kernelBase    = 0x100000              // the image, linked and mapped 1:1
	programFloor  = 0x400000              // the end of the image's part
	directMapBase = 0xffff_8000_0000_0000 // physical address p at directMapBase+p
	stackBase     = 0xffff_ff00_0000_0000 // kernel stacks, a guard page first
	userTop       = 0x0000_8000_0000_0000
	page          = 4096
)

// target is a range of kernel memory.
type target struct {
	name         string
	addr, length uintptr
}

var targets = []target{
	{"null page", 0, page},
	{"image", kernelBase, programFloor - kernelBase},
	{"image page", kernelBase + page, page},
	{"image's last page", programFloor - page, page},
	{"direct map", directMapBase, 2 << 20},
	{"direct map of the image", directMapBase + kernelBase + page, page},
	{"kernel stacks", stackBase, 16 * page},
	{"kernel stack page", stackBase + page, page},
}

// pointers are the addresses given to calls that write through a pointer.
var pointers = []target{
	{"image page", kernelBase + page, 0},
	{"direct map of the image", directMapBase + kernelBase + page, 0},
	{"kernel stack page", stackBase + page, 0},
	{"null page", 8, 0},
}

func main() {
	debug.SetPanicOnFault(true)
	before := imageSum()
	memoryCalls()
	straddling()
	brk()
	pointerCalls()
	fmt.Printf("kernel image unchanged: %v\n", imageSum() == before)
	fmt.Println("kernelmem: done")
}

// memoryCalls aims munmap, mprotect, madvise and mmap at every target.
func memoryCalls() {
	for _, t := range targets {
		show("munmap", t.name, sys(syscall.SYS_MUNMAP, t.addr, t.length, 0))
		show("mprotect(PROT_NONE)", t.name, sys(syscall.SYS_MPROTECT, t.addr, t.length, syscall.PROT_NONE))
		show("mprotect(PROT_READ|PROT_WRITE|PROT_EXEC)", t.name, sys(syscall.SYS_MPROTECT, t.addr, t.length, 7))
		show("madvise(MADV_DONTNEED)", t.name, sys(syscall.SYS_MADVISE, t.addr, t.length, 4))
		show("madvise(MADV_FREE)", t.name, sys(syscall.SYS_MADVISE, t.addr, t.length, 8))
		anon := uintptr(syscall.MAP_PRIVATE | syscall.MAP_ANONYMOUS)
		show("mmap(MAP_FIXED)", t.name, sys6(syscall.SYS_MMAP, t.addr, t.length, 3, anon|syscall.MAP_FIXED, ^uintptr(0), 0))
		show("mmap(MAP_FIXED_NOREPLACE)", t.name, sys6(syscall.SYS_MMAP, t.addr, t.length, 3, anon|0x100000, ^uintptr(0), 0))
		r := sys6(syscall.SYS_MMAP, t.addr, t.length, 3, anon, ^uintptr(0), 0)
		if isErr(r) {
			show("mmap(hint)", t.name, r)
		} else {
			fmt.Printf("mmap(hint) %s: placed in the program's part: %v\n", t.name, r >= programFloor && r+t.length <= userTop)
			*wordAt(r) = 1 // the new mapping works
			sys(syscall.SYS_MUNMAP, r, t.length, 0)
		}
	}
}

// straddling aims at a range that begins in the kernel's image and ends
// in the program's first page: nothing may change, the program's own
// page included.
func straddling() {
	const addr, length = programFloor - page, 2 * page
	first := *wordAt(programFloor)
	show("munmap", "image and program", sys(syscall.SYS_MUNMAP, addr, length, 0))
	show("mprotect(PROT_NONE)", "image and program", sys(syscall.SYS_MPROTECT, addr, length, syscall.PROT_NONE))
	anon := uintptr(syscall.MAP_PRIVATE | syscall.MAP_ANONYMOUS | syscall.MAP_FIXED)
	show("mmap(MAP_FIXED)", "image and program", sys6(syscall.SYS_MMAP, addr, length, 3, anon, ^uintptr(0), 0))
	fmt.Printf("program's first page unchanged: %v\n", *wordAt(programFloor) == first)
}

// brk asks for a break inside the kernel's image and in the direct map.
// Linux's brk never fails with an error: it returns the old break when it
// cannot move it. Either answer is a refusal; moving there is not.
func brk() {
	for _, t := range []target{targets[1], targets[4]} {
		r := sys(syscall.SYS_BRK, t.addr+page, 0, 0)
		switch {
		case isErr(r):
			fmt.Printf("brk %s: refused (%s)\n", t.name, errnoName(r))
		case r != t.addr+page:
			fmt.Printf("brk %s: refused (the break stays at %#x)\n", t.name, r)
		default:
			fmt.Printf("brk %s: MOVED THERE\n", t.name)
		}
	}
}

// pointerCalls gives kernel addresses to calls that write (or read) a
// buffer; each must answer EFAULT.
func pointerCalls() {
	var p [2]int32
	check("pipe2", sys(syscall.SYS_PIPE2, uintptr(unsafe.Pointer(&p)), syscall.O_CLOEXEC, 0))
	dirfd := sys(syscall.SYS_OPENAT, uintptr(atFdcwd), uintptr(unsafe.Pointer(&[]byte("/tmp\x00")[0])), syscall.O_RDONLY|syscall.O_DIRECTORY)
	check("openat /tmp", dirfd)
	// A file in /tmp, so that getdents64 has an entry to write and pread64
	// bytes to copy.
	file := sys6(syscall.SYS_OPENAT, uintptr(atFdcwd), uintptr(unsafe.Pointer(&[]byte("/tmp/kernelmem\x00")[0])), syscall.O_RDWR|syscall.O_CREAT, 0o644, 0, 0)
	check("openat /tmp/kernelmem", file)
	check("write /tmp/kernelmem", sys(syscall.SYS_WRITE, file, uintptr(unsafe.Pointer(&[]byte("0123456789abcdef")[0])), 16))
	epfd := sys(syscall.SYS_EPOLL_CREATE1, 0, 0, 0)
	check("epoll_create1", epfd)
	slash := uintptr(unsafe.Pointer(&[]byte("/tmp\x00")[0]))
	short := uintptr(unsafe.Pointer(&[2]int64{0, 1}))
	for _, t := range pointers {
		a := t.addr
		sys(syscall.SYS_WRITE, uintptr(p[1]), uintptr(unsafe.Pointer(&[1]byte{'x'})), 1)
		calls := []struct {
			name string
			r    uintptr
		}{
			{"write", sys(syscall.SYS_WRITE, 1, a, 16)},
			{"read(pipe)", sys(syscall.SYS_READ, uintptr(p[0]), a, 1)},
			{"pread64(file)", sys6(syscall.SYS_PREAD64, file, a, 16, 0, 0, 0)},
			{"uname", sys(syscall.SYS_UNAME, a, 0, 0)},
			{"clock_gettime", sys(syscall.SYS_CLOCK_GETTIME, 1, a, 0)},
			{"getrandom", sys(318, a, 16, 0)},
			{"pipe2", sys(syscall.SYS_PIPE2, a, 0, 0)},
			{"rt_sigprocmask(oldset)", sys6(syscall.SYS_RT_SIGPROCMASK, 0, 0, a, 8, 0, 0)},
			{"rt_sigprocmask(set)", sys6(syscall.SYS_RT_SIGPROCMASK, 0, a, 0, 8, 0, 0)},
			{"rt_sigaction(oldact)", sys6(syscall.SYS_RT_SIGACTION, uintptr(syscall.SIGUSR1), 0, a, 8, 0, 0)},
			{"rt_sigaction(act)", sys6(syscall.SYS_RT_SIGACTION, uintptr(syscall.SIGUSR1), a, 0, 8, 0, 0)},
			{"sigaltstack(old)", sys(syscall.SYS_SIGALTSTACK, 0, a, 0)},
			{"sigaltstack(new)", sys(syscall.SYS_SIGALTSTACK, a, 0, 0)},
			{"arch_prctl(ARCH_GET_FS)", sys(syscall.SYS_ARCH_PRCTL, 0x1003, a, 0)},
			{"nanosleep", sys(syscall.SYS_NANOSLEEP, a, 0, 0)},
			{"clock_nanosleep", sys6(syscall.SYS_CLOCK_NANOSLEEP, 1, 0, a, 0, 0, 0)},
			{"getcwd", sys(syscall.SYS_GETCWD, a, 256, 0)},
			{"fstat", sys(syscall.SYS_FSTAT, 1, a, 0)},
			{"newfstatat(statbuf)", sys6(syscall.SYS_NEWFSTATAT, uintptr(atFdcwd), slash, a, 0, 0, 0)},
			{"newfstatat(path)", sys6(syscall.SYS_NEWFSTATAT, uintptr(atFdcwd), a, uintptr(unsafe.Pointer(&syscall.Stat_t{})), 0, 0, 0)},
			{"openat(path)", sys6(syscall.SYS_OPENAT, uintptr(atFdcwd), a, 0, 0, 0, 0)},
			{"readlinkat(buf)", sys6(syscall.SYS_READLINKAT, uintptr(atFdcwd), uintptr(unsafe.Pointer(&[]byte("/proc/self/exe\x00")[0])), a, 64, 0, 0)},
			{"getdents64", sys(syscall.SYS_GETDENTS64, dirfd, a, 4096)},
			{"prlimit64(old)", sys6(syscall.SYS_PRLIMIT64, 0, 7, 0, a, 0, 0)},
			{"prlimit64(new)", sys6(syscall.SYS_PRLIMIT64, 0, 7, a, 0, 0, 0)},
			{"chmod(path)", sys(syscall.SYS_CHMOD, a, 0o644, 0)},
			{"fchmodat(path)", sys6(syscall.SYS_FCHMODAT, uintptr(atFdcwd), a, 0o644, 0, 0, 0)},
			{"fchownat(path)", sys6(syscall.SYS_FCHOWNAT, uintptr(atFdcwd), a, 0, 0, 0, 0)},
			{"utimensat(path)", sys6(syscall.SYS_UTIMENSAT, uintptr(atFdcwd), a, 0, 0, 0, 0)},
			{"sched_getaffinity", sys(syscall.SYS_SCHED_GETAFFINITY, 0, 8, a)},
			{"futex(FUTEX_WAIT)", sys6(syscall.SYS_FUTEX, a, 128, 0, short, 0, 0)},
			{"epoll_ctl(event)", sys6(syscall.SYS_EPOLL_CTL, epfd, 1, uintptr(p[0]), a, 0, 0)},
		}
		for _, c := range calls {
			show(c.name, t.name, c.r)
		}
		lseek(dirfd)
	}
}

// lseek rewinds a directory so getdents64 has something to write.
func lseek(fd uintptr) { sys(syscall.SYS_LSEEK, fd, 0, 0) }

// atFdcwd is AT_FDCWD (-100) as a system call argument.
const atFdcwd = -100 & (1<<64 - 1)

// imageSum hashes the read-only parts of the kernel's image (text and
// read-only data), which no system call may change: it reads the
// kernel's own ELF header, which the loader put at kernelBase, and hashes
// each PT_LOAD segment without PF_W (System V gABI, "Program Header").
// The program runs in ring 0, so it can read the kernel's pages.
func imageSum() uint64 {
	h := fnv.New64a()
	phoff := *wordAt(kernelBase + 0x20)
	phnum := *wordAt(kernelBase + 0x38) & 0xffff
	for i := uintptr(0); i < uintptr(phnum); i++ {
		ph := kernelBase + uintptr(phoff) + i*56
		typeFlags := *wordAt(ph) // p_type, then p_flags
		vaddr, memsz := *wordAt(ph + 16), *wordAt(ph + 40)
		if typeFlags&0xffffffff != 1 || typeFlags>>32&2 != 0 { // PT_LOAD, not PF_W
			continue
		}
		b := unsafe.Slice((*byte)(unsafe.Pointer(wordAt(uintptr(vaddr)))), memsz)
		if !readable(b) {
			fmt.Printf("kernel segment at %#x is not readable\n", vaddr)
			os.Exit(1)
		}
		h.Write(b)
	}
	return h.Sum64()
}

// readable reports whether b's first byte can be read.
func readable(b []byte) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	sink = b[0]
	return true
}

// sink keeps readable's load from being optimised away: it is only
// written, on purpose.
//
//lint:ignore U1000 written only, so that the load happens
var sink byte

// show prints one call's answer.
func show(call, target string, r uintptr) {
	fmt.Printf("%s %s: %s\n", call, target, errnoName(r))
}

// wordAt returns a pointer to the word at addr (memory outside the Go
// heap), reinterpreting the integer's bits.
func wordAt(addr uintptr) *uint64 { return *(**uint64)(unsafe.Pointer(&addr)) }

// maxErr is the smallest result that is an error, -4095.
const maxErr = ^uintptr(4094)

func isErr(r uintptr) bool { return r >= maxErr }

func sys(nr, a1, a2, a3 uintptr) uintptr {
	r, _, e := syscall.Syscall(nr, a1, a2, a3)
	if e != 0 {
		return -uintptr(e)
	}
	return r
}

func sys6(nr, a1, a2, a3, a4, a5, a6 uintptr) uintptr {
	r, _, e := syscall.Syscall6(nr, a1, a2, a3, a4, a5, a6)
	if e != 0 {
		return -uintptr(e)
	}
	return r
}

// errnoName names a result: "ok" for success, else the errno's name.
func errnoName(r uintptr) string {
	if !isErr(r) {
		return "ok"
	}
	e := syscall.Errno(-r)
	for _, n := range []struct {
		e    syscall.Errno
		name string
	}{
		{syscall.EPERM, "EPERM"}, {syscall.ENOENT, "ENOENT"}, {syscall.EBADF, "EBADF"},
		{syscall.EAGAIN, "EAGAIN"}, {syscall.ENOMEM, "ENOMEM"}, {syscall.EFAULT, "EFAULT"},
		{syscall.EEXIST, "EEXIST"}, {syscall.EINVAL, "EINVAL"}, {syscall.ENOSYS, "ENOSYS"},
		{syscall.ERANGE, "ERANGE"}, {syscall.ENOTTY, "ENOTTY"}, {syscall.ETIMEDOUT, "ETIMEDOUT"},
		{syscall.EISDIR, "EISDIR"}, {syscall.ENOTDIR, "ENOTDIR"}, {syscall.ESRCH, "ESRCH"},
	} {
		if e == n.e {
			return n.name
		}
	}
	return fmt.Sprintf("errno %d", int(e))
}

// check stops the program when a call it needs failed.
func check(what string, r uintptr) {
	if isErr(r) {
		fmt.Printf("%s failed: %s\n", what, errnoName(r))
		os.Exit(1)
	}
}
