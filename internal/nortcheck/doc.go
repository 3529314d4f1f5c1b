// Package nortcheck owns the rule "the kernel never runs the Go runtime",
// checked on the machine code of a linked kernel binary.
//
// gobare's kernel is Go built by the stock toolchain, so its binary contains
// a Go runtime, but that runtime is never initialised: no heap, no scheduler,
// no GC, no panics. Kernel code that allocates, converts to an interface,
// grows a slice, uses a map, defers into the runtime or panics would call into
// that dead runtime and crash (or worse, half-work). Check finds such calls
// by disassembling the kernel's functions with golang.org/x/arch/x86/x86asm.
//
// # What is checked
//
// The roots are the functions whose names are in one of the given packages:
// a prefix p matches p itself, p's sub-packages and p's functions, methods and
// closures ("p.F", "p.(*T).M", "p.F.func1", "p.F[...]", "p/sub.G"). A
// prefix ending in "." or "/" matches any name starting with it.
//
// Each root is decoded instruction by instruction. Every direct branch
// (CALL, JMP, Jcc with a rel8/rel32 operand) whose target lies outside the
// function is resolved to the ELF symbol containing it, and then:
//
//   - an allowed target (see below) is fine and is not looked into;
//   - a runtime target is a Violation: a name starting with "runtime.",
//     "internal/runtime/" (Go 1.22+: maps, atomic, syscall, ...) or
//     "runtime/internal/" (before Go 1.22);
//   - another root is fine (it is checked in its own right);
//   - anything else (strconv, sync, internal/bytealg, unicode/utf8, the
//     compiler's "type:.eq.*" functions, ...) is followed: its own
//     branches are checked the same way, so that kernel code cannot reach
//     the allocator through strconv.Itoa or fmt. Violations found there
//     carry the call chain in Via.
//
// Runtime code linknamed into other packages is caught too: sync's
// runtime_Semacquire, time.now or internal/bytealg.MakeNoZero are "other"
// functions, followed, and their calls into runtime.* reported. sync/atomic
// needs no special case: its assembly stubs jump into
// internal/runtime/atomic, which DefaultAllow permits. Standard library code
// is not built with -B, so its bounds checks show up as calls to
// runtime.panicBounds (Go 1.26's name; panicIndex and friends before): that is
// intended, a panic in the kernel being fatal.
//
// # Indirect calls
//
// CALL through a register or memory cannot be resolved statically. In a root
// it is accepted: kernel code may call through function values and tables it
// owns (interrupt and system call tables, closures), and every kernel
// function is a root and checked anyway, however it is reached. In followed,
// non-kernel code an indirect call is reported with Callee "(indirect call)",
// because the check cannot see where it goes (an interface method of the
// standard library may well allocate). Indirect JMPs are not reported: the
// compiler emits them for switch jump tables inside a function.
//
// # The allow list
//
// An allow entry is a function name, or a prefix ending in "*". ELF
// symbols of assembly (ABI0) functions carry a ".abi0" suffix; names are
// compared without it, so "runtime.morestack_noctxt" matches
// "runtime.morestack_noctxt.abi0". Allowed functions are trusted: calls to
// them are accepted and their bodies are not examined. The same mechanism
// exempts a kernel function from scanning, which is how the kernel's 32-bit
// boot code should be excluded (decoding it as 64-bit code is meaningless).
// DefaultAllow lists the runtime helpers that are safe in a kernel whose
// runtime never ran, with the reason for each.
//
// # Limits
//
// The check sees calls, not behaviour: it cannot tell that a loop runs too
// long or that an allowed helper gets a bad pointer. Open-coded defers (Go
// 1.14+) compile to inline code plus funcdata, with no call into the runtime
// unless a panic happens, so a defer in a function is not always visible.
// An instruction x86asm cannot decode stops the scan of its function (the
// rest of the byte stream could no longer be trusted to be read in step) and
// is reported as "(undecodable instruction)".
package nortcheck
