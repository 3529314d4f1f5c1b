package nortcheck

import (
	"debug/elf"
	"fmt"
	"sort"
	"strings"

	"golang.org/x/arch/x86/x86asm"
)

// Instructions outside the x86-64 baseline (what every 64-bit CPU has:
// SSE2 and below) that kernel code must not run before asking CPUID. The
// kernel runs on any x86-64 CPU, so each use must sit behind a feature
// test; GuardedInstructions lists the functions that hold one and the test
// that guards their callers.
var nonBaseline = map[x86asm.Op]string{
	x86asm.RDRAND:   "RDRAND", // RDSEED (0F C7 /7) x86asm cannot decode: it shows as undecodable
	x86asm.RDFSBASE: "FSGSBASE", x86asm.RDGSBASE: "FSGSBASE", x86asm.WRFSBASE: "FSGSBASE", x86asm.WRGSBASE: "FSGSBASE",
	x86asm.XSAVE: "XSAVE", x86asm.XSAVEOPT: "XSAVEOPT", x86asm.XRSTOR: "XSAVE", x86asm.XGETBV: "XSAVE", x86asm.XSETBV: "XSAVE",
	x86asm.XSAVE64: "XSAVE", x86asm.XRSTOR64: "XSAVE", x86asm.XSAVEOPT64: "XSAVEOPT",
	x86asm.RDTSCP: "RDTSCP", x86asm.POPCNT: "POPCNT", x86asm.LZCNT: "LZCNT", x86asm.TZCNT: "BMI1",
	x86asm.MOVBE: "MOVBE", x86asm.CRC32: "SSE4.2", x86asm.PCLMULQDQ: "PCLMULQDQ", x86asm.CMPXCHG16B: "CX16",
	x86asm.INVPCID: "INVPCID",
	x86asm.PSHUFB:  "SSSE3", x86asm.PALIGNR: "SSSE3", x86asm.PABSB: "SSSE3", x86asm.PABSD: "SSSE3", x86asm.PABSW: "SSSE3",
	x86asm.PTEST: "SSE4.1", x86asm.PMULLD: "SSE4.1", x86asm.PINSRB: "SSE4.1", x86asm.PINSRD: "SSE4.1", x86asm.PINSRQ: "SSE4.1",
	x86asm.PEXTRB: "SSE4.1", x86asm.PEXTRD: "SSE4.1", x86asm.PEXTRQ: "SSE4.1", x86asm.PCMPEQQ: "SSE4.1", x86asm.PBLENDVB: "SSE4.1",
	x86asm.ROUNDSD: "SSE4.1", x86asm.ROUNDSS: "SSE4.1", x86asm.PCMPESTRI: "SSE4.2", x86asm.PCMPISTRI: "SSE4.2", x86asm.PCMPGTQ: "SSE4.2",
	x86asm.LDDQU: "SSE3", x86asm.MOVDDUP: "SSE3", x86asm.HADDPD: "SSE3", x86asm.HADDPS: "SSE3", x86asm.ADDSUBPD: "SSE3",
	x86asm.AESENC: "AES", x86asm.AESENCLAST: "AES", x86asm.AESDEC: "AES", x86asm.AESDECLAST: "AES", x86asm.AESIMC: "AES", x86asm.AESKEYGENASSIST: "AES",
}

// GuardedInstructions lists the kernel functions that may run an
// instruction beyond the baseline, because every caller asks CPUID first,
// with the feature test that guards them.
var GuardedInstructions = map[string]string{
	"github.com/gobare/gobare/kernel/cpu.Rdrand":     "RDRAND: called only by cpu.RandomUint64, after cpu.Has(&cpu.RDRAND)",
	"github.com/gobare/gobare/kernel/cpu.Xsetbv":     "XSETBV: called only by cpu.EnableXSAVE, after cpu.Has(&cpu.XSAVE)",
	"github.com/gobare/gobare/kernel/trap.saveFP":    "XSAVE: only when trap.useXSAVE is set, which trap.UseXSAVE does after cpu.EnableXSAVE found XSAVE",
	"github.com/gobare/gobare/kernel/trap.frameSave": "RDFSBASE, WRFSBASE: only when trap.useFSGSBASE is set, which trap.Init does after cpu.Has(&cpu.FSGSBASE)",
	"github.com/gobare/gobare/kernel/trap.frameExit": "XRSTOR: only when trap.useXSAVE is set (as saveFP); WRFSBASE: only when trap.useFSGSBASE is set (as frameSave)",
}

// CheckInstructions disassembles the functions of pkgPrefixes (and what
// they reach by direct calls outside the runtime, as Check does) and
// returns every instruction beyond the x86-64 baseline in a function that
// guarded does not list. A VEX- or EVEX-encoded instruction (AVX) counts
// as one such, by its first byte, since x86asm does not decode them.
func CheckInstructions(elfPath string, pkgPrefixes []string, guarded map[string]string, skip []string) ([]Violation, error) {
	f, err := elf.Open(elfPath)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	c, err := newChecker(f, elfPath, pkgPrefixes, skip)
	if err != nil {
		return nil, err
	}
	var found []Violation
	for len(c.queue) > 0 {
		fn := c.queue[0]
		c.queue = c.queue[1:]
		code, err := c.code(fn)
		if err != nil {
			return nil, err
		}
		for off := 0; off < len(code); {
			pc := fn.addr + uint64(off)
			if b := code[off]; b == 0xC4 || b == 0xC5 || b == 0x62 {
				// VEX (C4, C5) or EVEX (62) in 64-bit mode, where these
				// bytes are no longer LES/LDS/BOUND.
				if _, ok := guarded[fn.name]; !ok {
					found = append(found, Violation{Caller: fn.name, PC: pc, Callee: "instruction with a VEX/EVEX prefix (AVX)"})
				}
				break // its length is unknown to x86asm: stop scanning fn
			}
			inst, err := x86asm.Decode(code[off:], 64)
			if err != nil {
				found = append(found, Violation{Caller: fn.name, PC: pc, Callee: Undecodable})
				break
			}
			off += inst.Len
			if feature, ok := nonBaseline[inst.Op]; ok {
				if _, ok := guarded[fn.name]; !ok {
					found = append(found, Violation{Caller: fn.name, PC: pc, Callee: fmt.Sprintf("instruction %v (needs %s)", inst.Op, feature)})
				}
			}
			if a, ok := inst.Args[0].(x86asm.Rel); ok && inst.Op == x86asm.CALL {
				target := pc + uint64(inst.Len) + uint64(int64(a))
				if callee := c.fs.lookup(target); callee != nil && !isRuntime(callee.name) && !c.allowed(callee.name) {
					c.enqueue(callee, fn)
				}
			}
		}
	}
	sort.Slice(found, func(i, j int) bool { return found[i].PC < found[j].PC })
	return found, nil
}

// FormatViolations writes violations one per line, for a test's message.
func FormatViolations(vs []Violation) string {
	var b strings.Builder
	for _, v := range vs {
		b.WriteString("\n\t")
		b.WriteString(v.String())
	}
	return b.String()
}
