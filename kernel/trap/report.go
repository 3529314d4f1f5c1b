package trap

import (
	"sync/atomic"

	"github.com/gobare/gobare/kernel/console"
	"github.com/gobare/gobare/kernel/cpu"
	"github.com/gobare/gobare/kernel/dev/lapic"
	"github.com/gobare/gobare/kernel/percpu"
	"github.com/gobare/gobare/kernel/power"
	"github.com/gobare/gobare/kernel/symtab"
)

// ExitKernelFault is the exit status after a fault in kernel code.
const ExitKernelFault = 125

// exceptionNames are the CPU exceptions (SDM Vol. 3A §6.15, Table 6-1).
var exceptionNames = [32]string{
	"divide error (#DE)", "debug (#DB)", "non-maskable interrupt", "breakpoint (#BP)",
	"overflow (#OF)", "bound range exceeded (#BR)", "invalid opcode (#UD)", "device not available (#NM)",
	"double fault (#DF)", "coprocessor segment overrun", "invalid TSS (#TS)", "segment not present (#NP)",
	"stack-segment fault (#SS)", "general protection fault (#GP)", "page fault (#PF)", "reserved 15",
	"x87 floating-point error (#MF)", "alignment check (#AC)", "machine check (#MC)", "SIMD floating-point exception (#XM)",
	"virtualization exception (#VE)", "control protection exception (#CP)", "reserved 22", "reserved 23",
	"reserved 24", "reserved 25", "reserved 26", "reserved 27",
	"hypervisor injection exception", "VMM communication exception", "security exception", "reserved 31",
}

// VectorName names a vector for reports.
func VectorName(v uint64) string {
	if v < 32 {
		return exceptionNames[v]
	}
	if v == VectorSyscall {
		return "system call"
	}
	return "interrupt"
}

// kernelFault reports an exception taken while kernel code ran and stops.
//
//lint:ignore U1000 used from assembly (entry_amd64.s)
func kernelFault(f *Frame) {
	StopOthers()
	console.Print("\nkernel fault: ")
	Report(f)
	PrintCPU()
	power.Exit(ExitKernelFault)
}

// PrintCPU names, on a machine with several, the CPU that reports, and
// says the others are stopped.
func PrintCPU() {
	if percpu.Online > 1 {
		console.Print("on CPU ")
		console.Dec(uint64(percpu.ID()))
		console.Print("; the other CPUs are stopped\n")
	}
}

// stopping is set once a CPU has stopped the others.
var stopping atomic.Bool

// StopOthers halts every other CPU with a non-maskable interrupt (their
// dispatch sees stopping and halts), so that a CPU reporting a fault
// has the machine to itself; only the first caller sends it. Without
// other CPUs it does nothing.
func StopOthers() {
	if stopping.CompareAndSwap(false, true) && percpu.Online > 1 {
		lapic.SendNMIAllButSelf()
	}
}

// halt stops this CPU for good: interrupts off, HLT, forever.
func halt() {
	for {
		cpu.DisableInterrupts()
		cpu.Halt()
	}
}

// Report prints an exception: its name, error code, CR2 for page faults,
// every register and the symbolised RIP.
func Report(f *Frame) {
	console.Print(VectorName(f.Vector))
	// LAB 3 BEGIN: the error code, CR2 for a page fault, the RIP with its symbol, every register
	// LAB 3 STUB: console.Print("\n")
	// LAB 3 STUB: _ = cpu.ReadCR2 // the full report reads CR2
	console.Print(" error=")
	console.Hex(f.Error)
	if f.Vector == 14 {
		console.Print(" cr2=")
		console.Hex(cpu.ReadCR2())
	}
	console.Print("\nRIP ")
	console.Hex(f.RIP)
	console.Print(" ")
	PrintSymbol(f.RIP)
	console.Print("\n")
	regs := [...]struct {
		name string
		v    uint64
	}{
		{"RAX", f.AX}, {"RBX", f.BX}, {"RCX", f.CX}, {"RDX", f.DX},
		{"RSI", f.SI}, {"RDI", f.DI}, {"RBP", f.BP}, {"RSP", f.RSP},
		{"R8 ", f.R8}, {"R9 ", f.R9}, {"R10", f.R10}, {"R11", f.R11},
		{"R12", f.R12}, {"R13", f.R13}, {"R14", f.R14}, {"R15", f.R15},
		{"RFLAGS", f.RFLAGS}, {"CS", f.CS}, {"SS", f.SS}, {"FS.base", f.FSBase},
	}
	for i := range regs {
		console.Print(regs[i].name)
		console.Print("=")
		console.Hex(regs[i].v)
		if i%4 == 3 {
			console.Print("\n")
		} else {
			console.Print(" ")
		}
	}
	// LAB 3 END
}

// PrintSymbol prints pc as function+offset, using the Go symbol table
// (pclntab) that the kernel image carries anyway for the runtime.
func PrintSymbol(pc uint64) {
	t, ok := symtab.Self()
	if !ok {
		console.Print("(no symbol table)")
		return
	}
	name, off, ok := t.Lookup(pc)
	if !ok {
		console.Print("(not kernel code)")
		return
	}
	console.Write(name)
	console.Print("+")
	console.Hex(off)
}
