package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/gobare/gobare/bench/internal/stats"
)

// A row of the table: a key of the program's (or the harness's) results.
type row struct {
	key, label string
	unit       string // of the values: "ns", "us" or "ms"
	noRatio    bool   // a count, not a cost, or not the same thing on both systems
	// speedup, when set, makes the row the ratio of the medians of two
	// other rows (one CPU's time over two CPUs'), not a key of its own.
	speedup [2]string
}

var rows = []row{
	{key: "hello_first_line_ms", label: "boot: QEMU start → first line of main.main (host clock; native: process start)", unit: "ms"},
	{key: "hello_main_boottime_ms", label: "boot: CLOCK_BOOTTIME at main.main (guest clock)", unit: "ms"},
	{key: "hello_exit_ms", label: "hello: QEMU start → QEMU exit (native: process start → exit)", unit: "ms"},
	{key: "hello_smp4_main_boottime_ms", label: "boot on 4 CPUs (-smp 4): CLOCK_BOOTTIME at main.main", unit: "ms"},
	{key: "hello_smp4_exit_ms", label: "hello on 4 CPUs: QEMU start → QEMU exit", unit: "ms"},
	{key: "avx2", label: "(AVX2 usable by the Go runtime: 1 yes, 0 no)", unit: "", noRatio: true},
	{key: "syscall_ns", label: "system call round trip (getpid, syscall.RawSyscall)", unit: "ns"},
	{key: "clock_ns", label: "time.Now", unit: "ns"},
	{key: "pagefault_ns", label: "page fault: first touch of a page of a fresh 16 MiB mmap, per page", unit: "ns"},
	{key: "chan_ns", label: "goroutine switch: unbuffered channel ping-pong, per round trip", unit: "ns"},
	{key: "mutex_ns", label: "sync.Mutex, 4 goroutines contending, per Lock+Unlock", unit: "ns"},
	{key: "sleep1ms_us", label: "time.Sleep(1 ms): median lateness", unit: "us"},
	{key: "sleep1ms_p99_us", label: "time.Sleep(1 ms): 99th percentile lateness", unit: "us"},
	{key: "sleep100us_us", label: "time.Sleep(100 µs): median lateness", unit: "us"},
	{key: "ticker_jitter_us", label: "1 ms ticker: mean \\|interval − 1 ms\\|", unit: "us"},
	{key: "preempt_wake_us", label: "1 ms sleeper's lateness while a goroutine spins (async preemption, one P)", unit: "us"},
	{key: "gc_alloc_ns", label: "GC-heavy allocation: 4 Mi × 64 B objects, 2 MiB live, per allocation", unit: "ns"},
	{key: "gc_cycles", label: "(collections during it)", unit: "", noRatio: true},
	{key: "sha256_ms", label: "crypto/sha256 of 16 MiB", unit: "ms"},
	{key: "memmove_ms", label: "copy of 64 MiB (memmove)", unit: "ms"},
	{key: "index_ms", label: "bytes.Index: 16-byte needle at the end of 16 MiB", unit: "ms"},
	{key: "tmpfs_write_ms", label: "write 16 MiB to a file in /tmp (64 KiB writes)", unit: "ms"},
	{key: "tmpfs_read_ms", label: "read it back (64 KiB reads)", unit: "ms"},
	{key: "stdout_ms", label: "standard output: 256 KiB in 4 KiB writes (console on COM1)", unit: "ms"},
	{key: "stdin_total_ms", label: "standard input: 16 KiB from the host, the program's request (a line on standard output) → the last byte (COM1)", unit: "ms"},
	{key: "stdin_first_ms", label: "(of that, the request → the first byte)", unit: "ms"},
	{key: "stdin_ms", label: "(the first byte → the last: on Linux the copy out of the tty's buffers, not the transfer; see The rows)", unit: "ms", noRatio: true},
	{key: "net_http_keep_us", label: "HTTP GET of a 13-byte page from a server on the host over one kept-alive connection, per request (requests/s = 10⁶ / µs; QEMU's user network, virtio-net)", unit: "us"},
	{key: "net_http_fresh_us", label: "the same with a new TCP connection each", unit: "us"},
	{key: "net_tcp_recv_ms", label: "TCP download: 16 MiB from the host (HTTP GET)", unit: "ms"},
	{key: "net_tcp_send_ms", label: "TCP upload: 16 MiB to the host (HTTP POST)", unit: "ms"},
	{key: "par_hash_smp1_ms", label: "CPU-bound: 4 goroutines × sha256 of 4 MiB, on 1 CPU (-smp 1; native GOMAXPROCS=1)", unit: "ms"},
	{key: "par_hash_smp2_ms", label: "the same on 2 CPUs", unit: "ms"},
	{key: "par_hash_speedup", label: "(speed-up, 1 CPU → 2)", noRatio: true, speedup: [2]string{"par_hash_smp1_ms", "par_hash_smp2_ms"}},
	{key: "par_gc_smp1_ms", label: "GC-bound: 4 goroutines × 128 Ki allocations of 64 B, on 1 CPU", unit: "ms"},
	{key: "par_gc_smp2_ms", label: "the same on 2 CPUs", unit: "ms"},
	{key: "par_gc_speedup", label: "(speed-up, 1 CPU → 2)", noRatio: true, speedup: [2]string{"par_gc_smp1_ms", "par_gc_smp2_ms"}},
	{key: "par_chan_smp1_ms", label: "channel-bound: 4 goroutine pairs × 5,000 ping-pongs, on 1 CPU", unit: "ms"},
	{key: "par_chan_smp2_ms", label: "the same on 2 CPUs", unit: "ms"},
	{key: "par_chan_speedup", label: "(speed-up, 1 CPU → 2)", noRatio: true, speedup: [2]string{"par_chan_smp1_ms", "par_chan_smp2_ms"}},
}

// format writes v (in unit) with a unit that keeps it readable.
func format(v float64, unit string) string {
	ns := v
	switch unit {
	case "":
		return trim(v)
	case "us":
		ns = v * 1e3
	case "ms":
		ns = v * 1e6
	}
	switch {
	case ns >= 1e9:
		return trim(ns/1e9) + " s"
	case ns >= 1e6:
		return trim(ns/1e6) + " ms"
	case ns >= 1e3:
		return trim(ns/1e3) + " µs"
	}
	return trim(ns) + " ns"
}

// trim: three significant digits.
func trim(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

// cell is the median and, with more than one value, the range.
func cell(xs []float64, unit string, runs int) string {
	if len(xs) == 0 {
		return "—"
	}
	s := format(stats.Median(xs), unit)
	if len(xs) > 1 {
		lo, hi := xs[0], xs[0]
		for _, x := range xs {
			lo, hi = min(lo, x), max(hi, x)
		}
		if lo != hi {
			s += fmt.Sprintf(" (%s–%s)", format(lo, unit), format(hi, unit))
		}
	}
	if len(xs) < runs {
		s += fmt.Sprintf(" [%d of %d runs]", len(xs), runs)
	}
	return s
}

// table is the section make bench adds to docs/performance.md.
func (b *bench) table(res results, minMem map[string]int, runs int) string {
	var w strings.Builder
	fmt.Fprintf(&w, "## %s\n\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&w, "Machine: %s, %s cores; %s; host %s; %s; Linux guest %s. ", b.info.cpu, b.info.cores, b.info.qemu, b.info.host, b.info.goVersion, b.info.kernel)
	fmt.Fprintf(&w, "gobare built from %s. ", b.info.tree)
	fmt.Fprintf(&w, "Load average %s at the start, %s at the end. ", b.info.load, b.info.loadEnd)
	plural := "s"
	if runs == 1 {
		plural = ""
	}
	fmt.Fprintf(&w, "%d run%s of each system, alternated; each cell is the median (the range in parentheses).\n\n", runs, plural)
	fmt.Fprintf(&w, "| row | gobare | Linux guest | gobare/Linux | native |\n|---|---|---|---|---|\n")
	for _, r := range rows {
		if r.speedup[0] != "" {
			fmt.Fprintf(&w, "| %s | %s | %s | — | %s |\n", r.label, speedup(res["gobare"], r.speedup), speedup(res["linux"], r.speedup), speedup(res["native"], r.speedup))
			continue
		}
		g, l, n := res["gobare"][r.key], res["linux"][r.key], res["native"][r.key]
		ratio := "—"
		if !r.noRatio && len(g) > 0 && len(l) > 0 && stats.Median(l) > 0 {
			ratio = fmt.Sprintf("%.2f", stats.Median(g)/stats.Median(l))
		}
		fmt.Fprintf(&w, "| %s | %s | %s | %s | %s |\n", r.label, cell(g, r.unit, runs), cell(l, r.unit, runs), ratio, cell(n, r.unit, runs))
	}
	if len(minMem) > 0 {
		mm := func(sys string) string {
			if minMem[sys] == 0 {
				return "did not run at 256"
			}
			return fmt.Sprintf("%d MiB", minMem[sys])
		}
		ratio := "—"
		if minMem["gobare"] > 0 && minMem["linux"] > 0 {
			ratio = fmt.Sprintf("%.2f", float64(minMem["gobare"])/float64(minMem["linux"]))
		}
		fmt.Fprintf(&w, "| smallest -m that runs hello (bisection, once) | %s | %s | %s | — |\n", mm("gobare"), mm("linux"), ratio)
	}
	for _, sys := range []string{"gobare", "linux", "native"} {
		for _, k := range []string{"stdin_short", "stdin_timeout"} {
			if v := res[sys][k]; len(v) > 0 {
				fmt.Fprintf(&w, "\n%s: %s in %d runs (%v).", sys, k, len(v), v)
			}
		}
	}
	fmt.Fprintf(&w, "\nQEMU floor (the same machine started halted with -S and told to quit by its monitor; no guest code): %s.\n\n", cell(res["floor"]["qemu"], "ms", runs))
	return w.String()
}

// speedup is the median of keys[0]'s values over the median of keys[1]'s.
func speedup(values map[string][]float64, keys [2]string) string {
	a, b := values[keys[0]], values[keys[1]]
	if len(a) == 0 || len(b) == 0 || stats.Median(b) == 0 {
		return "—"
	}
	return fmt.Sprintf("%.2f×", stats.Median(a)/stats.Median(b))
}

// marker is the line after which each run's section goes, newest first.
const marker = "<!-- make bench adds each run's section below this line, newest first -->"

// addToDoc puts section into the document after the marker (a new
// document gets a short header).
func addToDoc(path, section string) error {
	old, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		old = []byte("# Performance\n\nWritten by `make bench` (bench/).\n\n" + marker + "\n")
	} else if err != nil {
		return err
	}
	s := string(old)
	i := strings.Index(s, marker)
	if i < 0 {
		s = strings.TrimRight(s, "\n") + "\n\n" + marker + "\n"
		i = strings.Index(s, marker)
	}
	i += len(marker) + 1
	if i > len(s) {
		s += "\n"
	}
	s = s[:i] + "\n" + strings.TrimRight(section, "\n") + "\n" + s[i:]
	return os.WriteFile(path, []byte(s), 0o644)
}
