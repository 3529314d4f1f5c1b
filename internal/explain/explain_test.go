package explain

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gobare/gobare/internal/goabi"
	"github.com/gobare/gobare/internal/testbuild"
)

// TestMain removes the programs the tests had testbuild make: a hello world
// by the host toolchain (plain and with -ldflags="-s -w"), the custom-entry
// fixture in testdata/customrt0 and, if GOBARE_TOOLCHAINS asks, a hello
// world by each release named (whose offsets must match goabi's).
func TestMain(m *testing.M) { testbuild.Main(m) }

// explain runs Explain and returns its output with wrapped lines joined.
func explain(t *testing.T, bin string) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Explain(&buf, bin); err != nil {
		t.Fatalf("Explain(%s): %v", bin, err)
	}
	if testing.Verbose() {
		t.Logf("output:\n%s", buf.String())
	}
	out := buf.String()
	for _, indent := range []int{stepIndent, kvIndent, sayIndent} {
		out = strings.ReplaceAll(out, "\n"+strings.Repeat(" ", indent), " ")
	}
	return out
}

// mustContain fails for each wanted string missing from out.
func mustContain(t *testing.T, out string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q", w)
		}
	}
}

// section returns the part of out from the line starting "== title".
func section(out, title string) string {
	i := strings.Index(out, "\n== "+title)
	if i < 0 {
		return ""
	}
	s := out[i+1:]
	if j := strings.Index(s, "\n== "); j >= 0 {
		s = s[:j]
	}
	return s
}

// stockSteps are the steps every stock rt0_go from Go 1.21 to 1.27 has.
var stockSteps = []string{
	"argc/argv", "g0 stack", "CPUID vendor", "CPUID version", "settls", "arch_prctl",
	"TLS self-test", "g0 into TLS", "m0.g0 = g0", "g0.m = m0", "runtime.check", "runtime.args",
	"runtime.osinit", "runtime.schedinit", "runtime.newproc", "runtime.mstart",
}

// checkStock checks a full explanation of a stock binary with symbols and
// DWARF, and that the offsets it prints are goabi's.
func checkStock(t *testing.T, bin, out string) {
	t.Helper()
	mustContain(t, out,
		"_rt0_amd64_linux", "→ _rt0_amd64 (", "→ runtime.rt0_go.abi0 (",
		"runtime.rt0_go.abi0 at 0x", "runtime.settls.abi0 at 0x",
		"Go syntax", "GNU syntax", "LEAQ runtime.g0(SB), DI", "CPUID", "cpuid", "SYSCALL", "syscall",
		"the 64 KiB below SP", `"GenuineIntel"`, "runtime.isIntel", "runtime.processorVersionInfo",
		"AX=158", "ARCH_SET_FS", "0x123", "runtime.abort", "runtime.mainPC", "= runtime.main, which runs",
		"register ABI", "CMPQ SP, 0x10(R14)", "MOVQ FS:0xfffffff8, R14",
	)
	steps := section(out, "runtime.rt0_go step by step")
	for _, name := range stockSteps {
		mustContain(t, steps, ". "+name+" ")
	}
	if strings.Contains(steps, "cannot find") {
		t.Errorf("some steps were not found:\n%s", steps)
	}
	if strings.Contains(out, "MISMATCH") {
		t.Errorf("the code disagrees with DWARF or the symbol table")
	}
	if strings.Count(steps, "agrees]") < 4 {
		t.Errorf("expected the g0 stack, m.tls, m.g0 and g.m offsets checked against DWARF")
	}

	l, err := goabi.Read(bin)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, out,
		fmt.Sprintf("runtime.g0  %#x", l.G0Addr),
		fmt.Sprintf("runtime.m0  %#x", l.M0Addr),
		fmt.Sprintf("stack.lo +%d, stack.hi +%d, stackguard0 +%d, stackguard1 +%d, m +%d",
			l.GStackLo, l.GStackHi, l.GStackguard0, l.GStackguard1, l.GM),
		fmt.Sprintf("g0 +%d, tls +%d (%d bytes), curg +%d", l.MG0, l.MTls, l.TlsSize, l.MCurg),
		fmt.Sprintf("so m.tls is at +%d) [DWARF: m.tls +%d, agrees]", l.MTls, l.MTls),
		fmt.Sprintf("g.m at +%d [DWARF: g.m +%d, agrees]", l.GM, l.GM),
		fmt.Sprintf("m.g0 at +%d [DWARF: m.g0 +%d, agrees]", l.MG0, l.MG0),
		l.GoVersion,
	)
}

func TestHello(t *testing.T) {
	bin := testbuild.Hello(t, "local", "")
	out := explain(t, bin)
	checkStock(t, bin, out)
	mustContain(t, out, "symbols     .symtab", "DWARF       present")
}

func TestStripped(t *testing.T) {
	out := explain(t, testbuild.Hello(t, "local", "-s -w"))
	mustContain(t, out,
		"no .symtab section",
		"cannot find data symbols by name",
		"function names come from .gopclntab",
		"DWARF       none",
		"runtime.g0  cannot find it: no .symtab section",
		"runtime.m0  cannot find it: no .symtab section",
		"rt0_go's code uses 0x",
		"cannot find the runtime.g/runtime.m field offsets",
		"has no DWARF (built with -ldflags=-w?)",
		// What can still be found: the entry and the chain, disassembled,
		// and the steps, by the shape of the code.
		"entry 0x", "_rt0_amd64_linux", "JMP _rt0_amd64(SB)", "runtime.rt0_go at 0x",
		"AX=158", "ARCH_SET_FS", "register ABI",
	)
	steps := section(out, "runtime.rt0_go step by step")
	if strings.Contains(steps, "cannot find") || strings.Contains(out, "MISMATCH") {
		t.Errorf("steps not found in a stripped binary:\n%s", steps)
	}
}

// TestNoNames hides .gopclntab too, so nothing names any address: the
// steps must still be found, the final calls by their position.
func TestNoNames(t *testing.T) {
	data, err := os.ReadFile(testbuild.Hello(t, "local", "-s -w"))
	if err != nil {
		t.Fatal(err)
	}
	data = bytes.Replace(data, []byte(".gopclntab\x00"), []byte(".xopclntab\x00"), 1)
	bin := filepath.Join(t.TempDir(), "nonames")
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	out := explain(t, bin)
	mustContain(t, out,
		"cannot name any function or data",
		"entry 0x", "cannot name it",
		"size unknown",
		"AX=158", "0x123", "[named by its position: no symbols]",
		"cannot find main.main",
	)
	if !strings.Contains(out, "chain       ? (0x") || strings.Count(out, "→ ? (0x") != 2 {
		t.Errorf("want the three-link chain entry → _rt0_amd64 → rt0_go, unnamed")
	}
	steps := section(out, "the bootstrap function step by step")
	if steps == "" || strings.Contains(steps, "cannot find") {
		t.Errorf("steps not found without names:\n%s", out)
	}
}

func TestCustomEntry(t *testing.T) {
	files := map[string]string{}
	for _, name := range []string{"main.go", "rt0_amd64.s"} {
		text, err := os.ReadFile(filepath.Join("testdata", "customrt0", name))
		if err != nil {
			t.Fatal(err)
		}
		files[name] = string(text)
	}
	// -checklinkname=0 lets the assembly reach runtime.g0 and runtime.m0.
	bin := testbuild.Build(t, "customrt0", files, "local", "-E=main.rt0 -checklinkname=0")
	out := explain(t, bin)
	mustContain(t, out,
		"entry 0x", "main.rt0.abi0", "a custom entry", "-ldflags=-E=main.rt0 ",
		"== main.rt0 step by step",
		"FS base (WRMSR)", "WRMSR to IA32_FS_BASE", "&m0.tls[1] if m.tls is at +",
		"MOVQ CX, FS:0xfffffff8", "runtime.mstart.abi0",
	)
	steps := section(out, "main.rt0 step by step")
	for _, name := range []string{"argc/argv", "g0 stack", "g0 into TLS", "m0.g0 = g0", "g0.m = m0",
		"runtime.check", "runtime.args", "runtime.osinit", "runtime.schedinit", "runtime.newproc", "runtime.mstart"} {
		if !strings.Contains(steps, ". "+name) || strings.Contains(steps, ". "+name+" cannot") {
			t.Errorf("step %s not found", name)
		}
	}
	mustContain(t, steps, "CPUID vendor      cannot find it", "TLS self-test     cannot find it")
}

func TestNotELF(t *testing.T) {
	path := filepath.Join(t.TempDir(), "script")
	os.WriteFile(path, []byte("#!/bin/sh\necho hi\n"), 0o755)
	if err := Explain(&bytes.Buffer{}, path); err == nil || !strings.Contains(err.Error(), "is not an ELF file") {
		t.Errorf("shell script: got error %v, want 'is not an ELF file'", err)
	}
	if err := Explain(&bytes.Buffer{}, filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("no error for a missing file")
	}
}

func TestToolchains(t *testing.T) {
	tcs := testbuild.Toolchains()
	if len(tcs) == 0 {
		t.Skip("set GOBARE_TOOLCHAINS=1 to explain hello worlds built by Go 1.21 to 1.27")
	}
	for _, tc := range tcs {
		t.Run(tc, func(t *testing.T) {
			bin := testbuild.Hello(t, tc, "")
			out := explain(t, bin)
			checkStock(t, bin, out)
			mustContain(t, out, "Go version  "+tc)
		})
	}
}

func TestWrap(t *testing.T) {
	long := strings.Repeat("word ", 40) + "0x1" + nbsp + "MOVQ" + nbsp + "DI," + nbsp + "AX"
	got := wrap(long, 4)
	for _, line := range strings.Split(got, "\n") {
		if len(line) > wrapWidth {
			t.Errorf("line longer than %d: %q", wrapWidth, line)
		}
	}
	if !strings.Contains(got, "0x1 MOVQ DI, AX") {
		t.Errorf("instruction split or nbsp left: %q", got)
	}
}
