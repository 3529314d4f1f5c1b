package explain

import (
	"fmt"

	"golang.org/x/arch/x86/x86asm"
)

// The runtime functions rt0_go calls at the end, in order, and what they do.
var bootCalls = []struct{ name, what string }{
	{"runtime.check", "self-checks of the compiler's and the CPU's basic assumptions (type sizes, atomics, NaN)"},
	{"runtime.args", "saves argc/argv and reads the auxiliary vector after envp (AT_PAGESZ, AT_RANDOM, ...)"},
	{"runtime.osinit", "asks the OS for the CPU count (sched_getaffinity) and the huge page size"},
	{"runtime.schedinit", "sets up the allocator, GC, modules, signals, environment and the Ps (GOMAXPROCS)"},
	{"runtime.newproc", "creates the main goroutine"},
	{"runtime.mstart", "starts scheduling on this thread (m0, on g0's stack); never returns"},
}

// stepCalls finds the final calls, by name when the binary has names and by
// position when it has none.
func (a *analyzer) stepCalls() {
	from := max(a.wiredAt, 0)
	var calls []int
	for i := find(a.ins, from, isOp(x86asm.CALL)); i >= 0; i = find(a.ins, i+1, isOp(x86asm.CALL)) {
		t, ok := branchTarget(a.ins[i])
		if !ok || t == a.abort || (a.settls != nil && t == a.settls.addr) {
			continue
		}
		calls = append(calls, i)
		a.callTarget = append(a.callTarget, t)
	}
	named := len(a.b.syms) > 0
	prev := from
	for n, c := range bootCalls {
		i := -1
		if named {
			for _, k := range calls {
				t, _ := branchTarget(a.ins[k])
				if s := a.b.symAt(t); s != nil && s.addr == t && baseName(s.name) == c.name {
					i = k
					break
				}
			}
		} else if n < len(calls) {
			i = calls[n]
		}
		if i < 0 {
			a.miss(c.name, "no CALL to it in the bootstrap function")
			continue
		}
		text := fmt.Sprintf("%s: %s", a.b.show(a.ins[i]), c.what)
		switch c.name {
		case "runtime.args":
			text = a.describeArgs(prev, i) + text
		case "runtime.newproc":
			text += a.describeMainPC(prev, i)
		case "runtime.mstart":
			if k := i + 1; k < len(a.ins) && a.ins[k].Op == x86asm.CALL {
				text += fmt.Sprintf(" (%s right after it would catch a return)", a.b.show(a.ins[k]))
			}
		}
		if !named {
			text += " [named by its position: no symbols]"
		}
		a.add(c.name, "%s", text)
		prev = i
	}
}

// describeArgs shows argc and argv being passed on the stack (ABI0).
func (a *analyzer) describeArgs(from, call int) string {
	var st []int
	for k := from + 1; k < call; k++ {
		if base, _, _, ok := storeTo(a.ins[k]); ok && base == x86asm.RSP {
			st = append(st, k)
		}
	}
	if len(st) == 0 {
		return ""
	}
	return fmt.Sprintf("argc and argv go to 0(SP) and 8(SP) as its arguments (%s); ", a.shows(a.ins, st...))
}

// describeMainPC shows the function value pushed for newproc: runtime.mainPC,
// a word in rodata holding the address of runtime.main.
func (a *analyzer) describeMainPC(from, call int) string {
	for k := call - 1; k > from; k-- {
		if a.ins[k].Op != x86asm.PUSH {
			continue
		}
		r, ok := a.ins[k].Args[0].(x86asm.Reg)
		if !ok {
			return ""
		}
		pc, j, ok := regBefore(a.ins, k, r)
		if !ok {
			return ""
		}
		text := fmt.Sprintf("; its argument, pushed by %s, is %s", a.shows(a.ins, j, k), a.b.nameOf(pc))
		if fnAddr, ok := a.b.readUint64(pc); ok {
			text += fmt.Sprintf(", a function value holding %#x", fnAddr)
			if s := a.b.symAt(fnAddr); s != nil && s.addr == fnAddr {
				text += " = " + s.name + ", which runs the init tasks and then main.main"
			} else {
				text += " (runtime.main, which runs the init tasks and then main.main)"
			}
		}
		return text
	}
	return ""
}
