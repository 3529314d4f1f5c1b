package tests

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"testing"

	"github.com/gobare/gobare/internal/image"
	"github.com/gobare/gobare/qemu"
)

// cpuUpRE matches an application processor's line: "gobare: CPU 2 up (APIC ID 2)".
var cpuUpRE = regexp.MustCompile(`(?m)^gobare: CPU (\d+) up \(APIC ID (\d+)\)$`)

// TestSMPBringUp boots the kernel alone on a four-CPU machine (TCG, one
// host thread per vCPU): each of the three application processors comes
// up through the trampoline and says so, and the kernel still passes its
// self-checks and exits 0. With the kernel word nosmp none starts.
func TestSMPBringUp(t *testing.T) {
	t.Parallel()
	img := writeImage(t, image.Program{})
	for _, tc := range []struct {
		append string
		want   int
	}{{"", 3}, {"nosmp", 0}} {
		t.Run("append="+tc.append, func(t *testing.T) {
			r := boot(t, qemu.Config{Kernel: img, Append: tc.append, SMP: 4})
			r.wantExit(t, 0)
			checkSelfChecks(t, r)
			ups := cpuUpRE.FindAllStringSubmatch(r.Console, -1)
			if len(ups) != tc.want {
				r.fatalf(t, "%d CPUs came up, want %d", len(ups), tc.want)
			}
			for i, m := range ups {
				if want := string(rune('1' + i)); m[1] != want {
					r.errorf(t, "CPU line %d names CPU %s, want %s", i, m[1], want)
				}
			}
		})
	}
}

// TestSMPGOMAXPROCS: on a four-CPU machine sched_getaffinity reports four
// CPUs, so runtime.NumCPU and GOMAXPROCS (which the runtime derives from
// it) are 4; on one CPU, 1. With stats, the four-CPU run has a line per
// CPU and one for the kernel lock.
func TestSMPGOMAXPROCS(t *testing.T) {
	t.Parallel()
	prog := testProgram(t, "smpstress")
	for _, n := range []string{"1", "4"} {
		t.Run("smp="+n, func(t *testing.T) {
			r := runMkimage(t, nil, "run", "-accel", "tcg", "-smp", n, "-m", "256", "-timeout", "3m", "-append", "stats", prog)
			r.wantExit(t, 0)
			r.wantLines(t, "smpstress: NumCPU "+n+" GOMAXPROCS "+n)
			if n == "1" {
				return
			}
			for _, re := range []string{
				`(?m)^stats: CPU 3: \d+ entries, \d+ us in the kernel, \d+ us idle, \d+ timer interrupts, \d+ wake-up IPIs, \d+ CR3 loads$`,
				`(?m)^stats: kernel lock: \d+ waits, \d+ us spinning, \d+ halts; \d+ TLB shootdowns, \d+ us, \d+ idle CPUs spared$`,
			} {
				if !regexp.MustCompile(re).MatchString(r.Kernel) {
					mkimageErrorf(t, r, "no line matching %s among the kernel's lines", re)
				}
			}
		})
	}
}

// TestSMPStress boots tests/programs/smpstress on two CPUs ($GOBARE_SMP
// CPUs when set): futexes (hand-offs and timeouts), pipes (through the
// runtime's epoll, and blocking), eventfds watched by several threads in
// one epoll instance, channels and timers, all blocking and waking across
// CPUs at once, must deliver every message exactly once and wake no
// sleeper early. GOBARE_SMP_STRESS=N boots it N
// times in a row (the acceptance run is 100).
func TestSMPStress(t *testing.T) {
	t.Parallel()
	prog := testProgram(t, "smpstress")
	smp := os.Getenv("GOBARE_SMP")
	if smp == "" {
		smp = "2"
	}
	cpus, err := strconv.Atoi(smp)
	if err != nil || cpus < 1 {
		t.Fatalf("GOBARE_SMP=%q: want a number of CPUs", smp)
	}
	runs := 1
	if s := os.Getenv("GOBARE_SMP_STRESS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("GOBARE_SMP_STRESS=%q: want a number of runs", s)
		}
		runs = n
	}
	for i := 0; i < runs; i++ {
		r := runMkimage(t, nil, "run", "-accel", "tcg", "-smp", smp, "-m", "256", "-timeout", "3m", prog)
		r.wantExit(t, 0)
		r.wantLines(t,
			"smpstress: ok futex turns 8000",
			"smpstress: ok futex timeouts (none early) 200",
			"smpstress: ok pipe sum 8004000",
			"smpstress: ok blocking pipe sum 2147549184",
			"smpstress: ok epoll eventfd sum 2002000",
			"smpstress: ok ring passes 4000",
			"smpstress: ok timer wake-ups (none early) 800",
			fmt.Sprintf("smpstress: ok reads after munmap that faulted %d", 20*max(cpus-1, 1)), // 20 rounds of GOMAXPROCS-1 readers
			"smpstress: ok epoll wake-up for a file ready when added 1",
		)
		if runs > 1 {
			t.Logf("run %d of %d: ok", i+1, runs)
		}
	}
}
