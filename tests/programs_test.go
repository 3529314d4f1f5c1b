package tests

// Tests that boot the programs under tests/programs/ the two ways a user
// does: with `mkimage run` (the program embedded in the image, as a package
// directory or a prebuilt ELF) and with plain qemu-system-x86_64, the
// program handed to a kernel-only image as a Multiboot module (-initrd
// "PATH ARG..."). Every run is TCG and bounded by bootTimeout; a failure
// prints the whole console output.
//
// TestProgramToolchains, which builds hello with several Go releases, only
// runs when GOBARE_TOOLCHAINS is set (it downloads toolchains):
//
//	GOBARE_TOOLCHAINS=1 go test ./tests/ -run Toolchains -v
//
// tests the default list (toolchainVersions); a comma- or space-separated
// list of versions (GOBARE_TOOLCHAINS=go1.22.12,go1.27.4) tests those.

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gobare/gobare/internal/image"
	"github.com/gobare/gobare/qemu"
)

// progMemMiB is the guest RAM for these tests: the design promises that a
// hello world runs in 32 MiB.
const progMemMiB = 32

// exitBadProgram is the kernel's exit status for a program it refuses to
// load (kernel.ExitBadProgram).
const exitBadProgram = 123

// exitBootFailure is the kernel's exit status when the machine cannot be
// set up, a missing CPU feature among the causes (kernel.ExitBootFailure).
const exitBootFailure = 122

// mkimageExitFailed is mkimage's status when the image cannot be built or
// QEMU cannot run it.
const mkimageExitFailed = 126

// toolchainVersions are the Go releases TestProgramToolchains builds hello
// with when GOBARE_TOOLCHAINS=1: the oldest release gobare supports, each
// later line, and the newest 1.27 release candidate and release.
var toolchainVersions = []string{"go1.21.13", "go1.22.12", "go1.24.13", "go1.26.8", "go1.27rc1", "go1.27.4"}

// progOnce runs build once per key for the whole test run and caches its
// result (a path) or error.
var progOnce struct {
	mu sync.Mutex
	m  map[string]*progBuilt
}

type progBuilt struct {
	once sync.Once
	path string
	err  error
}

func builtOnce(tb testing.TB, key string, build func() (string, error)) string {
	tb.Helper()
	path, err := buildOnce(key, build)
	if err != nil {
		tb.Fatalf("%s: %v", key, err)
	}
	return path
}

// buildOnce is builtOnce that returns the error instead of failing.
func buildOnce(key string, build func() (string, error)) (string, error) {
	progOnce.mu.Lock()
	if progOnce.m == nil {
		progOnce.m = make(map[string]*progBuilt)
	}
	b := progOnce.m[key]
	if b == nil {
		b = new(progBuilt)
		progOnce.m[key] = b
	}
	progOnce.mu.Unlock()
	b.once.Do(func() { b.path, b.err = build() })
	return b.path, b.err
}

// goBuild runs `go build args...` in dir with env added to the test's
// environment.
func goBuild(dir string, env []string, args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", append([]string{"build"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s (in %s, %s): %v\n%s", strings.Join(args, " "), dir, strings.Join(env, " "), err, out)
	}
	return nil
}

// staticEnv is the environment for building a program gobare can run.
var staticEnv = []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64", "GOFLAGS=-buildvcs=false"}

// mkimageTool builds cmd/mkimage once and returns its path.
func mkimageTool(tb testing.TB) string {
	tb.Helper()
	root := repoRoot(tb)
	return builtOnce(tb, "mkimage", func() (string, error) {
		out := filepath.Join(shared.dir, "mkimage")
		return out, goBuild(root, []string{"GOFLAGS=-buildvcs=false"}, "-o", out, "./cmd/mkimage")
	})
}

// testProgram builds tests/programs/NAME once, as a static linux/amd64
// executable, and returns its path (whose base name is NAME).
func testProgram(tb testing.TB, name string) string {
	tb.Helper()
	root := repoRoot(tb)
	return builtOnce(tb, "program "+name, func() (string, error) {
		out := filepath.Join(shared.dir, "bin", name)
		return out, goBuild(root, staticEnv, "-trimpath", "-o", out, "./tests/programs/"+name)
	})
}

// cgoProgram builds tests/programs/cgo once with CGO_ENABLED=1: dynamically
// linked, or with static set, linked statically by the C linker. It skips
// tb when there is no C toolchain (or, for static, no static C library).
func cgoProgram(tb testing.TB, static bool) string {
	tb.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		tb.Skip("gcc is not installed: cannot build a cgo program")
	}
	root := repoRoot(tb)
	name, args := "cgo", []string{"-o"}
	if static {
		name = "cgo-static"
		args = []string{"-ldflags=-linkmode=external -extldflags=-static", "-o"}
	}
	path, err := buildOnce("program "+name, func() (string, error) {
		out := filepath.Join(shared.dir, "bin", name)
		err := goBuild(root, []string{"CGO_ENABLED=1", "GOOS=linux", "GOARCH=amd64", "GOFLAGS=-buildvcs=false"},
			append(args, out, "./tests/programs/cgo")...)
		return out, err
	})
	if err != nil {
		if static {
			tb.Skipf("cannot link a static cgo program here (no static C library?): %v", err)
		}
		tb.Fatalf("%v", err)
	}
	return path
}

// kernelOnlyImage makes, once, an image with no program in it, with
// `mkimage build -o IMG`; it runs a program handed to it as a Multiboot
// module.
func kernelOnlyImage(tb testing.TB) string {
	tb.Helper()
	tool := mkimageTool(tb)
	root := repoRoot(tb)
	return builtOnce(tb, "kernel-only image", func() (string, error) {
		out := filepath.Join(shared.dir, "kernel-only.img")
		cmd := exec.Command(tool, "build", "-o", out)
		cmd.Dir = root
		if b, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("mkimage build -o %s: %v\n%s", out, err, b)
		}
		return out, nil
	})
}

// mkimageRun is one finished `mkimage ...` command: Code is mkimage's
// exit status; for mkimage run, Stdout is the program's standard output,
// Stderr its standard error, mkimage's messages and the kernel's lines
// ("gobare: ..."), and Kernel those lines as the kernel wrote them
// (kernelText).
type mkimageRun struct {
	Args []string
	cmdRun
	Kernel string
}

// kernelText picks the kernel's lines out of mkimage run's stderr, as the
// kernel wrote them: mkimage prefixes each with "gobare: " unless it
// already starts so ("gobare: 127 MiB RAM, ..."), so a line "gobare: T:
// ..." whose first word T ends in a colon ("boot:", "sys:", "rt0:") was
// "T: ..." on the serial line. The program's own stderr lines, which do
// not start "gobare: ", are left out.
func kernelText(stderr string) string {
	var b strings.Builder
	for line := range strings.Lines(stderr) {
		rest, ok := strings.CutPrefix(line, "gobare: ")
		if !ok {
			continue
		}
		if word, _, _ := strings.Cut(rest, " "); strings.HasSuffix(word, ":") && !strings.Contains(word[:len(word)-1], ":") {
			line = rest
		}
		b.WriteString(line)
	}
	return b.String()
}

// mkimageOpts are the settings of runMkimageOpts; the zero value is
// runMkimage's.
type mkimageOpts struct {
	Dir     string        // working directory; "" is the source tree's root
	Env     []string      // added to the environment
	Stdin   io.Reader     // nil is no input
	Timeout time.Duration // 0 is bootTimeout plus time to build
}

// runMkimage runs mkimage with args (from the source tree's root, where it
// finds the kernel sources), with extra environment env, and a timeout of
// bootTimeout plus time to build.
func runMkimage(tb testing.TB, env []string, args ...string) mkimageRun {
	tb.Helper()
	return runMkimageOpts(tb, mkimageOpts{Env: env}, args...)
}

// runMkimageIO is runMkimage with a working directory (dir; "" is the
// source tree's root) and standard input, and a timeout a minute longer.
func runMkimageIO(tb testing.TB, dir string, env []string, stdin io.Reader, args ...string) mkimageRun {
	tb.Helper()
	return runMkimageOpts(tb, mkimageOpts{Dir: dir, Env: env, Stdin: stdin, Timeout: bootTimeout + 3*time.Minute}, args...)
}

// runMkimageOpts is runMkimage with the settings o.
func runMkimageOpts(tb testing.TB, o mkimageOpts, args ...string) mkimageRun {
	tb.Helper()
	needQEMU(tb)
	tool := mkimageTool(tb)
	if o.Dir == "" {
		o.Dir = repoRoot(tb)
	}
	if o.Timeout == 0 {
		o.Timeout = bootTimeout + 2*time.Minute
	}
	r := mkimageRun{Args: args, cmdRun: runCmd(cmdSpec{
		Label: "mkimage", Name: tool, Args: args, Dir: o.Dir, Env: o.Env, Stdin: o.Stdin, Timeout: o.Timeout,
	})}
	r.Kernel = kernelText(r.Stderr)
	return r
}

func (r mkimageRun) describe() string {
	return fmt.Sprintf("(mkimage %s: exit status %d, error %v, %v)\n--- console (stdout) ---\n%s--- mkimage stderr ---\n%s--- end ---",
		quoteArgs(r.Args), r.Code, r.Err, r.Wall.Round(time.Millisecond), r.Stdout, r.Stderr)
}

func (r mkimageRun) fatalf(tb testing.TB, format string, args ...any) {
	tb.Helper()
	tb.Fatalf("%s\n%s", fmt.Sprintf(format, args...), r.describe())
}

// wantExit fails tb unless mkimage exited by itself with code.
func (r mkimageRun) wantExit(tb testing.TB, code int) {
	tb.Helper()
	if r.Err != nil {
		r.fatalf(tb, "mkimage failed: %v", r.Err)
	}
	if r.Code != code {
		r.fatalf(tb, "exit status %d, want %d", r.Code, code)
	}
}

// wantLines fails tb unless every one of lines is a whole line of the
// console output.
func (r mkimageRun) wantLines(tb testing.TB, lines ...string) {
	tb.Helper()
	if missing := missingLines(r.Stdout, lines); len(missing) > 0 {
		r.fatalf(tb, "console lacks the lines %s", strings.Join(missing, ", "))
	}
}

// missingLines returns (quoted) those of want that are not whole lines of
// text.
func missingLines(text string, want []string) []string {
	have := make(map[string]bool)
	for line := range strings.Lines(text) {
		have[strings.TrimSuffix(line, "\n")] = true
	}
	var missing []string
	for _, w := range want {
		if !have[w] {
			missing = append(missing, strconv.Quote(w))
		}
	}
	return missing
}

func quoteArgs(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = shellWord(a)
	}
	return strings.Join(q, " ")
}

func shellWord(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// plainRun is one finished run of qemu-system-x86_64 started directly, as
// the README tells a user to.
type plainRun struct {
	Args    []string
	Status  int    // QEMU's exit status; -1 if it did not exit by itself
	Console string // COM1, through serialText (runCmd)
	Control string // COM2, where the kernel reports "gobare: exit N"
	Stderr  string // QEMU's own messages
	Err     error
	Wall    time.Duration
}

// runPlainQEMU boots img (a kernel-only image) under TCG with the Multiboot
// module string initrd ("PATH ARG...") and extra QEMU arguments, with
// exactly the command line the README documents — QEMU's default CPU model
// (qemu64: no RDRAND, no AVX, like many PCs) included.
func runPlainQEMU(tb testing.TB, img, initrd string, extra ...string) plainRun {
	tb.Helper()
	needQEMU(tb)
	ctl := filepath.Join(tb.TempDir(), "control")
	args := []string{
		"-M", "pc", "-nodefaults", "-no-reboot", "-display", "none",
		"-serial", "stdio", "-serial", "file:" + ctl,
		"-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
		"-accel", "tcg", "-m", strconv.Itoa(progMemMiB),
		"-kernel", img, "-initrd", initrd,
	}
	args = append(args, extra...)
	c := runCmd(cmdSpec{Label: "QEMU", Name: "qemu-system-x86_64", Args: args, Timeout: bootTimeout})
	r := plainRun{Args: args, Status: c.Code, Console: serialText(c.Stdout), Stderr: c.Stderr, Err: c.Err, Wall: c.Wall}
	if b, err := os.ReadFile(ctl); err == nil {
		r.Control = string(b)
	}
	return r
}

func (r plainRun) describe() string {
	return fmt.Sprintf("(qemu-system-x86_64 %s: status %d, error %v, %v)\n--- control (COM2) ---\n%s--- QEMU stderr ---\n%s--- console (COM1) ---\n%s--- end ---",
		quoteArgs(r.Args), r.Status, r.Err, r.Wall.Round(time.Millisecond), r.Control, r.Stderr, r.Console)
}

func (r plainRun) fatalf(tb testing.TB, format string, args ...any) {
	tb.Helper()
	tb.Fatalf("%s\n%s", fmt.Sprintf(format, args...), r.describe())
}

// wantExit fails tb unless the kernel reported exit status code on COM2 and
// QEMU exited with the isa-debug-exit status (code<<1)|1.
func (r plainRun) wantExit(tb testing.TB, code int) {
	tb.Helper()
	if r.Err != nil {
		r.fatalf(tb, "QEMU failed: %v", r.Err)
	}
	if want := (code<<1 | 1) & 0xff; r.Status != want {
		r.fatalf(tb, "QEMU exit status %d, want %d ((%d<<1)|1)", r.Status, want, code)
	}
	if missing := missingLines(r.Control, []string{fmt.Sprintf("gobare: exit %d", code)}); len(missing) > 0 {
		r.fatalf(tb, "control channel lacks the line %s", missing[0])
	}
}

func (r plainRun) wantLines(tb testing.TB, lines ...string) {
	tb.Helper()
	if missing := missingLines(r.Console, lines); len(missing) > 0 {
		r.fatalf(tb, "console lacks the lines %s", strings.Join(missing, ", "))
	}
}

// TestProgramHello boots tests/programs/hello three ways: mkimage run on
// the package directory (built from source) and on the prebuilt ELF, and
// plain QEMU with the ELF as a Multiboot module.
func TestProgramHello(t *testing.T) {
	hello := testProgram(t, "hello")
	mem := strconv.Itoa(progMemMiB)
	t.Run("mkimage-source", func(t *testing.T) {
		dir := filepath.Join(repoRoot(t), "tests", "programs", "hello")
		r := runMkimage(t, nil, "run", "-accel", "tcg", "-m", mem, "-timeout", bootTimeout.String(), dir)
		r.wantExit(t, 0)
		r.wantLines(t, "hello, world")
		t.Logf("mkimage run (build, boot, exit): %v", r.Wall.Round(time.Millisecond))
	})
	t.Run("mkimage-elf", func(t *testing.T) {
		r := runMkimage(t, nil, "run", "-accel", "tcg", "-m", mem, "-timeout", bootTimeout.String(), hello)
		r.wantExit(t, 0)
		r.wantLines(t, "hello, world")
		t.Logf("mkimage run (build, boot, exit): %v", r.Wall.Round(time.Millisecond))
	})
	t.Run("multiboot-module", func(t *testing.T) {
		r := runPlainQEMU(t, kernelOnlyImage(t), hello)
		r.wantExit(t, 0)
		r.wantLines(t, "hello, world")
		t.Logf("QEMU start to exit: %v", r.Wall.Round(time.Millisecond))
	})
}

// argLines is what tests/programs/args prints for argv.
func argLines(argv ...string) []string {
	lines := make([]string, len(argv))
	for i, a := range argv {
		lines[i] = fmt.Sprintf("arg[%d]=%q", i, a)
	}
	return lines
}

// argsRunOK checks a run of tests/programs/args: exactly the arguments
// argv (no more), and the env lines wantEnv.
func argsRunOK(tb testing.TB, console string, describe func() string, argv []string, wantEnv map[string]string) {
	tb.Helper()
	want := argLines(argv...)
	for name, v := range wantEnv {
		if v == "<unset>" {
			want = append(want, fmt.Sprintf("env[%s]=<unset>", name))
		} else {
			want = append(want, fmt.Sprintf("env[%s]=%q", name, v))
		}
	}
	if missing := missingLines(console, want); len(missing) > 0 {
		tb.Fatalf("console lacks the lines %s\n%s", strings.Join(missing, ", "), describe())
	}
	extra := fmt.Sprintf("arg[%d]=", len(argv))
	if strings.Contains(console, "\n"+extra) || strings.HasPrefix(console, extra) {
		tb.Fatalf("more than %d arguments\n%s", len(argv), describe())
	}
}

// TestProgramArgs checks that argv (spaces and all) and the environment
// reach the program, from mkimage's embedded image and from a Multiboot
// module string, and the build-from-source path.
func TestProgramArgs(t *testing.T) {
	args := testProgram(t, "args")
	mem := strconv.Itoa(progMemMiB)
	run := func(t *testing.T, flags []string, prog string, argv ...string) mkimageRun {
		t.Helper()
		a := append([]string{"run", "-accel", "tcg", "-m", mem, "-timeout", bootTimeout.String()}, flags...)
		r := runMkimage(t, nil, append(append(a, prog), argv...)...)
		t.Logf("mkimage run: %v", r.Wall.Round(time.Millisecond))
		return r
	}

	t.Run("spaces", func(t *testing.T) {
		argv := []string{"hello world", "  two leading spaces", "trailing ", "a  b   c", "tab\tinside", `quote"d`, "it's", "ünïcødé", "*", "$HOME"}
		r := run(t, nil, args, argv...)
		r.wantExit(t, 0)
		argsRunOK(t, r.Stdout, r.describe, append([]string{"args"}, argv...), map[string]string{"GOBARE_UNSET": "<unset>"})
	})

	t.Run("env", func(t *testing.T) {
		r := run(t, []string{"-env", "GOBARE_GREETING=hi", "-env", "GOBARE_SPACED=two words", "-env", "GOBARE_EQUALS=a=b=c"}, args, "x")
		r.wantExit(t, 0)
		argsRunOK(t, r.Stdout, r.describe, []string{"args", "x"}, map[string]string{
			"GOBARE_GREETING": "hi",
			"GOBARE_SPACED":   "two words",
			"GOBARE_EQUALS":   "a=b=c",
			"GOBARE_UNSET":    "<unset>",
		})
	})

	t.Run("kernel-cmdline-env", func(t *testing.T) {
		r := run(t, []string{"-append", "GOBARE_CMDLINE=from-append", "-env", "GOBARE_GREETING=hi"}, args)
		r.wantExit(t, 0)
		argsRunOK(t, r.Stdout, r.describe, []string{"args"}, map[string]string{
			"GOBARE_CMDLINE":  "from-append",
			"GOBARE_GREETING": "hi",
			"GOBARE_UNSET":    "<unset>",
		})
	})

	t.Run("from-source", func(t *testing.T) {
		dir := filepath.Join(repoRoot(t), "tests", "programs", "args")
		r := run(t, []string{"-env", "GOBARE_GREETING=from source"}, dir, "built from source", "exit=7")
		r.wantExit(t, 7)
		argsRunOK(t, r.Stdout, r.describe, []string{"args", "built from source", "exit=7"}, map[string]string{
			"GOBARE_GREETING": "from source",
		})
		r.wantLines(t, "exiting with 7")
	})

	t.Run("multiboot-module", func(t *testing.T) {
		r := runPlainQEMU(t, kernelOnlyImage(t), args+" one two exit=5", "-append", "GOBARE_CMDLINE=plain-qemu")
		t.Logf("QEMU start to exit: %v", r.Wall.Round(time.Millisecond))
		r.wantExit(t, 5)
		argsRunOK(t, r.Console, r.describe, []string{args, "one", "two", "exit=5"}, map[string]string{
			"GOBARE_CMDLINE": "plain-qemu",
			"GOBARE_UNSET":   "<unset>",
		})
		r.wantLines(t, "exiting with 5")
	})
}

// TestProgramExitStatus checks that os.Exit(n) comes back exactly as
// mkimage run's exit status.
func TestProgramExitStatus(t *testing.T) {
	args := testProgram(t, "args")
	for _, code := range []int{0, 1, 3, 42, 255} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			r := runMkimage(t, nil, "run", "-accel", "tcg", "-m", strconv.Itoa(progMemMiB), "-timeout", bootTimeout.String(),
				args, fmt.Sprintf("exit=%d", code))
			t.Logf("mkimage run: %v", r.Wall.Round(time.Millisecond))
			r.wantExit(t, code)
			r.wantLines(t, fmt.Sprintf("exiting with %d", code))
		})
	}
}

// TestBadPrograms hands programs gobare cannot run to mkimage and, as a
// Multiboot module, to the kernel: each must be refused with one clear
// line and a non-zero status, never a hang, and both must say the same
// thing.
func TestBadPrograms(t *testing.T) {
	cases := []struct {
		name string
		file func(t *testing.T) string
		want []string // the message contains one of these
	}{
		{"dynamic-ls", func(t *testing.T) string {
			if _, err := os.Stat("/bin/ls"); err != nil {
				t.Skip("no /bin/ls")
			}
			return "/bin/ls"
		}, []string{"is dynamically linked (asks for "}},
		{"random-bytes", func(t *testing.T) string {
			b := make([]byte, 64<<10)
			rand.NewChaCha8([32]byte{'g', 'o', 'b', 'a', 'r', 'e'}).Read(b)
			if string(b[:4]) == "\x7fELF" {
				t.Fatal("the random bytes begin with the ELF magic; change the seed")
			}
			p := filepath.Join(t.TempDir(), "random.bin")
			if err := os.WriteFile(p, b, 0o755); err != nil {
				t.Fatal(err)
			}
			return p
		}, []string{"is not an ELF executable"}},
		{"truncated", func(t *testing.T) string {
			b, err := os.ReadFile(testProgram(t, "hello"))
			if err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(t.TempDir(), "hello-truncated")
			if err := os.WriteFile(p, b[:len(b)/2], 0o755); err != nil {
				t.Fatal(err)
			}
			return p
		}, []string{"is truncated"}},
		{"cgo", func(t *testing.T) string { return cgoProgram(t, false) }, []string{"dynamically linked", "cgo"}},
		{"cgo-static", func(t *testing.T) string { return cgoProgram(t, true) }, []string{"cgo"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := c.file(t)
			var fromMkimage, fromKernel string
			t.Run("mkimage", func(t *testing.T) {
				r := runMkimage(t, nil, "run", "-accel", "tcg", "-m", strconv.Itoa(progMemMiB), "-timeout", bootTimeout.String(), path)
				t.Logf("mkimage run: %v", r.Wall.Round(time.Millisecond))
				r.wantExit(t, mkimageExitFailed)
				if strings.Contains(r.Stdout, "boot:") || strings.Contains(r.Stdout, "gobare:") {
					r.fatalf(t, "mkimage booted the guest; it should refuse the program first")
				}
				lines := nonEmptyLines(r.Stderr)
				if len(lines) != 1 {
					r.fatalf(t, "mkimage wrote %d lines; want one clear line", len(lines))
				}
				prefix := "mkimage: " + filepath.Base(path) + " "
				msg, ok := strings.CutPrefix(lines[0], prefix)
				if !ok || !containsAny(msg, c.want) {
					r.fatalf(t, "want one line %q followed by one of %q", prefix+"...", c.want)
				}
				fromMkimage = msg
			})
			t.Run("kernel", func(t *testing.T) {
				r := runPlainQEMU(t, kernelOnlyImage(t), path)
				t.Logf("QEMU start to exit: %v", r.Wall.Round(time.Millisecond))
				r.wantExit(t, exitBadProgram)
				prefix := "gobare: " + path + " "
				lines := nonEmptyLines(r.Console)
				var msgs []string
				for _, l := range lines {
					if strings.HasPrefix(l, prefix) {
						msgs = append(msgs, l)
					}
				}
				if len(msgs) != 1 {
					r.fatalf(t, "%d console lines begin with %q; want one", len(msgs), prefix)
				}
				if lines[len(lines)-1] != msgs[0] {
					r.fatalf(t, "the kernel printed more after its message %q", msgs[0])
				}
				if strings.Contains(r.Console, "gobare: running") {
					r.fatalf(t, "the kernel started the program")
				}
				msg := strings.TrimPrefix(msgs[0], prefix)
				if !containsAny(msg, c.want) {
					r.fatalf(t, "message %q has none of %q", msgs[0], c.want)
				}
				fromKernel = msg
			})
			if fromMkimage != "" && fromKernel != "" && fromMkimage != fromKernel {
				t.Errorf("mkimage and the kernel disagree:\nmkimage: NAME %s\n gobare: NAME %s", fromMkimage, fromKernel)
			}
		})
	}
}

func nonEmptyLines(s string) []string {
	var lines []string
	for line := range strings.Lines(s) {
		if line = strings.TrimSpace(line); line != "" {
			lines = append(lines, line)
		}
	}
	return lines
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// sysTrace matches the start of a trace line, "sys: ", and the CPU the
// kernel names after it on a machine with several CPUs ("sys: cpu1 ").
const sysTrace = `sys: (cpu\d+ )?`

// TestTraceHello runs hello (the stock entry, _rt0_amd64_linux) with
// -trace and looks for the system calls every Go program makes.
func TestTraceHello(t *testing.T) {
	hello := testProgram(t, "hello")
	r := runMkimage(t, nil, "run", "-accel", "tcg", "-m", strconv.Itoa(progMemMiB), "-timeout", bootTimeout.String(), "-trace", hello)
	t.Logf("mkimage run -trace: %v", r.Wall.Round(time.Millisecond))
	r.wantExit(t, 0)
	r.wantLines(t, "hello, world")
	// The argument formatting is the kernel's to choose (numbers in hex or
	// decimal, constants by name), so only the shape is checked, and the
	// results that must be success.
	zero := `(0|0x0)`
	for _, re := range []string{
		`^boot: process stack argc=1 auxv=\d+$`,
		`^` + sysTrace + `arch_prctl\((0x1002|4098|ARCH_SET_FS), 0x[0-9a-f]+\) = ` + zero + `$`,
		`^` + sysTrace + `mmap\(.*\) = 0x[0-9a-f]+$`,
		`^` + sysTrace + `clone\((0xd0f00|855808|[A-Z_|]+), .*\) = (0x)?[0-9a-f]+$`,
		`^` + sysTrace + `futex\(.*\) = .+$`,
		`^` + sysTrace + `exit_group\(` + zero + `\)`,
	} {
		if !regexp.MustCompile(`(?m)` + re).MatchString(r.Kernel) {
			r.fatalf(t, "no trace line matching %s", re)
		}
	}
}

// TestProgramToolchains builds hello with several Go releases (downloaded
// by the go command through GOTOOLCHAIN) and boots each. It runs only when
// GOBARE_TOOLCHAINS is set: "1" for toolchainVersions, or a list of
// versions separated by commas or spaces.
func TestProgramToolchains(t *testing.T) {
	versions := selectedToolchains(t, toolchainVersions,
		"set GOBARE_TOOLCHAINS=1 (or to a list of versions, e.g. go1.22.12,go1.27.4) to build hello with other Go releases; downloads toolchains")
	src := helloSource(t)
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			dir := helloModule(t, src)
			out := filepath.Join(dir, "hello")
			start := time.Now()
			env := append([]string{"GOTOOLCHAIN=" + v, "GOWORK=off"}, staticEnv...)
			if err := goBuild(dir, env, "-trimpath", "-o", out, "."); err != nil {
				t.Fatal(err)
			}
			t.Logf("built with %s in %v", v, time.Since(start).Round(time.Millisecond))
			bi, err := buildinfo.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if bi.GoVersion != v {
				t.Fatalf("GOTOOLCHAIN=%s built a %s binary", v, bi.GoVersion)
			}
			r := runMkimage(t, nil, "run", "-accel", "tcg", "-m", strconv.Itoa(progMemMiB), "-timeout", bootTimeout.String(), out)
			t.Logf("mkimage run: %v", r.Wall.Round(time.Millisecond))
			r.wantExit(t, 0)
			r.wantLines(t, "hello, world")
		})
	}
}

// selectedToolchains returns the Go releases GOBARE_TOOLCHAINS selects:
// defaults when it is "1", else the versions it lists, separated by commas
// or spaces. It skips t with skipMsg when GOBARE_TOOLCHAINS is unset or 0.
func selectedToolchains(t *testing.T, defaults []string, skipMsg string) []string {
	t.Helper()
	sel := os.Getenv("GOBARE_TOOLCHAINS")
	if sel == "" || sel == "0" {
		t.Skip(skipMsg)
	}
	if sel == "1" {
		return defaults
	}
	return strings.FieldsFunc(sel, func(r rune) bool { return r == ',' || r == ' ' })
}

// helloSource returns tests/programs/hello/main.go.
func helloSource(t *testing.T) []byte {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(repoRoot(t), "tests", "programs", "hello", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// helloModule writes hello's main.go (src) into a module of its own in a
// new temporary directory and returns the directory. The module asks for
// the oldest supported language version, so every toolchain accepts it
// (gobare's go.mod asks for a newer one).
func helloModule(t *testing.T, src []byte) string {
	t.Helper()
	dir := t.TempDir()
	if err := writeFiles(dir, map[string]string{"go.mod": "module hello\n\ngo 1.21\n", "main.go": string(src)}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// benchHello boots hello, embedded in an image made once, b.N times with
// accelerator accel, and reports QEMU's start-to-exit time per boot.
func benchHello(b *testing.B, accel string) {
	elf, err := os.ReadFile(testProgram(b, "hello"))
	if err != nil {
		b.Fatal(err)
	}
	img := writeImage(b, image.Program{ELF: elf, Argv: []string{"hello"}, KernelArgs: []string{"entry=stock"}})
	// A KVM guest takes about 3.5 s to start on the development hosts.
	timeout := bootTimeout
	if accel == "kvm" {
		timeout = 20 * time.Second
	}
	var inQEMU time.Duration
	n := 0
	for b.Loop() {
		r := boot(b, qemu.Config{Kernel: img, MemoryMiB: progMemMiB, Accel: accel, Timeout: timeout})
		if accel == "kvm" && errors.Is(r.Err, qemu.ErrTimeout) {
			r.fatalf(b, "the KVM guest did not exit within %v; QEMU's messages from a second run:\n%s", timeout, kvmDiagnosis(b, img))
		}
		r.wantExit(b, 0)
		r.wantContains(b, "hello, world\n")
		inQEMU += r.Elapsed
		n++
	}
	b.ReportMetric(float64(inQEMU.Microseconds())/1e3/float64(n), "qemu-ms/op")
}

// kvmDiagnosis boots img under KVM with QEMU started directly for at most
// 10 s and returns what QEMU wrote on stderr: qemu.Run drops it on a
// timeout, and a KVM internal error (QEMU prints the registers and pauses
// the VM) looks like a hang.
func kvmDiagnosis(tb testing.TB, img string) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ctl := filepath.Join(tb.TempDir(), "control")
	cmd := exec.CommandContext(ctx, "qemu-system-x86_64",
		"-M", "pc", "-nodefaults", "-no-reboot", "-display", "none",
		"-serial", "stdio", "-serial", "file:"+ctl,
		"-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
		"-accel", "kvm", "-m", strconv.Itoa(progMemMiB), "-kernel", img)
	killGroup(cmd)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return fmt.Sprintf("(%v)\n%s", err, out.String())
}

// BenchmarkHelloTCG boots hello under QEMU's emulator.
func BenchmarkHelloTCG(b *testing.B) { benchHello(b, "tcg") }

// BenchmarkHelloKVM boots hello under KVM (a VM costs seconds to start on
// some hosts).
func BenchmarkHelloKVM(b *testing.B) {
	needQEMU(b)
	if !qemu.KVMWorks() {
		b.Skip("KVM does not work here")
	}
	benchHello(b, "kvm")
}

// BenchmarkHelloNative runs the same hello binary on the host, for
// comparison with BenchmarkHelloTCG and BenchmarkHelloKVM.
func BenchmarkHelloNative(b *testing.B) {
	hello := testProgram(b, "hello")
	var total time.Duration
	n := 0
	for b.Loop() {
		start := time.Now()
		out, err := exec.Command(hello).Output()
		total += time.Since(start)
		n++
		if err != nil || string(out) != "hello, world\n" {
			b.Fatalf("native run: %v, output %q", err, out)
		}
	}
	b.ReportMetric(float64(total.Microseconds())/1e3/float64(n), "native-ms/op")
}
