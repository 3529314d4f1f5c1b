package smp

import (
	"sync/atomic"

	"github.com/gobare/gobare/kernel/cpu"
	"github.com/gobare/gobare/kernel/dev/lapic"
	"github.com/gobare/gobare/kernel/percpu"
	"github.com/gobare/gobare/kernel/spin"
)

// TLB shootdown. All CPUs share the program's page table, and each caches
// its entries in its own TLB, which no other CPU can reach (SDM Vol. 3A
// §4.10.5, "Propagation of Paging-Structure Changes to Multiple
// Processors"): when a kernel entry has changed or removed entries
// (munmap, mprotect, madvise), it asks every other CPU to drop its TLB
// and waits until all have, before it lets the kernel lock go. The
// request is an NMI, which reaches a CPU wherever it is — in the program,
// idle, waiting for the lock (spinning or halted), on its way out of the
// kernel with interrupts off — and ServeFlush answers it there
// (trap.ServeOthers), without the lock, which the asker holds.

// flushGen counts the shootdowns asked for; flushedGen[c] is the last one
// CPU c has done.
var (
	flushGen   atomic.Uint64
	flushedGen [percpu.MaxCPUs]atomic.Uint64
)

// Shootdown makes every other CPU drop its TLB's entries for the
// program's pages, and returns when all have. The caller holds the kernel
// lock, so shootdowns never overlap.
//
// An idle CPU (percpu.Block.Idle, which only changes under the lock) is
// left alone, as Linux leaves a CPU in lazy TLB mode: it runs no program
// code and the kernel reaches program memory only through the direct map
// (kernel/vm), so its stale entries are never used before it next picks
// a thread, and the entry that picks one ends with ServeFlush, which
// finds this generation undone and reloads CR3. Sparing it matters: an
// idle CPU halts, and under TCG waking its host thread to answer is the
// slowest part of a shootdown, paid with the lock held.
func Shootdown() {
	if percpu.Online == 1 {
		return
	}
	start := cpu.Rdtsc()
	gen := flushGen.Add(1)
	me := percpu.ID()
	flushedGen[me].Store(gen)
	for c := 0; c < percpu.Online; c++ {
		if c == me {
			continue
		}
		if percpu.Get(c).Idle {
			Spared++
			continue
		}
		lapic.SendNMI(percpu.Get(c).APICID)
	}
	for c := 0; c < percpu.Online; c++ {
		kicked := start
		for !percpu.Get(c).Idle && flushedGen[c].Load() < gen {
			// A CPU halted for the kernel lock (which this one holds)
			// wakes for the NMI; should it not, the lock's own wake-up
			// ends its halt too, and its spin answers (trap.ServeOthers).
			if now := cpu.Rdtsc(); now-kicked > kickCycles && spin.Kernel.Asleep(c) {
				spin.Wake(c)
				kicked = now
			}
			cpu.Pause()
		}
	}
	Shootdowns++
	ShootdownCycles += cpu.Rdtsc() - start
}

// kickCycles is how long (TSC cycles) a shootdown waits for a CPU halted
// for the lock before it sends that CPU the lock's wake-up as well.
const kickCycles = 1_000_000

// Shootdowns counts them, ShootdownCycles the TSC cycles they took, and
// Spared the idle CPUs they left alone (for stats).
var Shootdowns, ShootdownCycles, Spared uint64

// ServeFlush drops this CPU's TLB if a shootdown asked for it since it
// last did: writing CR3 drops every entry but the global ones (§4.10.4.1),
// and only the kernel's pages are global. It answers a shootdown's NMI,
// and ends every entry that may return to the program (a CPU that idled
// through shootdowns catches up there).
func ServeFlush() {
	serveFlush(&flushedGen[percpu.ID()], &flushGen, reloadCR3)
}

func reloadCR3() { cpu.WriteCR3(cpu.ReadCR3()) }

// serveFlush is ServeFlush's logic: if done is behind asked, flush and
// move done up to what was asked.
//
// An NMI can come in the middle of it — a waiter for the lock calls
// ServeFlush on every turn of its spin, and a shootdown's NMI runs it
// again on the same CPU — and the NMI's own call may record a newer
// generation. A plain store of the generation read before the NMI would
// then move done back, and this CPU, halted for the lock a moment later,
// would never answer the shootdown it did serve: the asker waits for it
// forever with the lock held. (That was the -smp 4 wedge, docs/design.md,
// Processors.) So done only moves up: the compare-and-exchange fails if
// an NMI moved it meanwhile, and the loop looks again.
func serveFlush(done, asked *atomic.Uint64, flush func()) {
	for {
		have, want := done.Load(), asked.Load()
		if have >= want {
			return
		}
		flush()
		if done.CompareAndSwap(have, want) {
			return
		}
	}
}
