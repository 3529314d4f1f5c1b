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
// the wait at exit.
var closing bool

// Closing says the program has ended and closed its sockets.
func Closing() { closing = true }

// ClosingKey is the key the program's last thread waits on at exit.
func ClosingKey() uintptr { return vfs.KeyOf(&closing) }

// Open reports whether the service holds an endpoint for some socket.
func Open() bool { return anySlot(func(s *slot) bool { return s.asked }) }

// Lingering reports whether a closed socket still has the service's
// endpoint.
func Lingering() bool {
	return anySlot(func(s *slot) bool { return atomic.LoadUint32(s.word(shutOff))&Released != 0 })
}

// anySlot reports whether a slot the service has not given up (Gone)
// is such that f.
func anySlot(f func(*slot) bool) bool {
	for i := 0; i < slots.Len(); i++ {
		if s := slots.At(i); s.used && s.state()&Gone == 0 && f(s) {
			return true
		}
	}
	return false
}
