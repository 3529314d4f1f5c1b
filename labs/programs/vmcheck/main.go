// Command vmcheck is lab 6's program: the program's address space. It
// maps, unmaps, discards and reprotects memory with direct system calls
// and prints one line per check, "vmcheck: NAME: ok" or "vmcheck: NAME:
// FAIL: why", then "vmcheck: done: N failed"; it exits 1 when a check
// failed.
//
// With the argument "write-readonly" it instead writes to a page it made
// read-only and prints "vmcheck: the write went through" if it survives:
// the kernel must end it (Go's runtime reports "unexpected fault address"
// and exits 2 when signals are delivered, the kernel's own report gives
// status 139 when they are not).
package main

import (
	"fmt"
	"os"
	"syscall"
	"unsafe"
)

var failed int

func check(name string, ok bool, format string, args ...any) {
	if ok {
		fmt.Printf("vmcheck: %s: ok\n", name)
		return
	}
	failed++
	fmt.Printf("vmcheck: %s: FAIL: %s\n", name, fmt.Sprintf(format, args...))
}

const page = 4096

func mmap(hint, length uintptr, prot int) (uintptr, syscall.Errno) {
	p, _, e := syscall.Syscall6(syscall.SYS_MMAP, hint, length, uintptr(prot), syscall.MAP_PRIVATE|syscall.MAP_ANONYMOUS, ^uintptr(0), 0)
	return p, e
}

func bytesAt(p, n uintptr) []byte { return unsafe.Slice((*byte)(ptr(p)), n) }

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

func main() {
	rw := syscall.PROT_READ | syscall.PROT_WRITE
	if len(os.Args) > 1 && os.Args[1] == "write-readonly" {
		p, e := mmap(0, page, rw)
		if e != 0 {
			fmt.Println("vmcheck: mmap:", e)
			os.Exit(1)
		}
		bytesAt(p, page)[0] = 1
		_, _, e = syscall.Syscall(syscall.SYS_MPROTECT, p, page, syscall.PROT_READ)
		fmt.Printf("vmcheck: mprotect(PROT_READ) errno %v; writing\n", e)
		bytesAt(p, page)[8] = 2
		fmt.Println("vmcheck: the write went through")
		os.Exit(1)
	}

	// munmap: the range is gone, and a later mapping may take its place.
	// On several CPUs another runtime thread's mmap can take the hole
	// between the two calls (Linux promises nothing there either), so the
	// whole scene is played up to three times before the check fails.
	const n = 16 * page
	var p, q uintptr
	var e, e2 syscall.Errno
	for try := 0; try < 3; try++ {
		p, e = mmap(0, n, rw)
		if e != 0 {
			fmt.Println("vmcheck: mmap:", e)
			os.Exit(1)
		}
		for i := range bytesAt(p, n) {
			bytesAt(p, n)[i] = 0x5a
		}
		_, _, e = syscall.Syscall(syscall.SYS_MUNMAP, p, n, 0)
		if e != 0 {
			break
		}
		q, e2 = mmap(p, n, rw)
		if e2 != 0 || q == p {
			break
		}
		syscall.Syscall(syscall.SYS_MUNMAP, q, n, 0)
	}
	check("munmap", e == 0, "munmap errno %v", e)
	check("munmap-then-mmap-hint", e2 == 0 && q == p && allZero(bytesAt(q, n)), "mmap(hint %#x) after munmap = %#x (errno %v); want the same address, zero-filled", p, q, e2)
	_, _, e = syscall.Syscall(syscall.SYS_MUNMAP, p+1, n, 0)
	check("munmap-misaligned", e == syscall.EINVAL, "munmap(misaligned) errno %v, want EINVAL", e)

	// madvise(MADV_DONTNEED): the pages read as zero afterwards.
	const big = 4 << 20
	m, e := mmap(0, big, rw)
	if e != 0 {
		fmt.Println("vmcheck: mmap:", e)
		os.Exit(1)
	}
	b := bytesAt(m, big)
	for i := 0; i < big; i += 512 {
		b[i] = 0xab
	}
	_, _, e = syscall.Syscall(syscall.SYS_MADVISE, m, big, syscall.MADV_DONTNEED)
	check("madvise-dontneed", e == 0 && allZero(b), "madvise(DONTNEED) errno %v; first byte afterwards %#x (want 0)", e, b[0])
	_, _, e = syscall.Syscall(syscall.SYS_MADVISE, m+1, page, syscall.MADV_DONTNEED)
	check("madvise-misaligned", e == syscall.EINVAL, "madvise(misaligned) errno %v, want EINVAL", e)

	// mprotect: the contents stay; bad arguments get Linux's errors.
	r, _ := mmap(0, page, rw)
	bytesAt(r, page)[0] = 42
	_, _, e = syscall.Syscall(syscall.SYS_MPROTECT, r, page, syscall.PROT_READ)
	check("mprotect-read", e == 0 && bytesAt(r, page)[0] == 42, "mprotect(PROT_READ) errno %v, byte %d (want 42)", e, bytesAt(r, page)[0])
	_, _, e = syscall.Syscall(syscall.SYS_MPROTECT, r, page, 0x1000)
	check("mprotect-bad-prot", e == syscall.EINVAL, "mprotect(prot 0x1000) errno %v, want EINVAL", e)
	_, _, e = syscall.Syscall(syscall.SYS_MPROTECT, 0x10000000000, page, syscall.PROT_READ)
	check("mprotect-hole", e == syscall.ENOMEM, "mprotect(unmapped) errno %v, want ENOMEM", e)
	_, _, e = syscall.Syscall(syscall.SYS_MPROTECT, r, page, uintptr(rw))
	bytesAt(r, page)[1] = 43
	check("mprotect-read-write", e == 0 && bytesAt(r, page)[1] == 43, "mprotect(PROT_READ|PROT_WRITE) errno %v", e)

	fmt.Printf("vmcheck: done: %d failed\n", failed)
	if failed > 0 {
		os.Exit(1)
	}
}

// ptr turns an address the kernel gave into a pointer (the memory is not
// Go's: the garbage collector never sees it).
func ptr(p uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&p)) }
