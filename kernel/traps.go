package kernel

import (
	"github.com/gobare/gobare/kernel/console"
	"github.com/gobare/gobare/kernel/cpu"
	"github.com/gobare/gobare/kernel/mem"
	"github.com/gobare/gobare/kernel/power"
	"github.com/gobare/gobare/kernel/timer"
	"github.com/gobare/gobare/kernel/trap"
)

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
	trap.Init(mainTop, crisisTop)
}

// handleTrap is every entry's Go half (trap.Handler).
func handleTrap(f *trap.Frame) {
	switch {
	case f.Vector == timer.IRQBase+timer.IRQTimer:
		timer.Tick()
		timer.EndOfInterrupt(timer.IRQTimer)
	case f.Vector == timer.IRQBase+timer.IRQCOM1:
		timer.EndOfInterrupt(timer.IRQCOM1)
	case f.Vector >= timer.IRQBase && f.Vector < timer.IRQBase+16:
		timer.EndOfInterrupt(int(f.Vector - timer.IRQBase))
	default:
		programFault(f)
	}
}

// programFault reports an exception in code that is not the kernel's, for
// which nothing else is arranged, and stops.
func programFault(f *trap.Frame) {
	console.Print("\ngobare: unhandled ")
	trap.Report(f)
	power.Exit(trap.ExitKernelFault)
}

// waitForInterrupt lets one interrupt in while the kernel waits on the boot
// stack (before any thread exists): interrupt entries build their frame on
// the kernel stack, which is a different stack.
func waitForInterrupt() {
	trap.InKernel = false
	cpu.EnableInterruptsAndHalt()
	trap.InKernel = true
}
