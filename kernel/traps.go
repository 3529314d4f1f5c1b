package kernel

import (
	"github.com/gobare/gobare/kernel/console"
	"github.com/gobare/gobare/kernel/cpu"
	"github.com/gobare/gobare/kernel/dev/lapic"
	"github.com/gobare/gobare/kernel/dev/pic"
	"github.com/gobare/gobare/kernel/dev/ps2"
	"github.com/gobare/gobare/kernel/fs/devfs"
	"github.com/gobare/gobare/kernel/fs/tmpfs"
	"github.com/gobare/gobare/kernel/irq"
	"github.com/gobare/gobare/kernel/linux"
	"github.com/gobare/gobare/kernel/mem"
	"github.com/gobare/gobare/kernel/percpu"
	"github.com/gobare/gobare/kernel/power"
	"github.com/gobare/gobare/kernel/sched"
	"github.com/gobare/gobare/kernel/smp"
	"github.com/gobare/gobare/kernel/timer"
	"github.com/gobare/gobare/kernel/trap"
	"github.com/gobare/gobare/kernel/vm"
)

// ExitOutOfMemory is the status when the program touches more memory than
// there is: 128 + SIGKILL, as a shell reports a death by the OOM killer.
const ExitOutOfMemory = 137

// setUpTraps maps the kernel stacks (each with a guard page) and installs
// the GDT, TSS, IDT and SYSCALL entry.
func setUpTraps() {
	mainTop, err := mem.MapStack(&kernelSpace, mainStackSlot, mainStackPages)
	if err != mem.MapOK {
		fail("kernel stack: ", err.String())
	}
	crisisTop, err := mem.MapStack(&kernelSpace, crisisStackSlot, crisisStackPages)
	if err != mem.MapOK {
		fail("kernel stack: ", err.String())
	}
	trap.Handler = handleTrap
	trap.Quick = linux.Quick
	linux.Finish = finish
	trap.Init(mainTop, crisisTop)
}

// handleTrap is every entry's Go half (trap.Handler): it does what the
// entry asks, then lets the scheduler pick who runs next.
func handleTrap(f *trap.Frame) {
	sched.EnterCurrent()
	sched.EnterEntry(entryKind(f.Vector), timer.Nanotime)
	switch {
	case sched.Ended() && (f.Vector == trap.VectorSyscall || f.Vector < 32):
		// Its thread was ended from another CPU (exit_group of the
		// network service): nothing to act for; Schedule switches away.
	case f.Vector == trap.VectorSyscall:
		linux.Syscall(f)
	case f.Vector == vectorPageFault && sched.Current() != nil:
		pageFault(f)
	case f.Vector == pic.IRQBase+pic.IRQTimer:
		timer.Tick()
		timer.Disarm()
		percpu.This().Timer++
		irq.EndOfInterrupt(pic.IRQTimer)
		if sched.Current() != nil || sched.Live() > 0 {
			sched.Tick(timer.Nanotime())
		}
	case f.Vector == pic.IRQBase+pic.IRQCOM1:
		devfs.PollStdin()
		irq.EndOfInterrupt(pic.IRQCOM1)
	case f.Vector == pic.IRQBase+pic.IRQKeyboard:
		for i := 0; i < 16; i++ { // a bounded drain: never spin on a stuck controller
			c, pending, ok := ps2.KeyboardByte()
			if !pending {
				break
			}
			if ok {
				console.EchoScreen(c)
				devfs.StdinPush(c)
			}
		}
		irq.EndOfInterrupt(pic.IRQKeyboard)
	case f.Vector == netVector: // a frame arrived; devfs.Poll below takes it
		lapic.EOI()
	case f.Vector == trap.VectorWake:
		// Another CPU wants this one in the kernel: to run a thread, or to
		// deliver a signal on the way out (below).
		lapic.EOI()
		percpu.This().Wakes++
	case f.Vector >= pic.IRQBase && f.Vector < pic.IRQBase+16:
		irq.EndOfInterrupt(int(f.Vector - pic.IRQBase))
	case f.Vector < 32 && sched.Current() != nil:
		exceptionSignal(f)
	default:
		programFault(f)
	}
	devfs.Poll() // the virtio console has no interrupts: look at it on every entry
	finish(f)
}

// finish is the end of every entry but a quiet quick one (linux.Quick
// runs it when its call made something due): switch threads if one is
// due, deliver a pending signal, arm the timer for the next deadline, and
// make every CPU drop page entries that changed.
func finish(f *trap.Frame) {
	if sched.Live() > 0 {
		sched.Schedule(f)
		linux.DeliverPending(f)
		timer.Arm(devfs.PollDeadline(sched.NextDeadline(timer.Nanotime), timer.Nanotime))
	}
	vm.Settle()      // page entries changed: no CPU may go on with the old ones, then their frames go back
	smp.ServeFlush() // this CPU may have idled through shootdowns (smp.Shootdown spares idle CPUs)
}

// entryKind is what an entry at vector is, for the scheduler's cut of the
// running thread's slice when the entry wakes a thread.
func entryKind(vector uint64) uint8 {
	switch vector {
	case trap.VectorSyscall:
		return sched.EntrySyscall
	case pic.IRQBase + pic.IRQTimer:
		return sched.EntryTimer
	}
	return sched.EntryInterrupt
}

// exceptionSignal turns a CPU exception in the program into the signal
// Linux sends for it (arch/x86/kernel/traps.c).
func exceptionSignal(f *trap.Frame) {
	switch f.Vector {
	case 0: // #DE
		linux.Fault(f, linux.SIGFPE, 1 /* FPE_INTDIV */, f.RIP)
	case 3: // #BP: INT3
		linux.Fault(f, linux.SIGTRAP, 0x80 /* SI_KERNEL */, 0)
	case 6: // #UD
		linux.Fault(f, linux.SIGILL, 2 /* ILL_ILLOPN */, f.RIP)
	case 16, 19: // #MF, #XM
		linux.Fault(f, linux.SIGFPE, 0, f.RIP)
	case 17: // #AC
		linux.Fault(f, linux.SIGBUS, 1 /* BUS_ADRALN */, 0)
	case 13, 12: // #GP, #SS: e.g. a non-canonical address
		linux.Fault(f, linux.SIGSEGV, 0x80 /* SI_KERNEL */, 0)
	default:
		programFault(f)
	}
}

// vectorPageFault is #PF (SDM Vol. 3A §6.15, Interrupt 14).
const vectorPageFault = 14

// pageFault handles a page fault in the program: demand paging, or
// SIGSEGV when the access is not allowed, SIGBUS past a mapped file's end.
func pageFault(f *trap.Frame) {
	switch linux.Space.HandleFault(uintptr(cpu.ReadCR2()), f.Error) {
	case vm.FaultHandled:
		return
	case vm.FaultNoMemory:
		console.Print("gobare: out of memory: no free frame for the program's page at ")
		console.Hex(cpu.ReadCR2())
		console.Print(" (files in RAM hold ")
		console.Dec(uint64(fileBudget.Used) * tmpfs.PageSize >> 20)
		console.Print(" MiB)\n")
		power.Exit(ExitOutOfMemory)
	case vm.FaultUnmapped:
		linux.Fault(f, linux.SIGSEGV, linux.SEGV_MAPERR, cpu.ReadCR2())
	case vm.FaultDenied:
		linux.Fault(f, linux.SIGSEGV, linux.SEGV_ACCERR, cpu.ReadCR2())
	case vm.FaultBus:
		linux.Fault(f, linux.SIGBUS, linux.BUS_ADRERR, cpu.ReadCR2())
	}
}

// programFault reports an exception in code that is not the kernel's, for
// which nothing else is arranged, and stops.
func programFault(f *trap.Frame) {
	trap.StopOthers()
	console.Print("\ngobare: unhandled ")
	trap.Report(f)
	trap.PrintCPU()
	power.Exit(trap.ExitKernelFault)
}
