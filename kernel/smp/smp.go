// Package smp owns starting the application processors (APs): the
// real-mode trampoline they wake up in, the INIT-SIPI-SIPI sequence that
// wakes them (Intel SDM Vol. 3A §8.4, "Multiple-Processor (MP)
// Initialization"), and the hand-over from the trampoline to Go code on
// the AP's own kernel stack. What an AP sets up once it runs Go (its GDT,
// TSS, local APIC, idle loop) is the kernel's business: StartAll calls
// back into it.
package smp

import (
	"sync/atomic"
	"unsafe"

	"github.com/gobare/gobare/kernel/cpu"
	"github.com/gobare/gobare/kernel/dev/lapic"
	"github.com/gobare/gobare/kernel/mem"
	"github.com/gobare/gobare/kernel/timer"
	"github.com/gobare/gobare/kernel/trap"
)

// The APs start all at once, each on a stack of its own: apEntry loads its
// first stack pointer from stackTops by the AP's APIC ID before it touches
// the stack. joined counts the APs that reached Go code, which gives each
// its CPU index in the order they arrive; closedBit is set once the boot
// CPU has stopped waiting, and an AP that arrives later halts for good
// (it would run with an index nobody counted).
var (
	apMain    func(id int, apicID uint32)
	stackTops [256]uintptr // by APIC ID (apEntry reads it)
	joined    atomic.Uint32
	//lint:ignore U1000 used from assembly (ap_amd64.s)
	kernelFSBase uint64 // the FS base kernel Go code runs with (trap.KernelFSBase)
)

const closedBit = 1 << 31

// Install copies the trampoline to physical Base and maps that page 1:1,
// read-only and executable, in the kernel page table pt (whose root must
// lie below 4 GiB: the trampoline loads CR3 in 32-bit mode). It reports
// false when the root does not. Uninstall undoes the mapping.
func Install(pt *mem.PageTable) bool {
	if uint64(pt.Root) >= 1<<32 {
		return false
	}
	page := (*[trampolineSize]byte)(unsafe.Pointer(uintptr(mem.DirectMapBase + Base)))
	*page = trampoline
	kernelFSBase = trap.KernelFSBase()
	putUint64(page[offCR3:], uint64(pt.Root))
	putUint64(page[offEntry:], uint64(apEntryPC()))
	return pt.Map(Base, Base, 0) == mem.MapOK
}

// Uninstall unmaps the trampoline's page again: page 0 and the rest of
// low memory stay unmapped while programs run.
func Uninstall(pt *mem.PageTable) {
	pt.Unmap(Base)
	cpu.Invlpg(Base)
}

// The waits of the start-up sequence. The SDM's (Vol. 3A §8.4.4.1) are
// 10 ms after INIT and 200 us after each SIPI, written for the first
// multiprocessor Pentiums; Linux waits neither on the CPUs of this
// century: smp_quirk_init_udelay (arch/x86/kernel/smpboot.c) sets its
// INIT delay to 0 on Intel family 6 and later, AMD family 0Fh and later
// and Hygon, and with that delay 0 it waits 10 us after each SIPI
// instead of 300 and 200 (wakeup_secondary_cpu_via_init). gobare does
// the same (initWait on older CPUs only, sipiWait 10 us). An AP that has
// not reached Go code arrivalWait after its second SIPI is given up on
// (TCG emulates the mode switches slowly on a busy host).
const (
	initWait    = 10_000_000
	sipiWait    = 10_000
	arrivalWait = 1_000_000_000
)

// Init sends INIT to every AP in apicIDs (a slice of the MADT's) and, on a
// CPU old enough to need it (needsInitWait), waits the 10 ms the
// sequence asks for once, for all of them.
func Init(apicIDs []uint32) {
	for _, id := range apicIDs {
		lapic.SendInit(id)
	}
	if eax, _, _, _ := cpu.Cpuid(1, 0); needsInitWait(cpu.Vendor(), eax) {
		wait(initWait)
	}
}

// needsInitWait reports whether a CPU of this vendor (CPUID leaf 0) and
// signature (leaf 1's EAX) needs the 10 ms wait after INIT: every CPU but
// Intel's of family 6 and later, AMD's of family 0Fh and later and
// Hygon's of family 18h and later, as Linux's smp_quirk_init_udelay has
// it. The family is bits 11:8, plus the extended family (bits 27:20) when
// those read 0Fh (SDM Vol. 2A, CPUID, Figure 3-6).
func needsInitWait(vendor [12]byte, signature uint32) bool {
	family := signature >> 8 & 0xF
	if family == 0xF {
		family += signature >> 20 & 0xFF
	}
	switch {
	case vendorIs(vendor, "GenuineIntel"):
		return family < 6
	case vendorIs(vendor, "AuthenticAMD"):
		return family < 0xF
	case vendorIs(vendor, "HygonGenuine"):
		return family < 0x18
	}
	return true
}

// vendorIs compares a vendor string with name, 12 bytes (a conversion to
// string could allocate, and the kernel has no heap).
func vendorIs(vendor [12]byte, name string) bool {
	for i := range vendor {
		if vendor[i] != name[i] {
			return false
		}
	}
	return true
}

// StartAll wakes the APs with the APIC IDs in apicIDs, after Init, all at
// once: the start-up IPI to each, then sipiWait later a second one, as
// the SDM's sequence does (a CPU that already started ignores it), each
// AP's first stack pointer at stacks[i] and main the Go function it then
// runs there, given its CPU index (1, 2, ... in the order the APs
// arrive). It waits until every AP has reached Go code, or arrivalWait
// has passed, and returns how many did.
func StartAll(apicIDs []uint32, stacks []uintptr, main func(id int, apicID uint32)) int {
	apMain = main
	for i, id := range apicIDs {
		stackTops[id&0xFF] = stacks[i]
	}
	for round := 0; round < 2 && int(joined.Load()) < len(apicIDs); round++ {
		for _, id := range apicIDs {
			lapic.SendStartup(id, Base>>12)
		}
		wait(sipiWait)
	}
	for end := timer.Nanotime() + arrivalWait; int(joined.Load()) < len(apicIDs) && timer.Nanotime() < end; {
		cpu.Pause()
	}
	for {
		if n := joined.Load(); joined.CompareAndSwap(n, n|closedBit) {
			return int(n)
		}
	}
}

// apStart is the first Go code on an AP, called by apEntry on the AP's own
// stack. It takes the next CPU index, unless the boot CPU has stopped
// waiting for APs, and runs the kernel's main for APs, which does not
// return.
//
//lint:ignore U1000 used from assembly (ap_amd64.s)
func apStart() {
	_, ebx, _, _ := cpu.Cpuid(1, 0)
	apicID := ebx >> 24 // the initial APIC ID (SDM Vol. 2A, CPUID leaf 1)
	for {
		n := joined.Load()
		if n&closedBit != 0 {
			for {
				cpu.Halt() // too late: interrupts are off, only INIT wakes it
			}
		}
		if joined.CompareAndSwap(n, n+1) {
			apMain(int(n)+1, apicID)
		}
	}
}

// wait spins for ns nanoseconds by the TSC.
func wait(ns int64) {
	for end := timer.Nanotime() + ns; timer.Nanotime() < end; {
		cpu.Pause()
	}
}

// putUint64 stores v little-endian in b[0:8].
func putUint64(b []byte, v uint64) {
	for i := 0; i < 8; i++ {
		b[i] = byte(v >> (8 * i))
	}
}

// apEntryPC returns apEntry's address, which the trampoline jumps to.
func apEntryPC() uintptr

//lint:ignore U1000 used from assembly (the trampoline jumps to it)
func apEntry()
