package tests

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// These tests check mkimage's file system and go test support: `mkimage
// exec` as a `go test -exec` wrapper (standard-library packages, a package
// that reads its testdata/, a failing test, a refused binary) and
// `mkimage run -files`. They run the mkimage command itself, built once.
//
// Accelerator: TCG. A test binary boots and runs sort's short tests in
// about a second under TCG; KVM costs ~3.5 s to start a VM on the hosts
// this was measured on (and is unavailable where /dev/kvm is PVM), and
// these tests compute little.
const execAccel = "tcg"

// mkimage builds the mkimage command (once per test run, shared with the
// other tests) and returns its path.
func mkimage(tb testing.TB) string {
	tb.Helper()
	return mkimageTool(tb)
}

// runTool runs a command in dir with extra environment variables and
// returns its combined output and exit status (-1 if it did not start or
// ran past timeout).
func runTool(tb testing.TB, dir string, env []string, timeout time.Duration, name string, args ...string) (string, int) {
	tb.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=", "GOBARE_ACCEL="+execAccel, "GOBARE_ROOT="+repoRoot(tb))
	cmd.Env = append(cmd.Env, env...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Start(); err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(timeout):
		cmd.Process.Kill()
		<-done
		tb.Errorf("%s %s: still running after %v; output:\n%s", name, strings.Join(args, " "), timeout, out.String())
		return out.String(), -1
	}
	return out.String(), cmd.ProcessState.ExitCode()
}

// goTestExec runs `go test -count=1 -exec "mkimage exec" ARGS...` from the
// source tree's root with CGO_ENABLED=0 and the extra environment.
func goTestExec(t *testing.T, env []string, args ...string) (string, int) {
	t.Helper()
	mk := mkimage(t)
	full := append([]string{"test", "-count=1", "-exec", mk + " exec"}, args...)
	env = append([]string{"CGO_ENABLED=0"}, env...)
	return runTool(t, repoRoot(t), env, 3*time.Minute, "go", full...)
}

// TestExecStdlib is the acceptance check: three standard-library
// packages' short tests pass inside gobare.
func TestExecStdlib(t *testing.T) {
	out, code := goTestExec(t, nil, "-short", "sort", "strings", "bufio")
	if code != 0 {
		t.Fatalf("go test -exec: exit status %d, want 0; output:\n%s", code, out)
	}
	for _, pkg := range []string{"sort", "strings", "bufio"} {
		if !strings.Contains(out, "ok  \t"+pkg+"\t") {
			t.Errorf("no ok line for %s in:\n%s", pkg, out)
		}
	}
}

// TestExecTestdata runs tests/programs/readfiles, whose tests read their
// testdata/ through the read-only file system (GOBARE_FILES_RO=1), check
// the working directory and that writes fail with EROFS.
func TestExecTestdata(t *testing.T) {
	out, code := goTestExec(t, []string{"GOBARE_FILES_RO=1", "GOBARE_READFILES_GUEST=1", "GOBARE_PASSENV=GOBARE_READFILES_GUEST"},
		"-v", "./tests/programs/readfiles")
	if code != 0 {
		t.Fatalf("exit status %d, want 0; output:\n%s", code, out)
	}
	if strings.Contains(out, "--- SKIP: TestReadOnly") {
		t.Errorf("TestReadOnly was skipped: GOBARE_PASSENV did not pass GOBARE_READFILES_GUEST:\n%s", out)
	}
	if strings.Contains(out, "\r") {
		t.Errorf("the output has carriage returns (the console's CRLF must become LF)")
	}
}

// TestExecFailure checks that a failing test makes go test fail. It
// builds with CGO_ENABLED=1 (go test's default with a C compiler), which
// gobare runs when the program uses no cgo.
func TestExecFailure(t *testing.T) {
	out, code := goTestExec(t, []string{"CGO_ENABLED=1", "GOBARE_READFILES_FAIL=1", "GOBARE_PASSENV=GOBARE_READFILES_FAIL"},
		"-run", "TestMustFail", "./tests/programs/readfiles")
	if code == 0 {
		t.Fatalf("a failing test: go test exited 0; output:\n%s", out)
	}
	if !strings.Contains(out, "--- FAIL: TestMustFail") || !strings.Contains(out, "failing on purpose") {
		t.Errorf("the failure is not reported:\n%s", out)
	}
}

// TestExecRefused checks that a binary gobare cannot run (a dynamically
// linked one) is refused with one clear line and a non-zero status, and
// exec without a binary with its usage.
func TestExecRefused(t *testing.T) {
	mk := mkimage(t)
	if _, err := os.Stat("/bin/true"); err == nil {
		out, code := runTool(t, t.TempDir(), nil, time.Minute, mk, "exec", "/bin/true")
		if code == 0 || !strings.Contains(out, "dynamically linked") || strings.Count(strings.TrimSpace(out), "\n") != 0 {
			t.Errorf("mkimage exec /bin/true: status %d, output %q; want one line about dynamic linking", code, out)
		}
	}
	out, code := runTool(t, t.TempDir(), nil, time.Minute, mk, "exec")
	if code != 2 || !strings.Contains(out, "usage") {
		t.Errorf("mkimage exec without a binary: status %d, output %q", code, out)
	}
}

// TestRunFiles boots a program with `mkimage run -files DIR:/data`: it
// starts in /data, lists and reads files there, and cannot write.
func TestRunFiles(t *testing.T) {
	mk := mkimage(t)
	root := repoRoot(t)
	prog := filepath.Join(root, "tests", "programs", "readfiles")
	out, code := runTool(t, root, nil, 2*time.Minute, mk, "run", "-accel", execAccel, "-timeout", "60s", "-rt=off",
		"-files", filepath.Join(prog, "testdata")+":/data", prog, ".", "sub", "hello.txt", "/data/sub/lines.txt")
	if code != 0 {
		t.Fatalf("exit status %d, want 0; output:\n%s", code, out)
	}
	for _, want := range []string{
		"cwd /data\n",
		"dir .: hello.txt link.txt sub/\n",
		"dir sub: lines.txt\n",
		"file hello.txt 20 bytes: hello from testdata\n",
		"file /data/sub/lines.txt 23 bytes: second line\nthird line\n",
		"write: open new.txt: read-only file system\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestRunFilesErrors checks that bad -files values are refused before
// anything boots, with status 126 and one clear line.
func TestRunFilesErrors(t *testing.T) {
	mk := mkimage(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big")
	if err := os.Mkdir(big, 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(big, "sparse"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(300 << 20); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	f.Close()
	for _, c := range []struct{ spec, want string }{
		{filepath.Join(dir, "missing") + ":/data", "does not exist"},
		{dir + ":data", "not an absolute path"},
		{dir + ":/a/../b", "not a clean path"},
		{file, "not a directory"},
		{big, "limited to 256 MiB"},
	} {
		out, code := runTool(t, dir, nil, time.Minute, mk, "build", "-o", filepath.Join(dir, "x.img"), "-files", c.spec)
		if code != 126 || !strings.Contains(out, c.want) {
			t.Errorf("-files %s: status %d, output %q; want 126 and %q", c.spec, code, out, c.want)
		}
	}
}
