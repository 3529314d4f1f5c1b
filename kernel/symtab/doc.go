// Package symtab owns turning a code address into a function name, so that a
// fault report can print "RIP 0x4012ab runtime.foo+0x1b".
//
// It reads the Go pclntab: the table the Go linker puts in every binary's
// read-only data for the runtime's own tracebacks. The table is already in
// memory, so symbolising needs no file system, no heap and no DWARF, and
// Lookup returns names as sub-slices of the table itself.
//
// # The table
//
// The layout is written by cmd/link/internal/ld/pcln.go (generatePCHeader,
// writePCToFunc, writeFuncs) and read by src/runtime/symtab.go (pcHeader,
// moduledata, functab, findfunc) and src/runtime/runtime2.go (_func); the magic
// numbers are in src/internal/abi/symtab.go. debug/gosym reads the same bytes
// from a file. Since Go 1.20 (magic 0xfffffff1) it is, little-endian, with
// P = ptrSize (8 on amd64):
//
//	pcHeader, at offset 0:
//	  0      magic          uint32 0xfffffff1
//	  4      pad1, pad2     uint8  0, 0
//	  6      minLC          uint8  smallest instruction size (1 on x86)
//	  7      ptrSize        uint8
//	  8      nfunc          P bytes: number of functions
//	  8+P    nfiles         P bytes
//	  8+2P   textStart      P bytes: address of runtime.text (Go 1.20–1.25);
//	                        always 0 since Go 1.26, whose runtime takes it
//	                        from moduledata.text instead
//	  8+3P   funcnameOffset P bytes: offset of funcnametab from the header
//	  8+4P   cuOffset       P bytes: offset of cutab
//	  8+5P   filetabOffset  P bytes: offset of filetab
//	  8+6P   pctabOffset    P bytes: offset of pctab
//	  8+7P   pclnOffset     P bytes: offset of the functab ("pclntable")
//
//	funcnametab: NUL-terminated function names, one after another.
//
//	functab, at pclnOffset: nfunc pairs {entryoff, funcoff uint32}, sorted by
//	entryoff, then one more uint32 entryoff: the end of the last function.
//	entryoff is the function's start minus textStart; funcoff is the offset
//	of its _func record from the start of the functab.
//
//	_func, at functab+funcoff: entryOff uint32 (again), nameOff int32 (offset
//	into funcnametab), then fields this package does not need (args,
//	deferreturn, pcsp, pcfile, pcln, npcdata, cuOffset, startLine, funcID,
//	flag, nfuncdata, pcdata and funcdata offsets).
//
// Function i covers [text+entryoff[i], text+entryoff[i+1]): the alignment
// padding after a function counts as part of it, exactly as in the runtime's
// findfunc. amd64 binaries have a single text section, so the runtime's
// textsectmap (used on ppc64 and arm when text is huge) is not needed.
//
// # Finding the table
//
// The linker brackets the table with two symbols: runtime.pclntab (the start
// of the .gopclntab section, which is the pcHeader; Go 1.26 no longer lists a
// separate runtime.pcheader symbol) and runtime.epclntab (its end). The text
// start is the symbol runtime.text (also the start of the .text section, and
// runtime.firstmoduledata.text). runtime.firstmoduledata's first field,
// pcHeader, points at the same bytes as runtime.pclntab. Since Go 1.26 the
// function data (go:func.*) and runtime.findfunctab also live inside
// [runtime.pclntab, runtime.epclntab); they are harmless to include.
//
//   - The kernel's own table: Self() returns it, taking the three symbols'
//     addresses in assembly (self_amd64.s), which needs no linkname and no
//     runtime.
//   - A program's table: the bytes of its .gopclntab section and the address
//     of its .text section, passed to NewText. Go 1.20–1.25 programs also
//     record textStart in the header, so New is enough for them.
//
// # Kernel rules
//
// This package runs in the kernel, where the Go runtime never ran: it does not
// allocate, panic, defer, use maps, interfaces or package variables with
// initialisers, and it is built with -gcflags=-B. Bounds checks are therefore
// gone, so every read goes through the range-checked helpers in read.go, and
// a damaged table yields "not found", never a read outside the slice it was
// given.
package symtab
