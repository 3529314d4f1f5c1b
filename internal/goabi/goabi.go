// Package goabi reads, from a Go program's own ELF file, the runtime layout
// that a bare-metal rt0 needs: the addresses of runtime.g0 and runtime.m0 and
// the offsets of the runtime.g and runtime.m fields that rt0_go writes
// (g.stack.lo/hi, g.stackguard0/1, g.m, m.g0, m.tls, m.curg).
//
// These values change between Go releases (m.tls is at +136 in Go 1.21 and
// at +128 in Go 1.26), so nothing here is a constant: the addresses come from
// the ELF symbol table and the offsets from the DWARF description of the
// runtime's own types, exactly as a debugger would find them. A binary linked
// with -ldflags=-w (no DWARF) or -s (no symbol table either) cannot be read;
// Read says so instead of guessing.
//
// goabi owns only this reading. Disassembly and the explanation of the boot
// path live in internal/explain.
//
// The tests build a hello world with the host toolchain; with
// GOBARE_TOOLCHAINS=1 they also build it with Go 1.21, 1.24, 1.26 and 1.27
// (downloaded once by the go command through GOTOOLCHAIN) and check each
// layout. GOBARE_TOOLCHAINS may instead list toolchains: go1.21.13,go1.27.4.
package goabi

import (
	"debug/buildinfo"
	"debug/elf"
	"errors"
	"fmt"
)

// Layout is the part of the runtime's memory layout that rt0 code touches.
// Offsets are in bytes from the start of the struct.
type Layout struct {
	GoVersion string // toolchain that built the program, e.g. "go1.26.8" (debug/buildinfo)

	G0Addr uint64 // address of runtime.g0, the bootstrap goroutine (symbol table)
	M0Addr uint64 // address of runtime.m0, the bootstrap thread (symbol table)

	GStackLo     int64 // runtime.g: stack.lo, lowest usable stack address
	GStackHi     int64 // runtime.g: stack.hi, top of the stack
	GStackguard0 int64 // runtime.g: stackguard0, compared with SP by every function prologue
	GStackguard1 int64 // runtime.g: stackguard1, the same for C code (cgo)
	GM           int64 // runtime.g: m, the thread running this goroutine

	MG0   int64 // runtime.m: g0, the thread's scheduling goroutine
	MTls  int64 // runtime.m: tls, the thread-local slots; FS points 8 bytes into it
	MCurg int64 // runtime.m: curg, the goroutine running on this thread

	TlsSize int64 // size of m.tls in bytes
}

// ErrNoDWARF is wrapped by Read's error when the binary has no DWARF.
var ErrNoDWARF = errors.New("has no DWARF (built with -ldflags=-w?); cannot read runtime layout")

// ErrNoSymtab is wrapped by Read's error when the binary has no symbol table.
var ErrNoSymtab = errors.New("has no symbol table (built with -ldflags=-s?); cannot find runtime.g0 and runtime.m0")

// Read opens the Go program at path and reads its runtime layout.
//
// The error names the file and says what is missing. When the DWARF is there
// but the symbol table is not, the error wraps ErrNoSymtab and the returned
// Layout still holds GoVersion and every offset (only G0Addr and M0Addr are
// zero); on any other error the Layout is empty.
func Read(path string) (Layout, error) {
	bi, err := buildinfo.ReadFile(path)
	if err != nil {
		return Layout{}, fmt.Errorf("%s: not a Go program (no build info): %w", path, err)
	}
	f, err := elf.Open(path)
	if err != nil {
		return Layout{}, err
	}
	defer f.Close()

	if f.Machine != elf.EM_X86_64 {
		return Layout{}, fmt.Errorf("%s: is a %v ELF file, not x86-64", path, f.Machine)
	}
	l := Layout{GoVersion: bi.GoVersion}
	if err := readOffsets(f, &l); err != nil {
		return Layout{}, withPath(path, err)
	}
	if err := readAddrs(f, &l); err != nil {
		return l, withPath(path, err)
	}
	return l, nil
}

// withPath puts the file name in front of err: "prog has no DWARF ..." for
// the two sentinel errors, "prog: ..." for the rest.
func withPath(path string, err error) error {
	if errors.Is(err, ErrNoDWARF) || errors.Is(err, ErrNoSymtab) {
		return fmt.Errorf("%s %w", path, err)
	}
	return fmt.Errorf("%s: %w", path, err)
}
