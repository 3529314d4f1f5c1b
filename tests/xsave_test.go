package tests

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/gobare/gobare/internal/image"
	"github.com/gobare/gobare/qemu"
)

// avxProgram builds tests/programs/avx with GOAMD64=v3 (AVX2 code paths).
func avxProgram(tb testing.TB) string {
	tb.Helper()
	root := repoRoot(tb)
	return builtOnce(tb, "program avx v3", func() (string, error) {
		out := filepath.Join(shared.dir, "bin", "avx")
		return out, goBuild(root, append([]string{"GOAMD64=v3"}, staticEnv...), "-trimpath", "-o", out, "./tests/programs/avx")
	})
}

// TestAVXStateSurvives runs a GOAMD64=v3 program on a CPU with AVX2: the
// kernel enables XSAVE, and the AVX state of goroutines hashing and
// copying survives their constant asynchronous preemption (signals with
// the XSAVE image in the frame) and thread switches: every digest is right;
// and YMM registers held through loops that interrupts, switches and
// signals land in come out unchanged.
// On QEMU's qemu64 (no AVX) the program's own runtime refuses to start,
// with its message, as on Linux.
func TestAVXStateSurvives(t *testing.T) {
	t.Parallel()
	img := writeImage(t, image.Program{})
	prog := avxProgram(t)
	r := boot(t, qemu.Config{Kernel: img, Modules: []string{prog}, CPU: "max", MemoryMiB: 128})
	r.wantExit(t, 0)
	r.wantContains(t, "avx: 32 digests, 0 wrong")
	r.wantContains(t, "avx: YMM registers changed across interrupts and signals: 0 of 20 times")

	old := boot(t, qemu.Config{Kernel: img, Modules: []string{prog}, CPU: "qemu64", MemoryMiB: 128})
	if old.Err != nil || old.ExitCode == 0 || !strings.Contains(old.Console, "v3 microarchitecture") {
		old.fatalf(t, "on qemu64 the v3 program should refuse to start with its runtime's message and a non-zero status")
	}
}
