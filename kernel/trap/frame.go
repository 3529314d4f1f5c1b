// Package trap owns the ways into the kernel: the GDT and TSS with its
// interrupt stacks, the IDT, the SYSCALL MSRs, the entry and exit assembly,
// and the Frame that holds a thread's registers while the kernel runs.
//
// Every entry — interrupt, exception or system call — saves the interrupted
// code's state as a Frame at the top of the CPU's kernel stack (all of it
// for an interrupt or exception; for a system call all but the vector
// registers, which the Go ABI leaves dead there) and calls the Handler, holding the big kernel lock (kernel/spin). The Handler
// may overwrite the Frame with another thread's saved Frame before
// returning; the exit path then resumes that thread instead. Kernel code
// never blocks and always runs with interrupts off, so one kernel stack
// per CPU is enough.
package trap

import (
	"unsafe"

	"github.com/gobare/gobare/kernel/cpu"
	"github.com/gobare/gobare/kernel/mem"
	"github.com/gobare/gobare/kernel/percpu"
	"github.com/gobare/gobare/kernel/spin"
)

// VectorSyscall is the Frame.Vector of a system call (real vectors are 0..255).
const VectorSyscall = 256

// Frame is the saved state of interrupted code, lowest address first, in
// the order entry_amd64.s builds it.
type Frame struct {
	FX     [FPAreaSize]byte // XSAVE (or FXSAVE) image: x87, SSE, AVX, AVX-512 state (SDM Vol. 1 §13.4)
	FSBase uint64           // IA32_FS_BASE: the thread's TLS pointer
	// FPSaved says what FX holds: FPNone, FPXMM or FPWhole (how an
	// entry leaves it: see entry_amd64.s, and SaveFP).
	FPSaved uint64

	R15, R14, R13, R12, R11, R10, R9, R8 uint64
	BP, DI, SI, DX, CX, BX, AX           uint64

	Vector uint64 // 0..255, or VectorSyscall
	Error  uint64 // the exception's error code, or 0

	// What IRETQ pops (SDM Vol. 3A §6.14.2, Figure 6-9).
	RIP, CS, RFLAGS, RSP, SS uint64
}

// What a Frame's FX holds (Frame.FPSaved).
const (
	// FPNone: nothing. The thread entered by SYSCALL, where its vector
	// registers are dead (docs/design.md, "Entering and leaving the
	// kernel"); its MXCSR and x87 control word are still in the CPU.
	FPNone = 0
	// FPXMM: XMM0-15 and MXCSR; the rest of the FP state is still in the
	// CPU (an interrupt or exception: kernel code changes only those).
	FPXMM = 1
	// FPWhole: the thread's whole FP state.
	FPWhole = 2
)

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

// useQuickReturn is set by Init when the CPU has SAHF in 64-bit mode:
// entry_amd64.s's quick return needs it, else every exit is by IRETQ.
//
//lint:ignore U1000 read by entry_amd64.s
var useQuickReturn uint8

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

// Copy copies the frame src into f. Assigned whole, a Frame (2,944 bytes)
// is copied with REP MOVSQ: 368 iterations, each one execution of its
// translation block under QEMU's TCG (kernel/mem/copy.go), and a thread
// switch copies two frames.
func (f *Frame) Copy(src *Frame) { mem.Copy(frameBytes(f), frameBytes(src)) }

// frameBytes is f as bytes (slicing an array pointer needs no runtime
// check, where unsafe.Slice would call one).
func frameBytes(f *Frame) []byte {
	return (*[unsafe.Sizeof(Frame{})]byte)(unsafe.Pointer(f))[:]
}

// SaveFP completes the FP image of f, the entry's frame at the top of the
// kernel stack, before the thread's state is stored away (a thread switch,
// a blocking call, a new thread's copy) or shown to it (a signal frame).
//
// After an interrupt or exception (FPXMM) the entry stored XMM0-15 and
// MXCSR; every other part of the FP state is still the thread's in the
// CPU, since kernel code does not touch it. So save the whole state, then
// put back the thread's XMM registers and MXCSR over the kernel's, and
// mark the SSE state present in the XSAVE header's XSTATE_BV (SDM Vol. 1
// §13.4.2), or XRSTOR would zero it.
//
// After a system call (FPNone) the vector registers are dead, so the
// image is the initial state (SDM Vol. 1 §13.6) with the thread's x87
// control word and MXCSR, which the CPU still holds: restoring it costs
// no save now, and leaves nothing of whoever ran in between in the
// thread's registers. XRSTOR loads MXCSR from the legacy area whenever
// RFBM has SSE or AVX, whatever XSTATE_BV says (SDM Vol. 1 §13.8.1); the
// x87 state is loaded from the image only when its control word is not
// the initial 0x37F (an empty register stack either way).
func SaveFP(f *Frame) {
	switch f.FPSaved {
	case FPWhole:
		return
	case FPNone:
		clear(f.FX[:576]) // the legacy area and the XSAVE header
		fpControl(&f.FX)
		if useXSAVE != 0 && (f.FX[0] != 0x7F || f.FX[1] != 0x03) {
			f.FX[512] = 1 << 0 // XSTATE_BV bit 0: x87
		}
	case FPXMM:
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
	}
	f.FPSaved = FPWhole
}

// Handler is called for every entry with the frame on the kernel stack.
// Kernel.Main sets it before interrupts are enabled.
var Handler func(f *Frame)

// Quick is tried before Handler for a system call, on CPU cpu: it answers
// the call and returns true when the call and the state of the machine
// let it skip the rest of the entry (linux.Quick, the quick path), else
// it returns false, having done nothing, and Handler runs. Its time is
// not counted in the CPU's KernelCycles (two RDTSCs would be a good part
// of it). Set with Handler.
var Quick func(f *Frame, cpu int) bool

// kernelFSBase is the FS base that kernel Go code needs (set by Init).
var kernelFSBase uint64

// The kernel stack top where entries put the Frame, and the program's RSP
// for the few instructions between SYSCALL and the push, are per CPU: in
// the percpu.Block that the GS base points at (entry_amd64.s reads them).

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

//lint:ignore U1000 used from assembly (entry_amd64.s)
func quickReturn()
func saveFP(fx *[FPAreaSize]byte)
func fpControl(fx *[FPAreaSize]byte)
func enterFrame(f *Frame)
func readFSBase() uint64

// VectorWake is the interrupt a CPU sends another (an inter-processor
// interrupt, SDM Vol. 3A §10.6) to make it enter the kernel: to run a
// thread that became runnable, or to deliver a signal at its exit.
// VectorLockWake ends the halt of a CPU waiting for the kernel lock
// (spin.sleepWhile); it is of the highest priority class (vector >> 4 =
// 15), the only one such a CPU lets in (§10.8.3.1). The other messages
// between CPUs travel as NMIs (vectorNMI), which reach a CPU even with
// interrupts off: a TLB shootdown, and the order to stop.
const (
	VectorWake     = 48
	VectorLockWake = 0xF0
	vectorNMI      = 2
)

// eoiRegister is the virtual address of the local APIC's EOI register,
// which lockWakeEntry writes (set by UseLockWake).
//
//lint:ignore U1000 used from assembly (vectors_amd64.s)
var eoiRegister uintptr

// UseLockWake readies the lock's wake-up interrupt, whose entry writes
// the local APIC's EOI register at eoi (lapic.EOIRegister).
func UseLockWake(eoi uintptr) { eoiRegister = eoi }

// ServeOthers, when set, is the work a CPU does for the others wherever
// it is (answer a TLB shootdown): on each NMI, and on each turn of a wait
// for the kernel lock, since the CPU that asked may hold it.
var ServeOthers func()

// dispatch is called by frameSave with the new frame, on CPU me (which
// frameSave read through GS, sparing a call to percpu.ID). An NMI from
// another CPU is answered at once, without the lock (see nmi); any other
// entry takes the big kernel lock, runs the Handler and lets the lock go.
func dispatch(f *Frame, me int) {
	if f.Vector == vectorNMI && percpu.Online > 1 {
		nmi(f)
		return
	}
	c := percpu.Get(me)
	if c.InKernel {
		kernelFault(f)
	}
	spin.Kernel.Acquire(ServeOthers)
	c.InKernel = true
	c.Entries++
	if f.Vector != VectorSyscall || !Quick(f, me) {
		start := cpu.Rdtsc()
		if c.IdleSince != 0 { // it idled until this entry
			c.IdleCycles += start - c.IdleSince
			c.IdleSince = 0
		}
		if c.ServiceSince != 0 { // the network service ran until this entry
			c.ServiceCycles += start - c.ServiceSince
			c.ServiceSince = 0
		}
		Handler(f)
		end := cpu.Rdtsc()
		c.KernelCycles += end - start
		if c.Idle {
			c.IdleSince = end
		} else if c.InService {
			c.ServiceSince = end
		}
	}
	c.InKernel = false
	spin.Kernel.Release()
}

// dispatchFunc is dispatch as a func value, whose code pointer is
// dispatch's ABIInternal entry: frameSave calls it through this, with the
// registers that ABI wants, instead of through the ABI0 wrapper a direct
// call from assembly gets (entry_amd64.s).
//
//lint:ignore U1000 used from assembly (entry_amd64.s)
var dispatchFunc = dispatch

// nmi answers an NMI from another CPU: halt for good after a kernel fault
// elsewhere; else serve the others (a shootdown). The NMI runs on its own
// stack (IST2), so it may come while this CPU is anywhere, in kernel code
// too.
func nmi(f *Frame) {
	if stopping.Load() {
		halt()
	}
	quickReturnFixup(f)
	if ServeOthers != nil {
		ServeOthers()
	}
}

// quickReturnFixup completes the quick return (entry_amd64.s) of an NMI
// that came between its STI and its JMP: the NMI's IRETQ sets IF again and
// so ends STI's one-instruction shadow, and an interrupt taken at the JMP
// could switch threads, after which the JMP would run with another
// thread's ExitRIP, or another CPU's. The NMI's frame already holds the
// program's registers and RSP, so it returns straight to the program's RIP
// instead.
func quickReturnFixup(f *Frame) {
	if uintptr(f.RIP) == quickReturnPC()+stiLength {
		f.RIP = percpu.This().ExitRIP
	}
}

// stiLength is STI's length in bytes (0xFB).
const stiLength = 1

// quickReturnPC returns the address of quickReturn, the quick return's
// STI (entry_amd64.s).
func quickReturnPC() uintptr

// EnterKernel and LeaveKernel make code that is not in an entry (Main on
// the boot CPU, apMain on the others) run as if it were: EnterKernel takes
// the big kernel lock, LeaveKernel lets it go (the boot self-check does so
// to let timer interrupts in).
func LeaveKernel() {
	percpu.This().InKernel = false
	spin.Kernel.Release()
}

func EnterKernel() {
	spin.Kernel.Acquire(ServeOthers)
	percpu.This().InKernel = true
}

// KernelCycles sums the TSC cycles all CPUs spent in Handler, for the
// statistics the kernel word "stats" prints.
func KernelCycles() uint64 {
	var n uint64
	for i := 0; i < percpu.MaxCPUs; i++ {
		n += percpu.Get(i).KernelCycles
	}
	return n
}

// Enter starts running frame f, which must be the frame at the top of this
// CPU's kernel stack (see StackFrame), and lets the big kernel lock go,
// which the caller holds. It does not return.
func Enter(f *Frame) {
	percpu.This().InKernel = false
	spin.Kernel.Release()
	enterFrame(f)
}

// StackFrame is the Frame slot at the top of this CPU's kernel stack.
func StackFrame() *Frame {
	return (*Frame)(unsafe.Pointer(percpu.This().StackTop - FrameSize))
}

// KernelFSBase returns the FS base kernel code runs with.
func KernelFSBase() uint64 { return kernelFSBase }
