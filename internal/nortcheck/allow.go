package nortcheck

// DefaultAllow lists the runtime functions kernel code may call although the
// runtime never ran. Each one is either never actually reached (its call
// sits on a path guarded by runtime state that stays zero) or needs nothing
// from the runtime: no heap, no g or m, no stack growth, no initialised
// variables other than ones whose zero value is the safe choice.
//
// Several entries rely on the runtime's zeroed BSS: runtime.writeBarrier,
// runtime.memmoveBits and internal/cpu.X86 must read as zero, so the boot
// path must clear .bss and .noptrbss before kernel code runs.
//
// Verified against the Go 1.26 sources named in each entry.
var DefaultAllow = []string{
	// The split-stack prologue: "CMPQ SP, 16(R14); JLS more" where more
	// calls runtime.morestack_noctxt (runtime.morestack for closures). R14
	// is the current g and 16(R14) its stackguard0; the kernel's g has
	// stackguard0 = 0, so the unsigned comparison never branches and the
	// call is never made. (Frames over StackBig first subtract the frame
	// size from SP and branch on a borrow, which cannot happen with kernel
	// stacks above 1 MiB.) (src/runtime/asm_amd64.s;
	// src/cmd/internal/obj/x86/obj6.go, stacksplit.)
	"runtime.morestack_noctxt",
	"runtime.morestack",

	// Write barriers. The compiler guards every pointer store to memory
	// that may be in the heap with "CMPL runtime.writeBarrier, $0; JNE";
	// only the taken branch calls these. The flag is set only while the GC
	// marks, and the GC never starts. (src/runtime/mwbbuf.go,
	// asm_amd64.s gcWriteBarrier<N>; mbarrier.go wbZero, wbMove;
	// cmd/compile/internal/ssagen/ssa.go and ssa/writebarrier.go.)
	"runtime.gcWriteBarrier*",
	"runtime.wbZero",
	"runtime.wbMove",

	// Copies and clears of memory holding pointers (copy() of a []*T,
	// clearing a struct with pointers, zeroing a pointer array). Each does
	// its write barrier work only "if writeBarrier.enabled" (in
	// memclrHasPointers, inside bulkBarrierPreWrite, after an alignment
	// check pointerful memory always passes), then calls memmove or
	// memclrNoHeapPointers. The race/msan/asan and cgocheck2 branches are
	// compiled out. (src/runtime/mbarrier.go, mbitmap.go.)
	"runtime.typedmemmove",
	"runtime.typedslicecopy",
	"runtime.typedmemclr",
	"runtime.memclrHasPointers",

	// Plain memory copy and clear: NOSPLIT assembly using general and SSE
	// registers only. The AVX and REP MOVS variants are chosen by
	// runtime.memmoveBits and internal/cpu.X86, which the never-run
	// runtime leaves at zero, so the SSE paths run. The kernel enables SSE
	// (CR4.OSFXSR) before running Go code. (src/runtime/memmove_amd64.s,
	// memclr_amd64.s, cpuflags_amd64.go.)
	"runtime.memmove",
	"runtime.memclrNoHeapPointers",

	// Comparisons the compiler calls for arrays, structs and strings
	// (==, <): NOSPLIT assembly in internal/bytealg (memequal,
	// memequal_varlen, cmpstring; AVX2 only if internal/cpu.X86.HasAVX2,
	// zero here) and leaf Go functions in runtime/alg.go (memequal8 … 128,
	// used through type equality functions). (src/internal/bytealg/
	// equal_amd64.s, compare_amd64.s.)
	"runtime.memequal*",
	"runtime.cmpstring",

	// Decoding one UTF-8 sequence for "for i, r := range s" when s[i] is
	// not ASCII: a leaf function over its arguments, no allocation, no
	// panic (it checks k against len(s) itself). (src/runtime/utf8.go.)
	"runtime.decoderune",

	// Duff's device for zeroing and copying medium-sized blocks: NOSPLIT
	// assembly touching only its arguments and SSE registers. Go 1.26 has
	// none on amd64 (the compiler emits loops); kept for binaries built by
	// older toolchains. (src/runtime/duff_amd64.s up to Go 1.25.)
	"runtime.duffzero",
	"runtime.duffcopy",

	// Atomic operations: one LOCK-prefixed instruction (or XCHG) each. The
	// compiler inlines sync/atomic calls; the assembly versions, reached
	// through sync/atomic's stubs when an atomic function is used as a
	// value, jump here. (src/internal/runtime/atomic/atomic_amd64.s,
	// src/sync/atomic/asm.s.)
	"internal/runtime/atomic.*",
}
