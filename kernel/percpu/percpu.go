// Package percpu owns the block of data each CPU keeps for itself and
// reaches through its GS base: which CPU it is, where its kernel stack
// ends, and the scratch word the system call entry needs before it has a
// stack. The Go runtime of linux/amd64 keeps its thread pointer in FS and
// never touches GS, so the GS base is free for the kernel on every CPU
// (Intel SDM Vol. 3A §3.4.4: in 64-bit mode a segment's base comes from
// the IA32_GS_BASE MSR, and %gs:offset adds it).
//
// Data of one subsystem that differs per CPU (the scheduler's running
// thread, the timer's armed deadline) stays in that subsystem, in an array
// indexed by ID.
package percpu

import (
	"unsafe"

	"github.com/gobare/gobare/kernel/cpu"
)

// MaxCPUs bounds the CPUs the kernel starts; further MADT entries are
// left asleep.
const MaxCPUs = 16

// Block is one CPU's data. The assembly in kernel/trap and this package
// reads the first fields at fixed offsets from the GS base: keep them
// first and in this order.
type Block struct {
	StackTop  uintptr // +0: where every entry builds its trap Frame
	ScratchSP uint64  // +8: the program's RSP between SYSCALL and the first push, and on the quick return
	ID        int     // +16: this CPU's index, 0 for the boot CPU
	// ExitRIP: +24: where a system call's quick return jumps, the
	// program's RIP (kernel/trap's frameExit, and its NMI fix-up).
	ExitRIP  uint64
	APICID   uint32 // its local APIC ID (the MADT's, the IPI destination)
	InKernel bool   // kernel code runs on it: an exception now is a kernel bug
	// Idle: it runs no program thread (kernel/sched sets it under the
	// kernel lock). A TLB shootdown leaves an idle CPU alone: its stale
	// entries are never used before it next picks a thread, and then it
	// catches up (smp.Shootdown, smp.ServeFlush).
	Idle bool
	// For stats: the TSC cycles it spent handling entries, the entries,
	// its timer interrupts and wake-up IPIs, its address-space switches
	// (CR3 loads between the program and the network service), and its
	// timer's programmings (each a write to the local APIC: an exit into
	// QEMU's device model under TCG).
	KernelCycles, Entries, Timer, Wakes, Spaces, Arms uint64
	// IdleCycles: the TSC cycles it idled (from the end of an entry that
	// left it idle, IdleSince, to the next entry).
	IdleCycles, IdleSince uint64
	// ServiceCycles: the TSC cycles the network service's own code ran
	// (from the end of an entry that returned to it, ServiceSince, to the
	// next entry); InService: its page table is the one loaded.
	ServiceCycles, ServiceSince uint64
	InService                   bool
}

var blocks [MaxCPUs]Block

// Online is how many CPUs run: 1 until the application processors are up
// (kernel.startCPUs), then CPUs 0 to Online-1.
var Online = 1

// msrGSBase is IA32_GS_BASE (SDM Vol. 4, Table 2-2).
const msrGSBase = 0xC0000101

// Start points this CPU's GS base at block id and fills in who it is.
// Each CPU calls it once, first thing, before anything calls ID.
func Start(id int, apicID uint32) {
	b := &blocks[id]
	b.ID, b.APICID = id, apicID
	cpu.Wrmsr(msrGSBase, uint64(uintptr(unsafe.Pointer(b))))
}

// Get returns block id (any CPU's).
func Get(id int) *Block { return &blocks[id] }

// ID returns the index of the CPU that runs it: one load through GS.
func ID() int

// This returns the running CPU's own block.
func This() *Block { return &blocks[ID()] }
