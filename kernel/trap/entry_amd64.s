// Entering and leaving the kernel. Interrupts, exceptions and system calls
// all build the same Frame (frame.go) at the top of the kernel stack, call
// dispatch in Go, and leave through frameExit with IRETQ, which restores
// RIP, CS, RFLAGS, RSP and SS in one instruction (SDM Vol. 3A §6.14.3).
// The program runs in ring 0 too, so SYSRET (which always returns to
// ring 3) cannot be used.

#include "textflag.h"

#define MSR_FS_BASE 0xC0000100
#define KERNEL_CS 0x08
#define KERNEL_SS 0x10
#define VECTOR_SYSCALL 256
#define FP_NONE 0	// Frame.FPSaved: trap.FPNone
#define FP_XMM 1	// trap.FPXMM
#define FP_WHOLE 2	// trap.FPWhole
#define FP_AREA 2752	// Frame.FX: trap.FPAreaSize
#define PERCPU_STACK_TOP 0	// percpu.Block.StackTop
#define PERCPU_SCRATCH_SP 8	// percpu.Block.ScratchSP
#define PERCPU_ID 16	// percpu.Block.ID
#define PERCPU_EXIT_RIP 24	// percpu.Block.ExitRIP

// Frame's fields after the FP area (frame.go), from the frame's start.
#define FRAME_RIP (FP_AREA+152)
#define FRAME_RFLAGS (FP_AREA+168)
#define FRAME_RSP (FP_AREA+176)

// RFLAGS bits (SDM Vol. 1 §3.4.3): the status flags CF, PF, AF, ZF, SF
// and OF, and IF.
#define FLAGS_STATUS 0x8D5
#define FLAGS_IF 0x200

// The general-purpose registers, in Frame's order (R15 lowest).
#define PUSH_REGS \
	PUSHQ AX; PUSHQ BX; PUSHQ CX; PUSHQ DX; PUSHQ SI; PUSHQ DI; PUSHQ BP; \
	PUSHQ R8; PUSHQ R9; PUSHQ R10; PUSHQ R11; PUSHQ R12; PUSHQ R13; PUSHQ R14; PUSHQ R15
#define POP_REGS \
	POPQ R15; POPQ R14; POPQ R13; POPQ R12; POPQ R11; POPQ R10; POPQ R9; POPQ R8; \
	POPQ BP; POPQ DI; POPQ SI; POPQ DX; POPQ CX; POPQ BX; POPQ AX

// trapCommon: the CPU has switched to the vector's IST stack (the kernel
// stack top for everything but NMI, #DF and #MC) and pushed SS, RSP,
// RFLAGS, CS, RIP; the stub pushed the error code and the vector.
//
// An interrupt or exception can come anywhere, with every register live,
// so the whole FP state is kept, lazily. Kernel code is compiled for the
// x86-64 baseline (TestKernelBaselineInstructions): it uses XMM0-15
// through legacy SSE instructions, which leave the upper halves of
// YMM/ZMM alone, and never touches x87, MXCSR, the AVX-512 mask registers
// or PKRU. So only XMM0-15 and MXCSR are stored here, at their places in
// the FXSAVE/XSAVE image (SDM Vol. 1 §10.5.1 Table 10-2), with
// Frame.FPSaved = FPXMM: the rest of the program's FP state stays in the
// CPU. A thread switch or signal delivery completes the image first
// (trap.SaveFP).
TEXT ·trapCommon(SB), NOSPLIT|NOFRAME, $0
	PUSH_REGS
	SUBQ $16, SP	// FSBase and FPSaved
	SUBQ $FP_AREA, SP	// the FP state's area, 64-byte aligned here
	STMXCSR 24(SP)
	MOVO X0, 160(SP)
	MOVO X1, 176(SP)
	MOVO X2, 192(SP)
	MOVO X3, 208(SP)
	MOVO X4, 224(SP)
	MOVO X5, 240(SP)
	MOVO X6, 256(SP)
	MOVO X7, 272(SP)
	MOVO X8, 288(SP)
	MOVO X9, 304(SP)
	MOVO X10, 320(SP)
	MOVO X11, 336(SP)
	MOVO X12, 352(SP)
	MOVO X13, 368(SP)
	MOVO X14, 384(SP)
	MOVO X15, 400(SP)
	MOVQ $FP_XMM, (FP_AREA+8)(SP)	// Frame.FPSaved
	JMP ·frameSave(SB)

// syscallEntry is the target of SYSCALL (IA32_LSTAR). SYSCALL put the
// return address in RCX and RFLAGS in R11, cleared IF/DF/TF/AC (IA32_FMASK)
// and did not touch RSP (SDM Vol. 2B, SYSCALL). We must not push on the
// program's stack: a goroutine may be in a nosplit function with little
// room. So switch to this CPU's kernel stack at once and build the frame
// an interrupt would have built. The stack top and a scratch word for the
// program's RSP are in the CPU's percpu.Block, at the GS base.
//
// No FP state is saved (Frame.FPSaved = FPNone): Go makes system calls
// only from call sites where every vector register is dead (the Go ABI
// has no callee-saved vector registers; X15, the zero register of
// ABIInternal, frameExit zeroes), and the kernel leaves MXCSR and the x87
// control word alone, so they are still the thread's at the exit. See
// docs/design.md, "Entering and leaving the kernel".
TEXT ·syscallEntry(SB), NOSPLIT|NOFRAME, $0
	MOVQ SP, PERCPU_SCRATCH_SP(GS)
	MOVQ PERCPU_STACK_TOP(GS), SP
	PUSHQ $KERNEL_SS
	PUSHQ PERCPU_SCRATCH_SP(GS)
	PUSHQ R11	// RFLAGS
	PUSHQ $KERNEL_CS
	PUSHQ CX	// RIP: the instruction after SYSCALL
	PUSHQ $0	// error code
	PUSHQ $VECTOR_SYSCALL
	PUSH_REGS
	SUBQ $(FP_AREA+16), SP	// the FP area (left as it is), FSBase and FPSaved
	MOVQ $FP_NONE, (FP_AREA+8)(SP)	// Frame.FPSaved
	JMP ·frameSave(SB)

// frameSave finishes the frame: it stores the FS base and makes FS point
// at the kernel's TLS (Go code loads g from %fs:-8), then calls
// dispatch(frame, cpu) through dispatchFunc.
TEXT ·frameSave(SB), NOSPLIT|NOFRAME, $0
	// The FS base: by RDFSBASE/WRFSBASE where CR4.FSGSBASE allows them
	// (SDM Vol. 2C, RDFSBASE), else through the MSR.
	CMPB ·useFSGSBASE(SB), $0
	JEQ  fsmsr
	RDFSBASEQ AX
	MOVQ AX, FP_AREA(SP)	// Frame.FSBase
	MOVQ ·kernelFSBase(SB), AX
	WRFSBASEQ AX
fsdone:
	// dispatch(frame, cpu), called the way Go code calls it (Go's
	// internal ABI, ABIInternal, amd64: src/cmd/compile/abi-internal.md):
	// the arguments in AX and BX with room for the callee to spill them
	// above the return address, g in R14, X15 zero, DX the func value.
	// A CALL ·dispatch(SB) from assembly would go through an ABI0
	// wrapper that does the same after moving stack arguments into
	// registers: a dozen instructions and one more call and return,
	// each a lookup of the translated code under TCG.
	CLD	// the Go ABI expects the direction flag clear
	MOVQ SP, AX	// the frame
	MOVQ PERCPU_ID(GS), BX	// this CPU's index (what percpu.ID would return)
	SUBQ $16, SP	// the arguments' spill space
	MOVQ (TLS), R14	// g: the kernel's, at %fs:-8
	XORPS X15, X15
	MOVQ ·dispatchFunc(SB), DX
	CALL (DX)
	ADDQ $16, SP
	JMP ·frameExit(SB)
fsmsr:
	MOVL $MSR_FS_BASE, CX
	RDMSR
	SHLQ $32, DX
	ORQ  DX, AX
	MOVQ AX, FP_AREA(SP)	// Frame.FSBase
	MOVQ ·kernelFSBase(SB), AX
	MOVQ AX, DX
	SHRQ $32, DX
	WRMSR
	JMP  fsdone

// saveFP(fx) stores the whole FP state in fx, 64-byte aligned: XSAVE of
// the components in EDX:EAX (= XCR0) (SDM Vol. 1 §13.7), or FXSAVE (x87,
// MXCSR and XMM0-15, SDM Vol. 1 §10.5).
TEXT ·saveFP(SB), NOSPLIT, $0-8
	MOVQ fx+0(FP), DI
	CMPB ·useXSAVE(SB), $0
	JEQ  fxsave
	MOVL ·xsaveMask(SB), AX
	MOVL ·xsaveMask+4(SB), DX
	XSAVE64 (DI)
	RET
fxsave:
	FXSAVE64 (DI)
	RET

// fpControl(fx) stores the x87 control word and MXCSR at their places in
// the FXSAVE/XSAVE image fx (SDM Vol. 1 Table 10-2): FNSTCW, which does
// not wait for pending x87 exceptions, and STMXCSR.
TEXT ·fpControl(SB), NOSPLIT, $0-8
	MOVQ fx+0(FP), DI
	FSTCW 0(DI)
	STMXCSR 24(DI)
	RET

// frameExit leaves through the frame at SP: FS base, FP/SSE state,
// registers, then IRETQ. dispatch may have replaced the frame's contents
// with another thread's: that is how threads switch. The FP state comes
// back as the entry or trap.SaveFP kept it (Frame.FPSaved): the whole
// image by XRSTOR (FPWhole), XMM0-15 and MXCSR (FPXMM), or nothing but a
// zero X15 (FPNone: a system call's return to the thread that made it,
// whose MXCSR and x87 control word never left the CPU, or the idle loop),
// and an FPNone frame leaves by the quick return when it can (below).
TEXT ·frameExit(SB), NOSPLIT|NOFRAME, $0
	MOVQ FP_AREA(SP), AX	// Frame.FSBase
	CMPB ·useFSGSBASE(SB), $0
	JEQ  fsmsr
	WRFSBASEQ AX
fsdone:
	CMPQ (FP_AREA+8)(SP), $FP_XMM	// Frame.FPSaved
	JEQ  xmm
	JA   whole
	PXOR X15, X15	// FPNone: ABIInternal's zero register (Go internal ABI, amd64)

	// The quick return, for an FPNone frame (a system call's, or the idle
	// loop's) whose RFLAGS differ from the flags the CPU has now only in IF
	// (set) and the status flags. Every Frame's CS and SS are the kernel's,
	// as the program runs in ring 0 (the entries push them, and exec, the
	// idle frame and rt_sigreturn set them), so what IRETQ would do then is
	// load RIP, RSP and those flags. Under QEMU's TCG, IRETQ is a helper that
	// reads the five words and two GDT descriptors through the soft TLB,
	// then leaves the translated code; this way is a few plain instructions
	// and one STI, which leaves it too (docs/performance.md, 2026-11-30 03:00
	// UTC notes). It needs SAHF in 64-bit mode (useQuickReturn).
	CMPB ·useQuickReturn(SB), $0
	JEQ  fprestored
	PUSHFQ
	POPQ CX	// the flags now: IF clear
	MOVQ FRAME_RFLAGS(SP), AX
	XORQ AX, CX
	ANDQ $~FLAGS_STATUS, CX
	CMPQ CX, $FLAGS_IF	// otherwise the same, and IF set in the frame?
	JNE  fprestored
	MOVQ FRAME_RIP(SP), CX
	MOVQ CX, PERCPU_EXIT_RIP(GS)
	MOVQ FRAME_RSP(SP), CX
	MOVQ CX, PERCPU_SCRATCH_SP(GS)
	// The status flags: OF by an ADDB of CL to itself, CL being RFLAGS
	// bits 4-11: it overflows exactly when bits 7 and 6 differ, that is
	// OF (bit 11) and DF (bit 10: clear in the frame, which the check
	// above found equal to the CPU's, cleared by the entry's CLD).
	// Then SF, ZF, AF, PF and CF by SAHF from RFLAGS' low byte (SDM Vol.
	// 2B, SAHF), which leaves OF alone. Nothing after it changes a flag
	// (LEAQ, POPQ, MOVQ and JMP do not).
	MOVL AX, CX
	SHRL $4, CX
	ADDB CX, CX
	MOVB AX, AH
	SAHF
	LEAQ (FP_AREA+16)(SP), SP
	POP_REGS
	MOVQ PERCPU_SCRATCH_SP(GS), SP
	JMP  ·quickReturn(SB)

whole:
	CMPB ·useXSAVE(SB), $0
	JEQ  fxrstor
	MOVL ·xsaveMask(SB), AX
	MOVL ·xsaveMask+4(SB), DX
	XRSTOR64 (SP)
	JMP  fprestored
fxrstor:
	FXRSTOR64 (SP)
	JMP  fprestored
xmm:
	LDMXCSR 24(SP)
	MOVO 160(SP), X0
	MOVO 176(SP), X1
	MOVO 192(SP), X2
	MOVO 208(SP), X3
	MOVO 224(SP), X4
	MOVO 240(SP), X5
	MOVO 256(SP), X6
	MOVO 272(SP), X7
	MOVO 288(SP), X8
	MOVO 304(SP), X9
	MOVO 320(SP), X10
	MOVO 336(SP), X11
	MOVO 352(SP), X12
	MOVO 368(SP), X13
	MOVO 384(SP), X14
	MOVO 400(SP), X15
fprestored:
	ADDQ $(FP_AREA+16), SP
	POP_REGS
	ADDQ $16, SP	// vector and error code
	IRETQ
fsmsr:
	MOVQ AX, DX
	SHRQ $32, DX
	MOVL $MSR_FS_BASE, CX
	WRMSR
	JMP  fsdone

// quickReturn ends the quick return: interrupts on, and the jump to the
// program. STI enables interrupts only after the next instruction (SDM
// Vol. 2B, STI), so no interrupt comes before the JMP; an NMI can
// (blocking by STI is model-specific), and its handler, whose own exit
// would leave IF set and so let an interrupt in before the JMP, completes
// the jump itself (quickReturnFixup, frame.go).
TEXT ·quickReturn(SB), NOSPLIT|NOFRAME, $0
	STI
	JMP  PERCPU_EXIT_RIP(GS)

// quickReturnPC returns quickReturn's address.
TEXT ·quickReturnPC(SB), NOSPLIT, $0-8
	LEAQ ·quickReturn(SB), AX
	MOVQ AX, ret+0(FP)
	RET

// enterFrame(frame) starts executing a frame that Go code prepared at the
// top of the kernel stack (the first thread); it does not return.
TEXT ·enterFrame(SB), NOSPLIT|NOFRAME, $0-8
	MOVQ frame+0(FP), SP
	JMP ·frameExit(SB)

// readFSBase returns the FS base in effect now (the kernel's).
TEXT ·readFSBase(SB), NOSPLIT, $0-8
	MOVL $MSR_FS_BASE, CX
	RDMSR
	SHLQ $32, DX
	ORQ  DX, AX
	MOVQ AX, ret+0(FP)
	RET

