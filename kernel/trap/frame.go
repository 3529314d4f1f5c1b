// Package trap owns the ways into the kernel: the GDT and TSS with its
// interrupt stacks, the IDT, the SYSCALL MSRs, the entry and exit assembly,
// and the Frame that holds a thread's registers while the kernel runs.
//
// Every entry — interrupt, exception or system call — saves the interrupted
// code's complete state as a Frame at the top of the one kernel stack and
// calls the Handler. The Handler may overwrite the Frame with another
// thread's saved Frame before returning; the exit path then resumes that
// thread instead. Kernel code never blocks and always runs with interrupts
// off, so one kernel stack is enough.
package trap

import (
	"unsafe"

	"github.com/gobare/gobare/kernel/cpu"
)

// VectorSyscall is the Frame.Vector of a system call (real vectors are 0..255).
const VectorSyscall = 256

// Frame is the saved state of interrupted code, lowest address first, in
// the order entry_amd64.s builds it.
type Frame struct {
	FX     [512]byte // FXSAVE image: x87, MXCSR, XMM0-XMM15 (SDM Vol. 1 §10.5.1)
	FSBase uint64    // IA32_FS_BASE: the thread's TLS pointer
	_      uint64

	R15, R14, R13, R12, R11, R10, R9, R8 uint64
	BP, DI, SI, DX, CX, BX, AX           uint64

	Vector uint64 // 0..255, or VectorSyscall
	Error  uint64 // the exception's error code, or 0

	// What IRETQ pops (SDM Vol. 3A §6.14.2, Figure 6-9).
	RIP, CS, RFLAGS, RSP, SS uint64
}

// FrameSize is the Frame's size in bytes; a multiple of 16 so that the FX
// area stays 16-byte aligned.
const FrameSize = unsafe.Sizeof(Frame{})

// Handler is called for every entry with the frame on the kernel stack.
// Kernel.Main sets it before interrupts are enabled.
var Handler func(f *Frame)

// kernelFSBase is the FS base that kernel Go code needs (set by Init).
var kernelFSBase uint64

// kernelStackTop is where entries put the Frame; syscallProgramSP holds the
// program's RSP for the few instructions between SYSCALL and the push.
var (
	kernelStackTop uintptr
	//lint:ignore U1000 used from assembly (entry_amd64.s)
	syscallProgramSP uint64
)

// InKernel is true while kernel code runs; a fault then is a kernel bug.
var InKernel bool

// The entry and exit code in entry_amd64.s and vectors_amd64.s, which the
// IDT and the LSTAR MSR point at.
//
//lint:ignore U1000 used from assembly (vectors_amd64.s)
func trapCommon()

//lint:ignore U1000 used from assembly (LSTAR points at it)
func syscallEntry()

//lint:ignore U1000 used from assembly (entry_amd64.s)
func frameSave()

//lint:ignore U1000 used from assembly (entry_amd64.s)
func frameExit()
func enterFrame(f *Frame)
func readFSBase() uint64

// KernelCycles counts the TSC cycles spent in Handler, for the statistics
// the kernel word "stats" prints.
var KernelCycles uint64

// dispatch is called by frameSave with the new frame.
//
//lint:ignore U1000 used from assembly (entry_amd64.s)
func dispatch(f *Frame) {
	if InKernel {
		kernelFault(f)
	}
	InKernel = true
	start := cpu.Rdtsc()
	Handler(f)
	KernelCycles += cpu.Rdtsc() - start
	InKernel = false
}

// Enter starts running frame f, which must be the frame at the top of the
// kernel stack (see StackFrame). It does not return.
func Enter(f *Frame) {
	InKernel = false
	enterFrame(f)
}

// StackFrame is the Frame slot at the top of the kernel stack.
func StackFrame() *Frame {
	return (*Frame)(unsafe.Pointer(kernelStackTop - FrameSize))
}

// KernelFSBase returns the FS base kernel code runs with.
func KernelFSBase() uint64 { return kernelFSBase }
