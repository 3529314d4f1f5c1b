package vfs

import (
	"unsafe"

	"github.com/gobare/gobare/kernel/sched"
)

// Readiness notifications. A file whose readiness may have changed calls
// Changed with its WaitKey: the threads blocked on it are retried, and so
// are the threads waiting for any change at all (epoll_pwait, which
// watches many files). Changes counts each key's changes, so that an
// edge-triggered epoll interest can tell "something happened to this
// file since I last reported". The counts are kept in a small table by a
// hash of the key: keys that share a counter see each other's changes as
// edges of their own, which only costs the Go runtime a retry (a count
// for every key would need a map). Counting per key matters at scale: with
// one count for all, each change anywhere made every ready
// edge-triggered interest — each of 1,000 idle connections, writable —
// be reported again at the next epoll_pwait.

// changeCounters is the table's size (a power of two): 8 KiB.
const changeCounters = 1024

var (
	changes    [changeCounters]uint64
	anyChanges uint64 // every change: the count of AnyChangeKey
	anyChange  byte   // its address is the key of "any file changed"
)

// Changed notifies the waiters of key and of any change.
func Changed(key uintptr) {
	changes[counter(key)]++
	anyChanges++
	sched.Notify(key)
	sched.Notify(AnyChangeKey())
}

// Changes returns how many changes key has seen (with those of the keys
// that share its counter); AnyChangeKey's are all changes.
func Changes(key uintptr) uint64 {
	if key == AnyChangeKey() {
		return anyChanges
	}
	return changes[counter(key)]
}

// counter is key's counter: a Fibonacci hash of the address (Knuth, TAOCP
// Vol. 3 §6.4), whose top bits mix all of its bits.
func counter(key uintptr) int {
	return int(uint64(key) * 0x9e3779b97f4a7c15 >> (64 - 10))
}

// AnyChangeKey is the key that every Changed notifies.
func AnyChangeKey() uintptr { return KeyOf(&anyChange) }

// KeyOf turns the address of a kernel object into a wait key.
func KeyOf[T any](p *T) uintptr { return uintptr(unsafe.Pointer(p)) }
