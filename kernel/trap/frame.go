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
	FX     [FPAreaSize]byte // XSAVE (or FXSAVE) image: x87, SSE, AVX, AVX-512 state (SDM Vol. 1 §13.4)
	FSBase uint64           // IA32_FS_BASE: the thread's TLS pointer
	// FPSaved is 1 when FX holds the thread's whole FP state, 0 when it
	// holds only XMM0-15 and MXCSR and the rest is still in the CPU (how
	// an entry leaves it: see frameSave in entry_amd64.s, and SaveFP).
	FPSaved uint64

	R15, R14, R13, R12, R11, R10, R9, R8 uint64
	BP, DI, SI, DX, CX, BX, AX           uint64

	Vector uint64 // 0..255, or VectorSyscall
	Error  uint64 // the exception's error code, or 0

	// What IRETQ pops (SDM Vol. 3A §6.14.2, Figure 6-9).
	RIP, CS, RFLAGS, RSP, SS uint64
}

// FrameSize is the Frame's size in bytes. The fields after FX take 192
// bytes and FPAreaSize is a multiple of 64, so with the Frame at the top of
// a page-aligned stack the FX area is 64-byte aligned, as XSAVE requires.
const FrameSize = unsafe.Sizeof(Frame{})

// FPAreaSize is the room for the FP state: enough for x87, SSE, AVX and
// AVX-512 in XSAVE's standard format (2,696 bytes on CPUs with AVX-512,
// rounded up to 64).
const FPAreaSize = 2752

// The FP state's format, set once at boot by UseXSAVE: FXSAVE's 512 bytes
// until then. useXSAVE and xsaveMask are read by entry_amd64.s.
var (
	useXSAVE  uint8
	xsaveMask uint64
	fpSize    uint32 = 512
)

// useFSGSBASE is set by Init when CR4.FSGSBASE is on: entry_amd64.s then
// switches the FS base with RDFSBASE/WRFSBASE, not RDMSR/WRMSR.
//
//lint:ignore U1000 read by entry_amd64.s
var useFSGSBASE uint8

// UseXSAVE makes every entry save, and every exit restore, the FP state
// with XSAVE/XRSTOR for the components in mask (XCR0), whose save area
// takes size bytes.
func UseXSAVE(mask uint64, size uint32) {
	xsaveMask, fpSize, useXSAVE = mask, size, 1
}

// FPState returns the FP state's size and, with XSAVE, its components (0
// for FXSAVE).
func FPState() (size uint32, xsave uint64) {
	if useXSAVE == 0 {
		return fpSize, 0
	}
	return fpSize, xsaveMask
}

// SanitizeFPState makes an FP image from the program (a signal frame being
// returned from) safe to restore: reserved MXCSR bits clear, and in the
// XSAVE header only enabled components, the standard format (XCOMP_BV 0)
// and zero reserved bytes (SDM Vol. 1 §13.8: XRSTOR faults otherwise).
func SanitizeFPState(fx []byte) {
	if len(fx) < 512 {
		return
	}
	fx[26], fx[27] = 0, 0 // MXCSR bits 16-31
	fx[24] &^= 0x40       // DAZ, which some CPUs lack
	if useXSAVE == 0 || len(fx) < 576 {
		return
	}
	for i := 0; i < 8; i++ {
		fx[512+i] &= byte(xsaveMask >> (8 * i)) // XSTATE_BV
	}
	clear(fx[520:576]) // XCOMP_BV and the reserved bytes
}

// SaveFP completes the FP image of f, the entry's frame at the top of the
// kernel stack, before the thread's state is stored away (a thread switch,
// a new thread's copy) or shown to it (a signal frame). The entry stored
// XMM0-15 and MXCSR; every other part of the FP state is still the
// thread's in the CPU, since kernel code does not touch it. So save the
// whole state, then put back the thread's XMM registers and MXCSR over
// the kernel's, and mark the SSE state present in the XSAVE header's
// XSTATE_BV (SDM Vol. 1 §13.4.2), or XRSTOR would zero it.
func SaveFP(f *Frame) {
	if f.FPSaved != 0 {
		return
	}
	const mxcsr, xmm, xmmEnd = 24, 160, 416 // offsets in the image (SDM Vol. 1 Table 10-2)
	var keep [xmmEnd - xmm]byte
	copy(keep[:], f.FX[xmm:xmmEnd])
	m0, m1, m2, m3 := f.FX[mxcsr], f.FX[mxcsr+1], f.FX[mxcsr+2], f.FX[mxcsr+3]
	saveFP(&f.FX)
	copy(f.FX[xmm:xmmEnd], keep[:])
	f.FX[mxcsr], f.FX[mxcsr+1], f.FX[mxcsr+2], f.FX[mxcsr+3] = m0, m1, m2, m3
	if useXSAVE != 0 {
		f.FX[512] |= 1 << 1 // XSTATE_BV bit 1: SSE
	}
	f.FPSaved = 1
}

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
func saveFP(fx *[FPAreaSize]byte)
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
