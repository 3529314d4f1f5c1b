package tests

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gobare/gobare/internal/image"
	"github.com/gobare/gobare/internal/nortcheck"
	"github.com/gobare/gobare/qemu"
)

// cpuModels are QEMU CPU models of the PCs users have: qemu64 (QEMU's and
// KVM's default: no RDRAND, no AVX), kvm64 (no LAHF/SAHF in 64-bit mode,
// as the first x86-64 CPUs: system calls return by IRETQ), Westmere
// (2010, no RDRAND), Haswell (AVX2, RDRAND), EPYC (AMD) and max
// (everything TCG emulates).
var cpuModels = []string{"qemu64", "kvm64", "Westmere", "Haswell", "EPYC", "max"}

// TestCPUModels boots hello on each CPU model: the kernel asks CPUID before
// using anything beyond the x86-64 baseline, and its banner names the
// optional features it found.
func TestCPUModels(t *testing.T) {
	t.Parallel()
	img := writeImage(t, image.Program{})
	hello := testProgram(t, "hello")
	for _, model := range cpuModels {
		t.Run(model, func(t *testing.T) {
			t.Parallel()
			r := boot(t, qemu.Config{Kernel: img, Modules: []string{hello}, CPU: model, MemoryMiB: progMemMiB})
			r.wantExit(t, 0)
			r.wantContains(t, "hello, world\n", "gobare: CPU ")
			cpuLine := cpuFeatureLine(r.Console)
			// These two models have no RDRAND: the kernel must have
			// asked, and said so.
			if model == "qemu64" || model == "Westmere" {
				if !strings.Contains(cpuLine, " -rdrand") {
					r.fatalf(t, "banner %q: %s has no RDRAND", cpuLine, model)
				}
			}
			// kvm64 has no SAHF in 64-bit mode, which the quick
			// return of a system call uses: the kernel must have
			// asked, and said so.
			if model == "kvm64" && !strings.Contains(cpuLine, " -lahf-sahf") {
				r.fatalf(t, "banner %q: %s has no LAHF/SAHF in 64-bit mode", cpuLine, model)
			}
			t.Logf("%s: %s (%v)", model, cpuLine, r.Elapsed.Round(time.Millisecond))
		})
	}
}

// cpuFeatureRE matches the kernel's line naming the CPU's vendor and the
// features it found ("gobare: CPU GenuineIntel, apic -rdrand ..."), not an
// application processor's ("gobare: CPU 1 up (APIC ID 1)").
var cpuFeatureRE = regexp.MustCompile(`(?m)^.*gobare: CPU \S+, .*$`)

// cpuFeatureLine returns that line of console, or "".
func cpuFeatureLine(console string) string { return cpuFeatureRE.FindString(console) }

// TestCPUMissingFeature boots on CPUs that lack what gobare needs: one line
// names the feature and the status is 122 — no triple fault, no reboot.
func TestCPUMissingFeature(t *testing.T) {
	t.Parallel()
	img := writeImage(t, image.Program{})
	for _, c := range []struct{ model, feature string }{
		{"qemu64,-nx", "NX (execute-disable)"},
		{"qemu32", "long mode"}, // a 32-bit CPU: boot/ checks before the switch
	} {
		t.Run(c.model, func(t *testing.T) {
			t.Parallel()
			r := boot(t, qemu.Config{Kernel: img, CPU: c.model})
			r.wantExit(t, exitBootFailure)
			want := "gobare: this CPU lacks a feature gobare needs: " + c.feature + "\n"
			if !strings.HasSuffix(r.Console, want) || strings.Count(r.Console, "lacks") != 1 {
				r.fatalf(t, "the console should end with the one line %q", want)
			}
		})
	}
}

// TestKernelBaselineInstructions disassembles the kernel: no instruction
// beyond the x86-64 baseline (RDRAND, XSAVE, POPCNT, AVX, ...) may run
// unless its function is listed in nortcheck.GuardedInstructions, with the
// CPUID test that guards it.
func TestKernelBaselineInstructions(t *testing.T) {
	t.Parallel()
	path, _ := kernel(t)
	vs, err := nortcheck.CheckInstructions(path, []string{"github.com/gobare/gobare/kernel", "github.com/gobare/gobare/boot"},
		nortcheck.GuardedInstructions, []string{"github.com/gobare/gobare/boot.entry32"})
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) > 0 {
		t.Errorf("%d instructions beyond the x86-64 baseline without a feature test:%s", len(vs), nortcheck.FormatViolations(vs))
	}
}
