package ipc

import "github.com/gobare/gobare/kernel/sched"

// futexKey is the wait key of the futex word at addr. Program addresses
// are below 1<<47 and kernel objects' keys are their kernel addresses;
// setting bit 63 keeps the two apart.
func futexKey(addr uintptr) uintptr { return addr | 1<<63 }

// FutexKey returns the key a FUTEX_WAIT on addr blocks on.
func FutexKey(addr uintptr) uintptr { return futexKey(addr) }

// FutexWake wakes up to n threads waiting on the word at addr and returns
// how many it woke.
func FutexWake(addr uintptr, n int) int { return sched.WakeN(futexKey(addr), n) }
