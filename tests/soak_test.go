package tests

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gobare/gobare/qemu"
)

// soakStall is the program's stall limit (its -stall flag's default).
const soakStall = time.Second

// TestSoak runs tests/programs/soak (goroutines, timers, GC churn, a
// goroutine that needs asynchronous preemption, SIGUSR1 to itself) for
// $GOBARE_SOAK, under KVM when it works (-accel auto) and TCG otherwise.
// It is skipped unless GOBARE_SOAK is set:
//
//	GOBARE_SOAK=10m go test ./tests -run TestSoak -timeout 20m -v
//
// GOBARE_SOAK_ENTRY=rt builds the program through rt/ instead of booting
// the prebuilt ELF. The summary lines stream to the test log as they
// arrive; the test fails on any anomaly the program reports (except those
// that coincide with the host keeping QEMU off the CPU for a second or
// more: see below), on a final count of zero, and when the host sees the
// 10-second summaries stall.
func TestSoak(t *testing.T) {
	v := os.Getenv("GOBARE_SOAK")
	if v == "" || v == "0" {
		t.Skip("set GOBARE_SOAK to a duration (e.g. GOBARE_SOAK=10m, with go test -timeout 20m) to run the soak test")
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		t.Fatalf("GOBARE_SOAK=%q: want a duration such as 10m", v)
	}
	if dl, ok := t.Deadline(); ok && time.Until(dl) < d+2*time.Minute {
		t.Fatalf("go test's -timeout leaves %v; the soak needs %v plus 2 minutes", time.Until(dl).Round(time.Second), d)
	}
	entry := os.Getenv("GOBARE_SOAK_ENTRY")
	switch entry {
	case "":
		entry = "stock"
	case "stock", "rt":
	default:
		t.Fatalf("GOBARE_SOAK_ENTRY=%q: want stock or rt", entry)
	}
	prog := entryProgram(t, "soak", entry)
	img, err := mkimageBuildImage(mkimageTool(t), repoRoot(t), filepath.Join(t.TempDir(), "soak.img"), nil, append(prog, d.String())...)
	if err != nil {
		t.Fatal(err)
	}

	stopWatch := make(chan struct{})
	hw := watchHostWait(img, stopWatch)
	r := bootStampedFunc(t, qemu.Config{Kernel: img, Accel: "auto", Timeout: d + 2*time.Minute}, func(l stampedLine) {
		if strings.HasPrefix(l.Text, "soak: ") || strings.HasPrefix(l.Text, "gobare: ") {
			t.Logf("%s", l.Text)
		}
	})
	close(stopWatch)
	t.Logf("%s entry, QEMU/%s, %v from start to exit", entry, r.Accel, r.Elapsed.Round(time.Second))
	worstWait, worstAt := hw.worst(time.Second)
	if hw.found() {
		t.Logf("host: QEMU's most-waiting thread waited for a CPU %v in all; at worst %v within one second (at %v into the run)",
			hw.total().Round(time.Millisecond), worstWait.Round(time.Millisecond), worstAt.Sub(r.Start).Round(time.Second))
	}

	// Anomalies are the program's own findings. Under TCG a busy host
	// stalls the guest as a whole while its clock runs on, so each one is
	// set against how long one of QEMU's threads waited for a host CPU in
	// the 3 s before it: an anomaly with a wait of the stall limit (1 s)
	// or more is the host's and is listed but not counted, unless
	// GOBARE_SOAK_STRICT=1. A guest that hangs for good is never excused:
	// its activities fail to stop at the end, with no host wait.
	strict := os.Getenv("GOBARE_SOAK_STRICT") == "1"
	var counted, excused []string
	for _, l := range r.Lines {
		if !strings.HasPrefix(l.Text, "soak: ANOMALY") {
			continue
		}
		if !hw.found() {
			counted = append(counted, l.Text+"  [host: QEMU's CPU wait unknown]")
			continue
		}
		w := hw.waitedBetween(l.At.Add(-3*time.Second), l.At)
		a := fmt.Sprintf("%s  [host: a QEMU thread waited %v for a CPU in the 3 s before]", l.Text, w.Round(time.Millisecond))
		if w >= soakStall && !strict {
			excused = append(excused, a)
		} else {
			counted = append(counted, a)
		}
	}
	if len(excused) > 0 {
		t.Logf("%d anomalies while the host kept QEMU from running (not counted; GOBARE_SOAK_STRICT=1 counts them):\n%s",
			len(excused), strings.Join(excused, "\n"))
	}
	if len(counted) > 0 {
		r.errorf(t, "the program reported %d anomalies:\n%s", len(counted), strings.Join(counted, "\n"))
	}
	if r.Err != nil {
		r.fatalf(t, "QEMU run failed: %v", r.Err)
	}
	switch {
	case r.ExitCode == 0:
	case r.ExitCode == 1 && len(excused) > 0:
		// The program counts every anomaly; the test excused them.
	default:
		r.fatalf(t, "exit status %d, want 0", r.ExitCode)
	}

	// The host's view of time: the summaries every 10 s, none late.
	var begin, done *stampedLine
	var marks []stampedLine
	for i, l := range r.Lines {
		switch {
		case strings.HasPrefix(l.Text, "soak: running for "):
			begin = &r.Lines[i]
			marks = append(marks, l)
		case strings.HasPrefix(l.Text, "soak: t="):
			marks = append(marks, l)
		case strings.HasPrefix(l.Text, "soak: done: "):
			done = &r.Lines[i]
			marks = append(marks, l)
		}
	}
	if begin == nil || done == nil {
		r.fatalf(t, "no \"soak: running for\" or \"soak: done:\" line")
	}
	ran := done.At.Sub(begin.At)
	if ran < d-2*time.Second || ran > d+time.Minute {
		r.errorf(t, "the host saw the soak run %v, want about %v", ran.Round(time.Second), d)
	}
	if want := int(d/(10*time.Second)) - 1; len(marks)-2 < want {
		r.errorf(t, "%d summary lines in %v, want at least %d", len(marks)-2, d, want)
	}
	var worst time.Duration
	for i := 1; i < len(marks); i++ {
		worst = max(worst, marks[i].At.Sub(marks[i-1].At))
	}
	if worst > 20*time.Second {
		r.errorf(t, "the host waited %v between two summary lines (every 10 s expected)", worst.Round(time.Millisecond))
	}

	// The final counts: everything ran, every signal came back.
	counts := map[string]string{}
	for _, m := range regexp.MustCompile(`([A-Za-z-]+)=(\S+)`).FindAllStringSubmatch(done.Text, -1) {
		counts[m[1]] = m[2]
	}
	for _, k := range []string{"msgs", "sleeps", "afters", "ticks", "timer-stops", "allocs", "alloc-MiB", "checked", "numgc", "spins"} {
		if n, err := strconv.ParseInt(counts[k], 10, 64); err != nil || n <= 0 {
			r.errorf(t, "final %s=%q, want a positive count", k, counts[k])
		}
	}
	// Every SIGUSR1 sent comes back, except those whose wait the host
	// cut short (an excused "not delivered" anomaly: the late signal
	// then coalesces with the next one).
	recvS, sentS, _ := strings.Cut(counts["signals"], "/")
	recv, err1 := strconv.Atoi(recvS)
	sent, err2 := strconv.Atoi(sentS)
	lateSignals := 0
	for _, a := range excused {
		if strings.Contains(a, "SIGUSR1 not delivered") {
			lateSignals++
		}
	}
	if err1 != nil || err2 != nil || recv == 0 || sent-recv > lateSignals || recv > sent {
		r.errorf(t, "signals delivered/sent = %s, want all of them (or all but %d excused as late), and some", counts["signals"], lateSignals)
	}
	// A 20 ms ticker: the runtime drops ticks a slow receiver misses,
	// but most must arrive in the time the host let the guest run.
	ranFor := d - hw.total()
	if ticks, _ := strconv.ParseInt(counts["ticks"], 10, 64); float64(ticks) < 0.5*float64(ranFor/(20*time.Millisecond)) {
		r.errorf(t, "%d ticks of a 20 ms ticker in %v (%v of it with QEMU on a host CPU), fewer than half", ticks, d, ranFor.Round(time.Second))
	}
	t.Logf("final figures (%v on the host, worst gap between summaries %v, %d anomalies excused as the host's):\n%s",
		ran.Round(time.Second), worst.Round(time.Millisecond), len(excused), done.Text)
}

// hostWait follows, while QEMU runs, how long each of its threads has
// waited for a host CPU: the second field of /proc/PID/task/TID/schedstat
// (nanoseconds spent runnable but not running). A guest stall that
// coincides with one of QEMU's threads (under TCG, the vCPU's) waiting
// that long is the host's doing: the guest's clock kept running while
// the guest could not.
type hostWait struct {
	mu      sync.Mutex
	pid     int
	samples []hostWaitSample
}

type hostWaitSample struct {
	At   time.Time
	Wait map[string]time.Duration // thread → cumulative wait
}

// watchHostWait finds the QEMU process whose command line mentions marker
// (the image path) and samples its threads every 250 ms until stop closes.
func watchHostWait(marker string, stop <-chan struct{}) *hostWait {
	hw := &hostWait{}
	go func() {
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			hw.mu.Lock()
			if hw.pid == 0 {
				hw.pid = findProcess(marker)
			}
			if hw.pid != 0 {
				if w, ok := schedWait(hw.pid); ok {
					hw.samples = append(hw.samples, hostWaitSample{time.Now(), w})
				}
			}
			hw.mu.Unlock()
		}
	}()
	return hw
}

// findProcess returns the pid of a qemu-system process whose command line
// contains marker, or 0.
func findProcess(marker string) int {
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err == nil && bytes.Contains(b, []byte("qemu-system")) && bytes.Contains(b, []byte(marker)) {
			return pid
		}
	}
	return 0
}

// schedWait reads the run-queue wait of every thread of pid.
func schedWait(pid int) (map[string]time.Duration, bool) {
	dir := "/proc/" + strconv.Itoa(pid) + "/task"
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, false
	}
	w := map[string]time.Duration{}
	for _, e := range ents {
		b, err := os.ReadFile(dir + "/" + e.Name() + "/schedstat")
		if err != nil {
			continue
		}
		if f := strings.Fields(string(b)); len(f) >= 2 {
			n, _ := strconv.ParseInt(f[1], 10, 64)
			w[e.Name()] = time.Duration(n)
		}
	}
	return w, true
}

// maxGrowth returns the largest growth of one thread's wait from a to b.
func maxGrowth(a, b hostWaitSample) time.Duration {
	var m time.Duration
	for tid, wb := range b.Wait {
		if wa, ok := a.Wait[tid]; ok {
			m = max(m, wb-wa)
		}
	}
	return m
}

func (hw *hostWait) found() bool {
	hw.mu.Lock()
	defer hw.mu.Unlock()
	return len(hw.samples) > 1
}

// total returns how long the most-waiting thread waited over the run.
func (hw *hostWait) total() time.Duration {
	hw.mu.Lock()
	defer hw.mu.Unlock()
	if len(hw.samples) < 2 {
		return 0
	}
	return maxGrowth(hw.samples[0], hw.samples[len(hw.samples)-1])
}

// waitedBetween returns the largest wait of one thread from the last
// sample before from to the first sample after to.
func (hw *hostWait) waitedBetween(from, to time.Time) time.Duration {
	hw.mu.Lock()
	defer hw.mu.Unlock()
	if len(hw.samples) == 0 {
		return 0
	}
	a, b := 0, len(hw.samples)-1
	for i, s := range hw.samples {
		if !s.At.After(from) {
			a = i
		}
	}
	for i := len(hw.samples) - 1; i >= 0; i-- {
		if !hw.samples[i].At.Before(to) {
			b = i
		}
	}
	return maxGrowth(hw.samples[a], hw.samples[max(a, b)])
}

// worst returns the largest wait of one thread over any span of about
// window, and when that span ended.
func (hw *hostWait) worst(window time.Duration) (time.Duration, time.Time) {
	hw.mu.Lock()
	defer hw.mu.Unlock()
	var best time.Duration
	var at time.Time
	j := 0
	for i := range hw.samples {
		for j < i && hw.samples[i].At.Sub(hw.samples[j].At) > window {
			j++
		}
		if d := maxGrowth(hw.samples[j], hw.samples[i]); d > best {
			best, at = d, hw.samples[i].At
		}
	}
	return best, at
}
