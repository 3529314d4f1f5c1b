package tests

// The Go runtime on gobare (issue 4): tests/programs/rtcheck boots twice,
// once as a prebuilt ELF that enters at its own _rt0_amd64_linux ("stock")
// and once built from source by mkimage with gobare's rt/ linked in
// ("rt", mkimage build -rt=on), and every check must pass both ways:
//
//   - TestRuntime: one boot per entry (-m 256) runs goroutines, mutex,
//     gcalloc, timers, nilderef, preempt, cryptorand and wallclock; each
//     check is a subtest that reads what the program measured from the
//     console and asserts it here, on the host.
//   - TestRuntimePanic, TestRuntimeDeadlock: the runtime's own fatal
//     reports and exit status 2.
//   - TestRuntimeStdin: a line and a whole input piped into `mkimage run`.
//
// The images are made once per test run; each boot has a timeout, and a
// failure prints the whole console.

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gobare/gobare/qemu"
)

// rtEntries are the two ways every runtime check boots: the prebuilt ELF
// with the stock entry, and the program built from source through rt/.
var rtEntries = []string{"stock", "rt"}

// rtcheckMemMiB is the guest RAM for rtcheck: gcalloc allocates 400 MiB in
// total inside it.
const rtcheckMemMiB = 256

// rtcheckTimeout bounds a boot of rtcheck running every check. Under TCG
// on a busy 2-core host it takes 3 to 8 s.
const rtcheckTimeout = 2 * time.Minute

// forEachRTEntry runs f for each of rtEntries, in parallel subtests named
// after the entries.
func forEachRTEntry(t *testing.T, f func(t *testing.T, entry string)) {
	for _, entry := range rtEntries {
		t.Run(entry, func(t *testing.T) {
			t.Parallel()
			f(t, entry)
		})
	}
}

// entryProgram returns the mkimage arguments that name tests/programs/NAME
// for entry: "stock" is the prebuilt ELF (testProgram), "rt" the package,
// which mkimage builds from source with -rt=on.
func entryProgram(tb testing.TB, name, entry string) []string {
	tb.Helper()
	switch entry {
	case "stock":
		return []string{testProgram(tb, name)}
	case "rt":
		return []string{"-rt=on", filepath.Join(repoRoot(tb), "tests", "programs", name)}
	}
	tb.Fatalf("unknown entry %q", entry)
	return nil
}

// mkimageBuildImage runs `mkimage build -o OUT args...` from the source
// tree's root, with a timeout, and returns OUT. env is added to mkimage's
// environment.
func mkimageBuildImage(tool, root, out string, env []string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, tool, append([]string{"build", "-o", out}, args...)...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), env...)
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("%s mkimage build -o %s %s: %v\n%s", strings.Join(env, " "), out, quoteArgs(args), err, b)
	}
	return out, nil
}

// rtcheckImage makes, once per test run, the image of rtcheck for entry:
// "stock" embeds the prebuilt ELF (testProgram), "rt" has mkimage build
// the package with -rt=on. The image has no arguments: a boot picks the
// checks with RTCHECK=... on the kernel command line.
func rtcheckImage(tb testing.TB, entry string) string {
	tb.Helper()
	tool, root := mkimageTool(tb), repoRoot(tb)
	args := entryProgram(tb, "rtcheck", entry)
	return builtOnce(tb, "rtcheck image "+entry, func() (string, error) {
		return mkimageBuildImage(tool, root, filepath.Join(shared.dir, "rtcheck-"+entry+".img"), nil, args...)
	})
}

// rtBanner is the kernel's line naming the program and its entry.
func rtBanner(name, entry string) string {
	if entry == "rt" {
		return "gobare: running " + name + " via rt/'s rt0 (FS base by WRMSR), entry 0x"
	}
	return "gobare: running " + name + " via its own entry _rt0_amd64_linux, 0x"
}

// stampedLine is a console line and when the host received its newline.
type stampedLine struct {
	Text string
	At   time.Time
}

// stampWriter keeps the console and the arrival time of every line.
type stampWriter struct {
	mu      sync.Mutex
	all     bytes.Buffer
	partial []byte
	lines   []stampedLine
	onLine  func(stampedLine) // called, with mu held, for each complete line; may be nil
}

func (w *stampWriter) Write(p []byte) (int, error) {
	now := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.all.Write(p)
	for _, c := range p {
		switch c {
		case '\n':
			// The serial console sends each "\n" as "\r\n"
			// (serialText): drop that one "\r", keep any other.
			l := stampedLine{string(bytes.TrimSuffix(w.partial, []byte("\r"))), now}
			w.lines = append(w.lines, l)
			w.partial = w.partial[:0]
			if w.onLine != nil {
				w.onLine(l)
			}
		default:
			w.partial = append(w.partial, c)
		}
	}
	return len(p), nil
}

// stampedBoot is a finished boot with the console's lines timed.
type stampedBoot struct {
	bootRun
	Lines      []stampedLine
	Start, End time.Time // host clock just before QEMU started and after it ended
}

// bootStamped is boot (helpers_test.go) that also records when each
// console line arrived. cfg.Accel defaults to TCG and cfg.Timeout to
// bootTimeout.
func bootStamped(tb testing.TB, cfg qemu.Config) stampedBoot {
	tb.Helper()
	return bootStampedFunc(tb, cfg, nil)
}

// bootStampedFunc is bootStamped that calls onLine (if not nil) with each
// console line as it arrives.
func bootStampedFunc(tb testing.TB, cfg qemu.Config, onLine func(stampedLine)) stampedBoot {
	tb.Helper()
	needQEMU(tb)
	if cfg.Accel == "" {
		cfg.Accel = "tcg"
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = bootTimeout
	}
	w := stampWriter{onLine: onLine}
	var stderr bytes.Buffer
	cfg.Stdout, cfg.Stderr = &w, &stderr
	start := time.Now()
	res, err := qemu.Run(context.Background(), cfg)
	end := time.Now()
	if stderr.Len() > 0 {
		tb.Logf("launcher messages:\n%s", stderr.String())
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	r := stampedBoot{
		bootRun: bootRun{Result: res, Err: err, Wall: end.Sub(start),
			Console: serialText(w.all.String())},
		Lines: append([]stampedLine(nil), w.lines...),
		Start: start, End: end,
	}
	return r
}

// rtcheckBoot boots the rtcheck image for entry running checks (joined
// into RTCHECK on the kernel command line).
func rtcheckBoot(tb testing.TB, entry string, accel string, timeout time.Duration, checks ...string) stampedBoot {
	tb.Helper()
	img := rtcheckImage(tb, entry)
	r := bootStamped(tb, qemu.Config{
		Kernel:    img,
		Append:    "RTCHECK=" + strings.Join(checks, ","),
		MemoryMiB: rtcheckMemMiB,
		Accel:     accel,
		Timeout:   timeout,
	})
	tb.Logf("%s: RTCHECK=%s: exit %d after %v in QEMU/%s", entry, strings.Join(checks, ","), r.ExitCode, r.Elapsed.Round(time.Millisecond), r.Accel)
	return r
}

// rtcheckResult is what one check printed.
type rtcheckResult struct {
	Started, OK bool
	Lines       []string // "KEY VALUE..." lines, without "rtcheck: NAME: "
	Fails       []string
	Begin, End  time.Time // arrival of the "start" line and of the verdict
}

// parseRtcheck sorts rtcheck's console lines by check.
func parseRtcheck(lines []stampedLine) map[string]*rtcheckResult {
	res := map[string]*rtcheckResult{}
	for _, l := range lines {
		rest, ok := strings.CutPrefix(l.Text, "rtcheck: ")
		if !ok {
			continue
		}
		name, msg, ok := strings.Cut(rest, ": ")
		if !ok {
			continue
		}
		r := res[name]
		if r == nil {
			r = &rtcheckResult{}
			res[name] = r
		}
		switch {
		case msg == "start":
			r.Started, r.Begin = true, l.At
		case msg == "ok":
			r.OK, r.End = true, l.At
		case strings.HasPrefix(msg, "FAIL: "):
			r.Fails, r.End = append(r.Fails, strings.TrimPrefix(msg, "FAIL: ")), l.At
		default:
			r.Lines = append(r.Lines, msg)
		}
	}
	return res
}

// lineAt returns the arrival time of the first console line equal to text.
func (r stampedBoot) lineAt(text string) (time.Time, bool) {
	for _, l := range r.Lines {
		if l.Text == text {
			return l.At, true
		}
	}
	return time.Time{}, false
}

// rtcheckHangHints say what a check that never finishes points at.
var rtcheckHangHints = map[string]string{
	"goroutines": " (a lost futex wake-up between threads?)",
	"mutex":      " (a lost futex wake-up between threads?)",
	"gcalloc":    " (out of memory, or the scavenger's MADV_DONTNEED?)",
	"timers":     " (a timer never fired: epoll_pwait timeouts or the eventfd wake-up?)",
	"nilderef":   " (SIGSEGV not delivered as a signal, or rt_sigreturn?)",
	"preempt":    ": runtime.GC() never returned while a goroutine spun with no calls, so asynchronous preemption (tgkill SIGURG) does not work",
	"cryptorand": " (getrandom?)",
}

// rtcheckOutcome is one entry's run of every check, for the cross-run
// comparisons at the end of TestRuntime.
type rtcheckOutcome struct {
	randomBytes []string
}

// TestRuntime runs every check of rtcheck in one boot per entry and
// asserts each check's measurements in a subtest of its own.
func TestRuntime(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	outcomes := map[string]*rtcheckOutcome{}
	t.Run("entries", func(t *testing.T) {
		forEachRTEntry(t, func(t *testing.T, entry string) {
			out := &rtcheckOutcome{}
			runtimeChecks(t, entry, out)
			mu.Lock()
			outcomes[entry] = out
			mu.Unlock()
		})
	})
	// Two boots must not draw the same random bytes: a generator seeded
	// with a constant would pass each boot's own check.
	seen := map[string]string{}
	for entry, o := range outcomes {
		for _, b := range o.randomBytes {
			if prev, ok := seen[b]; ok {
				t.Errorf("crypto/rand gave the same 32 bytes %s in the %s and the %s boots", b, prev, entry)
			}
			seen[b] = entry
		}
	}
}

// runtimeChecks boots rtcheck "all" for entry and checks each result.
func runtimeChecks(t *testing.T, entry string, out *rtcheckOutcome) {
	r := rtcheckBoot(t, entry, "auto", rtcheckTimeout, "all")
	res := parseRtcheck(r.Lines)

	// The boot itself: the right entry, every check reported, exit 0.
	if !strings.Contains(r.Console, rtBanner("rtcheck", entry)) {
		r.errorf(t, "no banner %q", rtBanner("rtcheck", entry))
	}
	var unfinished string
	for _, name := range []string{"goroutines", "mutex", "gcalloc", "timers", "nilderef", "preempt", "cryptorand", "wallclock"} {
		if c := res[name]; c != nil && c.Started && !c.OK && len(c.Fails) == 0 {
			unfinished = name
		}
	}
	switch {
	case errors.Is(r.Err, qemu.ErrTimeout) && unfinished != "":
		r.errorf(t, "the guest ran past %v: check %q started and never finished", rtcheckTimeout, unfinished)
	case r.Err != nil:
		r.errorf(t, "QEMU run failed: %v (last check started: %q)", r.Err, unfinished)
	case r.ExitCode != 0:
		r.errorf(t, "exit status %d, want 0 (last check started without a verdict: %q)", r.ExitCode, unfinished)
	}
	if t.Failed() {
		// The console has been printed once; the subtests below say
		// which checks passed, without repeating it.
		r.Console = "(printed above)\n"
	}

	// get returns the named check's result, failing t when it has none.
	get := func(t *testing.T, name string) *rtcheckResult {
		t.Helper()
		c := res[name]
		switch {
		case c == nil || !c.Started:
			r.fatalf(t, "rtcheck never started check %s", name)
		case !c.OK && len(c.Fails) == 0:
			r.fatalf(t, "check %s started but reported nothing: the program hung or died during it%s", name, rtcheckHangHints[name])
		case len(c.Fails) > 0:
			r.errorf(t, "rtcheck reports %s failed: %q", name, c.Fails)
		}
		t.Logf("%s: %s", name, strings.Join(c.Lines, "; "))
		return c
	}
	// find returns the submatches of re in the first line of c that
	// matches, failing t when none does.
	find := func(t *testing.T, c *rtcheckResult, re string) []string {
		t.Helper()
		rx := regexp.MustCompile("^" + re + "$")
		for _, l := range c.Lines {
			if m := rx.FindStringSubmatch(l); m != nil {
				return m
			}
		}
		r.fatalf(t, "no line matching %q among %q", re, c.Lines)
		return nil
	}
	num := func(t *testing.T, s string) int64 {
		t.Helper()
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	t.Run("goroutines", func(t *testing.T) {
		c := get(t, "goroutines")
		m := find(t, c, `ring (\d+) goroutines (\d+) laps token (\d+)`)
		if n, laps, tok := num(t, m[1]), num(t, m[2]), num(t, m[3]); n < 1000 || tok != n*laps {
			r.errorf(t, "ring of %d goroutines, %d laps: token %d, want %d", n, laps, tok, n*laps)
		}
		m = find(t, c, `fan-out (\d+) workers (\d+) items sum (\d+) want (\d+)`)
		if m[3] != m[4] {
			r.errorf(t, "fan-in sum %s, want %s", m[3], m[4])
		}
		if p := num(t, find(t, c, `peak goroutines (\d+)`)[1]); p < 1000 {
			r.errorf(t, "at most %d goroutines at once, want 1000+", p)
		}
	})

	t.Run("mutex", func(t *testing.T) {
		c := get(t, "mutex")
		m := find(t, c, `count (\d+) want (\d+) goroutines (\d+) took .*`)
		if m[1] != m[2] || m[3] != "8" {
			r.errorf(t, "count %s with %s goroutines, want %s with 8", m[1], m[3], m[2])
		}
	})

	t.Run("gcalloc", func(t *testing.T) {
		c := get(t, "gcalloc")
		m := find(t, c, `MemStats TotalAlloc=(\d+) Sys=(\d+) HeapSys=(\d+) HeapInuse=(\d+) HeapReleased=(\d+) NumGC=(\d+) PauseTotalNs=(\d+)`)
		total, sys, numGC := num(t, m[1]), num(t, m[2]), num(t, m[6])
		if total < 400<<20 {
			r.errorf(t, "MemStats.TotalAlloc %d, want at least 400 MiB", total)
		}
		if numGC < 2 {
			r.errorf(t, "MemStats.NumGC %d, want at least 2", numGC)
		}
		if sys >= rtcheckMemMiB<<20 {
			r.errorf(t, "MemStats.Sys %d MiB: more than the machine's %d MiB", sys>>20, rtcheckMemMiB)
		}
		t.Logf("TotalAlloc %d MiB, Sys %d MiB, NumGC %d in -m %d", total>>20, sys>>20, numGC, rtcheckMemMiB)
	})

	t.Run("timers", func(t *testing.T) {
		c := get(t, "timers")
		for _, tc := range []struct {
			re   string
			want int64
		}{
			{`sleep 300ms took (\d+)ms`, 300},
			{`after 300ms took (\d+)ms`, 300},
			{`ticker 5x100ms took (\d+)ms`, 500},
		} {
			// Loose: never early, and not absurdly late (a busy
			// host can delay a TCG guest by seconds).
			if got := num(t, find(t, c, tc.re)[1]); got < tc.want || got > tc.want+5000 {
				r.errorf(t, "%q: %d ms, want %d to %d ms", tc.re, got, tc.want, tc.want+5000)
			}
		}
		// The guest's clock against the host's: the lines around the
		// three waits (1.1 s by the guest's clock) must arrive at least
		// about that far apart. A guest clock running fast would make
		// them arrive early.
		guest := time.Duration(num(t, find(t, c, `total (\d+)ms`)[1])) * time.Millisecond
		b, ok1 := r.lineAt("rtcheck: timers: begin")
		e, ok2 := r.lineAt("rtcheck: timers: end")
		if !ok1 || !ok2 {
			r.fatalf(t, "no timers begin/end lines")
		}
		host := e.Sub(b)
		t.Logf("the waits took %v by the guest's clock, %v by the host's", guest, host.Round(time.Millisecond))
		if host < 900*time.Millisecond || host > 1100*time.Millisecond+10*time.Second {
			r.errorf(t, "the host saw %v between the timers' begin and end lines; 1.1 s of waits should take 0.9 s to 11 s", host)
		}
	})

	t.Run("nilderef", func(t *testing.T) {
		c := get(t, "nilderef")
		n := 0
		for _, l := range c.Lines {
			if l == "recovered runtime error: invalid memory address or nil pointer dereference" {
				n++
			}
		}
		if n != 2 {
			r.errorf(t, "%d of 2 nil dereferences recovered with Go's message \"runtime error: invalid memory address or nil pointer dereference\"", n)
		}
	})

	t.Run("preempt", func(t *testing.T) {
		c := get(t, "preempt")
		m := find(t, c, `runtime.GC\(\) returned after (\S+) with GOMAXPROCS=1, NumGC (\d+) -> (\d+), spinner looped (\d+) times`)
		if num(t, m[3]) <= num(t, m[2]) {
			r.errorf(t, "NumGC %s -> %s: runtime.GC() did not run a collection", m[2], m[3])
		}
	})

	t.Run("cryptorand", func(t *testing.T) {
		c := get(t, "cryptorand")
		var got []string
		for _, l := range c.Lines {
			if h, ok := strings.CutPrefix(l, "bytes "); ok {
				b, err := hex.DecodeString(h)
				if err != nil || len(b) != 32 {
					r.fatalf(t, "bad bytes line %q", l)
				}
				if bytes.Equal(b, make([]byte, 32)) {
					r.errorf(t, "crypto/rand gave 32 zero bytes")
				}
				got = append(got, h)
			}
		}
		if len(got) != 2 || got[0] == got[1] {
			r.errorf(t, "want two different 32-byte reads, got %q", got)
		}
		out.randomBytes = got
	})

	t.Run("wallclock", func(t *testing.T) {
		c := get(t, "wallclock")
		unix := num(t, find(t, c, `unix (-?\d+)`)[1])
		// The guest reads the CMOS clock at boot: within a few seconds
		// of the host's time during the run.
		lo, hi := r.Start.Unix()-5, r.End.Unix()+5
		if unix < lo || unix > hi {
			r.errorf(t, "time.Now().Unix() = %d (%s); the host's clock said %d to %d during the run (±5 s)",
				unix, time.Unix(unix, 0).UTC().Format(time.RFC3339), r.Start.Unix(), r.End.Unix())
		}
		t.Logf("guest %d, host %d..%d", unix, r.Start.Unix(), r.End.Unix())
	})
}

// TestRuntimePanic: an unrecovered panic exits 2 with Go's own report and
// a traceback naming the panicking function.
func TestRuntimePanic(t *testing.T) {
	t.Parallel()
	forEachRTEntry(t, func(t *testing.T, entry string) {
		r := rtcheckBoot(t, entry, "tcg", bootTimeout, "panic")
		r.wantExit(t, 2)
		r.wantContains(t, rtBanner("rtcheck", entry),
			"\npanic: rtcheck: deliberate panic in main.explode\n",
			"\ngoroutine 1 [running]:\n",
			"\nmain.explode()\n",
			"\nmain.main()\n")
		if strings.Contains(r.Console, "rtcheck: done:") {
			r.fatalf(t, "the program went on after the panic")
		}
	})
}

// TestRuntimeDeadlock: select {} with nothing else to run is the
// runtime's fatal deadlock, exit status 2.
func TestRuntimeDeadlock(t *testing.T) {
	t.Parallel()
	forEachRTEntry(t, func(t *testing.T, entry string) {
		r := rtcheckBoot(t, entry, "tcg", bootTimeout, "deadlock")
		if errors.Is(r.Err, qemu.ErrTimeout) {
			r.fatalf(t, "select {} hung instead of the runtime's deadlock report")
		}
		r.wantExit(t, 2)
		r.wantContains(t, rtBanner("rtcheck", entry),
			"\nfatal error: all goroutines are asleep - deadlock!\n",
			"\ngoroutine 1 [select (no cases)]:\n",
			"\nmain.deadlock(")
	})
}

// TestRuntimeStdin pipes input into `mkimage run`: one line read with
// bufio, and a whole input read with io.ReadAll, which ends where the
// piped input ends (tests/streams_test.go has the byte-exact checks).
func TestRuntimeStdin(t *testing.T) {
	t.Parallel()
	forEachRTEntry(t, func(t *testing.T, entry string) {
		prog := entryProgram(t, "rtcheck", entry)
		run := func(t *testing.T, input, check string) mkimageRun {
			t.Helper()
			args := append([]string{"run", "-accel", "tcg", "-timeout", bootTimeout.String()}, prog...)
			r := runMkimageIO(t, "", nil, strings.NewReader(input), append(args, check)...)
			t.Logf("mkimage run %s: %v", check, r.Wall.Round(time.Millisecond))
			if r.Code == 124 {
				r.fatalf(t, "the guest ran past -timeout %v: did the program wait for input that never came?", bootTimeout)
			}
			r.wantExit(t, 0)
			if !strings.Contains(r.Kernel, rtBanner("rtcheck", entry)) {
				r.fatalf(t, "no banner %q", rtBanner("rtcheck", entry))
			}
			return r
		}
		t.Run("line", func(t *testing.T) {
			t.Parallel()
			r := run(t, "hello gobare\n", "stdin-line")
			r.wantLines(t, `rtcheck: stdin-line: line "hello gobare\n" err <nil>`, "rtcheck: stdin-line: ok")
		})
		t.Run("readall", func(t *testing.T) {
			t.Parallel()
			input := "hello gobare\nsecond line\n"
			r := run(t, input, "stdin-all")
			r.wantLines(t, "rtcheck: stdin-all: ok", "rtcheck: stdin-all: lines 2")
			want := fmt.Sprintf("rtcheck: stdin-all: read %d bytes %q err <nil> in ", len(input), input)
			if !strings.Contains(r.Stdout, "\n"+want) {
				r.fatalf(t, "console lacks a line beginning %q", want)
			}
		})
	})
}

// imageProgram returns the program ELF embedded in a gobare image: the
// first x86-64 ELF header on a page boundary after the kernel's own (the
// image is the kernel's memory image with the program appended, page
// aligned; see internal/image.Make). Trailing bytes after the program do
// not bother debug/elf or debug/buildinfo.
func imageProgram(img []byte) ([]byte, error) {
	const page = 4096
	for off := page; off+64 <= len(img); off += page {
		b := img[off:]
		if string(b[:7]) == "\x7fELF\x02\x01\x01" && binary.LittleEndian.Uint16(b[16:]) == 2 && binary.LittleEndian.Uint16(b[18:]) == 62 {
			return b, nil
		}
	}
	return nil, errors.New("no x86-64 ELF executable embedded in the image")
}
