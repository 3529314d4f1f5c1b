// Package spin owns the kernel's spinlocks: a word that one CPU at a time
// sets from 0 to 1 with an atomic compare-and-exchange (LOCK CMPXCHG,
// Intel SDM Vol. 3A §8.1.2.2) while the others wait: first in a loop of
// loads and PAUSE, then, if the wait goes on, halted until the holder
// lets go and wakes them with a non-maskable interrupt. The kernel has one
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
}

// Kernel is the big kernel lock: every kernel entry takes it (trap's
// dispatch) and holds it until it leaves.
var Kernel Lock

// Wake sends CPU cpu the NMI that ends its Sleep (set by the kernel once
// the other CPUs run).
var Wake func(cpu int)

// spinCycles is how long a waiter spins before it halts: kernel entries
// take microseconds, but a CPU that is a thread of an emulator or a
// hypervisor can be descheduled while it holds the lock, and a waiter
// that spins then only takes the host's time from it.
const spinCycles = 50_000

// Acquire takes l, calling poll on each turn of the spin: work a waiting
// CPU must still do for others (answer a TLB shootdown) or they could wait
// for it while it waits for them. (A halted waiter does that work in the
// NMI that interrupts it.) The free lock's case, one locked exchange, is
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

// sleep halts this CPU, interrupts off, while l is held; Release wakes it
// with an NMI. The bit is set before the lock is looked at again, and
// Release clears the lock before it looks at the bits (both atomic
// exchanges, full barriers), so either the waiter sees the lock free or
// Release sees the bit. An NMI that came between the look and the HLT
// would leave the CPU halted for good: the look is in sleepWhile, next to
// its HLT, and SkipSleep moves an NMI's return past the HLT.
//
// Only the waiter clears its bit, once it is awake. Were Release to clear
// it, a release could clear the bit of a waiter that has just set it
// again (woken by an earlier release, it found the lock taken once more)
// and send its NMI before the waiter reached sleepWhile; had a third CPU
// taken the lock meanwhile, the waiter would halt with no bit for the
// next release to see.
func (l *Lock) sleep() {
	bit := uint64(1) << uint(percpu.ID())
	l.sleepers.Or(bit)
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

// wakeAll sends each halted waiter its NMI.
func (l *Lock) wakeAll() {
	for s := l.sleepers.Load(); s != 0; s &= s - 1 {
		Wake(bits.TrailingZeros64(s))
	}
}

// sleepWhile halts, interrupts off (only an NMI, or INIT, ends it), unless
// *held is 0 (halt_amd64.s).
func sleepWhile(held *uint32)

// sleepWhilePC returns sleepWhile's first instruction's address.
func sleepWhilePC() uintptr

// hltOpcode is HLT's one byte (SDM Vol. 2A, HLT).
const hltOpcode = 0xF4

// SkipSleep, called by the NMI handler with the interrupted RIP, moves a
// CPU that was anywhere in sleepWhile up to its HLT past the HLT, so that
// the wake-up it was given is not lost (it looks at the lock again). The
// HLT is the first 0xF4 byte of sleepWhile: the instructions before it
// (a load, a compare, a short jump) contain none.
func SkipSleep(rip *uint64) {
	start := sleepWhilePC()
	hlt := start
	for hlt < start+16 && *(*byte)(unsafe.Pointer(hlt)) != hltOpcode {
		hlt++
	}
	if at := uintptr(*rip); at >= start && at <= hlt {
		*rip = uint64(hlt + 1)
	}
}
