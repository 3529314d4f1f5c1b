package tests

// The system call fuzzer (tests/programs/syscallfuzz) in the default
// suite, for a short run; `make fuzz-syscalls` runs it for
// FUZZ_SYSCALLS_TIME (30 minutes by default).

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fuzzSeed is the short run's seed: fixed, so that a failure repeats;
// GOBARE_FUZZ_SEED chooses another.
const fuzzSeed = 20261129

// fuzzDoneRE matches the fuzzer's summary line.
var fuzzDoneRE = regexp.MustCompile(`(?m)^syscallfuzz: done: (\d+) calls, (\d+) distinct \((\d+) of the (\d+) implemented, (\d+) unimplemented numbers\)`)

// TestSyscallFuzz runs the fuzzer for 20 seconds: the kernel must not
// fault (status 125) or hang (124), the program must run to its summary
// with no finding of its own (a changed kernel image, a leaked
// descriptor, an unknown number that answered), and every implemented
// call must have been made.
func TestSyscallFuzz(t *testing.T) {
	seed := strconv.Itoa(fuzzSeed)
	if s := os.Getenv("GOBARE_FUZZ_SEED"); s != "" {
		seed = s
	}
	const duration = 20 * time.Second
	r := runMkimageOpts(t, mkimageOpts{Timeout: duration + bootTimeout + 2*time.Minute},
		"run", "-accel", "tcg", "-append", "quiet", "-timeout", (duration + bootTimeout).String(),
		testProgram(t, "syscallfuzz"), "-seed", seed, "-duration", duration.String())
	if findings := regexp.MustCompile(`(?m)^syscallfuzz: FINDING.*$`).FindAllString(r.Stdout, -1); len(findings) > 0 {
		r.fatalf(t, "the fuzzer found kernel bugs (seed %s):\n%s", seed, strings.Join(findings, "\n"))
	}
	if r.Code != 0 {
		r.fatalf(t, "exit status %d (seed %s; replay with mkimage run ./tests/programs/syscallfuzz -seed %s -duration %v -verbose)",
			r.Code, seed, seed, duration)
	}
	m := fuzzDoneRE.FindStringSubmatch(r.Stdout)
	if m == nil {
		r.fatalf(t, "no summary line")
	}
	calls, _ := strconv.Atoi(m[1])
	if calls < 1000 {
		r.fatalf(t, "only %d calls in %v", calls, duration)
	}
	if m[3] != m[4] {
		r.fatalf(t, "only %s of the %s implemented calls were made", m[3], m[4])
	}
	for _, line := range strings.Split(r.Stdout, "\n") {
		if strings.HasPrefix(line, "syscallfuzz: done:") || strings.HasPrefix(line, "syscallfuzz: errors:") {
			t.Log(line)
		}
	}
}

// TestSyscallFuzzKnowsEveryCall checks, on the host, that the fuzzer has
// a description for every call in the kernel's table (so that a new call
// is fuzzed with arguments of the right kinds, not only as a random
// number), and none the table lacks.
func TestSyscallFuzzKnowsEveryCall(t *testing.T) {
	prog := testProgram(t, "syscallfuzz")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, prog, "-list").Output()
	if err != nil {
		t.Fatalf("syscallfuzz -list: %v", err)
	}
	known := make(map[int]bool)
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var nr int
		if _, err := fmt.Sscan(line, &nr); err != nil {
			t.Fatalf("syscallfuzz -list: bad line %q", line)
		}
		known[nr] = true
	}
	table := implementedCalls(t)
	for nr, name := range table {
		if !known[nr] {
			t.Errorf("%d %s is in the kernel's table but tests/programs/syscallfuzz does not know it", nr, name)
		}
	}
	for nr := range known {
		if _, ok := table[nr]; !ok && nr != 1000 {
			t.Errorf("tests/programs/syscallfuzz knows %d, which the kernel's table lacks", nr)
		}
	}
}
