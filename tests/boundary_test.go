package tests

// The boundary between the program and the kernel, which share one
// address space in ring 0: memory keeps its contents across protection
// changes (tests/programs/mprotect, compared line by line with a run on
// the host's Linux), no system call reaches the kernel's memory
// (tests/programs/kernelmem), and every register but RAX, RCX and R11
// survives every system call (tests/programs/regs).

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestMprotect runs tests/programs/mprotect on gobare and on the host:
// contents survive PROT_READ, PROT_NONE and PROT_READ|PROT_WRITE, each
// protection is enforced, and malformed munmap/mprotect/madvise/mmap
// calls get Linux's errors. On a Linux amd64 host the two runs must print
// the same lines; elsewhere only gobare's run is checked.
func TestMprotect(t *testing.T) {
	prog := testProgram(t, "mprotect")
	r := runMkimage(t, nil, "run", "-accel", "tcg", "-append", "quiet", "-timeout", bootTimeout.String(), prog)
	r.wantExit(t, 0)
	const word = "0x1122334455667788"
	r.wantLines(t,
		"written: "+word,
		"PROT_READ: read "+word,
		"PROT_READ: write faults: true",
		"PROT_NONE: read faults: true",
		"PROT_NONE: write faults: true",
		"PROT_NONE then PROT_READ: read "+word,
		"PROT_READ|PROT_WRITE: read "+word,
		"PROT_READ|PROT_WRITE: wrote and read 0x1122334455667789",
		"munmap: read faults: true",
		"pages 1-2 PROT_NONE: 1 fault fault 4",
		"all PROT_READ: 1 2 3 4",
		"page 1 unmapped: 1 fault 3 4",
		"pages 2-3 MADV_DONTNEED: 1 fault 0 0",
		"mprotect(unmapped): ENOMEM",
		"munmap(misaligned): EINVAL",
		"read-only data: write faults: true",
		"read-only data after mprotect: Read-only",
		"read-only data in the file: unchanged: true (<nil>)",
		"mprotect: done",
	)
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Logf("not comparing with a native run on %s/%s", runtime.GOOS, runtime.GOARCH)
		return
	}
	native := runNative(t, prog)
	got := strings.Split(strings.TrimSpace(r.Stdout), "\n")
	want := strings.Split(strings.TrimSpace(native), "\n")
	if len(got) != len(want) {
		r.fatalf(t, "gobare printed %d lines, Linux %d:\n%s", len(got), len(want), native)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d: gobare %q, Linux %q", i+1, got[i], want[i])
		}
	}
}

// runNative runs a test program on the host and returns its output.
func runNative(t *testing.T, prog string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, prog).Output()
	if err != nil {
		t.Fatalf("native run of %s: %v\n%s", prog, err, out)
	}
	return string(out)
}

// kernelTargets are tests/programs/kernelmem's ranges of kernel memory,
// and whether each lies below the program's floor (the kernel's image)
// rather than above the user half.
var kernelTargets = []struct {
	name string
	low  bool
}{
	{"null page", true},
	{"image", true},
	{"image page", true},
	{"image's last page", true},
	{"direct map", false},
	{"direct map of the image", false},
	{"kernel stacks", false},
	{"kernel stack page", false},
}

// kernelPointerTargets are the kernel addresses kernelmem passes as
// buffers, and kernelPointerCalls the calls it passes them to.
var (
	kernelPointerTargets = []string{"image page", "direct map of the image", "kernel stack page", "null page"}
	kernelPointerCalls   = []string{
		"write", "read(pipe)", "pread64(file)", "uname", "clock_gettime", "getrandom", "pipe2",
		"rt_sigprocmask(oldset)", "rt_sigprocmask(set)", "rt_sigaction(oldact)", "rt_sigaction(act)",
		"sigaltstack(old)", "sigaltstack(new)", "arch_prctl(ARCH_GET_FS)", "nanosleep", "clock_nanosleep",
		"getcwd", "fstat", "newfstatat(statbuf)", "newfstatat(path)", "openat(path)", "readlinkat(buf)",
		"getdents64", "prlimit64(old)", "prlimit64(new)", "chmod(path)", "fchmodat(path)", "fchownat(path)",
		"utimensat(path)", "sched_getaffinity", "futex(FUTEX_WAIT)", "epoll_ctl(event)",
	}
)

// TestKernelMemory runs tests/programs/kernelmem: munmap, mprotect,
// madvise, mmap(MAP_FIXED) and brk aimed at the kernel's image, its
// stacks and the direct map are all refused with Linux's errors for the
// same shape of arguments (the image is below the program's floor, as
// Linux's mmap_min_addr; the rest above the user half, as Linux's own
// kernel), every pointer into kernel memory is EFAULT, the kernel's
// read-only image is unchanged, and the program runs to its end.
func TestKernelMemory(t *testing.T) {
	r := runMkimage(t, nil, "run", "-accel", "tcg", "-append", "quiet", "-timeout", bootTimeout.String(), testProgram(t, "kernelmem"))
	var want []string
	for _, k := range kernelTargets {
		fixed := "ENOMEM" // past the user half (__get_unmapped_area)
		if k.low {
			fixed = "EPERM" // below the floor (security_mmap_addr)
		}
		want = append(want,
			"munmap "+k.name+": EINVAL",
			"mprotect(PROT_NONE) "+k.name+": ENOMEM",
			"mprotect(PROT_READ|PROT_WRITE|PROT_EXEC) "+k.name+": ENOMEM",
			"madvise(MADV_DONTNEED) "+k.name+": ENOMEM",
			"madvise(MADV_FREE) "+k.name+": ENOMEM",
			"mmap(MAP_FIXED) "+k.name+": "+fixed,
			"mmap(MAP_FIXED_NOREPLACE) "+k.name+": "+fixed,
			"mmap(hint) "+k.name+": placed in the program's part: true",
		)
	}
	want = append(want,
		"munmap image and program: EINVAL",
		"mprotect(PROT_NONE) image and program: ENOMEM",
		"mmap(MAP_FIXED) image and program: EPERM",
		"program's first page unchanged: true",
	)
	for _, p := range kernelPointerTargets {
		for _, c := range kernelPointerCalls {
			want = append(want, fmt.Sprintf("%s %s: EFAULT", c, p))
		}
	}
	want = append(want, "kernel image unchanged: true", "kernelmem: done")
	if missing := missingLines(r.Stdout, want); len(missing) > 0 {
		r.fatalf(t, "console lacks the lines %s", strings.Join(missing, ", "))
	}
	for _, target := range []string{"image", "direct map"} {
		prefix := "brk " + target + ": "
		found := false
		for line := range strings.Lines(r.Stdout) {
			if rest, ok := strings.CutPrefix(strings.TrimSuffix(line, "\n"), prefix); ok {
				found = true
				if !strings.HasPrefix(rest, "refused") {
					r.fatalf(t, "brk into the kernel's %s: %s", target, rest)
				}
			}
		}
		if !found {
			r.fatalf(t, "no %q line", prefix)
		}
	}
	r.wantExit(t, 0)
}

// tableEntryRE matches one entry of the system call table
// (kernel/linux/table.go): `22: {"pipe", sysPipe, ...}`, or in the
// table's older form `22: sysPipe,`.
var tableEntryRE = regexp.MustCompile(`(?m)^\s*(\d+):\s*(?:\{"([a-z0-9_]+)"|(sys\w+),)`)

// implementedCalls reads the kernel's system call table from its source
// and returns number → name.
func implementedCalls(t *testing.T) map[int]string {
	t.Helper()
	path := filepath.Join(repoRoot(t), "kernel", "linux", "table.go")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading the system call table: %v", err)
	}
	calls := make(map[int]string)
	for _, m := range tableEntryRE.FindAllStringSubmatch(string(src), -1) {
		nr, _ := strconv.Atoi(m[1])
		calls[nr] = m[2] + m[3]
	}
	if len(calls) < 50 {
		t.Fatalf("found only %d entries in %s: has the table's form changed?", len(calls), path)
	}
	return calls
}

// regsSkippable are the calls tests/programs/regs may skip: they do not
// return to the instruction after SYSCALL.
var regsSkippable = map[int]bool{15: true, 60: true, 231: true} // rt_sigreturn, exit, exit_group

// regsLineRE matches one of tests/programs/regs's per-call lines.
var regsLineRE = regexp.MustCompile(`(?m)^regs: (\d+) (\S+)[^:]*: (ok|FAIL|skipped)\b(.*)$`)

// TestRegisters runs tests/programs/regs: every system call in the
// kernel's table (read from kernel/linux/table.go, so a new call cannot
// go untested) and a few unimplemented numbers are made with a sentinel
// in every register but RAX, RCX and R11, and MXCSR and the x87 control
// word set to values other than their defaults, and each must keep them
// all, as Linux does, and return X15 zero (Go's ABIInternal register;
// X0-14 are not kept, a deliberate departure from Linux: docs/design.md,
// "Entering and leaving the kernel"); only the calls that do not return
// may be skipped. Asynchronous preemption is off, so no SIGURG cuts a sleep
// short: the two sleeps (1 µs) must return 0 — a sleep the kernel got
// wrong, or an argument it read wrong, hangs or fails instead of hiding
// behind EINTR.
func TestRegisters(t *testing.T) {
	r := runMkimage(t, nil, "run", "-accel", "tcg", "-append", "quiet", "-env", "GODEBUG=asyncpreemptoff=1", "-timeout", bootTimeout.String(), testProgram(t, "regs"))
	r.wantExit(t, 0)
	seen := make(map[int]string)
	var failed []string
	for _, m := range regsLineRE.FindAllStringSubmatch(r.Stdout, -1) {
		nr, _ := strconv.Atoi(m[1])
		seen[nr] = m[3]
		switch {
		case m[3] == "FAIL":
			failed = append(failed, fmt.Sprintf("%d %s:%s", nr, m[2], m[4]))
		case m[3] == "skipped" && !regsSkippable[nr]:
			failed = append(failed, fmt.Sprintf("%d %s: skipped, but it returns", nr, m[2]))
		case (nr == 35 || nr == 230) && m[4] != " (returned 0)":
			failed = append(failed, fmt.Sprintf("%d %s: a 1 µs sleep gave%s", nr, m[2], m[4]))
		}
	}
	for nr, name := range implementedCalls(t) {
		if _, ok := seen[nr]; !ok {
			failed = append(failed, fmt.Sprintf("%d %s: in the kernel's table but not probed by tests/programs/regs", nr, name))
		}
	}
	for _, nr := range []int{500, 1 << 20} { // not implemented: the ENOSYS path
		if seen[nr] != "ok" {
			failed = append(failed, fmt.Sprintf("%d (unimplemented): %q", nr, seen[nr]))
		}
	}
	sort.Strings(failed)
	if len(failed) > 0 {
		r.fatalf(t, "registers not kept:\n\t%s", strings.Join(failed, "\n\t"))
	}
	summary := regexp.MustCompile(`(?m)^regs: (\d+) calls, (\d+) kept every register, 0 did not, 3 skipped$`).FindStringSubmatch(r.Stdout)
	if summary == nil || summary[1] != summary[2] {
		r.fatalf(t, "no summary line with every call passing")
	}
	t.Logf("%s calls kept every register", summary[1])
}
