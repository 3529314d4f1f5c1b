// Command mprotect checks that memory keeps its contents across every
// protection change (Linux's contract for mprotect), that each protection
// is enforced, and that munmap, madvise and mprotect answer bad arguments
// with Linux's errors. It uses syscall.Syscall directly, prints one line
// per check, and ends with "mprotect: done". The test runs it on the host
// too: the lines must be the same on Linux and on gobare.
package main

import (
	"bytes"
	"fmt"
	"os"
	"runtime/debug"
	"syscall"
	"unsafe"
)

const page = 4096

// maxErr is the smallest result that is an error: -4095 (Linux returns
// -errno, and errno is below 4096).
const maxErr = ^uintptr(4094) // -4095

// word is the value written before the protection changes.
const word = 0x1122334455667788

func main() {
	debug.SetPanicOnFault(true)
	oneWord()
	severalPages()
	badArguments()
	readOnlyData()
	fmt.Println("mprotect: done")
}

// rodata's bytes are in the program's read-only data, a page that the
// kernel maps from the program's file (gobare maps the image's frame
// itself, copy on write).
var rodata = "read-only data, patched in memory only"

// readOnlyData writes to a page of the program's read-only data after
// making it writable: the write changes the program's memory, not its
// file.
func readOnlyData() {
	p := (*byte)(unsafe.Pointer(unsafe.StringData(rodata)))
	a := uintptr(unsafe.Pointer(p)) &^ (page - 1)
	fmt.Printf("read-only data: write faults: %v\n", faults(func() { *p = 'R' }))
	mprotect(a, page, syscall.PROT_READ|syscall.PROT_WRITE)
	*p = 'R'
	fmt.Printf("read-only data after mprotect: %s\n", rodata[:9])
	exe, err := os.ReadFile("/proc/self/exe")
	fmt.Printf("read-only data in the file: unchanged: %v (%v)\n", bytes.Contains(exe, []byte("read-only data, patched")), err)
	mprotect(a, page, syscall.PROT_READ)
}

// oneWord writes a word and reads it back after PROT_READ, PROT_NONE and
// PROT_READ|PROT_WRITE.
func oneWord() {
	a := mmap(0, page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANONYMOUS)
	p := wordAt(a)
	*p = word
	fmt.Printf("written: %#x\n", *p)

	mprotect(a, page, syscall.PROT_READ)
	fmt.Printf("PROT_READ: read %#x\n", *p)
	fmt.Printf("PROT_READ: write faults: %v\n", faults(func() { *p = 1 }))
	fmt.Printf("PROT_READ: read %#x\n", *p)

	mprotect(a, page, syscall.PROT_NONE)
	fmt.Printf("PROT_NONE: read faults: %v\n", faults(func() { _ = *p }))
	fmt.Printf("PROT_NONE: write faults: %v\n", faults(func() { *p = 2 }))

	mprotect(a, page, syscall.PROT_READ)
	fmt.Printf("PROT_NONE then PROT_READ: read %#x\n", *p)

	mprotect(a, page, syscall.PROT_READ|syscall.PROT_WRITE)
	fmt.Printf("PROT_READ|PROT_WRITE: read %#x\n", *p)
	*p = word + 1
	fmt.Printf("PROT_READ|PROT_WRITE: wrote and read %#x\n", *p)
	munmap(a, page)
	fmt.Printf("munmap: read faults: %v\n", faults(func() { _ = *p }))
}

// severalPages changes the protection of the middle of a mapping, unmaps
// part of it and discards another part, checking every page each time.
func severalPages() {
	const n = 4
	a := mmap(0, n*page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANONYMOUS)
	at := func(i int) *uint64 { return wordAt(a + uintptr(i)*page + 8) }
	for i := 0; i < n; i++ {
		*at(i) = uint64(i + 1)
	}
	show := func(what string) {
		fmt.Printf("%s:", what)
		for i := 0; i < n; i++ {
			var v uint64
			if faults(func() { v = *at(i) }) {
				fmt.Print(" fault")
			} else {
				fmt.Printf(" %d", v)
			}
		}
		fmt.Println()
	}
	show("pages")
	mprotect(a+page, 2*page, syscall.PROT_NONE)
	show("pages 1-2 PROT_NONE")
	mprotect(a, n*page, syscall.PROT_READ)
	show("all PROT_READ")
	fmt.Printf("page 3 write faults: %v\n", faults(func() { *at(3) = 9 }))
	mprotect(a, n*page, syscall.PROT_READ|syscall.PROT_WRITE)
	munmap(a+page, page)
	show("page 1 unmapped")
	madvise(a+2*page, 2*page, 4) // MADV_DONTNEED
	show("pages 2-3 MADV_DONTNEED")
	*at(3) = 7
	show("page 3 written again")
	fmt.Printf("mprotect over the hole: %s\n", errnoName(sys(syscall.SYS_MPROTECT, a, n*page, syscall.PROT_READ)))
	fmt.Printf("madvise over the hole: %s\n", errnoName(sys(syscall.SYS_MADVISE, a, n*page, 4)))
	show("after the refusals")
	munmap(a, n*page)
}

// badArguments prints the errors for malformed memory calls on the
// program's own half of the address space.
func badArguments() {
	a := mmap(0, 2*page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANONYMOUS)
	const top = 0x0000_8000_0000_0000
	// hole is far from what Linux and gobare map (both place mappings
	// top-down from near the top of the user half).
	const hole = 0x0000_4000_0000_0000
	checks := []struct {
		name string
		r    uintptr
	}{
		{"munmap(misaligned)", sys(syscall.SYS_MUNMAP, a+1, page, 0)},
		{"munmap(length 0)", sys(syscall.SYS_MUNMAP, a, 0, 0)},
		{"munmap(past the user half)", sys(syscall.SYS_MUNMAP, top-page, 2*page, 0)},
		{"munmap(huge length)", sys(syscall.SYS_MUNMAP, a, ^uintptr(0)-page, 0)},
		{"mprotect(misaligned)", sys(syscall.SYS_MPROTECT, a+1, page, syscall.PROT_READ)},
		{"mprotect(length 0)", sys(syscall.SYS_MPROTECT, a, 0, syscall.PROT_READ)},
		{"mprotect(wrapping)", sys(syscall.SYS_MPROTECT, a, ^uintptr(0)-page, syscall.PROT_READ)},
		{"mprotect(bad prot)", sys(syscall.SYS_MPROTECT, a, page, 0x80)},
		{"mprotect(GROWSDOWN|GROWSUP)", sys(syscall.SYS_MPROTECT, a, page, 0x03000000)},
		{"mprotect(unmapped)", sys(syscall.SYS_MPROTECT, hole, page, syscall.PROT_READ)},
		{"mprotect(past the user half)", sys(syscall.SYS_MPROTECT, top, page, syscall.PROT_READ)},
		{"madvise(misaligned)", sys(syscall.SYS_MADVISE, a+1, page, 4)},
		{"madvise(bad advice)", sys(syscall.SYS_MADVISE, a, page, 999)},
		{"madvise(length 0)", sys(syscall.SYS_MADVISE, a, 0, 4)},
		{"madvise(wrapping)", sys(syscall.SYS_MADVISE, a, ^uintptr(0)-page, 4)},
		{"madvise(unmapped)", sys(syscall.SYS_MADVISE, hole, page, 4)},
		{"madvise(past the user half)", sys(syscall.SYS_MADVISE, top, page, 4)},
		{"mmap(length 0)", sys6(syscall.SYS_MMAP, 0, 0, syscall.PROT_READ, syscall.MAP_PRIVATE|syscall.MAP_ANONYMOUS, ^uintptr(0), 0)},
		{"mmap(misaligned offset)", sys6(syscall.SYS_MMAP, 0, page, syscall.PROT_READ, syscall.MAP_PRIVATE|syscall.MAP_ANONYMOUS, ^uintptr(0), 1)},
		{"mmap(no type)", sys6(syscall.SYS_MMAP, 0, page, syscall.PROT_READ, syscall.MAP_ANONYMOUS, ^uintptr(0), 0)},
		{"mmap(MAP_FIXED misaligned)", sys6(syscall.SYS_MMAP, a+1, page, syscall.PROT_READ, syscall.MAP_PRIVATE|syscall.MAP_ANONYMOUS|syscall.MAP_FIXED, ^uintptr(0), 0)},
		{"mmap(MAP_FIXED past the user half)", sys6(syscall.SYS_MMAP, top-page, 2*page, syscall.PROT_READ, syscall.MAP_PRIVATE|syscall.MAP_ANONYMOUS|syscall.MAP_FIXED, ^uintptr(0), 0)},
		{"mmap(MAP_FIXED_NOREPLACE over a mapping)", sys6(syscall.SYS_MMAP, a, page, syscall.PROT_READ, syscall.MAP_PRIVATE|syscall.MAP_ANONYMOUS|0x100000, ^uintptr(0), 0)},
		{"mmap(huge length)", sys6(syscall.SYS_MMAP, 0, ^uintptr(0)-page, syscall.PROT_READ, syscall.MAP_PRIVATE|syscall.MAP_ANONYMOUS, ^uintptr(0), 0)},
	}
	for _, c := range checks {
		fmt.Printf("%s: %s\n", c.name, errnoName(c.r))
	}
	munmap(a, 2*page)
}

// wordAt returns a pointer to the word at addr, memory mmap returned
// (outside the Go heap). It reinterprets the integer's bits, which is
// what converting a system call's result to a pointer amounts to.
func wordAt(addr uintptr) *uint64 { return *(**uint64)(unsafe.Pointer(&addr)) }

// faults reports whether f faulted (a SIGSEGV the runtime turned into a
// panic, as debug.SetPanicOnFault asks).
func faults(f func()) (faulted bool) {
	defer func() {
		if recover() != nil {
			faulted = true
		}
	}()
	f()
	return false
}

// sys makes a system call and returns its raw result (-errno on error).
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

// errnoName names a result: "0", "ok" for another success, or the errno.
func errnoName(r uintptr) string {
	switch e := syscall.Errno(-r); {
	case r == 0:
		return "0"
	case r < maxErr:
		return "ok"
	case e == syscall.EINVAL:
		return "EINVAL"
	case e == syscall.ENOMEM:
		return "ENOMEM"
	case e == syscall.EEXIST:
		return "EEXIST"
	case e == syscall.EPERM:
		return "EPERM"
	case e == syscall.EFAULT:
		return "EFAULT"
	default:
		return fmt.Sprintf("errno %d", int(e))
	}
}

func mmap(addr, length, prot, flags uintptr) uintptr {
	r := sys6(syscall.SYS_MMAP, addr, length, prot, flags, ^uintptr(0), 0)
	check("mmap", r)
	return r
}

func mprotect(addr, length, prot uintptr) {
	check("mprotect", sys(syscall.SYS_MPROTECT, addr, length, prot))
}
func munmap(addr, length uintptr) { check("munmap", sys(syscall.SYS_MUNMAP, addr, length, 0)) }
func madvise(addr, length, advice uintptr) {
	check("madvise", sys(syscall.SYS_MADVISE, addr, length, advice))
}

// check stops the program when a call that must work failed.
func check(what string, r uintptr) {
	if r >= maxErr {
		fmt.Printf("%s failed: %s\n", what, errnoName(r))
		os.Exit(1)
	}
}
