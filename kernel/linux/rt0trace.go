package linux

import "github.com/gobare/gobare/kernel/console"

// SysRt0Trace is gobare's own system call (a number Linux does not use)
// through which rt/'s rt0 reports each bootstrap step: rt0_trace(step, a, b).
const SysRt0Trace = 1000

// rt0Steps names the steps, in rt/rt.go's numbering.
var rt0Steps = [...]string{
	1:  "argc=%a argv=%b",
	2:  "g0 stack [%a, %b)",
	3:  "cpuid: max leaf %a, processor version %b",
	4:  "fs base %a via wrmsr IA32_FS_BASE",
	5:  "tls check: m0.tls[0] = %a through %fs:-8",
	6:  "m0.g0 = g0, g0.m = m0 (g0 %a, m0 %b)",
	7:  "check",
	8:  "args(argc=%a, argv=%b)",
	9:  "osinit",
	10: "schedinit",
	11: "newproc(runtime.main) (pc %a)",
	12: "mstart",
}

// rt0_trace(step, a, b) prints "rt0: " and the step's text with %a and %b
// replaced by the values, when tracing is on.
func sysRt0Trace(c call) uintptr {
	step := c.arg(0)
	if step == 0 || step >= uintptr(len(rt0Steps)) {
		return errno(EINVAL)
	}
	if !Trace {
		return 0
	}
	console.Print("rt0: ")
	s := rt0Steps[step]
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+1 < len(s) && (s[i+1] == 'a' || s[i+1] == 'b') {
			v := c.arg(1)
			if s[i+1] == 'b' {
				v = c.arg(2)
			}
			if (step == 1 || step == 8) && s[i+1] == 'a' {
				console.Dec(uint64(v)) // argc
			} else {
				console.Hex(uint64(v))
			}
			i++
			continue
		}
		console.PutByte(s[i])
	}
	console.Print("\n")
	return 0
}
