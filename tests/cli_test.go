package tests

// mkimage as a command-line tool (issue 12, item 8):
//
//   - TestMkimageBadFlags: a bad flag value is one line and status 2,
//     before anything is built or booted;
//   - TestMkimageSignals: SIGINT, SIGTERM, SIGHUP or SIGQUIT (go test's
//     timeout) to a running mkimage run stops QEMU and removes the
//     temporary files; status 128+N;
//   - TestMkimageKilled: QEMU dies with an mkimage killed by SIGKILL
//     (Linux hosts);
//   - TestMkimageClosedStdout: a reader that goes away (| head) ends the
//     program (EPIPE, SIGPIPE) and mkimage, leaving nothing behind;
//   - TestMkimageFaultWithProgram: fault=pf is honoured with a program,
//     and its report shown under quiet;
//   - TestMkimageFilesCwd: -files honours a cwd= word of -append;
//   - TestMkimageBuildError: a program that does not compile gets go
//     build's error, without a note about rt/ first.
//
// TestStreamsStdin (streams_test.go) checks that piped input is
// binary-exact (0x04 and CR LF are data).

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestMkimageBadFlags(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	hello := helloProgram(t)
	for _, c := range []struct {
		args []string
		want string // in the one line
	}{
		{[]string{"run", "-rt", "maybe", hello}, "-rt maybe: want auto, on or off"},
		{[]string{"build", "-rt", "maybe"}, "-rt maybe: want auto, on or off"},
		{[]string{"run", "-accel", "xen"}, "-accel xen: want auto, kvm or tcg"},
		{[]string{"run", "-m", "-5"}, "-m -5: want the guest's RAM in MiB"},
		{[]string{"run", "-m", "0"}, "-m 0: want the guest's RAM in MiB"},
		{[]string{"run", "-m", "1"}, "-m 1: want the guest's RAM in MiB"},
		// Enough for the kernel alone, not for hello world (11 MiB).
		{[]string{"run", "-m", "9", hello}, "-m 9: the image needs at least"},
		{[]string{"run", "-env", "FOO", hello}, "-env FOO: want KEY=VALUE"},
		{[]string{"build", "-env", "=x"}, "-env =x: want KEY=VALUE"},
		{[]string{"run", "-timeout", "-1s"}, "-timeout -1s: want a duration"},
		{[]string{"run", "-gdb", "-gdb-port", "70000"}, "-gdb-port 70000: want a TCP port"},
		{[]string{"run", "-files", dir, "-append", "mount=/x", hello}, "-append mount=/x: -files " + dir + " says where the files go"},
		{[]string{"iso", "-o", filepath.Join(dir, "x.iso"), "-rt", "maybe"}, "-rt maybe: want auto, on or off"},
	} {
		t.Run(strings.Join(c.args, "_"), func(t *testing.T) {
			r := runCmd(cmdSpec{Label: "mkimage", Name: mkimageTool(t), Args: c.args, Dir: repoRoot(t),
				Env: []string{"TMPDIR=" + t.TempDir()}, Timeout: time.Minute})
			mr := mkimageRun{Args: c.args, cmdRun: r}
			mr.wantExit(t, 2)
			lines := nonEmptyLines(r.Stderr)
			if len(lines) != 1 || !strings.HasPrefix(lines[0], "mkimage: ") || !strings.Contains(lines[0], c.want) {
				mr.fatalf(t, "want one line on stderr, \"mkimage: ...%s...\"", c.want)
			}
			if r.Stdout != "" {
				mr.fatalf(t, "standard output is not empty")
			}
			// Refused before QEMU: a boot takes seconds, a refusal no
			// more than a build.
			if strings.Contains(r.Stderr, "gobare:") {
				mr.fatalf(t, "the guest booted")
			}
		})
	}
}

// startedMkimage is a `mkimage run` left running by startMkimage.
type startedMkimage struct {
	cmd    *exec.Cmd
	tmp    string // its $TMPDIR
	stdin  io.WriteCloser
	stderr bytes.Buffer // everything it wrote on stderr
	done   chan error
}

// startMkimage starts `mkimage run -accel tcg ARGS...` with a fresh
// $TMPDIR and its standard input a pipe kept open, and returns once the
// kernel has said it runs the program ("gobare: running NAME").
func startMkimage(t *testing.T, stdout io.Writer, name string, args ...string) *startedMkimage {
	t.Helper()
	return startMkimageCmd(t, stdout, name, nil, append([]string{"run", "-accel", "tcg", "-timeout", "5m"}, args...)...)
}

// startMkimageCmd is startMkimage for any mkimage command line, with env
// added to the environment.
func startMkimageCmd(t *testing.T, stdout io.Writer, name string, env []string, args ...string) *startedMkimage {
	t.Helper()
	needQEMU(t)
	m := &startedMkimage{tmp: t.TempDir(), done: make(chan error, 1)}
	m.cmd = exec.Command(mkimageTool(t), args...)
	m.cmd.Dir = repoRoot(t)
	m.cmd.Env = append(append(os.Environ(), env...), "TMPDIR="+m.tmp)
	m.cmd.Stdout = stdout
	// Its own process group, so the test's signals reach mkimage alone
	// (a terminal's Ctrl-C would reach QEMU too) and a failed test can
	// still kill what is left.
	m.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var err error
	if m.stdin, err = m.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	errPipe, err := m.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := m.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Kill(-m.cmd.Process.Pid, syscall.SIGKILL) })
	running := make(chan struct{})
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		sc := bufio.NewScanner(errPipe)
		seen := false
		for sc.Scan() {
			m.stderr.WriteString(sc.Text() + "\n")
			if !seen && strings.HasPrefix(sc.Text(), "gobare: running "+name+" ") {
				seen = true
				close(running)
			}
		}
	}()
	go func() {
		<-copied
		m.done <- m.cmd.Wait()
	}()
	select {
	case <-running:
	case <-copied:
		t.Fatalf("mkimage ended before the program ran:\n%s", m.stderr.String())
	case <-time.After(bootTimeout + 2*time.Minute):
		t.Fatalf("the program did not start in time:\n%s", m.stderr.String())
	}
	return m
}

// qemuChildren returns the process IDs of the QEMUs whose parent is pid.
func qemuChildren(t *testing.T, pid int) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var found []int
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so read
		// after its closing parenthesis.
		s := string(stat)
		i := strings.LastIndexByte(s, ')')
		if i < 0 || !strings.Contains(s[:i], "qemu-system") {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) > 1 && f[1] == strconv.Itoa(pid) {
			found = append(found, child)
		}
	}
	return found
}

// wait waits for mkimage to exit and returns its status.
func (m *startedMkimage) wait(t *testing.T) int {
	t.Helper()
	select {
	case err := <-m.done:
		if ee, ok := err.(*exec.ExitError); ok && ee.Exited() {
			return ee.ExitCode()
		} else if err != nil {
			t.Fatalf("mkimage: %v\n%s", err, m.stderr.String())
		}
		return 0
	case <-time.After(30 * time.Second):
		t.Fatalf("mkimage still runs 30 s later:\n%s", m.stderr.String())
	}
	return -1
}

// wantGone fails t if a QEMU of qemus still runs or $TMPDIR is not empty.
func (m *startedMkimage) wantGone(t *testing.T, qemus []int) {
	t.Helper()
	for _, pid := range qemus {
		// Reaped by mkimage, so no zombie either: the ID is gone.
		if _, err := os.Stat(filepath.Join("/proc", strconv.Itoa(pid))); err == nil {
			t.Errorf("QEMU (pid %d) still runs after mkimage ended", pid)
		}
	}
	left, err := os.ReadDir(m.tmp)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range left {
		names = append(names, e.Name())
	}
	if len(names) > 0 {
		t.Errorf("mkimage left %v in its TMPDIR", names)
	}
}

func TestMkimageSignals(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP, syscall.SIGQUIT} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			// cat waits for input that never comes.
			m := startMkimage(t, io.Discard, "streams", testProgram(t, "streams"), "cat")
			qemus := qemuChildren(t, m.cmd.Process.Pid)
			if len(qemus) != 1 {
				t.Fatalf("mkimage has %d QEMU children, want 1", len(qemus))
			}
			if err := m.cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			code := m.wait(t)
			if code != 128+int(sig) {
				t.Errorf("exit status %d, want %d (128+%d)", code, 128+int(sig), int(sig))
			}
			want := fmt.Sprintf("mkimage: stopped by %s;", unix.SignalName(sig))
			if !strings.Contains(m.stderr.String(), want) {
				t.Errorf("stderr lacks %q:\n%s", want, m.stderr.String())
			}
			m.wantGone(t, qemus)
		})
	}
}

// TestMkimageKilled: a SIGKILL cannot be caught, so mkimage cannot stop
// QEMU itself; the host kernel does (PR_SET_PDEATHSIG): QEMU must not live
// on, reparented, running the guest at full speed. Both ways of running a
// program: run (COM1 on QEMU's standard streams) and exec (go test's
// wrapper, the streams on sockets). The program, busy, runs on whatever
// happens to its standard streams.
func TestMkimageKilled(t *testing.T) {
	t.Parallel()
	t.Run("run", func(t *testing.T) {
		t.Parallel()
		m := startMkimage(t, io.Discard, "busy", testProgram(t, "busy"), "10m")
		wantQEMUDiesWith(t, m.cmd, m.done)
	})
	t.Run("exec", func(t *testing.T) {
		t.Parallel()
		busy := testProgram(t, "busy") // exec names it by its path
		m := startMkimageCmd(t, io.Discard, busy,
			[]string{"GOBARE_ROOT=" + repoRoot(t), "GOBARE_ACCEL=tcg", "GOBARE_QUIET=0"},
			"exec", busy, "10m")
		wantQEMUDiesWith(t, m.cmd, m.done)
	})
}

// wantQEMUDiesWith kills mkimage (cmd, whose Wait reports on done) with
// SIGKILL and fails t unless its QEMU is gone, or dead and waiting for its
// new parent to reap it, within 30 s.
func wantQEMUDiesWith(t *testing.T, cmd *exec.Cmd, done <-chan error) {
	t.Helper()
	qemus := qemuChildren(t, cmd.Process.Pid)
	if len(qemus) != 1 {
		t.Fatalf("mkimage has %d QEMU children, want 1", len(qemus))
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-done
	stat := filepath.Join("/proc", strconv.Itoa(qemus[0]), "stat")
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		b, err := os.ReadFile(stat)
		s := string(b)
		if err != nil || strings.HasPrefix(s[strings.LastIndexByte(s, ')')+1:], " Z") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("QEMU (pid %d) still runs 30 s after mkimage was killed: %s", qemus[0], s)
		}
	}
}

func TestMkimageClosedStdout(t *testing.T) {
	t.Parallel()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	// emit writes 1 GB: far more than the pipe holds, so it is still
	// writing when the reader goes.
	m := startMkimage(t, w, "streams", testProgram(t, "streams"), "emit", "1000000000")
	w.Close()
	qemus := qemuChildren(t, m.cmd.Process.Pid)
	if _, err := io.ReadFull(r, make([]byte, 1<<20)); err != nil {
		t.Fatalf("reading the program's output: %v", err)
	}
	r.Close() // | head: the reader is gone
	code := m.wait(t)
	// The program's next write failed with EPIPE and its SIGPIPE ended
	// it, as under Linux: 128+13.
	if code != 128+int(syscall.SIGPIPE) {
		t.Errorf("exit status %d, want %d (the program's SIGPIPE)\n%s", code, 128+int(syscall.SIGPIPE), m.stderr.String())
	}
	m.wantGone(t, qemus)
}

func TestMkimageFaultWithProgram(t *testing.T) {
	t.Parallel()
	// With quiet too: the kernel's lines are hidden, but when the kernel
	// ends the program itself mkimage shows them after all.
	for _, words := range []string{"fault=pf", "quiet fault=pf"} {
		t.Run(words, func(t *testing.T) {
			t.Parallel()
			r := runMkimage(t, nil, "run", "-accel", "tcg", "-timeout", bootTimeout.String(), "-append", words, helloProgram(t))
			r.wantExit(t, 125)
			for _, want := range []string{"selfcheck: taking a deliberate page fault", "kernel fault: page fault (#PF)", "kernel.deliberatePageFault+0x"} {
				if !strings.Contains(r.Kernel, want) {
					r.fatalf(t, "the kernel's lines lack %q", want)
				}
			}
			if r.Stdout != "" {
				r.fatalf(t, "the program ran; the fault comes before it")
			}
		})
	}
}

func TestMkimageFilesCwd(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := writeFiles(dir, map[string]string{"sub/x": "x\n"}); err != nil {
		t.Fatal(err)
	}
	r := runMkimage(t, nil, "run", "-accel", "tcg", "-timeout", bootTimeout.String(),
		"-files", dir+":/data", "-append", "cwd=/data/sub", testProgram(t, "readfiles"))
	r.wantExit(t, 0)
	r.wantLines(t, "cwd /data/sub", "dir .: x")
}

func TestMkimageBuildError(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := writeFiles(dir, map[string]string{
		"go.mod":  "module broken\n\ngo 1.21\n",
		"main.go": "package main\n\nfunc main() { undefinedFunction() }\n",
	}); err != nil {
		t.Fatal(err)
	}
	r := runMkimageOpts(t, mkimageOpts{Env: []string{"TMPDIR=" + t.TempDir()}}, "run", "-accel", "tcg", dir)
	r.wantExit(t, mkimageExitFailed)
	if !strings.Contains(r.Stderr, "undefined: undefinedFunction") {
		r.fatalf(t, "stderr lacks the compiler's error")
	}
	if strings.Contains(r.Stderr, "rt:") || strings.Contains(r.Stderr, "stock entry") {
		r.fatalf(t, "stderr has a note about rt/ before the build error")
	}
	if n := strings.Count(r.Stderr, "undefined: undefinedFunction"); n != 1 {
		r.fatalf(t, "the compiler's error appears %d times, want once", n)
	}
}
