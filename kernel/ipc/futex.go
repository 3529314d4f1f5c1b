package ipc

import "github.com/gobare/gobare/kernel/sched"

// futexKey is the wait key of the futex word at addr in process proc.
// Program addresses are below 1<<47 and kernel objects' keys are their
// kernel addresses; setting bit 63 keeps the two apart, and the process
// number in bits 56-62 keeps apart two programs' words at the same
// address (both are Go programs with the same layout: a private futex is
// private to its address space).
func futexKey(proc uint8, addr uintptr) uintptr { return addr | uintptr(proc&0x7f)<<56 | 1<<63 }

// FutexKey returns the key a FUTEX_WAIT on addr in process proc blocks on.
func FutexKey(proc uint8, addr uintptr) uintptr { return futexKey(proc, addr) }

// FutexWake wakes up to n threads of process proc waiting on the word at
// addr and returns how many it woke.
func FutexWake(proc uint8, addr uintptr, n int) int { return sched.WakeN(futexKey(proc, addr), n) }
