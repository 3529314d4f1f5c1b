package vfs

import (
	"unsafe"

	"github.com/gobare/gobare/kernel/sched"
)

// Readiness notifications. A file whose readiness may have changed calls
// Changed with its WaitKey: the threads blocked on it are retried, and so
// are the threads waiting for any change at all (epoll_pwait, which
// watches many files). Generation counts changes, so that an
// edge-triggered epoll interest can tell "something happened since I last
// reported" (reporting too many edges only costs the Go runtime a retry).

var (
	generation uint64 = 1
	anyChange  byte   // its address is the key of "any file changed"
)

// Changed notifies the waiters of key and of any change.
func Changed(key uintptr) {
	generation++
	sched.Notify(key)
	sched.Notify(AnyChangeKey())
}

// Generation returns the number of changes so far.
func Generation() uint64 { return generation }

// AnyChangeKey is the key that every Changed notifies.
func AnyChangeKey() uintptr { return KeyOf(&anyChange) }

// KeyOf turns the address of a kernel object into a wait key.
func KeyOf[T any](p *T) uintptr { return uintptr(unsafe.Pointer(p)) }
