package main

import (
	"fmt"
	"os"
	"syscall"
	"unsafe"
)

// The fuzzer's own memory: one area, placed with MAP_FIXED_NOREPLACE at
// the first of a few fixed addresses where nothing is mapped (the Go
// runtime places its heap at a random address), with PROT_NONE guard
// pages between its parts so that an access running past a part faults
// instead of reaching anything else:
//
//	scratch     buffers the kernel may write (valid pointers)
//	constants   read-only data the kernel may read: paths, timespecs, a
//	            zero signal mask, epoll events; a string at its very end
//	            has no NUL before the guard page
//	playground  munmap, mprotect, madvise and mmap(MAP_FIXED) aim here
//	            (and at memory the kernel must refuse)
const (
	scratchSize = 64 << 10
	constSize   = 64 << 10
	playSize    = 16 << 20
	areaSize    = page + scratchSize + page + constSize + page + playSize + page
	page        = 4096
)

// The parts' addresses, set by setupMemory.
var (
	area, scratchBase, constBase, playBase, playEnd uintptr
)

// Kernel and address-space constants (kernel/mem, kernel/vm).
const (
	kernelBase    = 0x100000
	programFloor  = 0x400000
	directMapBase = 0xffff_8000_0000_0000
	stackBase     = 0xffff_ff00_0000_0000
	userTop       = 0x0000_8000_0000_0000
	programText   = 0x401000
)

// Addresses of the read-only constants, set by setup.
var (
	paths        []uintptr // NUL-terminated paths
	unterminated uintptr   // a string that runs into an unmapped page
	timespecs    []uintptr // struct timespec values, some invalid
	shortSleeps  []uintptr // the valid ones, at most 1 ms
	zeroMask     uintptr   // an empty sigset_t
	events       []uintptr // struct epoll_event values
)

// pathNames are the paths the calls get. Creating and removing happens
// under /tmp/fz; the rest exercise lookups, the read-only root, devfs,
// symbolic links and long names.
var pathNames = []string{
	"/tmp/fz/a", "/tmp/fz/b", "/tmp/fz/c", "/tmp/fz/d", "/tmp/fz/d/e", "/tmp/fz/link",
	"/tmp/fz", "/tmp", "/", "", ".", "..", "/dev/null", "/dev", "/proc/self/exe",
	"/nonexistent/x", "/tmp/fz/a/", "//tmp//fz//b", "fz/c", "a", "../tmp/fz/c",
	"/tmp/fz/" + string(make255('n')), "/tmp/" + string(makeN('x', 5000)),
	"/tmp/fz/pool1", "/tmp/fz/pool2",
}

func make255(c byte) []byte { return makeN(c, 300) }

func makeN(c byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = c
	}
	return b
}

// setupMemory maps the fuzzer's area and writes the constants.
func setupMemory() {
	for k := uintptr(0); ; k++ {
		if k == 16 {
			fmt.Println("syscallfuzz: setup: no free place for the fuzzer's memory")
			os.Exit(3)
		}
		a := 0x2f00_0000_0000 + k<<40
		r, _, e := syscall.Syscall6(syscall.SYS_MMAP, a, areaSize, syscall.PROT_NONE,
			syscall.MAP_PRIVATE|syscall.MAP_ANONYMOUS|0x100000 /* MAP_FIXED_NOREPLACE */, ^uintptr(0), 0)
		if e == 0 && r == a {
			area = a
			break
		}
	}
	scratchBase = area + page
	constBase = scratchBase + scratchSize + page
	playBase = constBase + constSize + page
	playEnd = playBase + playSize
	protect(scratchBase, scratchSize, syscall.PROT_READ|syscall.PROT_WRITE)
	protect(constBase, constSize, syscall.PROT_READ|syscall.PROT_WRITE)
	protect(playBase, playSize, syscall.PROT_READ|syscall.PROT_WRITE)
	constNext = constBase
	for _, p := range pathNames {
		paths = append(paths, putConst([]byte(p+"\x00")))
	}
	for _, ts := range [][2]int64{{0, 0}, {0, 1}, {0, 1000}, {0, 999_999}, {0, 1_000_000_000}, {-1, 0}, {0, -1}} {
		var b [16]byte
		*(*[2]int64)(unsafe.Pointer(&b)) = ts
		a := putConst(b[:])
		timespecs = append(timespecs, a)
		if ts[0] == 0 && ts[1] >= 0 && ts[1] < 1_000_000 {
			shortSleeps = append(shortSleeps, a)
		}
	}
	zeroMask = putConst(make([]byte, 16))
	for _, ev := range [][2]uint64{{1, 7}, {4, 0}, {0xffff_ffff, 1}, {1 << 31, 2}} { // EPOLLIN, EPOLLOUT, all bits, EPOLLET
		var b [16]byte
		*(*uint32)(unsafe.Pointer(&b)) = uint32(ev[0])
		*(*uint64)(unsafe.Pointer(&b[4])) = ev[1]
		events = append(events, putConst(b[:12]))
	}
	// A string filling the region's end: no NUL before the guard page.
	unterminated = constBase + constSize - 64
	fill(unterminated, makeN('u', 64))
	protect(constBase, constSize, syscall.PROT_READ)
}

// protect sets the protection of part of the fuzzer's area.
func protect(addr, size, prot uintptr) {
	if _, _, e := syscall.Syscall(syscall.SYS_MPROTECT, addr, size, prot); e != 0 {
		fmt.Printf("syscallfuzz: setup: mprotect %#x: %v\n", addr, e)
		os.Exit(3)
	}
}

// constNext is where putConst puts the next constant.
var constNext uintptr

// putConst copies b into the constants region and returns its address.
func putConst(b []byte) uintptr {
	a := constNext
	fill(a, b)
	constNext += uintptr(len(b)+7) &^ 7
	return a
}

// fill copies b to addr. (Not inlined: Go 1.26.8's compiler crashes,
// "disjointTypes: one of arguments is not a pointer", on the inlined copy
// into memory reached through wordAt.)
//
//go:noinline
func fill(addr uintptr, b []byte) { copy(bytesAt(addr, len(b)), b) }

// bytesAt views n bytes of the fuzzer's memory at addr.
func bytesAt(addr uintptr, n int) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(wordAt(addr))), n)
}

// resetPlayground maps the playground afresh, read/write, so that the
// regions the fuzzing split merge again and no frame stays held.
func resetPlayground() {
	flags := uintptr(syscall.MAP_PRIVATE | syscall.MAP_ANONYMOUS | syscall.MAP_FIXED)
	syscall.Syscall6(syscall.SYS_MMAP, playBase, playSize, syscall.PROT_READ|syscall.PROT_WRITE, flags, ^uintptr(0), 0)
}

// ours reports whether [addr, addr+n) is the fuzzer's memory, where a
// result the kernel wrote may be read back.
func ours(addr, n uintptr) bool {
	in := func(base, size uintptr) bool { return addr >= base && addr+n <= base+size && addr+n >= addr }
	return in(scratchBase, scratchSize) || in(playBase, playSize)
}

// readInt32 reads a word the kernel may have written into the fuzzer's
// memory; ok is false if the memory cannot be read (a PROT_NONE page of
// the playground).
func readInt32(addr uintptr) (v int32, ok bool) {
	if !ours(addr, 4) {
		return 0, false
	}
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return *(*int32)(unsafe.Pointer(wordAt(addr))), true
}
