// rt0: the runtime's rt0_go, step by step (compare src/runtime/asm_amd64.s).
// The kernel jumps here with the process stack of the System V psABI
// §3.4.1: argc at 0(SP), then argv, envp and the auxiliary vector.

#include "textflag.h"
#include "go_asm.h"

#define MSR_FS_BASE 0xC0000100

// TRACE(step, a, b) asks the gobare kernel to print one "rt0:" line. The
// system call clobbers AX, CX, R11, DI, SI, DX.
#define TRACE(step, a, b) \
	MOVQ a, SI; \
	MOVQ b, DX; \
	MOVQ $step, DI; \
	MOVQ $const_SysTrace, AX; \
	SYSCALL

TEXT ·rt0(SB), NOSPLIT|NOFRAME|TOPFRAME, $0
	// LAB 8 BEGIN: rt0_go step by step, one TRACE per step (argc/argv, g0 stack, CPUID, FS base, TLS check, g0/m0, check, args, osinit, schedinit, newproc, mstart)
	// LAB 8 STUB: JMP _rt0_amd64_linux(SB)	// the stock entry: arch_prctl instead of WRMSR, no rt0: trace
	// Step 1: argc and argv from the stack; keep them in the two words
	// above the three argument slots the calls below use.
	MOVQ 0(SP), R12	// argc
	LEAQ 8(SP), R13	// argv
	SUBQ $(5*8), SP
	ANDQ $~15, SP	// 16-byte alignment for the calls (psABI §3.2.2)
	MOVQ R12, 24(SP)
	MOVQ R13, 32(SP)
	MOVQ $0, BP	// the outermost frame: no caller's frame pointer
	TRACE(const_stepArgs, R12, R13)

	// Step 2: g0 runs on this stack; its bounds are the 64 KiB below SP.
	LEAQ runtime·g0(SB), DI
	LEAQ (-64*1024)(SP), BX
	MOVQ BX, const_gStackguard0(DI)
	MOVQ BX, const_gStackguard1(DI)
	MOVQ BX, const_gStackLo(DI)
	MOVQ SP, const_gStackHi(DI)
	MOVQ SP, R12
	TRACE(const_stepG0Stack, BX, R12)

	// Step 3: CPUID as rt0_go does it: note an Intel CPU and the processor
	// version, which the runtime's internal/cpu and memmove consult.
	MOVL $0, AX
	CPUID	// EAX = highest basic leaf; EBX, EDX, ECX = vendor string
	MOVL AX, R12
	CMPL AX, $0
	JE   nocpuinfo
	CMPL BX, $0x756E6547	// "Genu"
	JNE  notintel
	CMPL DX, $0x49656E69	// "ineI"
	JNE  notintel
	CMPL CX, $0x6C65746E	// "ntel"
	JNE  notintel
	MOVB $1, runtime·isIntel(SB)
notintel:
	MOVL $1, AX
	CPUID
	MOVL AX, runtime·processorVersionInfo(SB)
nocpuinfo:
	MOVL runtime·processorVersionInfo(SB), R13
	TRACE(const_stepCPUID, R12, R13)

	// Step 4: the thread pointer. Go code finds g at FS:-8, so FS base =
	// &m0.tls + 8, written straight into IA32_FS_BASE with WRMSR (SDM
	// Vol. 4, Table 2-2) where the stock rt0_go calls arch_prctl.
	LEAQ runtime·m0+(const_mTLS+8)(SB), AX
	MOVQ AX, R12
	MOVQ AX, DX
	SHRQ $32, DX	// WRMSR writes EDX:EAX to the MSR numbered ECX
	MOVL $MSR_FS_BASE, CX
	WRMSR
	TRACE(const_stepFSBase, R12, $0)

	// Step 5: the self-test: a store through FS:-8 must land in m0.tls[0].
	MOVQ $0x123, (TLS)
	MOVQ runtime·m0+const_mTLS(SB), AX
	CMPQ AX, $0x123
	JEQ  tlsok
	CALL runtime·abort(SB)
tlsok:
	MOVQ AX, R12
	TRACE(const_stepTLSCheck, R12, $0)

	// Step 6: g0 into TLS; m0.g0 = g0; g0.m = m0.
	LEAQ runtime·g0(SB), CX
	MOVQ CX, (TLS)
	LEAQ runtime·m0(SB), AX
	MOVQ CX, const_mG0(AX)
	MOVQ AX, const_gM(CX)
	MOVQ CX, R12
	MOVQ AX, R13
	TRACE(const_stepWire, R12, R13)
	CLD	// Go code expects the direction flag clear

	// Steps 7-12: the runtime's own initialisation, as rt0_go calls it.
	TRACE(const_stepCheck, $0, $0)
	CALL runtime·check(SB)	// sanity checks of the compiler's assumptions

	TRACE(const_stepRuntimeArgs, 24(SP), 32(SP))
	MOVL 24(SP), AX	// argc
	MOVL AX, 0(SP)
	MOVQ 32(SP), AX	// argv
	MOVQ AX, 8(SP)
	CALL runtime·args(SB)	// argv, envp and the auxiliary vector

	TRACE(const_stepOsinit, $0, $0)
	CALL runtime·osinit(SB)	// CPU count, huge page size

	TRACE(const_stepSchedinit, $0, $0)
	CALL runtime·schedinit(SB)	// heap, GC, Ps, the environment

	// A goroutine for runtime.main (which runs init tasks and main.main).
	MOVQ $runtime·mainPC(SB), AX
	MOVQ (AX), R12
	TRACE(const_stepNewproc, R12, $0)
	MOVQ $runtime·mainPC(SB), AX
	PUSHQ AX
	CALL runtime·newproc(SB)
	POPQ AX

	// This thread becomes m0 and starts scheduling; it never returns.
	TRACE(const_stepMstart, $0, $0)
	CALL runtime·mstart(SB)
	CALL runtime·abort(SB)
	RET
	// LAB 8 END
