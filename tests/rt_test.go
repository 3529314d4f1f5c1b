package tests

// gobare's own rt0 (issue 5):
//
//   - TestRTTrace: the trace of hello built through rt/ shows each rt0_go
//     step in order, between the system calls, and no arch_prctl; the
//     prebuilt (stock) hello makes exactly one arch_prctl.
//   - TestRTOtherModule: a program in a module that never mentions gobare
//     builds and runs through rt/ from any working directory.
//   - TestExplain: `mkimage explain` names every bootstrap step of a stock
//     binary and of an rt/-linked one, and prints the disassembly.
//   - TestRTToolchains (GOBARE_TOOLCHAINS=1): hello built through rt/ by
//     Go 1.21 to 1.27 boots, and explain's offsets are goabi's.

import (
	"debug/buildinfo"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gobare/gobare/internal/goabi"
	"github.com/gobare/gobare/qemu"
)

// rt0TraceSteps are the "rt0: " lines rt.rt0 prints, in order, as
// regular expressions.
var rt0TraceSteps = []string{
	`rt0: argc=1 argv=0x[0-9a-f]+`,
	`rt0: g0 stack \[0x[0-9a-f]+, 0x[0-9a-f]+\)`,
	`rt0: cpuid.*`,
	`rt0: fs base (0x[0-9a-f]+) via wrmsr IA32_FS_BASE`,
	`rt0: tls check.*0x123.*`,
	`rt0: m0\.g0 = g0, g0\.m = m0 \(g0 0x[0-9a-f]+, m0 (0x[0-9a-f]+)\)`,
	`rt0: check`,
	`rt0: args.*`,
	`rt0: osinit`,
	`rt0: schedinit`,
	`rt0: newproc\(runtime\.main\).*`,
	`rt0: mstart`,
}

// TestRTTrace runs hello with -trace, built from source through rt/ and
// prebuilt with the stock entry, and compares the two traces.
func TestRTTrace(t *testing.T) {
	t.Parallel()
	hello := testProgram(t, "hello")
	common := []string{"run", "-accel", "tcg", "-m", strconv.Itoa(progMemMiB), "-timeout", bootTimeout.String(), "-trace"}
	// run runs hello with -trace for entry (see entryProgram): it must
	// exit 0 after saying hello, with the kernel's banner for entry.
	run := func(t *testing.T, entry string) mkimageRun {
		t.Helper()
		r := runMkimageIO(t, "", nil, nil, append(common, entryProgram(t, "hello", entry)...)...)
		t.Logf("mkimage run -trace, %s entry: %v", entry, r.Wall.Round(time.Millisecond))
		r.wantExit(t, 0)
		r.wantLines(t, "hello, world")
		if !strings.Contains(r.Kernel, "\n"+rtBanner("hello", entry)) {
			r.fatalf(t, "no banner line %q", rtBanner("hello", entry))
		}
		return r
	}

	t.Run("rt", func(t *testing.T) {
		t.Parallel()
		r := run(t, "rt")
		if n := len(regexp.MustCompile(sysTrace+`arch_prctl`).FindAllString(r.Kernel, -1)); n != 0 {
			r.fatalf(t, "%d sys: arch_prctl lines: rt/ must set the FS base with WRMSR, never arch_prctl", n)
		}

		// The rt0 lines, in order, each one step.
		var rt0 []string
		first, last, sysBetween := -1, -1, 0
		lines := strings.Split(r.Kernel, "\n")
		for i, l := range lines {
			if strings.HasPrefix(l, "rt0: ") {
				rt0 = append(rt0, l)
				if first < 0 {
					first = i
				}
				last = i
			}
		}
		for _, l := range lines[max(first, 0):max(last, 0)] {
			if strings.HasPrefix(l, "sys: ") {
				sysBetween++
			}
		}
		if len(rt0) != len(rt0TraceSteps) {
			r.fatalf(t, "%d rt0: lines, want %d:\n%s", len(rt0), len(rt0TraceSteps), strings.Join(rt0, "\n"))
		}
		var fsBase, m0 uint64
		for i, re := range rt0TraceSteps {
			m := regexp.MustCompile("^" + re + "$").FindStringSubmatch(rt0[i])
			if m == nil {
				r.fatalf(t, "rt0 line %d is %q, want one matching %s", i+1, rt0[i], re)
			}
			switch i {
			case 3:
				fsBase, _ = strconv.ParseUint(m[1][2:], 16, 64)
			case 5:
				m0, _ = strconv.ParseUint(m[1][2:], 16, 64)
			}
		}
		if sysBetween == 0 {
			r.fatalf(t, "no sys: lines between the first and the last rt0: line")
		}
		// The FS base is &m0.tls[1]: m.tls's offset (from the DWARF of
		// a hello built by the same toolchain) plus 8.
		l, err := goabi.Read(hello)
		if err != nil {
			t.Fatal(err)
		}
		if want := m0 + uint64(l.MTls) + 8; fsBase != want {
			r.fatalf(t, "fs base %#x, want &m0.tls[1] = m0 %#x + %d + 8 = %#x", fsBase, m0, l.MTls, want)
		}
		t.Logf("%d rt0 steps in order, %d system calls among them, fs base = m0+%d", len(rt0), sysBetween, fsBase-m0)
	})

	t.Run("stock", func(t *testing.T) {
		t.Parallel()
		r := run(t, "stock")
		if n := len(regexp.MustCompile(`(?m)^`+sysTrace+`arch_prctl\(`).FindAllString(r.Kernel, -1)); n != 1 {
			r.fatalf(t, "%d sys: arch_prctl( lines, want 1 (runtime.settls)", n)
		}
		if !regexp.MustCompile(`(?m)^` + sysTrace + `arch_prctl\((ARCH_SET_FS|0x1002), 0x[0-9a-f]+\) = (0|0x0)$`).MatchString(r.Kernel) {
			r.fatalf(t, "the arch_prctl line is not ARCH_SET_FS (0x1002) returning 0")
		}
		if strings.Contains(r.Kernel, "\nrt0: ") {
			r.fatalf(t, "rt0: lines in the trace of a stock binary")
		}
	})
}

// TestRTOtherModule builds and runs, through rt/, a program whose module
// knows nothing of gobare, from the module's own directory and from an
// unrelated one. The module's files must be left as they were.
func TestRTOtherModule(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	files := map[string]string{
		"go.mod": "module example.com/elsewhere\n\ngo 1.21\n",
		"main.go": `package main

import (
	"fmt"
	"os"
	"runtime"
)

func main() {
	fmt.Printf("elsewhere: hello from %s with %d args, %s\n", os.Args[0], len(os.Args), runtime.Version())
}
`,
	}
	if err := writeFiles(dir, files); err != nil {
		t.Fatal(err)
	}
	env := []string{"GOBARE_ROOT=" + repoRoot(t), "GOFLAGS=-buildvcs=false"}
	common := []string{"run", "-accel", "tcg", "-m", strconv.Itoa(progMemMiB), "-timeout", bootTimeout.String(), "-rt=on"}
	for _, tc := range []struct {
		name, wd, prog string
	}{
		{"in-module", dir, "."},
		{"elsewhere", t.TempDir(), dir},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runMkimageIO(t, tc.wd, env, nil, append(common, tc.prog, "x")...)
			t.Logf("mkimage run -rt=on %s (in %s): %v", tc.prog, tc.wd, r.Wall.Round(time.Millisecond))
			r.wantExit(t, 0)
			// mkimage names a directory program after its base name.
			name := filepath.Base(dir)
			if !strings.Contains(r.Kernel, "\n"+rtBanner(name, "rt")) {
				r.fatalf(t, "no banner line %q", rtBanner(name, "rt"))
			}
			if !regexp.MustCompile(`(?m)^elsewhere: hello from \S+ with 2 args, go1\.\d+`).MatchString(r.Stdout) {
				r.fatalf(t, "no line \"elsewhere: hello from ... with 2 args, go1...\"")
			}
			if strings.Contains(r.Stderr, "using the stock entry") {
				r.fatalf(t, "mkimage fell back to the stock entry")
			}
		})
	}
	// Nothing written into the module: go.mod unchanged, no go.sum.
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if _, ok := files[e.Name()]; !ok {
			t.Errorf("mkimage left %s in the program's module", e.Name())
		}
	}
	if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err != nil || string(b) != files["go.mod"] {
		t.Errorf("go.mod changed: %q, %v", b, err)
	}
}

// squash joins explain's wrapped lines: every run of white space becomes
// one space.
func squash(s string) string { return strings.Join(strings.Fields(s), " ") }

// explainSteps returns explain's "== TITLE step by step" section: the
// step names in order and, for each name in known, its text (continuation
// lines joined). A step line is "  N. NAME  TEXT", NAME padded to a column
// (and followed by one space only when it fills it), so the names are
// matched against known, longest first; an unknown name is the text up to
// two spaces.
func explainSteps(out string, known []string) (title string, names []string, steps map[string]string) {
	steps = map[string]string{}
	stepRE := regexp.MustCompile(`^\s+\d+\. (.*)$`)
	in, cur := false, ""
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "== ") {
			in = strings.HasSuffix(l, " step by step")
			if in {
				title = strings.TrimSuffix(strings.TrimPrefix(l, "== "), " step by step")
			}
			continue
		}
		if !in {
			continue
		}
		if m := stepRE.FindStringSubmatch(l); m != nil {
			rest := m[1]
			cur, _, _ = strings.Cut(rest, "  ")
			best := ""
			for _, k := range known {
				if (rest == k || strings.HasPrefix(rest, k+" ")) && len(k) > len(best) {
					best = k
				}
			}
			if best != "" {
				cur = best
			}
			names = append(names, cur)
			steps[cur] = strings.TrimSpace(strings.TrimPrefix(rest, cur))
		} else if cur != "" && strings.TrimSpace(l) != "" {
			steps[cur] += " " + strings.TrimSpace(l)
		}
	}
	return title, names, steps
}

// rtHelloELF builds (once) hello through rt/ with `mkimage build -rt=on`
// and returns the program's ELF file, taken out of the image.
func rtHelloELF(tb testing.TB) string {
	tb.Helper()
	tool, root := mkimageTool(tb), repoRoot(tb)
	return builtOnce(tb, "hello rt ELF", func() (string, error) {
		img, err := mkimageBuildImage(tool, root, filepath.Join(shared.dir, "hello-rt.img"), nil,
			"-rt=on", filepath.Join(root, "tests", "programs", "hello"))
		if err != nil {
			return "", err
		}
		return elfFromImageFile(img, filepath.Join(shared.dir, "hello-rt.elf"))
	})
}

// elfFromImageFile writes the program embedded in the image at img to out.
func elfFromImageFile(img, out string) (string, error) {
	b, err := os.ReadFile(img)
	if err != nil {
		return "", err
	}
	prog, err := imageProgram(b)
	if err != nil {
		return "", fmt.Errorf("%s: %v", img, err)
	}
	return out, os.WriteFile(out, prog, 0o755)
}

// explainOffsets checks that explain's output shows goabi's layout of the
// binary at path.
func explainOffsets(tb testing.TB, r mkimageRun, path string) goabi.Layout {
	tb.Helper()
	l, err := goabi.Read(path)
	if err != nil {
		tb.Fatal(err)
	}
	out := squash(r.Stdout)
	for _, want := range []string{
		"Go version " + l.GoVersion,
		fmt.Sprintf("runtime.g0 %#x", l.G0Addr),
		fmt.Sprintf("runtime.m0 %#x", l.M0Addr),
		fmt.Sprintf("runtime.g stack.lo +%d, stack.hi +%d, stackguard0 +%d, stackguard1 +%d, m +%d",
			l.GStackLo, l.GStackHi, l.GStackguard0, l.GStackguard1, l.GM),
		fmt.Sprintf("runtime.m g0 +%d, tls +%d (%d bytes), curg +%d", l.MG0, l.MTls, l.TlsSize, l.MCurg),
		fmt.Sprintf("g.m at +%d [DWARF: g.m +%d, agrees]", l.GM, l.GM),
		fmt.Sprintf("m.g0 at +%d [DWARF: m.g0 +%d, agrees]", l.MG0, l.MG0),
	} {
		if !strings.Contains(out, want) {
			r.fatalf(tb, "explain's output lacks %q (goabi.Read: %+v)", want, l)
		}
	}
	if strings.Contains(out, "MISMATCH") {
		r.fatalf(tb, "explain reports a MISMATCH between the code and DWARF")
	}
	return l
}

// runExplain runs `mkimage explain elf`, which must exit 0 with every one
// of wants in its output, and returns the run and the output with its
// wrapped lines joined (squash).
func runExplain(t *testing.T, elf string, wants ...string) (mkimageRun, string) {
	t.Helper()
	r := runMkimageIO(t, "", nil, nil, "explain", elf)
	r.wantExit(t, 0)
	out := squash(r.Stdout)
	for _, want := range wants {
		if !strings.Contains(out, want) {
			r.fatalf(t, "explain's output lacks %q", want)
		}
	}
	return r, out
}

// checkExplainSteps checks explain's step-by-step section in r: it must be
// for title and name every one of want (a missing step stops t when
// missingFatal is set, else it fails t and the other steps are checked),
// and no step may say "cannot find". It returns the step names in order
// and each step's text (see explainSteps).
func checkExplainSteps(t *testing.T, r mkimageRun, title string, missingFatal bool, want ...string) ([]string, map[string]string) {
	t.Helper()
	got, names, steps := explainSteps(r.Stdout, want)
	if got != title {
		r.fatalf(t, "the step-by-step section is for %q, want %s", got, title)
	}
	for _, step := range want {
		text, ok := steps[step]
		if !ok {
			if missingFatal {
				r.fatalf(t, "no step %q among %q", step, names)
			}
			mkimageErrorf(t, r, "no step %q among %q", step, names)
			continue
		}
		if strings.Contains(text, "cannot find") {
			mkimageErrorf(t, r, "step %q: %s", step, text)
		}
	}
	return names, steps
}

// TestExplain runs `mkimage explain` on hello, prebuilt (stock entry) and
// linked with rt/, and checks that it finds and names every bootstrap step.
func TestExplain(t *testing.T) {
	t.Parallel()
	t.Run("stock", func(t *testing.T) {
		t.Parallel()
		hello := testProgram(t, "hello")
		r, _ := runExplain(t, hello,
			"entry 0x", "_rt0_amd64_linux", "runtime.rt0_go.abi0 at 0x", "Go syntax", "GNU syntax",
			"LEAQ runtime.g0(SB), DI", "CPUID", "cpuid", "SYSCALL", "AX=158", "ARCH_SET_FS",
			"MOVQ $0x123, FS:0xfffffff8", "CALL runtime.check.abi0(SB)", "CALL runtime.mstart.abi0(SB)",
			"runtime.mainPC")
		names, steps := checkExplainSteps(t, r, "runtime.rt0_go", true,
			"argc/argv", "g0 stack", "CPUID vendor", "CPUID version", "settls", "arch_prctl",
			"TLS self-test", "g0 into TLS", "m0.g0 = g0", "g0.m = m0", "runtime.check", "runtime.args",
			"runtime.osinit", "runtime.schedinit", "runtime.newproc", "runtime.mstart")
		if !strings.Contains(steps["TLS self-test"], "0x123") {
			mkimageErrorf(t, r, "the TLS self-test step does not mention 0x123: %s", steps["TLS self-test"])
		}
		explainOffsets(t, r, hello)
		t.Logf("%d steps: %s", len(names), strings.Join(names, ", "))
	})

	t.Run("rt", func(t *testing.T) {
		t.Parallel()
		elf := rtHelloELF(t)
		r, out := runExplain(t, elf,
			"entry 0x", "github.com/gobare/gobare/rt.rt0.abi0", "a custom entry",
			"-ldflags=-E=github.com/gobare/gobare/rt.rt0", "Go syntax", "GNU syntax",
			"WRMSR", "IA32_FS_BASE", "MOVQ $0x123, FS:0xfffffff8", "CALL runtime.mstart.abi0(SB)")
		if strings.Contains(out, "AX=158") || strings.Contains(out, "ARCH_SET_FS") {
			mkimageErrorf(t, r, "explain finds an arch_prctl in rt.rt0")
		}
		names, _ := checkExplainSteps(t, r, "github.com/gobare/gobare/rt.rt0", false,
			"argc/argv", "g0 stack", "CPUID vendor", "CPUID version", "FS base (WRMSR)",
			"TLS self-test", "g0 into TLS", "m0.g0 = g0", "g0.m = m0", "runtime.check", "runtime.args",
			"runtime.osinit", "runtime.schedinit", "runtime.newproc", "runtime.mstart")
		explainOffsets(t, r, elf)
		t.Logf("%d steps: %s", len(names), strings.Join(names, ", "))
	})
}

// rtToolchains are the Go releases TestRTToolchains builds hello with:
// every release rt/ claims (layout_go121.go up to 1.24,
// layout_go125.go from 1.25), so that each one's offsets are checked
// against its DWARF.
var rtToolchains = []string{"go1.21.13", "go1.22.12", "go1.23.12", "go1.24.13", "go1.25.14", "go1.26.8", "go1.27.4"}

// TestRTToolchains builds hello through rt/ (mkimage build -rt=on) with
// each Go release in rtToolchains, boots it and explains it. It runs only
// when GOBARE_TOOLCHAINS is set: "1" for rtToolchains, or a list of
// versions separated by commas or spaces. The toolchains come through
// GOTOOLCHAIN (from the module cache, or downloaded).
//
// Each version has two subtests. "user" is what a user types:
// GOTOOLCHAIN=VERSION mkimage build -rt=on DIR. "program-only" sets
// GOTOOLCHAIN for the program's go commands only (through a go wrapper on
// PATH), the kernel being built by the host's go as usual, so that rt/
// itself is checked with each release whatever mkimage does with
// GOTOOLCHAIN.
func TestRTToolchains(t *testing.T) {
	versions := selectedToolchains(t, rtToolchains,
		"set GOBARE_TOOLCHAINS=1 (or a list such as go1.21.13,go1.27.4) to build hello through rt/ with other Go releases")
	tool, root := mkimageTool(t), repoRoot(t)
	realGo, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	src := helloSource(t)
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			dir := helloModule(t, src)
			// A go wrapper that gives GOTOOLCHAIN to every go command
			// except those run in the gobare tree (the kernel build).
			wrap := t.TempDir()
			script := fmt.Sprintf("#!/bin/sh\ncase \"$(pwd -P)\" in\n%s) unset GOTOOLCHAIN ;;\n*) GOTOOLCHAIN=%s; export GOTOOLCHAIN ;;\nesac\nexec %s \"$@\"\n",
				shellWord(mustEvalSymlinks(t, root)), v, shellWord(realGo))
			if err := os.WriteFile(filepath.Join(wrap, "go"), []byte(script), 0o755); err != nil {
				t.Fatal(err)
			}
			for _, mode := range []struct {
				name string
				env  []string
			}{
				{"user", []string{"GOTOOLCHAIN=" + v, "GOFLAGS=-buildvcs=false"}},
				{"program-only", []string{"PATH=" + wrap + string(os.PathListSeparator) + os.Getenv("PATH"), "GOFLAGS=-buildvcs=false"}},
			} {
				t.Run(mode.name, func(t *testing.T) {
					start := time.Now()
					img, err := mkimageBuildImage(tool, root, filepath.Join(t.TempDir(), "hello.img"), mode.env, "-rt=on", dir)
					if err != nil {
						t.Fatalf("mkimage build -rt=on with %s: %v", v, err)
					}
					t.Logf("mkimage build -rt=on with %s: %v", v, time.Since(start).Round(time.Millisecond))
					elf, err := elfFromImageFile(img, filepath.Join(t.TempDir(), "hello"))
					if err != nil {
						t.Fatal(err)
					}
					bi, err := buildinfo.ReadFile(elf)
					if err != nil {
						t.Fatal(err)
					}
					if bi.GoVersion != v {
						t.Fatalf("the program in the image was built by %s, want %s", bi.GoVersion, v)
					}
					r := boot(t, qemu.Config{Kernel: img, MemoryMiB: progMemMiB})
					r.wantExit(t, 0)
					r.wantContains(t, "\n"+rtBanner(filepath.Base(dir), "rt"), "\nhello, world\n")

					e, out := runExplain(t, elf)
					if !strings.Contains(out, "github.com/gobare/gobare/rt.rt0.abi0") {
						e.fatalf(t, "explain does not follow rt.rt0")
					}
					l := explainOffsets(t, e, elf)
					t.Logf("%s: boots through rt/; explain's offsets match goabi: g.m +%d, m.g0 +%d, m.tls +%d", v, l.GM, l.MG0, l.MTls)
				})
			}
		})
	}
}

func mustEvalSymlinks(tb testing.TB, p string) string {
	tb.Helper()
	r, err := filepath.EvalSymlinks(p)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// mkimageErrorf is mkimageRun.fatalf that lets the test go on.
func mkimageErrorf(tb testing.TB, r mkimageRun, format string, args ...any) {
	tb.Helper()
	tb.Errorf("%s\n%s", fmt.Sprintf(format, args...), r.describe())
}
