package cpu

// CPU features are asked, never assumed: Detect reads CPUID once at boot,
// the kernel refuses to start when a Required feature is missing, and an
// instruction outside the x86-64 baseline (RDRAND, RDSEED, ...) runs only
// after its bit here says the CPU has it. The bit positions are those of
// the CPUID instruction's reference page (Intel SDM Vol. 2A, CPUID, tables
// 3-8 to 3-11; AMD APM Vol. 3, appendix E).

// Feature is one CPUID bit: the leaf (EAX in), the output register and the
// bit number in it.
type Feature struct {
	Name string
	leaf uint32
	reg  uint8 // 0 EAX, 1 EBX, 2 ECX, 3 EDX
	bit  uint8
}

const (
	eax = iota
	ebx
	ecx
	edx
)

// Required lists what gobare cannot run without: 64-bit long mode, 4-level
// paging with execute-disable (W^X), FXSAVE and SSE2 (Go's code uses XMM
// registers, the kernel saves them with FXSAVE), the TSC (the clock),
// RDMSR/WRMSR (FS base, EFER) and SYSCALL (the program's way in).
// Long mode itself is also checked by boot/ before it switches, since a
// CPU without it never reaches this code.
var Required = [...]Feature{
	{"long mode", 0x80000001, edx, 29},
	{"NX (execute-disable)", 0x80000001, edx, 20},
	{"SYSCALL", 0x80000001, edx, 11},
	{"PAE", 1, edx, 6},
	{"TSC", 1, edx, 4},
	{"MSR", 1, edx, 5},
	{"CMPXCHG8B", 1, edx, 8},
	{"CMOV", 1, edx, 15},
	{"FXSR", 1, edx, 24},
	{"SSE", 1, edx, 25},
	{"SSE2", 1, edx, 26},
}

// The optional features gobare uses when present, each with its fallback.
var (
	RDRAND       = Feature{"rdrand", 1, ecx, 30}                // else a TSC-seeded xorshift generator
	RDSEED       = Feature{"rdseed", 7, ebx, 18}                // else RDRAND
	FSGSBASE     = Feature{"fsgsbase", 7, ebx, 0}               // else RDMSR/WRMSR of the FS base
	LAHFSAHF     = Feature{"lahf-sahf", 0x80000001, ecx, 0}     // LAHF/SAHF in 64-bit mode; else system calls return by IRETQ
	InvariantTSC = Feature{"invariant-tsc", 0x80000007, edx, 8} // else the TSC is trusted anyway (QEMU's is steady)
	XSAVE        = Feature{"xsave", 1, ecx, 26}                 // else FXSAVE
	AVX          = Feature{"avx", 1, ecx, 28}                   // else GOAMD64=v3 programs are refused by their runtime
	PCID         = Feature{"pcid", 1, ecx, 17}                  // else full TLB flushes
	X2APIC       = Feature{"x2apic", 1, ecx, 21}                // else the xAPIC (memory-mapped)
	TSCDeadline  = Feature{"tsc-deadline", 1, ecx, 24}          // else the PIT tick
	APIC         = Feature{"apic", 1, edx, 9}                   // else the 8259 PICs and the PIT
	Hypervisor   = Feature{"hypervisor", 1, ecx, 31}            // informational: running in a VM
)

// Optional is the list the banner and the trace print.
var Optional = [...]*Feature{&APIC, &RDRAND, &RDSEED, &FSGSBASE, &LAHFSAHF, &InvariantTSC, &XSAVE, &AVX, &PCID, &X2APIC, &TSCDeadline, &Hypervisor}

// The CPUID leaves Detect reads: the basic ones (1 and 7) and the extended
// ones (0x80000001, 0x80000007), each as EAX, EBX, ECX, EDX.
var (
	basicLeaves    [8][4]uint32
	extendedLeaves [8][4]uint32
	maxBasic       uint32
	maxExtended    uint32
)

// Detect reads the CPUID leaves the features above live in. A leaf beyond
// the CPU's highest reads as all zeroes (no features), as the SDM advises
// instead of trusting what CPUID returns for an unsupported leaf.
func Detect() {
	maxBasic, _, _, _ = Cpuid(0, 0)
	for leaf := uint32(1); leaf < uint32(len(basicLeaves)) && leaf <= maxBasic; leaf++ {
		a, b, c, d := Cpuid(leaf, 0)
		basicLeaves[leaf] = [4]uint32{a, b, c, d}
	}
	maxExtended, _, _, _ = Cpuid(0x80000000, 0)
	for leaf := uint32(0x80000001); leaf < 0x80000000+uint32(len(extendedLeaves)) && leaf <= maxExtended; leaf++ {
		a, b, c, d := Cpuid(leaf, 0)
		extendedLeaves[leaf-0x80000000] = [4]uint32{a, b, c, d}
	}
}

// Has reports whether the CPU has feature f (false before Detect).
func Has(f *Feature) bool {
	var regs [4]uint32
	switch {
	case f.leaf < 0x80000000 && f.leaf < uint32(len(basicLeaves)):
		regs = basicLeaves[f.leaf]
	case f.leaf >= 0x80000000 && f.leaf-0x80000000 < uint32(len(extendedLeaves)):
		regs = extendedLeaves[f.leaf-0x80000000]
	}
	return regs[f.reg]&(1<<f.bit) != 0
}

// MissingRequired returns the name of the first Required feature the CPU
// lacks, or "" when it has them all.
func MissingRequired() string {
	for i := range Required {
		if !Has(&Required[i]) {
			return Required[i].Name
		}
	}
	return ""
}

// Vendor returns the 12-byte vendor string of CPUID leaf 0
// ("GenuineIntel", "AuthenticAMD", ...).
func Vendor() [12]byte {
	var v [12]byte
	_, b, c, d := Cpuid(0, 0)
	for i := 0; i < 4; i++ {
		v[i] = byte(b >> (8 * i))
		v[4+i] = byte(d >> (8 * i))
		v[8+i] = byte(c >> (8 * i))
	}
	return v
}

// RandomUint64 returns a hardware random number when the CPU has RDRAND
// and it delivered one (it may fail transiently: SDM Vol. 1 §7.3.17.1 asks
// for a few retries), ok=false otherwise.
func RandomUint64() (v uint64, ok bool) {
	if !Has(&RDRAND) {
		return 0, false
	}
	for try := 0; try < 10; try++ {
		if v, ok = Rdrand(); ok {
			return v, true
		}
	}
	return 0, false
}
