package sockfs

import (
	"sync/atomic"

	"github.com/gobare/gobare/kernel/vfs"
)

// The program's end (kernel/linux/linger.go): its descriptors closed,
// the kernel waits on ClosingKey until the service has finished every
// closed socket — sent its bytes and had its FIN acknowledged, or lost
// the connection — and says so by setting Gone.

// closing: the program has ended; each record from the service wakes
// the wait at exit. reports counts those records: the service at work
// on the closed sockets (a send ring's bytes moved into the stack, an
// endpoint closed, a socket done).
var (
	closing bool
	reports uint64
)

// Reports returns how many records the service has sent since the
// program ended.
func Reports() uint64 { return reports }

// Closing says the program has ended and closed its sockets.
func Closing() { closing = true }

// ClosingKey is the key the program's last thread waits on at exit.
func ClosingKey() uintptr { return vfs.KeyOf(&closing) }

// Open reports whether the service holds an endpoint for some socket.
func Open() bool { return countSlots(func(s *slot) bool { return s.asked }, true) > 0 }

// Lingering counts the closed sockets that still have the service's
// endpoint.
func Lingering() int {
	return countSlots(func(s *slot) bool { return atomic.LoadUint32(s.word(shutOff))&Released != 0 }, false)
}

// countSlots counts the slots the service has not given up (Gone) that
// are such that f, stopping at the first when first.
func countSlots(f func(*slot) bool, first bool) int {
	n := 0
	for i := 0; i < slots.Len() && !(first && n > 0); i++ {
		if s := slots.At(i); s.used && s.state()&Gone == 0 && f(s) {
			n++
		}
	}
	return n
}
