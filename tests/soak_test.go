package tests

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gobare/gobare/qemu"
)

// soakStall is the program's stall limit (its -stall flag's default).
const soakStall = time.Second

// soakExcuseEnv names the opt-in that lets the test excuse anomalies the
// host caused (see judgeAnomalies). Without it every anomaly counts.
const soakExcuseEnv = "GOBARE_SOAK_EXCUSE_HOST"

// TestSoak runs tests/programs/soak (goroutines, timers, GC churn, a
// goroutine that needs asynchronous preemption, SIGUSR1 to itself) for
// $GOBARE_SOAK, under KVM when it works (-accel auto) and TCG otherwise.
// It is skipped unless GOBARE_SOAK is set:
//
//	GOBARE_SOAK=10m go test ./tests -run TestSoak -timeout 20m -v
//
// GOBARE_SOAK_ENTRY=rt builds the program through rt/ instead of booting
// the prebuilt ELF. GOBARE_SMP=N gives the machine N CPUs (GOBARE_SMP=4
// make soak); with more than one, the kernel word stats makes the kernel
// print at exit what each CPU did and the time spent spinning for the
// kernel lock, which the test log shows. The summary lines stream to the
// test log as they arrive; the test fails on any anomaly the program
// reports, on a final count of zero, and when the host sees the 10-second
// summaries stall.
//
// The test is strict: a busy host that keeps QEMU's vCPU thread off the
// CPU makes the guest see its timers late, and that fails the run too.
// GOBARE_SOAK_EXCUSE_HOST=1 (for a shared, noisy machine) excuses a
// timing anomaly when the vCPU thread's own measured wait for a host CPU
// accounts for it (judgeAnomalies); never a wrong result, nor an activity
// that stopped for good.
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
	var excuseHost bool
	switch e := os.Getenv(soakExcuseEnv); e {
	case "", "0":
	case "1":
		excuseHost = true
	default:
		t.Fatalf("%s=%q: want 1 (or unset)", soakExcuseEnv, e)
	}
	smp, appendWords := testSMP(t), ""
	if smp > 1 {
		appendWords = "stats"
	}
	prog := entryProgram(t, "soak", entry)
	img, err := mkimageBuildImage(mkimageTool(t), repoRoot(t), filepath.Join(t.TempDir(), "soak.img"), nil, append(prog, d.String())...)
	if err != nil {
		t.Fatal(err)
	}

	stopWatch := make(chan struct{})
	hw := watchHostWait(img, stopWatch)
	r := bootStampedFunc(t, qemu.Config{
		Kernel: img, Accel: "auto", Timeout: d + 2*time.Minute, SMP: smp, Append: appendWords,
		// QEMU names its threads ("CPU 0/TCG", "CPU 0/KVM") so that
		// watchHostWait can follow the vCPU threads alone.
		Extra: []string{"-name", "gobare-soak,debug-threads=on"},
	}, func(l stampedLine) {
		if strings.HasPrefix(l.Text, "soak: ") || strings.HasPrefix(l.Text, "gobare: ") {
			t.Logf("%s", l.Text)
		}
	})
	close(stopWatch)
	t.Logf("%s entry, QEMU/%s, %v from start to exit", entry, r.Accel, r.Elapsed.Round(time.Second))
	if hw.found() {
		worstWait, worstAt := hw.worst(time.Second)
		t.Logf("host: QEMU's vCPU thread (%s) waited for a CPU %v in all; at worst %v within one second (at %v into the run)",
			strings.Join(hw.threadNames(), ", "), hw.total().Round(time.Millisecond), worstWait.Round(time.Millisecond), worstAt.Sub(r.Start).Round(time.Second))
	} else {
		t.Logf("host: QEMU's vCPU thread was not found; its wait for a CPU is unknown")
	}

	counted, excused := judgeAnomalies(r.Lines, hw, excuseHost)
	if len(excused) > 0 {
		t.Logf("%d anomalies excused (%s=1): the vCPU thread's wait for a host CPU accounts for them:\n%s",
			len(excused), soakExcuseEnv, strings.Join(excused, "\n"))
	}
	if len(counted) > 0 {
		hint := ""
		if !excuseHost {
			hint = fmt.Sprintf("\n(on a busy shared host, %s=1 excuses the timing anomalies the vCPU thread's measured wait accounts for)", soakExcuseEnv)
		}
		r.errorf(t, "the program reported %d anomalies:\n%s%s", len(counted), strings.Join(counted, "\n"), hint)
	}
	if r.Err != nil {
		r.fatalf(t, "QEMU run failed: %v", r.Err)
	}
	switch {
	case r.ExitCode == 0:
	case r.ExitCode == 1 && len(excused) > 0 && len(counted) == 0:
		// The program counts every anomaly; the test excused them all.
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
	// The guest's clock is the TSC at the frequency the kernel
	// calibrated, and under TCG and KVM alike the guest's TSC runs with
	// the host's, stalls or not: the guest's d is the host's d, give or
	// take the calibration (TestTSCFrequency allows 10%) and the up to
	// 10 s the program waits for its activities to stop.
	ran := done.At.Sub(begin.At)
	if longest := min(d+time.Minute, d+d/10+15*time.Second); ran < d-2*time.Second || ran > longest {
		r.errorf(t, "the host saw the soak run %v, want about %v (at most %v): is the guest's clock (the TSC calibration in the banner) off?",
			ran.Round(time.Second), d, longest)
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
	// but most must arrive: in the whole run, or (with the host's wait
	// excused) in the time the host let the vCPU thread run.
	ranFor := d
	if excuseHost {
		ranFor -= hw.total()
	}
	if ticks, _ := strconv.ParseInt(counts["ticks"], 10, 64); float64(ticks) < 0.5*float64(ranFor/(20*time.Millisecond)) {
		r.errorf(t, "%d ticks of a 20 ms ticker in %v (%v of it counted), fewer than half", ticks, d, ranFor.Round(time.Second))
	}
	t.Logf("final figures (%v on the host, worst gap between summaries %v, %d anomalies excused as the host's):\n%s",
		ran.Round(time.Second), worst.Round(time.Millisecond), len(excused), done.Text)
}

// judgeAnomalies sorts the program's "soak: ANOMALY" lines into those
// that count and those excused as the host's doing. Only with excuseHost,
// and only a timing anomaly that reports how long the guest waited (a
// stall, a late sleep, timer or tick, a signal not delivered in time),
// can be excused, and only when the vCPU thread's own wait for a host CPU
// over that stall leaves no more than the program's stall limit
// unexplained: stall − vCPU wait ≤ soakStall. An activity that "made no
// progress" is judged by the whole stall, from the watchdog's later
// "resumed after" note; one that never resumed is stuck and always
// counts, as do wrong results and the activities not stopping at the end.
func judgeAnomalies(lines []stampedLine, hw *hostWait, excuseHost bool) (counted, excused []string) {
	for i, l := range lines {
		text, ok := strings.CutPrefix(l.Text, "soak: ANOMALY at ")
		if !ok {
			continue
		}
		if _, what, ok := strings.Cut(text, ": "); ok {
			text = what
		}
		stall, end, why := anomalyStall(text, lines[i:])
		if stall == 0 {
			counted = append(counted, fmt.Sprintf("%s  [%s: never excused]", l.Text, why))
			continue
		}
		if !hw.found() {
			counted = append(counted, fmt.Sprintf("%s  [a %v stall; the vCPU thread's wait for a host CPU is unknown]", l.Text, stall))
			continue
		}
		w := hw.waitedBetween(end.Add(-stall-hostWaitPeriod), end)
		a := fmt.Sprintf("%s  [a %v stall; the vCPU thread waited %v for a host CPU over it]", l.Text, stall, w.Round(time.Millisecond))
		if excuseHost && stall-w <= soakStall {
			excused = append(excused, a)
		} else {
			counted = append(counted, a)
		}
	}
	return counted, excused
}

// Anomalies that report a stall, and what in them is the stall's length.
var (
	noProgressRE = regexp.MustCompile(`^(\S+) made no progress for \S+ \(lost wake-up\?\)$`)
	lateRE       = regexp.MustCompile(`^(?:the \S+ ticker stalled for (\S+)|time\.Sleep\(\S+\) returned (\S+) late|time\.After\(\S+\) fired (\S+) late|AfterFunc: the last of \d+ timers fired (\S+) late|SIGUSR1 not delivered within (\S+) of kill)$`)
)

// anomalyStall returns how long the guest stalled in the anomaly text,
// the first line of rest, and when (host time) the stall ended; or 0 and
// why the anomaly is not a stall that could be excused.
func anomalyStall(text string, rest []stampedLine) (time.Duration, time.Time, string) {
	if m := noProgressRE.FindStringSubmatch(text); m != nil {
		resumed := "soak: note at "
		for _, l := range rest[1:] {
			if note, ok := strings.CutPrefix(l.Text, resumed); ok {
				if _, what, ok := strings.Cut(note, ": "); ok {
					if d, ok := strings.CutPrefix(what, m[1]+" resumed after "); ok {
						if stall, err := time.ParseDuration(d); err == nil && stall > 0 {
							return stall, l.At, ""
						}
					}
				}
			}
		}
		return 0, time.Time{}, m[1] + " never resumed"
	}
	if m := lateRE.FindStringSubmatch(text); m != nil {
		for _, s := range m[1:] {
			if s == "" {
				continue
			}
			if stall, err := time.ParseDuration(s); err == nil && stall > 0 {
				return stall, rest[0].At, ""
			}
		}
	}
	return 0, time.Time{}, "not a stall"
}

// hostWait follows, while QEMU runs, how long its vCPU threads have
// waited for a host CPU: the second field of /proc/PID/task/TID/schedstat
// (nanoseconds spent runnable but not running) of the threads QEMU names
// "CPU N/TCG" or "CPU N/KVM" (with -name ...,debug-threads=on). The
// guest's clock runs on while its vCPU waits, so the guest sees that
// wait as a stall.
type hostWait struct {
	mu      sync.Mutex
	pid     int
	names   map[string]string // vCPU thread id → its name
	samples []hostWaitSample
}

type hostWaitSample struct {
	At   time.Time
	Wait map[string]time.Duration // vCPU thread id → cumulative wait
}

// hostWaitPeriod is how often watchHostWait samples.
const hostWaitPeriod = 250 * time.Millisecond

// vcpuThreadRE matches the names QEMU gives its vCPU threads.
var vcpuThreadRE = regexp.MustCompile(`^CPU \d+/(TCG|KVM)$`)

// watchHostWait finds the QEMU process whose command line mentions marker
// (the image path) and samples its vCPU threads every hostWaitPeriod
// until stop closes.
func watchHostWait(marker string, stop <-chan struct{}) *hostWait {
	hw := &hostWait{names: map[string]string{}}
	go func() {
		tick := time.NewTicker(hostWaitPeriod)
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
				if w, ok := vcpuWait(hw.pid, hw.names); ok {
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

// vcpuWait reads the run-queue wait of pid's vCPU threads, adding their
// names to names; false when it found none.
func vcpuWait(pid int, names map[string]string) (map[string]time.Duration, bool) {
	dir := "/proc/" + strconv.Itoa(pid) + "/task"
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, false
	}
	w := map[string]time.Duration{}
	for _, e := range ents {
		comm, err := os.ReadFile(dir + "/" + e.Name() + "/comm")
		name := strings.TrimSpace(string(comm))
		if err != nil || !vcpuThreadRE.MatchString(name) {
			continue
		}
		b, err := os.ReadFile(dir + "/" + e.Name() + "/schedstat")
		if err != nil {
			continue
		}
		if f := strings.Fields(string(b)); len(f) >= 2 {
			if n, err := strconv.ParseInt(f[1], 10, 64); err == nil {
				w[e.Name()] = time.Duration(n)
				names[e.Name()] = name
			}
		}
	}
	return w, len(w) > 0
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

// threadNames returns the vCPU threads followed, "CPU 0/TCG (tid 1234)".
func (hw *hostWait) threadNames() []string {
	hw.mu.Lock()
	defer hw.mu.Unlock()
	var s []string
	for tid, name := range hw.names {
		s = append(s, fmt.Sprintf("%s, tid %s", name, tid))
	}
	sort.Strings(s)
	return s
}

// total returns how long the most-waiting vCPU thread waited over the run.
func (hw *hostWait) total() time.Duration {
	hw.mu.Lock()
	defer hw.mu.Unlock()
	if len(hw.samples) < 2 {
		return 0
	}
	return maxGrowth(hw.samples[0], hw.samples[len(hw.samples)-1])
}

// waitedBetween returns the largest wait of one vCPU thread from the last
// sample at or before from to the first sample at or after to (the
// samples' span covers [from, to] when the samples do).
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

// worst returns the largest wait of one vCPU thread over any span of
// about window, and when that span ended.
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

// TestSoakJudge checks judgeAnomalies on made-up runs: which anomalies a
// measured vCPU wait excuses (only with excuseHost, and only in
// proportion to the stall) and which never are.
func TestSoakJudge(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	// The vCPU thread (tid 7) waits 2.5 s between 10 s and 12.5 s into
	// the run, 1.5 s between 20 s and 21.5 s, and not otherwise.
	var waits []hostWaitSample
	var cum time.Duration
	for i := 0; i <= 160; i++ {
		s := float64(i) * hostWaitPeriod.Seconds()
		if (s > 10 && s <= 12.5) || (s > 20 && s <= 21.5) {
			cum += hostWaitPeriod
		}
		waits = append(waits, hostWaitSample{at(s), map[string]time.Duration{"7": cum}})
	}
	hw := &hostWait{names: map[string]string{"7": "CPU 0/TCG"}, samples: waits}

	lines := []stampedLine{
		// A 3 s stall ending at 13 s: 2.5 s of it the vCPU's wait.
		{"soak: ANOMALY at t=13s: the 20ms ticker stalled for 3s", at(13)},
		// A 3 s stall ending at 22 s: only 1.5 s explained.
		{"soak: ANOMALY at t=22s: the 20ms ticker stalled for 3s", at(22)},
		// Detected after 1.3 s; the whole stall (3.2 s, up to 13 s)
		// is in the later note.
		{"soak: ANOMALY at t=11.1s: exchange made no progress for 1.3s (lost wake-up?)", at(11.1)},
		{"soak: note at t=13s: exchange resumed after 3.2s", at(13)},
		// Never resumed: stuck, whatever the host did.
		{"soak: ANOMALY at t=11.2s: spinner made no progress for 31.4s (lost wake-up?)", at(11.2)},
		{"soak: ANOMALY at t=12.9s: SIGUSR1 not delivered within 2s of kill", at(12.9)},
		{"soak: ANOMALY at t=12.4s: time.Sleep(20ms) returned 2.1s late", at(12.4)},
		{"soak: ANOMALY at t=12.5s: time.After(5ms) fired 1.9s late", at(12.5)},
		{"soak: ANOMALY at t=12.6s: AfterFunc: the last of 33 timers fired 2.2s late", at(12.6)},
		// Late, but with no host wait around it.
		{"soak: ANOMALY at t=35s: time.After(5ms) fired 1.9s late", at(35)},
		// Wrong results and a hang at the end: never excused.
		{"soak: ANOMALY at t=12s: pipeline: sent 5, got 7 back, want 69", at(12)},
		{"soak: ANOMALY at t=12.1s: AfterFunc: 32 of 33 timers fired (17 stopped)", at(12.1)},
		{"soak: ANOMALY at t=12.2s: time.Sleep(10ms) returned after 9ms", at(12.2)},
		{"soak: ANOMALY at t=40s: the activities did not stop within 10 s", at(12.5)},
		{"soak: t=20s: msgs=1", at(20)},
	}
	wantExcused := []string{
		"the 20ms ticker stalled for 3s  [a 3s stall; the vCPU thread waited 2.5s",
		"exchange made no progress for 1.3s",
		"SIGUSR1 not delivered within 2s",
		"time.Sleep(20ms) returned 2.1s late",
		"time.After(5ms) fired 1.9s late  [a 1.9s stall; the vCPU thread waited 2.25s",
		"AfterFunc: the last of 33 timers fired 2.2s late",
	}
	wantCounted := []string{
		"the 20ms ticker stalled for 3s  [a 3s stall; the vCPU thread waited 1.5s",
		"spinner made no progress for 31.4s (lost wake-up?)  [spinner never resumed: never excused]",
		"time.After(5ms) fired 1.9s late  [a 1.9s stall; the vCPU thread waited 0s",
		"pipeline: sent 5, got 7 back, want 69  [not a stall: never excused]",
		"AfterFunc: 32 of 33 timers fired (17 stopped)  [not a stall: never excused]",
		"time.Sleep(10ms) returned after 9ms  [not a stall: never excused]",
		"the activities did not stop within 10 s  [not a stall: never excused]",
	}
	check := func(name string, got, want []string) {
		t.Helper()
		if len(got) != len(want) {
			t.Errorf("%s: %d anomalies, want %d:\n%s", name, len(got), len(want), strings.Join(got, "\n"))
			return
		}
		for i := range want {
			if !strings.Contains(got[i], want[i]) {
				t.Errorf("%s[%d] = %q, want it to contain %q", name, i, got[i], want[i])
			}
		}
	}

	counted, excused := judgeAnomalies(lines, hw, true)
	check("excused", excused, wantExcused)
	check("counted", counted, wantCounted)

	// Strict (the default): all of them count.
	counted, excused = judgeAnomalies(lines, hw, false)
	if len(excused) != 0 || len(counted) != len(wantExcused)+len(wantCounted) {
		t.Errorf("strict: %d excused, %d counted; want 0 and %d", len(excused), len(counted), len(wantExcused)+len(wantCounted))
	}

	// No vCPU thread found: nothing can be excused.
	counted, excused = judgeAnomalies(lines, &hostWait{}, true)
	if len(excused) != 0 || len(counted) != len(wantExcused)+len(wantCounted) {
		t.Errorf("wait unknown: %d excused, %d counted; want 0 and %d", len(excused), len(counted), len(wantExcused)+len(wantCounted))
	}
}
