// Package spin owns the kernel's spinlocks: a word that one CPU at a time
// sets from 0 to 1 with an atomic compare-and-exchange (LOCK CMPXCHG,
// Intel SDM Vol. 3A §8.1.2.2) while the others wait: first in a loop of
// loads and PAUSE, then, if the wait goes on, halted until the holder
// lets go and wakes them with an interrupt. The kernel has one
// lock, Kernel; see docs/design.md, "Processors", for what it protects and
// the rules around it.
package spin

import (
	"math/bits"
	"sync/atomic"
	"unsafe"

	"github.com/gobare/gobare/kernel/cpu"
	"github.com/gobare/gobare/kernel/percpu"
)

// Lock is a spinlock. Its holder must keep interrupts off: an interrupt
// handler that wanted the same lock on the same CPU would wait forever.
type Lock struct {
	held atomic.Uint32
	// sleepers has a bit per CPU halted waiting for the lock.
	sleepers atomic.Uint64
	// Spins counts the TSC cycles CPUs spent waiting for the lock, and
	// Contended the acquisitions that had to wait (for stats); both are
	// written by the new holder only.
	Spins, Contended uint64
	// Halts counts the waiters' halts (for stats), which the waiters
	// count themselves, without the lock.
	Halts atomic.Uint64
}

// Kernel is the big kernel lock: every kernel entry takes it (trap's
// dispatch) and holds it until it leaves.
var Kernel Lock

// Wake sends CPU cpu the interrupt that ends its sleep (the kernel sets it,
// once the other CPUs run, to an inter-processor interrupt of vector
// trap.VectorLockWake).
var Wake func(cpu int)

// spinCycles is how long a waiter spins before it halts: kernel entries
// take microseconds, but a CPU that is a thread of an emulator or a
// hypervisor can be descheduled while it holds the lock, and a waiter
// that spins then only takes the host's time from it.
const spinCycles = 50_000

// Acquire takes l, calling poll on each turn of the spin: work a waiting
// CPU must still do for others (answer a TLB shootdown) or they could wait
// for it while it waits for them. (A halted waiter does that work in the
// NMI that interrupts it, since NMIs end its halt too.) The free lock's
// case, one locked exchange, is
// small enough to be inlined into every kernel entry; acquire waits.
func (l *Lock) Acquire(poll func()) {
	if !l.held.CompareAndSwap(0, 1) {
		l.acquire(poll)
	}
}

func (l *Lock) acquire(poll func()) {
	start := cpu.Rdtsc()
	for {
		// Spin on a plain load, which keeps the cache line shared, and
		// only try the locked exchange when the lock looks free.
		for l.held.Load() != 0 {
			if poll != nil {
				poll()
			}
			if Wake != nil && cpu.Rdtsc()-start > spinCycles {
				l.sleep()
			}
			cpu.Pause()
		}
		if l.held.CompareAndSwap(0, 1) {
			break
		}
	}
	l.Spins += cpu.Rdtsc() - start
	l.Contended++
}

// sleep halts this CPU while l is held; Release wakes it with an
// interrupt. The bit is set before the lock is looked at again, and
// Release clears the lock before it looks at the bits (both atomic
// exchanges, full barriers), so either the waiter sees the lock free or
// Release sees the bit and sends the wake-up, which ends the halt even if
// it comes between the look and the HLT (sleepWhile).
//
// Only the waiter clears its bit, once it is awake. Were Release to clear
// it, a release could clear the bit of a waiter that has just set it
// again (woken by an earlier release, it found the lock taken once more)
// and wake it before it reached sleepWhile; had a third CPU taken the
// lock meanwhile, the waiter would halt with no bit for the next release
// to see.
func (l *Lock) sleep() {
	bit := uint64(1) << uint(percpu.ID())
	l.sleepers.Or(bit)
	l.Halts.Add(1)
	sleepWhile((*uint32)(unsafe.Pointer(&l.held)))
	l.sleepers.And(^bit)
}

// Release lets the next CPU take l, and wakes every CPU halted waiting for
// it (at most the machine's few CPUs; the first to get there takes it, the
// others halt again). Waking one would leave the lock idle whenever that
// one is slow to run — under an emulator, a host thread the host has not
// scheduled. The atomic store orders every write made under the lock
// before it. Inlined like Acquire: wakeAll runs only when a CPU sleeps.
func (l *Lock) Release() {
	l.held.Store(0)
	if l.sleepers.Load() != 0 {
		l.wakeAll()
	}
}

// Asleep reports whether CPU c is halted waiting for l.
func (l *Lock) Asleep(c int) bool { return l.sleepers.Load()&(1<<uint(c)) != 0 }

// wakeAll sends each halted waiter its wake-up.
func (l *Lock) wakeAll() {
	for s := l.sleepers.Load(); s != 0; s &= s - 1 {
		Wake(bits.TrailingZeros64(s))
	}
}

// sleepWhile halts until the wake-up, unless *held is 0 (halt_amd64.s).
func sleepWhile(held *uint32)
