// Command sleeps is lab 5's program: threads that wait. It calls
// nanosleep, clock_nanosleep (relative and TIMER_ABSTIME) and futex
// (FUTEX_WAIT with a relative timeout, FUTEX_WAIT_BITSET with an absolute
// one, and a wake from another thread) directly, and measures each wait
// with the monotonic clock. One line per check, "sleeps: NAME: ok" or
// "sleeps: NAME: FAIL: why", then "sleeps: done: N failed"; it exits 1
// when a check failed. A watchdog ends it after 10 s, for a wait that never
// ends.
package main

import (
	"fmt"
	"os"
	"runtime"
	"syscall"
	"time"
	"unsafe"
)

var failed int

func check(name string, ok bool, format string, args ...any) {
	if ok {
		fmt.Printf("sleeps: %s: ok\n", name)
		return
	}
	failed++
	fmt.Printf("sleeps: %s: FAIL: %s\n", name, fmt.Sprintf(format, args...))
}

const (
	futexWait        = 0
	futexWake        = 1
	futexWaitBitset  = 9
	futexPrivate     = 128
	clockMonotonic   = 1
	timerAbstime     = 1
	sysClockNanoslp  = 230
	futexBitsetMatch = 0xffffffff
)

// waited runs f and returns how long it took.
func waited(f func()) time.Duration {
	t := time.Now()
	f()
	return time.Since(t)
}

// waitedSince runs f and returns how long since start (a monotonicNow)
// it returned: an absolute deadline is start + the wait, so the time
// between reading the clock for it and the call (the virtual CPU may
// stall there on a busy host) counts as waiting, as it does for the kernel.
func waitedSince(start int64, f func()) time.Duration {
	f()
	return time.Duration(monotonicNow() - start)
}

// nanotime is the runtime's monotonic clock: CLOCK_MONOTONIC, read through
// the vDSO (not the clock_gettime system call, which is lab 3's).
//
//go:linkname nanotime runtime.nanotime
func nanotime() int64

func monotonicNow() int64 { return nanotime() }

// Linux does not restart nanosleep, clock_nanosleep or a timed futex wait
// after a signal handler ran: the call fails with EINTR (signal(7),
// "Interruption of system calls"), and the program waits again for what
// is left, as the Go runtime does. On several CPUs the runtime's SIGURG
// can land on the thread that waits, so each check below waits that way.

// relative repeats wait, given the part of want not yet waited, until it
// ends with something other than EINTR.
func relative(want time.Duration, wait func(ts *syscall.Timespec) syscall.Errno) syscall.Errno {
	start := monotonicNow()
	for {
		ts := syscall.NsecToTimespec(max(0, int64(want)-(monotonicNow()-start)))
		if e := wait(&ts); e != syscall.EINTR {
			return e
		}
	}
}

// absolute repeats wait, whose deadline is fixed, until it ends with
// something other than EINTR.
func absolute(wait func() syscall.Errno) syscall.Errno {
	for {
		if e := wait(); e != syscall.EINTR {
			return e
		}
	}
}

func main() {
	time.AfterFunc(10*time.Second, func() {
		fmt.Println("sleeps: watchdog: FAIL: a wait did not end within 10 s")
		os.Exit(1)
	})
	const want = 60 * time.Millisecond
	ts := syscall.NsecToTimespec(int64(want))

	var e syscall.Errno
	d := waited(func() {
		e = relative(want, func(ts *syscall.Timespec) syscall.Errno {
			_, _, e := syscall.Syscall(syscall.SYS_NANOSLEEP, uintptr(unsafe.Pointer(ts)), 0, 0)
			return e
		})
	})
	check("nanosleep", e == 0 && d >= want-5*time.Millisecond && d < want+2*time.Second, "nanosleep(60ms) took %v (errno %v)", d, e)

	d = waited(func() {
		e = relative(want, func(ts *syscall.Timespec) syscall.Errno {
			_, _, e := syscall.Syscall6(sysClockNanoslp, clockMonotonic, 0, uintptr(unsafe.Pointer(ts)), 0, 0, 0)
			return e
		})
	})
	check("clock_nanosleep-relative", e == 0 && d >= want-5*time.Millisecond && d < want+2*time.Second, "clock_nanosleep(MONOTONIC, 0, 60ms) took %v (errno %v)", d, e)

	start := monotonicNow()
	abs := syscall.NsecToTimespec(start + int64(want))
	d = waitedSince(start, func() {
		e = absolute(func() syscall.Errno {
			_, _, e := syscall.Syscall6(sysClockNanoslp, clockMonotonic, timerAbstime, uintptr(unsafe.Pointer(&abs)), 0, 0, 0)
			return e
		})
	})
	check("clock_nanosleep-abstime", e == 0 && d >= want-5*time.Millisecond && d < want+2*time.Second, "clock_nanosleep(MONOTONIC, TIMER_ABSTIME, now+60ms) took %v (errno %v)", d, e)

	var word uint32 = 7
	d = waited(func() {
		e = relative(want, func(ts *syscall.Timespec) syscall.Errno {
			_, _, e := syscall.Syscall6(syscall.SYS_FUTEX, uintptr(unsafe.Pointer(&word)), futexWait|futexPrivate, 7, uintptr(unsafe.Pointer(ts)), 0, 0)
			return e
		})
	})
	check("futex-wait-timeout", e == syscall.ETIMEDOUT && d >= want-5*time.Millisecond && d < want+2*time.Second, "FUTEX_WAIT(60ms) took %v, errno %v (want ETIMEDOUT)", d, e)

	start = monotonicNow()
	abs = syscall.NsecToTimespec(start + int64(want))
	d = waitedSince(start, func() {
		e = absolute(func() syscall.Errno {
			_, _, e := syscall.Syscall6(syscall.SYS_FUTEX, uintptr(unsafe.Pointer(&word)), futexWaitBitset|futexPrivate, 7, uintptr(unsafe.Pointer(&abs)), 0, futexBitsetMatch)
			return e
		})
	})
	check("futex-wait-bitset-abstime", e == syscall.ETIMEDOUT && d >= want-5*time.Millisecond && d < want+2*time.Second, "FUTEX_WAIT_BITSET(now+60ms) took %v, errno %v (want ETIMEDOUT)", d, e)

	_, _, e = syscall.Syscall6(syscall.SYS_FUTEX, uintptr(unsafe.Pointer(&word)), futexWait|futexPrivate, 8, uintptr(unsafe.Pointer(&ts)), 0, 0)
	check("futex-wait-changed", e == syscall.EAGAIN, "FUTEX_WAIT on a word that is not the expected value: errno %v, want EAGAIN", e)

	// A wake from another thread ends a wait with no timeout.
	var gate uint32
	woke := make(chan syscall.Errno)
	go func() {
		runtime.LockOSThread()
		_, _, e := syscall.Syscall6(syscall.SYS_FUTEX, uintptr(unsafe.Pointer(&gate)), futexWait|futexPrivate, 0, 0, 0, 0)
		woke <- e
	}()
	time.Sleep(50 * time.Millisecond)
	var n uintptr
	for i := 0; i < 100 && n == 0; i++ {
		n, _, _ = syscall.Syscall6(syscall.SYS_FUTEX, uintptr(unsafe.Pointer(&gate)), futexWake|futexPrivate, 1, 0, 0, 0)
		if n == 0 {
			time.Sleep(10 * time.Millisecond)
		}
	}
	e = <-woke
	check("futex-wake", n == 1 && e == 0, "FUTEX_WAKE woke %d, the waiter returned errno %v", n, e)

	fmt.Printf("sleeps: done: %d failed\n", failed)
	if failed > 0 {
		os.Exit(1)
	}
}
