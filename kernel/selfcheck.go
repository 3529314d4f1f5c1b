package kernel

import (
	"github.com/gobare/gobare/kernel/console"
	"github.com/gobare/gobare/kernel/cpu"
	"github.com/gobare/gobare/kernel/mem"
	"github.com/gobare/gobare/kernel/timer"
	"github.com/gobare/gobare/kernel/trap"
)

// milestone prints a boot step unless the command line says quiet.
func milestone(s string) {
	if !quiet {
		console.Print(s)
	}
}

// printBanner says what the machine has.
func printBanner() {
	if quiet {
		return
	}
	console.Print("gobare: ")
	console.Dec(bootInfo.UsableRAMTop() >> 20)
	console.Print(" MiB RAM, ")
	console.Dec(uint64(frames.Free()))
	console.Print(" free frames, TSC ")
	console.Dec(timer.TSCHz() / 1e6)
	console.Print(" MHz\n")
	printCPU()
	printInterrupts()
}

// printCPU names the CPU's vendor and which optional features it has.
func printCPU() {
	vendor := cpu.Vendor()
	console.Print("gobare: CPU ")
	console.Write(vendor[:])
	console.Print(",")
	for _, f := range cpu.Optional {
		console.Print(" ")
		if !cpu.Has(f) {
			console.Print("-")
		}
		console.Print(f.Name)
	}
	console.Print("\n")
}

// selfCheck tests the machine set-up and reports each check, then takes
// the deliberate fault if asked (faultIfAsked).
func selfCheck() {
	check("page 0 unmapped", func() bool {
		_, _, mapped := kernelSpace.Lookup(0)
		return !mapped
	}())
	check("kernel text read-only and executable", func() bool {
		_, flags, ok := kernelSpace.Lookup(mem.KernelBase + 0x1000)
		return ok && flags&mem.Writable == 0 && flags&mem.NoExec == 0
	}())
	check("direct map reaches the kernel", func() bool {
		p, _, ok := kernelSpace.Lookup(mem.DirectMapBase + mem.KernelBase)
		return ok && p == mem.KernelBase
	}())
	check("frame allocator round trip", func() bool {
		before := frames.Free()
		f, ok := frames.Alloc()
		frames.FreeFrame(f)
		return ok && frames.Free() == before
	}())
	check("timer interrupts arrive", timerTicks(10, 5*timer.TSCHz()))
	faultIfAsked()
}

// faultIfAsked takes a deliberate page fault when the command line has
// the word fault=pf: after the self-checks, or before the program starts
// when there is one, to show the exception report.
func faultIfAsked() {
	if hasKernelWord("fault=pf") {
		console.Print("selfcheck: taking a deliberate page fault\n")
		deliberatePageFault()
	}
}

// timerTicks arms the timer 1 ms ahead n times and waits, with interrupts
// on, until it has fired each time or the TSC has counted cycles (5 s: on
// a busy host a virtual CPU's thread can wait for the host's CPU longer
// than the 10 ms it needs): a dead timer fails the check instead of
// hanging the machine.
func timerTicks(n, cycles uint64) bool {
	start, deadline := timer.Ticks(), cpu.Rdtsc()+cycles
	trap.LeaveKernel() // interrupt entries may now come in
	for i := uint64(1); i <= n && cpu.Rdtsc() < deadline; i++ {
		timer.Arm(timer.Nanotime() + 1e6) // nothing with the PIT, which ticks anyway
		cpu.EnableInterrupts()
		for timer.Ticks() < start+i && cpu.Rdtsc() < deadline {
			cpu.Pause()
		}
		cpu.DisableInterrupts()
	}
	trap.EnterKernel()
	return timer.Ticks() >= start+n
}

// check prints one self-check result and stops on failure.
func check(name string, ok bool) {
	if !ok {
		fail("self-check failed: ", name)
	}
	console.Print("selfcheck: ")
	console.Print(name)
	console.Print(": ok\n")
}

// deliberatePageFault writes to an unmapped address (the first page of
// stack slot 7: unused on one CPU, and a guard page, never mapped, when
// CPU 3's crisis stack lies there) so that tests can see the exception
// report name this function.
//
//go:noinline
func deliberatePageFault() {
	p := (*uint64)(ptrTo(mem.StackBase + 7<<30))
	*p = 0xdead
}
