package tests

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gobare/gobare/internal/image"
	"github.com/gobare/gobare/qemu"
)

// bootTimeout bounds every QEMU run in this package, so that a kernel that
// hangs fails its test instead of hanging `go test`.
const bootTimeout = 60 * time.Second

// shared is built once per `go test` run and removed by TestMain.
var shared struct {
	dir string // temporary directory for everything built once

	rootOnce sync.Once
	root     string
	rootErr  error

	kernelOnce sync.Once
	kernelPath string // the kernel ELF
	kernelELF  []byte
	kernelErr  error

	helloOnce sync.Once
	helloPath string // a static hello-world Go program
	helloErr  error
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gobare-tests-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	shared.dir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// repoRoot returns the gobare source tree.
func repoRoot(tb testing.TB) string {
	tb.Helper()
	shared.rootOnce.Do(func() {
		wd, err := os.Getwd()
		if err != nil {
			shared.rootErr = err
			return
		}
		shared.root, shared.rootErr = image.FindRoot(wd)
	})
	if shared.rootErr != nil {
		tb.Fatalf("finding the source tree: %v", shared.rootErr)
	}
	return shared.root
}

// kernel builds the kernel ELF (once per test run) and returns its path and
// contents.
func kernel(tb testing.TB) (path string, elf []byte) {
	tb.Helper()
	root := repoRoot(tb)
	shared.kernelOnce.Do(func() {
		p := filepath.Join(shared.dir, "kernel.elf")
		if err := image.BuildKernel(root, p); err != nil {
			shared.kernelErr = err
			return
		}
		shared.kernelPath = p
		shared.kernelELF, shared.kernelErr = os.ReadFile(p)
	})
	if shared.kernelErr != nil {
		tb.Fatalf("%v", shared.kernelErr)
	}
	return shared.kernelPath, shared.kernelELF
}

// helloProgram builds (once per test run) a static hello-world Go program
// for linux/amd64 and returns its path.
func helloProgram(tb testing.TB) string {
	tb.Helper()
	shared.helloOnce.Do(func() {
		src := filepath.Join(shared.dir, "hello")
		if err := os.MkdirAll(src, 0o755); err != nil {
			shared.helloErr = err
			return
		}
		if err := writeFiles(src, map[string]string{
			"go.mod":  "module hello\n\ngo 1.21\n",
			"main.go": "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hello from gobare\") }\n",
		}); err != nil {
			shared.helloErr = err
			return
		}
		out := filepath.Join(shared.dir, "hello.elf")
		cmd := exec.Command("go", "build", "-trimpath", "-o", out, ".")
		cmd.Dir = src
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64", "GOFLAGS=", "GOWORK=off")
		if b, err := cmd.CombinedOutput(); err != nil {
			shared.helloErr = fmt.Errorf("building the hello program: %v\n%s", err, b)
			return
		}
		shared.helloPath = out
	})
	if shared.helloErr != nil {
		tb.Fatalf("%v", shared.helloErr)
	}
	return shared.helloPath
}

// writeFiles writes files (name → contents) into dir.
func writeFiles(dir string, files map[string]string) error {
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// makeImage makes an image of the kernel with p embedded and returns its
// bytes.
func makeImage(tb testing.TB, p image.Program) []byte {
	tb.Helper()
	_, k := kernel(tb)
	img, err := image.Make(k, p)
	if err != nil {
		tb.Fatalf("image.Make: %v", err)
	}
	return img
}

// writeImage makes an image (see makeImage) and writes it to a file in the
// test's temporary directory.
func writeImage(tb testing.TB, p image.Program) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "gobare.img")
	if err := os.WriteFile(path, makeImage(tb, p), 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}

// needQEMU skips tb when QEMU is not installed.
func needQEMU(tb testing.TB) {
	tb.Helper()
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		tb.Skip("qemu-system-x86_64 is not installed (make deps installs it)")
	}
}

// killGroup makes cmd a process-group leader and makes cancelling its
// context kill the whole group, so that a QEMU started by mkimage does not
// outlive a timed-out test.
func killGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
}

// cmdSpec is a command for runCmd.
type cmdSpec struct {
	Label   string // what a timeout message calls the command: "mkimage", "QEMU"
	Name    string
	Args    []string
	Dir     string    // working directory; "" is the test's
	Env     []string  // added to the test's environment
	Stdin   io.Reader // nil is no input
	Timeout time.Duration
}

// cmdRun is one finished runCmd.
type cmdRun struct {
	Code     int    // exit status; -1 if the command did not exit by itself
	Stdout   string // exactly as written (serialText undoes a serial console's "\r\n")
	Stderr   string
	Err      error // a failure to start or wait for the command, or the timeout
	Wall     time.Duration
	TimedOut bool
}

// runCmd runs c with its timeout, killing its whole process group (see
// killGroup) when the timeout runs out, and collects its output.
func runCmd(c cmdSpec) cmdRun {
	ctx, cancel := context.WithTimeout(context.Background(), c.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.Name, c.Args...)
	cmd.Dir = c.Dir
	cmd.Env = append(os.Environ(), c.Env...)
	cmd.Stdin = c.Stdin
	killGroup(cmd)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	r := cmdRun{Code: -1, Wall: time.Since(start)}
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		r.TimedOut = true
		r.Err = fmt.Errorf("%s killed after %v: %w", c.Label, r.Wall.Round(time.Millisecond), ctx.Err())
	case err == nil:
		r.Code = 0
	case errors.As(err, &ee) && ee.Exited():
		r.Code = ee.ExitCode()
	default:
		r.Err = err
	}
	r.Stdout = stdout.String()
	r.Stderr = stderr.String()
	return r
}

// serialText undoes the one translation the serial console makes: the
// kernel writes each "\n" as "\r\n" for terminals (kernel/console's
// PutByte). Only a "\r" right before a "\n" goes: any other carriage
// return, and so a program's own "\r\n" (sent as "\r\r\n"), stays. It
// is for QEMU runs whose COM1 is the console (qemu.Run without Streams,
// QEMU started by hand); mkimage run and exec pass the program's bytes
// exactly (tests/streams_test.go). TestConsoleBytes checks the raw bytes.
func serialText(s string) string {
	return strings.ReplaceAll(s, "\r\n", "\n")
}

// bootRun is one finished QEMU run.
type bootRun struct {
	qemu.Result
	Err     error  // from qemu.Run
	Console string // everything the guest wrote on COM1, through serialText
	Wall    time.Duration
}

// boot runs cfg under QEMU: TCG unless cfg.Accel says otherwise, with
// bootTimeout unless cfg.Timeout is set, the console captured.
func boot(tb testing.TB, cfg qemu.Config) bootRun {
	tb.Helper()
	needQEMU(tb)
	if cfg.Accel == "" {
		cfg.Accel = "tcg"
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = bootTimeout
	}
	if cfg.SMP == 0 {
		cfg.SMP = testSMP(tb)
	}
	var out, stderr bytes.Buffer
	cfg.Stdout = &out
	cfg.Stderr = &stderr
	start := time.Now()
	res, err := qemu.Run(context.Background(), cfg)
	r := bootRun{Result: res, Err: err, Wall: time.Since(start)}
	r.Console = serialText(out.String())
	if stderr.Len() > 0 {
		tb.Logf("launcher messages:\n%s", stderr.String())
	}
	return r
}

// testSMP is the CPUs of the machines the tests boot through the qemu
// package: the same default as mkimage run and exec (qemu.DefaultSMP:
// $GOBARE_SMP, else the host's cores, at most 8), so the tests see the
// machines users get. A test whose assertion depends on the count names
// it (TestSMPBringUp, TestSMPGOMAXPROCS).
func testSMP(tb testing.TB) int {
	n, err := qemu.DefaultSMP()
	if err != nil {
		tb.Fatalf("%v", err)
	}
	return n
}

// bootImage boots the image at path with QEMU command-line words appendArgs
// (the Multiboot command line after the image path).
func bootImage(tb testing.TB, path, appendArgs string) bootRun {
	tb.Helper()
	return boot(tb, qemu.Config{Kernel: path, Append: appendArgs})
}

// fatalf fails tb, printing the whole console output after the message.
func (r bootRun) fatalf(tb testing.TB, format string, args ...any) {
	tb.Helper()
	tb.Fatalf("%s\n%s", fmt.Sprintf(format, args...), r.describe())
}

// errorf is fatalf that lets the test go on.
func (r bootRun) errorf(tb testing.TB, format string, args ...any) {
	tb.Helper()
	tb.Errorf("%s\n%s", fmt.Sprintf(format, args...), r.describe())
}

func (r bootRun) describe() string {
	return fmt.Sprintf("(exit code %d, error %v, %s in QEMU/%s)\n--- console ---\n%s--- end of console ---",
		r.ExitCode, r.Err, r.Elapsed.Round(time.Millisecond), r.Accel, r.Console)
}

// wantExit fails tb unless the guest exited with code.
func (r bootRun) wantExit(tb testing.TB, code int) {
	tb.Helper()
	if r.Err != nil {
		r.fatalf(tb, "QEMU run failed: %v", r.Err)
	}
	if r.ExitCode != code {
		r.fatalf(tb, "exit code %d, want %d", r.ExitCode, code)
	}
}

// wantContains fails tb unless the console has every one of subs.
func (r bootRun) wantContains(tb testing.TB, subs ...string) {
	tb.Helper()
	var missing []string
	for _, s := range subs {
		if !strings.Contains(r.Console, s) {
			missing = append(missing, strconv.Quote(s))
		}
	}
	if len(missing) > 0 {
		r.fatalf(tb, "console lacks %s", strings.Join(missing, ", "))
	}
}

// banner is the kernel's first report: "gobare: 127 MiB RAM, 31620 free
// frames, TSC 2598 MHz".
var bannerRE = regexp.MustCompile(`(?m)^gobare: (\d+) MiB RAM, (\d+) free frames, TSC (\d+) MHz$`)

type banner struct {
	RAMMiB, FreeFrames, TSCMHz uint64
}

// parseBanner finds the banner in console output.
func parseBanner(console string) (banner, bool) {
	m := bannerRE.FindStringSubmatch(console)
	if m == nil {
		return banner{}, false
	}
	var b banner
	for i, p := range []*uint64{&b.RAMMiB, &b.FreeFrames, &b.TSCMHz} {
		v, err := strconv.ParseUint(m[i+1], 10, 64)
		if err != nil {
			return banner{}, false
		}
		*p = v
	}
	return b, true
}

// checkSelfChecks checks the kernel-only boot report: a sane banner and
// every "selfcheck: NAME: ok" line. It returns the names checked.
func checkSelfChecks(tb testing.TB, r bootRun) []string {
	tb.Helper()
	b, ok := parseBanner(r.Console)
	if !ok {
		r.fatalf(tb, "no banner line matching %s", bannerRE)
	}
	// QEMU's default machine has 128 MiB; the kernel reports usable RAM
	// below its top, a little less.
	if b.RAMMiB < 100 || b.RAMMiB > 128 {
		r.errorf(tb, "banner: %d MiB RAM, want about 128", b.RAMMiB)
	}
	if b.FreeFrames < 1000 || b.FreeFrames > 128<<20/4096 {
		r.errorf(tb, "banner: %d free frames, implausible for 128 MiB", b.FreeFrames)
	}
	if b.TSCMHz == 0 {
		r.errorf(tb, "banner: TSC 0 MHz")
	}
	var names, bad []string
	for line := range strings.Lines(r.Console) {
		line = strings.TrimSuffix(line, "\n")
		rest, ok := strings.CutPrefix(line, "selfcheck: ")
		if !ok {
			continue
		}
		if name, ok := strings.CutSuffix(rest, ": ok"); ok {
			names = append(names, name)
		} else if !strings.HasPrefix(rest, "taking a deliberate") {
			bad = append(bad, line)
		}
	}
	if strings.Contains(r.Console, "self-check failed") {
		bad = append(bad, "a \"self-check failed\" report")
	}
	if len(bad) > 0 {
		r.fatalf(tb, "self-checks not ok: %q", bad)
	}
	if len(names) < 4 {
		r.fatalf(tb, "only %d self-check lines (%q), want at least 4", len(names), names)
	}
	return names
}
