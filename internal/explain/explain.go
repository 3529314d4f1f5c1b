// Package explain is the engine of `mkimage explain PROGRAM`: from a Go
// program's ELF file alone it shows how the program boots on linux/amd64,
// which is the path gobare must support.
//
// It prints the entry point and the chain of jumps from it
// (_rt0_amd64_linux → _rt0_amd64 → runtime.rt0_go, or a custom entry such as
// gobare's rt.rt0), each function disassembled in Go and GNU syntax side by
// side; then one line per step of rt0_go (argc/argv, the g0 stack, CPUID,
// settls and its arch_prctl system call, the TLS self-test, the g0/m0
// wiring, and the calls from runtime.check to runtime.mstart); the addresses
// of runtime.g0 and runtime.m0 and the g/m field offsets (package goabi);
// and how main.main finds g.
//
// Steps are recognised by the shape of the code, not by fixed offsets, so the
// same code explains Go 1.21 to 1.27. A stripped binary is still explained as
// far as it can be, and the output says what cannot be found and why.
//
// The tests explain hello worlds built by the host toolchain (plain and
// stripped) and a custom-entry fixture (testdata/customrt0); with
// GOBARE_TOOLCHAINS=1 also ones built by Go 1.21, 1.24, 1.26 and 1.27 (or
// the comma-separated toolchains the variable lists), checking that every
// step is found and that the offsets agree with package goabi.
//
// The files: binary.go (the ELF file and its symbols), disasm.go (decoding
// and listings), chain.go (following the entry), analyze.go (the pattern
// helpers), steps.go, tls.go, wiring.go and calls.go (the rt0_go steps, in
// order), prologue.go (main.main), explain.go (the report).
package explain

import (
	"debug/buildinfo"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/gobare/gobare/internal/goabi"
)

// layoutInfo is what goabi could read, and what it could not.
type layoutInfo struct {
	goabi.Layout
	offsets bool  // the g/m offsets were read from DWARF
	addrs   bool  // G0Addr and M0Addr were read from the symbol table
	err     error // why not everything was read
}

func readLayout(path string) *layoutInfo {
	l, err := goabi.Read(path)
	li := &layoutInfo{Layout: l, err: err}
	switch {
	case err == nil:
		li.offsets, li.addrs = true, true
	case errors.Is(err, goabi.ErrNoSymtab):
		li.offsets = true
	}
	return li
}

// Explain writes the explanation of the program at path to w. It fails only
// when the file cannot be read as an x86-64 ELF file; whatever is missing
// from a readable one (symbols, DWARF) is reported in the output.
func Explain(w io.Writer, path string) error {
	b, err := load(path)
	if err != nil {
		return err
	}
	defer b.close()
	lay := readLayout(path)

	fmt.Fprintf(w, "mkimage explain %s\n", path)
	b.explainFile(w, path)

	fmt.Fprintf(w, "\n== Entry point\n")
	entry := b.f.Entry
	chain := b.chain(entry)
	b.explainEntry(w, entry, chain)
	if len(chain) == 0 {
		return nil
	}

	boot := chain[len(chain)-1]
	for _, fn := range chain {
		if baseName(fn.name) == "runtime.rt0_go" {
			boot = fn
		}
	}
	a := newAnalyzer(b, boot, chain, lay)
	a.run()

	fmt.Fprintf(w, "\n== Jump chain from the entry, disassembled\n")
	for _, fn := range chain {
		b.printListing(w, fn)
	}
	if a.settls != nil {
		fmt.Fprintf(w, "\n  called by %s to set the FS base:\n", nameOr(boot.name, "the bootstrap"))
		b.printListing(w, a.settls)
	}

	fmt.Fprintf(w, "\n== %s step by step\n", baseName(nameOr(boot.name, "the bootstrap function")))
	for i, s := range a.steps {
		text := s.text
		if !s.found {
			text = "cannot find it: " + text
		}
		fmt.Fprintf(w, "%s\n", wrap(fmt.Sprintf("  %2d. %-17s %s", i+1, s.name, text), stepIndent))
	}

	fmt.Fprintf(w, "\n== runtime.g0, runtime.m0 and the g/m field offsets\n")
	b.explainLayout(w, lay, a)

	fmt.Fprintf(w, "\n== main.main's prologue: how Go code finds g\n")
	b.explainPrologue(w, lay, a.callTarget)
	return nil
}

// explainFile says what the binary is and which tables it carries.
func (b *binary) explainFile(w io.Writer, path string) {
	if bi, err := buildinfo.ReadFile(path); err == nil {
		kv(w, "Go version", "%s (from the build info)", bi.GoVersion)
	} else {
		kv(w, "Go version", "cannot find it: no Go build info (%v)", err)
	}
	kv(w, "ELF", "%v %v, entry %#x", b.f.Type, b.f.Machine, b.f.Entry)
	switch {
	case b.symtab:
		kv(w, "symbols", ".symtab: %d functions and data objects", len(b.syms))
	case b.pclntab:
		kv(w, "symbols", "%s: cannot find data symbols by name (runtime.g0, runtime.m0, runtime.mainPC); "+
			"function names come from .gopclntab, the runtime's own function table, which stripping keeps because tracebacks need it",
			b.symtabWhy)
	default:
		kv(w, "symbols", "%s and %s: cannot name any function or data; steps are found by code shape alone",
			b.symtabWhy, b.pclntabWhy)
	}
	if b.dwarf {
		kv(w, "DWARF", "present: field offsets come from the runtime's own type descriptions")
	} else {
		kv(w, "DWARF", "none (linked with -ldflags=-w, or -s): cannot find the runtime.g/runtime.m field offsets")
	}
}

func (b *binary) whyNoFuncNames() string {
	if b.symtab || b.pclntab {
		return "no such function"
	}
	return b.symtabWhy + " and " + b.pclntabWhy
}

// explainEntry prints the entry address, its symbol and the chain's links.
func (b *binary) explainEntry(w io.Writer, entry uint64, chain []*function) {
	name := "cannot name it: " + b.whyNoFuncNames()
	if s := b.symAt(entry); s != nil {
		name = s.name
		if s.addr != entry {
			name = fmt.Sprintf("%s+%d", s.name, entry-s.addr)
		}
	}
	kv(w, "entry", "%#x  %s", entry, name)
	if len(chain) == 0 {
		say(w, "cannot disassemble the entry: %#x is not in a loaded segment", entry)
		return
	}
	switch n := chain[0].name; {
	case n == "_rt0_amd64_linux":
		say(w, "the stock linux/amd64 entry: the kernel jumps here with argc, argv, envp and auxv on the stack")
	case n != "":
		say(w, "a custom entry (not the stock _rt0_amd64_linux), as set with -ldflags=-E=%s (gobare's rt.rt0 is one)", baseName(n))
	}
	var links []string
	for _, fn := range chain {
		links = append(links, fmt.Sprintf("%s%s(%#x)", nameOr(fn.name, "?"), nbsp, fn.addr))
	}
	kv(w, "chain", "%s", strings.Join(links, " → "))
}

// explainLayout prints the g0/m0 addresses and the goabi offsets.
func (b *binary) explainLayout(w io.Writer, lay *layoutInfo, a *analyzer) {
	for _, v := range []struct {
		name       string
		code       uint64
		role, from string
	}{
		{"runtime.g0", a.g0, "the bootstrap goroutine, whose stack is the OS stack", "g0"},
		{"runtime.m0", a.m0, "the bootstrap thread, whose tls holds the g slot", "m0"},
	} {
		s := b.named(v.name)
		switch {
		case s != nil && !s.isFunc:
			kv(w, v.name, "%#x  (symbol table) %s", s.addr, v.role)
		case v.code != 0:
			kv(w, v.name, "cannot find it: %s; rt0_go's code uses %#x as %s",
				b.symtabWhyOr(), v.code, v.from)
		default:
			kv(w, v.name, "cannot find it: %s, and the rt0_go code did not show it", b.symtabWhyOr())
		}
	}
	if !lay.offsets {
		kv(w, "offsets", "cannot find the runtime.g/runtime.m field offsets: %v", lay.err)
		return
	}
	l := lay.Layout
	kv(w, "runtime.g", "stack.lo +%d, stack.hi +%d, stackguard0 +%d, stackguard1 +%d, m +%d  (DWARF, via goabi)",
		l.GStackLo, l.GStackHi, l.GStackguard0, l.GStackguard1, l.GM)
	kv(w, "runtime.m", "g0 +%d, tls +%d (%d bytes), curg +%d", l.MG0, l.MTls, l.TlsSize, l.MCurg)
	kv(w, "TLS", "the FS base is &m0.tls[1] = runtime.m0+%d, so the g slot -8(FS) is m0.tls[0]", l.MTls+8)
	if a.mismatches == 0 {
		kv(w, "check", "the offsets and addresses the rt0_go code uses agree with these")
	} else {
		kv(w, "check", "MISMATCH: %d offsets or addresses in the rt0_go code disagree with these (see the steps)", a.mismatches)
	}
}

func (b *binary) symtabWhyOr() string {
	if b.symtabWhy != "" {
		return b.symtabWhy
	}
	return "not in .symtab"
}

// Wrapping of the long explanation lines.
const (
	wrapWidth  = 110
	stepIndent = 24 // where a step's text starts: "  12. runtime.schedinit "
	sayIndent  = 6  // continuation lines of a paragraph printed by say
	kvIndent   = 14 // continuation lines of a paragraph printed by kv
	nbsp       = "\u00a0"
)

// kv prints a labelled paragraph: "  label       text", wrapped under text.
func kv(w io.Writer, label, format string, args ...any) {
	fmt.Fprintf(w, "%s\n", wrap(fmt.Sprintf("  %-11s %s", label, fmt.Sprintf(format, args...)), kvIndent))
}

// say prints one paragraph of explanation, indented by two spaces and
// wrapped.
func say(w io.Writer, format string, args ...any) {
	fmt.Fprintf(w, "%s\n", wrap("  "+fmt.Sprintf(format, args...), sayIndent))
}

// wrap breaks line at spaces so that no line is longer than wrapWidth
// (unless one word is), indenting the continuation lines by indent. The
// non-breaking spaces inside instructions become plain spaces.
func wrap(line string, indent int) string {
	var out strings.Builder
	col := 0
	for i, word := range strings.Split(line, " ") {
		n := utf8.RuneCountInString(word)
		switch {
		case i == 0:
		case col+1+n > wrapWidth && col > indent:
			out.WriteString("\n" + strings.Repeat(" ", indent))
			col = indent
		default:
			out.WriteByte(' ')
			col++
		}
		out.WriteString(word)
		col += n
	}
	return strings.ReplaceAll(out.String(), nbsp, " ")
}
