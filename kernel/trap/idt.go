package trap

import (
	"unsafe"

	"github.com/gobare/gobare/kernel/cpu"
	"github.com/gobare/gobare/kernel/dev/lapic"
	"github.com/gobare/gobare/kernel/percpu"
)

// idt has one 16-byte gate per vector (SDM Vol. 3A §6.14.1, Figure 6-8).
var (
	idt        [256][2]uint64
	idtPointer [10]byte
)

// Indexes into entryPCs' table (vectors_amd64.s).
const (
	otherVectorStub = 49 // the stub of every other vector
	syscallEntryPC  = 50
	lockWakePC      = 51
	spuriousPC      = 52
)

// entryPCs returns the addresses of the assembly entry points.
func entryPCs() *[53]uintptr

// setGate makes vector v an interrupt gate (type 0xE: IF is cleared on
// entry) to handler, running on interrupt stack ist.
func setGate(v int, handler uintptr, ist int) {
	h := uint64(handler)
	idt[v][0] = h&0xffff | KernelCS<<16 | uint64(ist)<<32 | 0x8E<<40 | (h>>16&0xffff)<<48
	idt[v][1] = h >> 32
}

func initIDT() {
	pcs := entryPCs()
	for v := 0; v < 256; v++ {
		stub := pcs[otherVectorStub]
		if v < otherVectorStub {
			stub = pcs[v]
		}
		ist := istKernel
		switch v {
		case 2, 8, 18: // NMI, double fault, machine check
			ist = istCrisis
		case VectorLockWake:
			stub, ist = pcs[lockWakePC], istWake
		case lapic.SpuriousVector:
			stub, ist = pcs[spuriousPC], istWake
		}
		setGate(v, stub, ist)
	}
	putPointer(&idtPointer, uintptr(unsafe.Pointer(&idt)), uint16(unsafe.Sizeof(idt)-1))
	cpu.Lidt(uintptr(unsafe.Pointer(&idtPointer)))
}

// SYSCALL configuration MSRs (SDM Vol. 3A §5.8.8; Vol. 4 Table 2-2).
const (
	msrSTAR  = 0xC0000081 // bits 47:32: CS for SYSCALL (SS = CS+8)
	msrLSTAR = 0xC0000082 // 64-bit SYSCALL target RIP
	msrFMASK = 0xC0000084 // RFLAGS bits cleared by SYSCALL
	// IF (interrupts), DF (direction), TF (single step), AC (alignment check).
	fmaskBits = 1<<9 | 1<<10 | 1<<8 | 1<<18
)

func initSyscall() {
	cpu.Wrmsr(msrSTAR, uint64(KernelCS)<<32)
	cpu.Wrmsr(msrLSTAR, uint64(entryPCs()[syscallEntryPC]))
	cpu.Wrmsr(msrFMASK, fmaskBits)
}

// cr4FSGSBASE enables RDFSBASE, WRFSBASE, RDGSBASE and WRGSBASE.
const cr4FSGSBASE = 1 << 16

// Init installs the GDT, TSS, IDT and SYSCALL entry. kernelTop is the top of
// the kernel stack (16-byte aligned) where every entry saves its Frame;
// crisisTop the top of the stack for NMI, #DF and #MC.
func Init(kernelTop, crisisTop uintptr) {
	percpu.This().StackTop = kernelTop
	kernelFSBase = readFSBase()
	// RDFSBASE and WRFSBASE, cheaper than the MSR (and allowed to the
	// program too, as Linux does since 5.9): CR4.FSGSBASE, SDM Vol. 3A §2.5.
	if cpu.Has(&cpu.FSGSBASE) {
		cpu.WriteCR4(cpu.ReadCR4() | cr4FSGSBASE)
		useFSGSBASE = 1
	}
	// The quick return sets the status flags with SAHF, which the first
	// x86-64 CPUs lack in 64-bit mode (CPUID 0x80000001 ECX bit 0; SDM
	// Vol. 2B, SAHF: #UD without it).
	if cpu.Has(&cpu.LAHFSAHF) {
		useQuickReturn = 1
	}
	initGDT(kernelTop, crisisTop)
	initIDT()
	initSyscall()
}

// InitAP does for an application processor what Init did for the boot
// CPU, with its own stacks: CR4.FSGSBASE as the boot CPU has it (the
// entries use RDFSBASE on every CPU), its own GDT and TSS, the shared IDT,
// and its SYSCALL MSRs.
func InitAP(kernelTop, crisisTop uintptr) {
	percpu.This().StackTop = kernelTop
	if useFSGSBASE != 0 {
		cpu.WriteCR4(cpu.ReadCR4() | cr4FSGSBASE)
	}
	initGDT(kernelTop, crisisTop)
	cpu.Lidt(uintptr(unsafe.Pointer(&idtPointer)))
	initSyscall()
}
