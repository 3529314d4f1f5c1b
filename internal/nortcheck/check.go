package nortcheck

import (
	"debug/elf"
	"errors"
	"fmt"
	"sort"
	"strings"

	"golang.org/x/arch/x86/x86asm"
)

// Callee values of violations that are not calls to a named function.
const (
	IndirectCall = "(indirect call)"
	Undecodable  = "(undecodable instruction)"
)

// A Violation is one instruction that can take kernel code into the runtime.
type Violation struct {
	Caller string // the function containing the instruction
	PC     uint64 // the instruction's address
	Callee string // the runtime function called, IndirectCall, Undecodable or "(unknown target 0x…)"
	// Via is empty when Caller is a kernel function (one matched by the
	// package prefixes). Otherwise Caller was reached from kernel code
	// through other packages, and Via is that chain of calls: Via[0] is the
	// kernel function, each element calls the next, the last calls Caller.
	Via []string
}

func (v Violation) String() string {
	s := fmt.Sprintf("%s (%#x) calls %s", v.Caller, v.PC, v.Callee)
	if len(v.Via) > 0 {
		s += " via " + strings.Join(v.Via, " → ")
	}
	return s
}

// Check disassembles the functions of the x86-64 ELF file at elfPath that
// belong to the packages pkgPrefixes, and everything outside the runtime they
// reach by direct calls, and returns every call into the Go runtime not
// allowed by allow (names, or prefixes ending in "*"; see the package
// comment). Usually allow is DefaultAllow plus the kernel's own exceptions.
// It fails when the file is not a 64-bit x86 ELF with a symbol table or when
// no function matches pkgPrefixes (a check that checks nothing is a mistake).
func Check(elfPath string, pkgPrefixes []string, allow []string) ([]Violation, error) {
	f, err := elf.Open(elfPath)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	c, err := newChecker(f, elfPath, pkgPrefixes, allow)
	if err != nil {
		return nil, err
	}
	for len(c.queue) > 0 {
		fn := c.queue[0]
		c.queue = c.queue[1:]
		if err := c.scan(fn); err != nil {
			return nil, err
		}
	}
	sort.Slice(c.found, func(i, j int) bool {
		a, b := c.found[i], c.found[j]
		if a.Caller != b.Caller {
			return a.Caller < b.Caller
		}
		return a.PC < b.PC
	})
	return c.found, nil
}

// checker is the state of one Check: a breadth-first walk over functions.
type checker struct {
	file     *elf.File
	fs       *functions
	prefixes []string
	allow    []string

	queue  []*function
	parent map[*function]*function // nil for roots; present once queued
	data   map[*elf.Section][]byte // section contents, read once
	found  []Violation
}

// newChecker reads the functions of f (the ELF file at elfPath) and
// queues the roots: those of pkgPrefixes that allow does not name. It
// fails when f is not 64-bit x86 with a symbol table or no function
// matches pkgPrefixes (a check that checks nothing is a mistake).
func newChecker(f *elf.File, elfPath string, pkgPrefixes, allow []string) (*checker, error) {
	if f.Class != elf.ELFCLASS64 || f.Machine != elf.EM_X86_64 {
		return nil, fmt.Errorf("%s: not an x86-64 ELF file", elfPath)
	}
	fs, err := readFunctions(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %v (was it linked with -s?)", elfPath, err)
	}
	c := &checker{
		file:     f,
		fs:       fs,
		prefixes: pkgPrefixes,
		allow:    allow,
		parent:   make(map[*function]*function),
		data:     make(map[*elf.Section][]byte),
	}
	for i := range fs.list {
		fn := &fs.list[i]
		if fn.size > 0 && c.isRoot(fn.name) && !c.allowed(fn.name) {
			c.enqueue(fn, nil)
		}
	}
	if len(c.queue) == 0 {
		return nil, fmt.Errorf("%s: no function matches %q", elfPath, pkgPrefixes)
	}
	return c, nil
}

func (c *checker) enqueue(fn, from *function) {
	if _, seen := c.parent[fn]; seen {
		return
	}
	c.parent[fn] = from
	c.queue = append(c.queue, fn)
}

// scan decodes fn and checks each of its branches.
func (c *checker) scan(fn *function) error {
	code, err := c.code(fn)
	if err != nil {
		return err
	}
	root := c.parent[fn] == nil
	for off := 0; off < len(code); {
		pc := fn.addr + uint64(off)
		inst, err := x86asm.Decode(code[off:], 64)
		if err != nil {
			c.report(fn, pc, Undecodable)
			return nil
		}
		off += inst.Len
		switch a := inst.Args[0].(type) {
		case x86asm.Rel:
			// Every instruction with a relative operand is a branch:
			// CALL, JMP, Jcc, JRCXZ, LOOP, XBEGIN.
			target := pc + uint64(inst.Len) + uint64(int64(a))
			if !fn.contains(target) {
				c.branch(fn, pc, target)
			}
		case x86asm.Reg, x86asm.Mem:
			if inst.Op == x86asm.CALL && !root {
				c.report(fn, pc, IndirectCall)
			}
		}
	}
	return nil
}

// branch classifies a direct call or jump from fn at pc to target.
func (c *checker) branch(fn *function, pc, target uint64) {
	callee := c.fs.lookup(target)
	switch {
	case callee == nil:
		c.report(fn, pc, fmt.Sprintf("(unknown target %#x)", target))
	case c.allowed(callee.name):
	case isRuntime(callee.name):
		c.report(fn, pc, callee.name)
	case c.isRoot(callee.name):
	default:
		c.enqueue(callee, fn)
	}
}

func (c *checker) report(fn *function, pc uint64, callee string) {
	var via []string
	for p := c.parent[fn]; p != nil; p = c.parent[p] {
		via = append([]string{p.name}, via...)
	}
	c.found = append(c.found, Violation{Caller: fn.name, PC: pc, Callee: callee, Via: via})
}

// code returns fn's bytes from the section holding it.
func (c *checker) code(fn *function) ([]byte, error) {
	for _, s := range c.file.Sections {
		if s.Type != elf.SHT_PROGBITS || fn.addr < s.Addr || fn.addr-s.Addr > s.Size || fn.size > s.Size-(fn.addr-s.Addr) {
			continue
		}
		d, ok := c.data[s]
		if !ok {
			var err error
			if d, err = s.Data(); err != nil {
				return nil, fmt.Errorf("section %s: %v", s.Name, err)
			}
			c.data[s] = d
		}
		start := fn.addr - s.Addr
		return d[start : start+fn.size], nil
	}
	return nil, errors.New("function " + fn.name + " lies outside every section")
}

// isRoot reports whether name belongs to one of the kernel packages.
func (c *checker) isRoot(name string) bool {
	for _, p := range c.prefixes {
		if inPackage(name, p) {
			return true
		}
	}
	return false
}

// inPackage reports whether the symbol name is in package pkg or below it.
// After a package path comes "." (functions, methods "pkg.(*T).M", closures)
// or "/" (sub-packages).
func inPackage(name, pkg string) bool {
	if !strings.HasPrefix(name, pkg) {
		return false
	}
	if len(name) == len(pkg) || strings.HasSuffix(pkg, ".") || strings.HasSuffix(pkg, "/") {
		return true
	}
	next := name[len(pkg)]
	return next == '.' || next == '/'
}

// allowed reports whether name is in the allow list.
func (c *checker) allowed(name string) bool {
	for _, a := range c.allow {
		if p, wild := strings.CutSuffix(a, "*"); wild && strings.HasPrefix(name, p) || name == a {
			return true
		}
	}
	return false
}

// isRuntime reports whether name is code of the Go runtime proper.
func isRuntime(name string) bool {
	return strings.HasPrefix(name, "runtime.") ||
		strings.HasPrefix(name, "internal/runtime/") ||
		strings.HasPrefix(name, "runtime/internal/")
}
