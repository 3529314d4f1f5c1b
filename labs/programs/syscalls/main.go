// Command syscalls is lab 3's program: it makes a few system calls
// directly (syscall.Syscall, no vDSO, no library fallbacks) and prints one
// line per check, "syscalls: NAME: ok" or "syscalls: NAME: FAIL: why",
// then "syscalls: done: N failed". It exits 1 when a check failed.
package main

import (
	"bytes"
	"fmt"
	"os"
	"syscall"
	"unsafe"
)

var failed int

func check(name string, ok bool, format string, args ...any) {
	if ok {
		fmt.Printf("syscalls: %s: ok\n", name)
		return
	}
	failed++
	fmt.Printf("syscalls: %s: FAIL: %s\n", name, fmt.Sprintf(format, args...))
}

func main() {
	msg := []byte("syscalls: write: says hello\n")
	n, _, e := syscall.Syscall(syscall.SYS_WRITE, 1, uintptr(unsafe.Pointer(&msg[0])), uintptr(len(msg)))
	check("write", e == 0 && n == uintptr(len(msg)), "write returned %d, errno %v", n, e)

	pid, _, _ := syscall.RawSyscall(syscall.SYS_GETPID, 0, 0, 0)
	check("getpid", pid == 1, "getpid = %d, want 1 (the first thread's id)", pid)

	var u syscall.Utsname
	_, _, e = syscall.RawSyscall(syscall.SYS_UNAME, uintptr(unsafe.Pointer(&u)), 0, 0)
	str := func(f [65]int8) string {
		b := make([]byte, 0, 65)
		for _, c := range f {
			if c == 0 {
				break
			}
			b = append(b, byte(c))
		}
		return string(b)
	}
	check("uname", e == 0 && str(u.Sysname) == "Linux" && str(u.Machine) == "x86_64",
		"uname: errno %v, sysname %q, machine %q", e, str(u.Sysname), str(u.Machine))

	var a, b [100]byte
	n1, _, e1 := syscall.Syscall(318, uintptr(unsafe.Pointer(&a[0])), uintptr(len(a)), 0) // getrandom
	n2, _, e2 := syscall.Syscall(318, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), 0)
	zero := make([]byte, len(a))
	check("getrandom", e1 == 0 && e2 == 0 && n1 == 100 && n2 == 100 && !bytes.Equal(a[:], zero) && a != b,
		"getrandom returned %d (errno %v) and %d (errno %v); bytes %x...", n1, e1, n2, e2, a[:8])
	_, _, e = syscall.Syscall(318, 8, 16, 0) // a bad buffer
	check("getrandom-efault", e == syscall.EFAULT, "getrandom(0x8, 16) errno %v, want EFAULT", e)

	var t1, t2, rt syscall.Timespec
	_, _, e1 = syscall.Syscall(syscall.SYS_CLOCK_GETTIME, 1, uintptr(unsafe.Pointer(&t1)), 0) // CLOCK_MONOTONIC
	for i := 0; i < 100000; i++ {
	}
	_, _, e2 = syscall.Syscall(syscall.SYS_CLOCK_GETTIME, 1, uintptr(unsafe.Pointer(&t2)), 0)
	check("clock_gettime-monotonic", e1 == 0 && e2 == 0 && t2.Nano() > t1.Nano() && t1.Nano() > 0,
		"CLOCK_MONOTONIC: %v then %v (errno %v, %v)", t1.Nano(), t2.Nano(), e1, e2)
	_, _, e = syscall.Syscall(syscall.SYS_CLOCK_GETTIME, 0, uintptr(unsafe.Pointer(&rt)), 0) // CLOCK_REALTIME
	check("clock_gettime-realtime", e == 0 && rt.Sec > 1577836800 && rt.Nsec >= 0 && rt.Nsec < 1e9,
		"CLOCK_REALTIME: %d.%09d (errno %v), want after 2020 with 0 <= nsec < 1e9", rt.Sec, rt.Nsec, e)
	_, _, e = syscall.Syscall(syscall.SYS_CLOCK_GETTIME, 1, 8, 0)
	check("clock_gettime-efault", e == syscall.EFAULT, "clock_gettime(MONOTONIC, 0x8) errno %v, want EFAULT", e)

	fmt.Printf("syscalls: done: %d failed\n", failed)
	if failed > 0 {
		os.Exit(1)
	}
}
