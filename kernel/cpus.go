package kernel

import (
	"sync/atomic"

	"github.com/gobare/gobare/kernel/acpi"
	"github.com/gobare/gobare/kernel/console"
	"github.com/gobare/gobare/kernel/cpu"
	"github.com/gobare/gobare/kernel/dev/lapic"
	"github.com/gobare/gobare/kernel/irq"
	"github.com/gobare/gobare/kernel/mem"
	"github.com/gobare/gobare/kernel/percpu"
	"github.com/gobare/gobare/kernel/sched"
	"github.com/gobare/gobare/kernel/smp"
	"github.com/gobare/gobare/kernel/spin"
	"github.com/gobare/gobare/kernel/timer"
	"github.com/gobare/gobare/kernel/trap"
)

// The boot CPU is CPU 0, the APs that came up 1, 2, ... in MADT order
// (percpu.Online counts them). ready counts the APs that finished setting
// themselves up; released lets them go on to their idle loops.
var (
	ready    atomic.Int32
	released atomic.Bool
	apStacks [256][2]uintptr // by APIC ID: the AP's kernel and crisis stack tops
)

// apStackSlot is the first stack slot (mem.MapStack) of the two of the
// i-th AP the MADT lists (from 1): the boot CPU has slots 0 and 1
// (mainStackSlot, crisisStackSlot).
func apStackSlot(i int) int { return 2 * i }

// startCPUs wakes the application processors the MADT lists as enabled,
// all at once, each on kernel and crisis stacks of its own (smp.StartAll),
// and waits until they have set themselves up (apMain). It needs the
// local APIC (the IPIs) and the calibrated TSC (the waits). The kernel
// word nosmp keeps the machine on the boot CPU. The APs then wait for the
// big kernel lock, which Main holds until the first thread runs, to enter
// their idle loops: halted (spin.Lock), not spinning, since under TCG a
// spinning vCPU takes a host CPU from the boot CPU's.
func startCPUs() {
	sched.Init() // the idle frame, which the APs enter
	if !irq.UsingAPIC() || hasKernelWord("nosmp") {
		// noapic, or no APIC (the local APIC is not even mapped), or nosmp
		return
	}
	percpu.This().APICID = uint32(lapic.ID())
	var ids [percpu.MaxCPUs - 1]uint32
	var stacks [percpu.MaxCPUs - 1]uintptr
	n := 0
	madt := &acpi.Machine.MADT
	for i := 0; i < madt.NCPUs && n < len(ids); i++ {
		c := &madt.CPUs[i]
		if c.Flags&1 != 0 && c.APICID != percpu.This().APICID && c.APICID < 0xFF {
			ids[n] = c.APICID
			n++
		}
	}
	if n == 0 || !trampolinePageFree() || !smp.Install(&kernelSpace) {
		return
	}
	for i, apicID := range ids[:n] {
		kernelTop, err := mem.MapStack(&kernelSpace, apStackSlot(i+1), mainStackPages)
		crisisTop, err2 := mem.MapStack(&kernelSpace, apStackSlot(i+1)+1, crisisStackPages)
		if err != mem.MapOK || err2 != mem.MapOK {
			fail("kernel stack: ", "no memory for an AP's stacks")
		}
		apStacks[apicID] = [2]uintptr{kernelTop, crisisTop}
		// The AP's Go code runs below the Frame slot at the stack's top,
		// which its first trap.Enter fills.
		stacks[i] = kernelTop - trap.FrameSize
	}
	smp.Init(ids[:n])
	started := smp.StartAll(ids[:n], stacks[:n], apMain)
	if started < n {
		console.Print("gobare: ")
		console.Dec(uint64(n - started))
		console.Print(" of the CPUs the MADT lists did not start\n")
	}
	percpu.Online += started
	for ready.Load() != int32(started) {
		cpu.Pause()
	}
	if !quiet {
		for id := 1; id < percpu.Online; id++ {
			console.Print("gobare: CPU ")
			console.Dec(uint64(id))
			console.Print(" up (APIC ID ")
			console.Dec(uint64(percpu.Get(id).APICID))
			console.Print(")\n")
		}
	}
	smp.Uninstall(&kernelSpace)
	trap.ServeOthers = smp.ServeFlush
	sched.SendWake = sendWake
	trap.UseLockWake(lapic.EOIRegister())
	spin.Wake = sendLockWake
	released.Store(true)
}

// sendWake interrupts CPU c with trap.VectorWake (sched.SendWake).
func sendWake(c int) { lapic.SendIPI(percpu.Get(c).APICID, trap.VectorWake) }

// sendLockWake interrupts CPU c with trap.VectorLockWake (spin.Wake: the
// end of a halted wait for the kernel lock).
func sendLockWake(c int) { lapic.SendIPI(percpu.Get(c).APICID, trap.VectorLockWake) }

// trampolinePageFree reports whether nothing the kernel keeps from the
// boot loader (the command line, the modules, the embedded program) lies
// in the trampoline's page, smp.Base.
func trampolinePageFree() bool {
	free := true
	forEachBootRange(func(start, end uint64) {
		if start < smp.Base+mem.PageSize && end > smp.Base {
			free = false
		}
	})
	return free
}

// apMain is the Go main of an application processor: the per-CPU half of
// what Main sets up on the boot CPU (GS base, GDT and TSS, SYSCALL, XSAVE,
// global pages, the local APIC and its timer); then it waits for
// startCPUs to finish (which prints a line for it) and enters the idle
// loop, from which the scheduler takes it when there are threads to run.
func apMain(id int, apicID uint32) {
	percpu.Start(id, apicID)
	trap.InitAP(apStacks[apicID][0], apStacks[apicID][1])
	cpu.EnableXSAVE(trap.FPAreaSize)   // the same CPU model: the same mask and size as the boot CPU's
	cpu.WriteCR4(cpu.ReadCR4() | 1<<7) // CR4.PGE, as setUpMemory
	lapic.Enable(mem.DirectMapBase + uintptr(lapic.PhysBase()))
	timer.StartTickHere()
	ready.Add(1)
	for !released.Load() {
		cpu.Pause()
	}
	cpu.WriteCR3(cpu.ReadCR3()) // drop the trampoline page's TLB entry (startCPUs unmapped it)
	trap.EnterKernel()
	f := trap.StackFrame()
	sched.Idle(f)
	trap.Enter(f)
}

// printCPUStats prints two stats lines per CPU (its kernel entries, kernel
// and idle time, timer interrupts, wake-up IPIs, address-space switches;
// then its timer's programmings and the time the network service's own
// code ran: the program's is the rest) and, on a machine with several CPUs, the
// big kernel lock's contention.
func printCPUStats() {
	for i := 0; i < percpu.Online; i++ {
		c := percpu.Get(i)
		console.Print("gobare: stats: CPU ")
		console.Dec(uint64(i))
		console.Print(": ")
		console.Dec(c.Entries)
		console.Print(" entries, ")
		console.Dec(timer.TSCToNanos(c.KernelCycles) / 1000)
		console.Print(" us in the kernel, ")
		console.Dec(timer.TSCToNanos(c.IdleCycles) / 1000)
		console.Print(" us idle, ")
		console.Dec(c.Timer)
		console.Print(" timer interrupts, ")
		console.Dec(c.Wakes)
		console.Print(" wake-up IPIs, ")
		console.Dec(c.Spaces)
		console.Print(" CR3 loads\n")
		console.Print("gobare: stats: CPU ")
		console.Dec(uint64(i))
		console.Print(": ")
		console.Dec(c.Arms)
		console.Print(" timer arms, ")
		console.Dec(timer.TSCToNanos(c.ServiceCycles) / 1000)
		console.Print(" us in the network service's code\n")
	}
	if percpu.Online == 1 {
		return
	}
	console.Print("gobare: stats: kernel lock: ")
	console.Dec(spin.Kernel.Contended)
	console.Print(" waits, ")
	console.Dec(timer.TSCToNanos(spin.Kernel.Spins) / 1000)
	console.Print(" us spinning, ")
	console.Dec(spin.Kernel.Halts.Load())
	console.Print(" halts; ")
	console.Dec(smp.Shootdowns)
	console.Print(" TLB shootdowns, ")
	console.Dec(timer.TSCToNanos(smp.ShootdownCycles) / 1000)
	console.Print(" us, ")
	console.Dec(smp.Spared)
	console.Print(" idle CPUs spared\n")
}
