package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"time"
)

// runItem runs one item and returns its result (Status, Seconds, Note,
// Causes, Tests, Log).
func runItem(ctx context.Context, cfg *config, it item) result {
	if it.skip != "" {
		return result{Status: statusSkip, Note: it.skip}
	}
	start := time.Now()
	var r result
	var log string
	switch it.suite {
	case suiteStd:
		r, log = runStd(ctx, cfg, it)
	default:
		r, log = runProgram(ctx, cfg, it)
	}
	r.Seconds = time.Since(start).Seconds()
	if harnessFailed(log) {
		r.Status = statusError
		r.Note = firstLine(log, harnessRE, "harness failure")
		r.Causes = nil
	}
	r.Log = logName(it)
	if err := os.WriteFile(filepath.Join(cfg.logDir, r.Log), []byte(log), 0o644); err != nil {
		fmt.Fprintf(os.Stderr, "conformance: %v\n", err)
	}
	return r
}

// harnessRE matches mkimage's own failures to make an image: the kernel
// did not build (the source tree is being edited), the tree is missing.
var harnessRE = regexp.MustCompile(`(?m)^mkimage: (exec: )?(building the kernel|cannot find the gobare source tree)[^\n]*`)

// harnessFailed reports whether a log shows the harness, not the item,
// failing.
func harnessFailed(log string) bool { return harnessRE.MatchString(log) }

// logName is an item's log file name.
func logName(it item) string {
	return it.suite + "_" + strings.NewReplacer("/", "_", " ", "_").Replace(strings.TrimPrefix(it.name, "test/")) + ".log"
}

// command makes a command in its own process group, killed as a group
// when ctx ends or after limit, so QEMU never outlives an interrupted run.
func command(ctx context.Context, limit time.Duration, dir string, env []string, name string, args ...string) (*exec.Cmd, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(ctx, limit)
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	return cmd, cancel
}

// exitCode is a finished command's status, or -1.
func exitCode(cmd *exec.Cmd, err error) int {
	var ee *exec.ExitError
	if err == nil {
		return 0
	}
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	return -1
}

// testEvent is one line of `go test -json`.
type testEvent struct {
	Action      string
	Package     string
	Test        string
	Output      string
	FailedBuild string
}

// runStd runs one package's short tests with go test -exec "mkimage exec".
// GOBARE_QUIET=0 keeps the kernel's boot lines on the console, and so in
// the test output: they prove the test binary ran inside gobare (see
// guestMarker).
func runStd(ctx context.Context, cfg *config, it item) (result, string) {
	env := []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64", "GOFLAGS=", "GOTOOLCHAIN=local",
		"GOBARE_ROOT=" + cfg.root, "GOBARE_ACCEL=" + cfg.accel, fmt.Sprintf("GOBARE_MEM=%d", cfg.pkgMemMiB),
		"GOBARE_QUIET=0"}
	args := append([]string{"test", "-json", "-count=1", "-short", "-timeout", cfg.pkgTimeout.String(),
		"-exec", cfg.mkimage + " exec"}, it.flags...)
	args = append(args, it.name)
	cmd, cancel := command(ctx, cfg.pkgTimeout+3*time.Minute, cfg.root, env, "go", args...)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := exitCode(cmd, err)

	var log strings.Builder
	fmt.Fprintf(&log, "$ go %s\n", strings.Join(args, " "))
	run := parseTestJSON(&stdout, it.name, &log)
	if stderr.Len() > 0 {
		log.WriteString("--- stderr\n")
		log.Write(stderr.Bytes())
	}
	fmt.Fprintf(&log, "--- exit status %d\n", code)
	text := log.String()
	if ctx.Err() != nil {
		return result{Tests: run.tests, Status: statusFail, Note: "interrupted"}, text
	}
	return judgeStd(run, code, it.flags, text), text
}

// stdRun is what parseTestJSON found in go test -json's output.
type stdRun struct {
	tests       *counts  // top-level tests (and examples) that passed, failed, skipped
	failed      []string // the failed tests' names
	pkgAction   string   // the package's own final action: pass, fail or skip
	buildFailed bool
	inGuest     bool // the package's output has the gobare kernel's banner (guestMarker)
}

// guestMarker matches the lines the gobare kernel prints (without quiet)
// before it starts a program: its banner with the machine's RAM, free
// frames and TSC, and the line naming the program it runs. A test binary
// run natively (go test with no -exec, or an -exec wrapper that did not
// boot it) prints neither, so a PASS needs both.
var guestMarker = [2]*regexp.Regexp{
	regexp.MustCompile(`^gobare: \d+ MiB RAM, \d+ free frames, TSC \d+ MHz$`),
	regexp.MustCompile(`^gobare: running \S+\.test via (its own entry _rt0_amd64_linux|rt/'s rt0)`),
}

// parseTestJSON reads go test -json's output for package pkg, copying the
// text of the output (and any line that is not an event) to log.
func parseTestJSON(r io.Reader, pkg string, log *strings.Builder) stdRun {
	run := stdRun{tests: &counts{}}
	var seen [len(guestMarker)]bool
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var ev testEvent
		if json.Unmarshal(sc.Bytes(), &ev) != nil || ev.Action == "" {
			log.Write(sc.Bytes())
			log.WriteByte('\n')
			continue
		}
		switch {
		case ev.Action == "output" || ev.Action == "build-output":
			log.WriteString(ev.Output)
			if ev.Action == "output" && ev.Package == pkg {
				line := strings.TrimSuffix(ev.Output, "\n")
				for i, re := range guestMarker {
					seen[i] = seen[i] || re.MatchString(line)
				}
			}
		case ev.Action == "build-fail":
			run.buildFailed = true
		case ev.Test == "" && ev.Package == pkg && (ev.Action == "pass" || ev.Action == "fail" || ev.Action == "skip"):
			run.pkgAction = ev.Action
			if ev.FailedBuild != "" {
				run.buildFailed = true
			}
		case ev.Test != "" && ev.Package == pkg && !strings.Contains(ev.Test, "/"):
			switch ev.Action {
			case "pass":
				run.tests.Pass++
			case "fail":
				run.tests.Fail++
				run.failed = append(run.failed, ev.Test)
			case "skip":
				run.tests.Skip++
			}
		}
	}
	run.inGuest = seen[0] && seen[1]
	return run
}

// judgeStd gives a package's result from what go test printed (run, and
// the whole log, text) and its exit status. PASS needs all of: go test
// exited 0 and reported the package ok, at least one test passed, and the
// output shows the tests ran inside gobare.
func judgeStd(run stdRun, code int, flags []string, text string) result {
	r := result{Tests: run.tests}
	switch {
	case run.buildFailed || strings.Contains(text, "[build failed]") || strings.Contains(text, "[setup failed]"):
		r.Status = statusBuild
		r.Note = firstLine(text, regexp.MustCompile(`(?m)^(# |.*\.go:\d+).*$`), "the test binary did not build")
	case code == 0 && run.pkgAction == "skip":
		r.Status = statusSkip
		r.Note = "no test files"
	case code == 0 && run.pkgAction == "pass" && run.tests.Pass == 0:
		// Nothing was measured: not a pass.
		r.Status = statusSkip
		r.Note = fmt.Sprintf("no test passed (%d skipped)", run.tests.Skip)
		if run.tests.Skip == 0 {
			r.Note = "no test ran"
		}
	case code == 0 && run.pkgAction == "pass" && !run.inGuest:
		// The harness's failure, not the package's: the binary did
		// not (visibly) run inside gobare.
		r.Status = statusError
		r.Note = "no gobare kernel banner in the output: the test binary did not run inside gobare"
	case code == 0 && run.pkgAction == "pass":
		r.Status = statusPass
		r.Note = fmt.Sprintf("%d tests", run.tests.Pass)
		if run.tests.Skip > 0 {
			r.Note += fmt.Sprintf(", %d skipped", run.tests.Skip)
		}
		if len(flags) > 0 {
			r.Note += "; " + strings.Join(flags, " ")
		}
	default:
		r.Status = statusFail
		if isTimeout(text) {
			r.Status = statusTimeout
		}
		r.Causes = causes(text)
		r.Note = failNote(run.tests, run.failed, r.Causes, text)
	}
	return r
}

// isTimeout reports whether a log shows the test binary's own timeout or
// the launcher's.
func isTimeout(text string) bool {
	return strings.Contains(text, "panic: test timed out after") || strings.Contains(text, "QEMU timed out") ||
		strings.Contains(text, "signal: killed")
}

// failNote is the table's note for a failed package.
func failNote(t *counts, failed []string, causes []string, text string) string {
	var parts []string
	if len(failed) > 0 {
		names := failed
		if len(names) > 3 {
			names = append(names[:3:3], "…")
		}
		parts = append(parts, fmt.Sprintf("%d/%d tests fail (%s)", t.Fail, t.Pass+t.Fail, strings.Join(names, ", ")))
	}
	if m := regexp.MustCompile(`running tests:\s+(\S+)`).FindStringSubmatch(text); m != nil {
		parts = append(parts, "timed out in "+m[1])
	}
	if len(causes) > 0 {
		parts = append(parts, strings.Join(causes[:min(3, len(causes))], "; "))
	}
	if len(parts) == 0 {
		parts = append(parts, "failed")
	}
	return strings.Join(parts, "; ")
}

// firstLine returns the first line matching re, or def.
func firstLine(text string, re *regexp.Regexp, def string) string {
	if m := re.FindString(text); m != "" {
		return clip(strings.TrimSpace(m), 120)
	}
	return def
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// runProgram builds a test/ program on the host and runs it with mkimage
// run; it passes when it exits 0 and, when the program has a .out file,
// prints exactly that (stdout and stderr together, as the Go test
// harness compares them; the kernel's own lines are removed).
func runProgram(ctx context.Context, cfg *config, it item) (result, string) {
	var log strings.Builder
	exe := filepath.Join(cfg.tmp, strings.TrimSuffix(filepath.Base(it.file), ".go")+".exe")
	defer os.Remove(exe)
	fmt.Fprintf(&log, "$ go build -o %s %s\n", exe, it.file)
	cmd, cancel := command(ctx, 5*time.Minute, filepath.Dir(it.file),
		[]string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64", "GOFLAGS=", "GOTOOLCHAIN=local", "GO111MODULE=off"},
		"go", "build", "-o", exe, filepath.Base(it.file))
	out, err := cmd.CombinedOutput()
	cancel()
	log.Write(out)
	if err != nil {
		fmt.Fprintf(&log, "--- build failed: %v\n", err)
		return result{Status: statusBuild, Note: clip(strings.SplitN(strings.TrimSpace(string(out)), "\n", 2)[0], 120)}, log.String()
	}

	args := []string{"run", "-rt=off", "-accel", cfg.accel, "-timeout", cfg.runTimeout.String(),
		"-m", fmt.Sprint(cfg.memMiB), "-append", "quiet"}
	for _, k := range []string{"PATH", "HOME", "GOROOT"} {
		v := os.Getenv(k)
		if k == "GOROOT" {
			v = cfg.goroot
		}
		if v != "" {
			args = append(args, "-env", k+"="+v)
		}
	}
	args = append(args, exe)
	fmt.Fprintf(&log, "$ mkimage %s\n", strings.Join(args, " "))
	cmd, cancel = command(ctx, cfg.runTimeout+2*time.Minute, cfg.tmp, []string{"GOBARE_ROOT=" + cfg.root}, cfg.mkimage, args...)
	defer cancel()
	// As go test's run.go runs the programs of test/: standard output and
	// standard error together (print and println write to standard error),
	// each byte as the program wrote it — mkimage run passes both streams
	// through exactly, and quiet keeps the kernel's lines out.
	var combined bytes.Buffer
	cmd.Stdout, cmd.Stderr = &combined, &combined
	err = cmd.Run()
	code := exitCode(cmd, err)
	console := combined.String()
	log.WriteString(console)
	fmt.Fprintf(&log, "--- exit status %d\n", code)
	text := log.String()
	program, _ := splitKernelLines(console)

	r := result{}
	want, haveOut := "", false
	if b, err := os.ReadFile(strings.TrimSuffix(it.file, ".go") + ".out"); err == nil {
		want, haveOut = string(b), true
	}
	switch {
	case ctx.Err() != nil:
		r.Status, r.Note = statusFail, "interrupted"
	case code == 124 && isTimeout(text):
		r.Status = statusTimeout
		r.Causes = causes(text)
		r.Note = fmt.Sprintf("ran past %v", cfg.runTimeout)
	case code != 0:
		r.Status = statusFail
		r.Causes = causes(text)
		if len(r.Causes) == 0 {
			r.Causes = []string{"the program reports an error: " + clip(normalize(lastLine(program)), 90)}
		}
		r.Note = fmt.Sprintf("exit %d", code)
		if len(r.Causes) > 0 {
			r.Note += "; " + strings.Join(r.Causes[:min(3, len(r.Causes))], "; ")
		}
	case haveOut && program != want:
		r.Status = statusFail
		r.Causes = []string{"output differs from the .out file"}
		r.Note = "output differs: " + firstDiff(program, want)
	default:
		r.Status = statusPass
		if haveOut {
			r.Note = "output matches .out"
		}
	}
	return r, text
}

// kernelLine matches the lines the kernel prints on the console itself.
var kernelLine = regexp.MustCompile(`^(boot|gobare|selfcheck|sys|rt0): `)

// splitKernelLines separates the program's output from the kernel's lines.
func splitKernelLines(console string) (program string, kernel []string) {
	var b strings.Builder
	for _, line := range strings.SplitAfter(console, "\n") {
		if kernelLine.MatchString(line) {
			kernel = append(kernel, strings.TrimSpace(line))
			continue
		}
		b.WriteString(line)
	}
	return b.String(), kernel
}

// logStamp is the log package's date and time prefix.
var logStamp = regexp.MustCompile(`^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d `)

// lastLine is the last non-empty line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return logStamp.ReplaceAllString(strings.TrimSpace(lines[len(lines)-1]), "")
}

// firstDiff describes the first line where got and want differ.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < max(len(g), len(w)); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return clip(fmt.Sprintf("line %d: got %q, want %q", i+1, gl, wl), 140)
		}
	}
	return "?"
}

// sortedKeys returns m's keys sorted by descending count, then name.
func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	return keys
}
