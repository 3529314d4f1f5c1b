package mem

// Copying and clearing pages without REP string instructions.
//
// The compiler clears a fixed-size array of more than 1 KiB, such as a
// [PageSize]byte, with an inline REP STOSQ, and runtime.memmove copies
// more than 2 KiB with REP MOVSQ (src/runtime/memmove_amd64.s, fwdBy8:
// its ERMS and AVX paths are chosen by runtime state the kernel never
// sets, so they never run). On hardware that is as fast as anything else,
// but QEMU's TCG runs each iteration of a REP instruction as one execution
// of its translation block, looping back to the instruction
// (target/i386/tcg/translate.c, gen_repz): 512 block executions per 4 KiB
// page, where runtime.memclrNoHeapPointers and memmove of at most 2 KiB
// store 256 bytes per loop iteration with SSE (memclr_amd64.s, loop;
// memmove_amd64.s, move_256through2048): 16 per page. The boot cleared
// and filled thousands of pages that way (every frame Alloc hands out,
// every page of the program Load copies): 1.6 million REP iterations
// before main.main, more than half of the guest's instructions.

// copyPiece is the largest copy runtime.memmove makes with SSE rather than
// REP MOVSQ.
const copyPiece = 2048

// Copy copies min(len(dst), len(src)) bytes from src to dst, as the
// built-in copy does, in pieces that runtime.memmove copies with SSE
// loops; it returns the number of bytes copied. The slices must not
// overlap.
func Copy(dst, src []byte) int {
	n := min(len(dst), len(src))
	for done := 0; done < n; done += copyPiece {
		end := min(done+copyPiece, n)
		copy(dst[done:end], src[done:end])
	}
	return n
}

// Clear zeroes b through runtime.memclrNoHeapPointers, whose SSE loop
// clears 256 bytes an iteration. It is not inlined: inlined, the
// compiler would see a constant length (a page) and clear it with REP
// STOSQ.
//
//go:noinline
func Clear(b []byte) { clear(b) }
