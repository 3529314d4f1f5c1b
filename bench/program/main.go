// Command program is the benchmark that make bench (bench/, the harness)
// runs three ways: under gobare, as /init of a Linux guest in the same QEMU
// machine, and natively on the host. The measured code is the same on all
// three; only the set-up around it differs (BENCH_SYSTEM, from the
// harness: "gobare", "linux" or "native"):
//
//   - on the Linux guest the program is PID 1: it puts the console in raw
//     mode before the standard-input row (a terminal would otherwise echo
//     the input and cut it into lines) and powers the machine off at the end;
//   - everywhere else it just exits.
//
// Every result is one line "BENCH key value" on standard output (the
// harness ignores every other line); value is in the unit the harness's
// row table gives the key. BENCH_MODE=hello prints the first line and
// exits (the boot and memory rows); BENCH_MODE=parallel runs only the
// parallel rows (parallel.go), BENCH_MODE=net the network rows (net.go,
// against the harness's server at BENCH_NET; BENCH_NETROW=KEY runs that
// row alone, and "BENCH net_up 1" marks where the network is up, so that
// a harness timing QEMU's host CPU per row can tell the boot and DHCP
// apart: docs/performance.md); BENCH_SKIP=stdin leaves out the
// standard-input row.
package main

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"math/rand"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/gobare/gobare/bench/internal/stats"
	"golang.org/x/sys/cpu"
)

func main() {
	// The first line: how long the system took to reach main.main, by
	// its own boot clock (gobare: from the kernel's first instruction;
	// Linux: from the kernel's start).
	report("main_boottime_ms", float64(bootTime().Microseconds())/1e3)
	system := os.Getenv("BENCH_SYSTEM")
	// What the Go runtime may use: AVX2 needs the CPU's and the system's
	// consent (CPUID, and XCR0 enabling the AVX state).
	report("avx2", b2f(cpu.X86.HasAVX2))
	if os.Getenv("BENCH_MODE") == "hello" {
		fmt.Println("hello, world")
		end(system)
	}
	if os.Getenv("BENCH_MODE") == "net" {
		benchNet(system)
		report("done", 1)
		end(system)
	}
	if os.Getenv("BENCH_MODE") == "parallel" {
		benchParallel()
		report("done", 1)
		end(system)
	}
	skip := os.Getenv("BENCH_SKIP")
	rows := []struct {
		name string
		run  func()
	}{
		{"syscall", benchSyscall},
		{"clock", benchClock},
		{"pagefault", benchPageFault},
		{"chan", benchChan},
		{"mutex", benchMutex},
		{"sleep", benchSleep},
		{"ticker", benchTicker},
		{"preempt", benchPreempt},
		{"gc", benchGC},
		{"sha256", benchSHA256},
		{"memmove", benchMemmove},
		{"index", benchIndex},
		{"tmpfs", benchTmpfs},
		{"stdout", benchStdout},
		{"stdin", func() { benchStdin(system) }},
	}
	for _, r := range rows {
		if strings.Contains(","+skip+",", ","+r.name+",") {
			continue
		}
		r.run()
	}
	report("done", 1)
	end(system)
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// report prints one result line.
func report(key string, v float64) {
	fmt.Printf("BENCH %s %s\n", key, strconv.FormatFloat(v, 'g', 6, 64))
}

// end stops the program; as PID 1 of the Linux guest it powers the
// machine off (QEMU then exits), as Linux's init must never exit.
func end(system string) {
	if system == "linux" && os.Getpid() == 1 {
		syscall.Sync()
		err := syscall.Reboot(syscall.LINUX_REBOOT_CMD_POWER_OFF)
		fmt.Fprintln(os.Stderr, "bench: power off:", err)
		select {}
	}
	os.Exit(0)
}

// bootTime reads CLOCK_BOOTTIME.
func bootTime() time.Duration {
	var ts syscall.Timespec
	const clockBoottime = 7
	syscall.RawSyscall(syscall.SYS_CLOCK_GETTIME, clockBoottime, uintptr(unsafe.Pointer(&ts)), 0)
	return time.Duration(ts.Nano())
}

// perOp runs f(n) with n doubling until one call takes at least 100 ms,
// three times at that n, and returns the median time per operation in ns.
func perOp(f func(n int)) float64 {
	n := 1
	for {
		start := time.Now()
		f(n)
		if d := time.Since(start); d >= 100*time.Millisecond || n >= 1<<30 {
			break
		}
		n *= 2
	}
	var ts []float64
	for range 3 {
		start := time.Now()
		f(n)
		ts = append(ts, float64(time.Since(start).Nanoseconds())/float64(n))
	}
	return stats.Median(ts)
}

// timeOnce runs f reps times and returns the median duration in ms.
func timeOnce(reps int, f func()) float64 {
	var ts []float64
	for range reps {
		start := time.Now()
		f()
		ts = append(ts, float64(time.Since(start).Nanoseconds())/1e6)
	}
	return stats.Median(ts)
}

// benchSyscall: the round trip of the cheapest system call.
func benchSyscall() {
	report("syscall_ns", perOp(func(n int) {
		for range n {
			syscall.RawSyscall(syscall.SYS_GETPID, 0, 0, 0)
		}
	}))
}

var sinkTime time.Time

// benchClock: time.Now (the vDSO where there is one).
func benchClock() {
	report("clock_ns", perOp(func(n int) {
		for range n {
			sinkTime = time.Now()
		}
	}))
	if sinkTime.IsZero() {
		fmt.Fprintln(os.Stderr, "bench: time.Now returned the zero time")
	}
}

// benchPageFault: touch every page of a fresh anonymous mapping once; the
// cost per page is the page fault (and zeroing the page).
func benchPageFault() {
	const size = 16 << 20
	const page = 4096
	var ts []float64
	for range 3 {
		m, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench: mmap:", err)
			return
		}
		// No transparent huge pages (ignored where unknown).
		_ = syscall.Madvise(m, 15) // MADV_NOHUGEPAGE
		start := time.Now()
		for i := 0; i < size; i += page {
			m[i] = 1
		}
		ts = append(ts, float64(time.Since(start).Nanoseconds())/(size/page))
		_ = syscall.Munmap(m)
	}
	report("pagefault_ns", stats.Median(ts))
}

// benchChan: two goroutines passing a value back and forth on unbuffered
// channels; one round trip is two goroutine switches.
func benchChan() {
	report("chan_ns", perOp(func(n int) {
		ping, pong := make(chan int), make(chan int)
		go func() {
			for v := range ping {
				pong <- v
			}
			close(pong)
		}()
		for i := range n {
			ping <- i
			<-pong
		}
		close(ping)
		<-pong
	}))
}

// benchMutex: four goroutines taking one mutex; time per Lock/Unlock.
func benchMutex() {
	report("mutex_ns", perOp(func(n int) {
		var mu sync.Mutex
		var wg sync.WaitGroup
		counter := 0
		const workers = 4
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range n / workers {
					mu.Lock()
					counter++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
	}))
}

// sleepOvershoot sleeps d count times and returns how much longer than d
// each sleep took, in µs.
func sleepOvershoot(d time.Duration, count int) []float64 {
	var over []float64
	for range count {
		start := time.Now()
		time.Sleep(d)
		over = append(over, float64((time.Since(start)-d).Nanoseconds())/1e3)
	}
	return over
}

// benchSleep: how late time.Sleep wakes up.
func benchSleep() {
	o := sleepOvershoot(time.Millisecond, 200)
	report("sleep1ms_us", stats.Median(o))
	report("sleep1ms_p99_us", stats.Percentile(o, 0.99))
	o = sleepOvershoot(100*time.Microsecond, 200)
	report("sleep100us_us", stats.Median(o))
}

// benchTicker: a 1 ms ticker's intervals, their mean absolute deviation
// from 1 ms.
func benchTicker() {
	t := time.NewTicker(time.Millisecond)
	defer t.Stop()
	<-t.C
	prev := time.Now()
	var sum float64
	const ticks = 300
	for range ticks {
		<-t.C
		now := time.Now()
		dev := float64((now.Sub(prev) - time.Millisecond).Nanoseconds()) / 1e3
		if dev < 0 {
			dev = -dev
		}
		sum += dev
		prev = now
	}
	report("ticker_jitter_us", sum/ticks)
}

var spinSink int

// benchPreempt: a goroutine sleeps 1 ms while another spins in a loop with
// no call in it, on one P: the sleeper runs again only when the spinner is
// preempted asynchronously (sysmon, SIGURG). Its lateness, in µs.
func benchPreempt() {
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	var stop atomic.Int32
	done := make(chan struct{})
	go func() {
		x := 0
		for stop.Load() == 0 {
			x++
		}
		spinSink = x
		close(done)
	}()
	runtime.Gosched()
	o := sleepOvershoot(time.Millisecond, 20)
	stop.Store(1)
	<-done
	if spinSink == 0 {
		fmt.Fprintln(os.Stderr, "bench: the spinner never ran")
	}
	report("preempt_wake_us", stats.Median(o))
}

var keep [1 << 15]*[8]int64

// benchGC: allocate 4 M objects of 64 bytes with 2 MiB of them alive, under
// the default GOGC; ns per allocation, and the collections it took.
func benchGC() {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	gcs := ms.NumGC
	const n = 4 << 20
	start := time.Now()
	for i := range n {
		keep[i&(len(keep)-1)] = new([8]int64)
	}
	el := time.Since(start)
	runtime.ReadMemStats(&ms)
	report("gc_alloc_ns", float64(el.Nanoseconds())/n)
	report("gc_cycles", float64(ms.NumGC-gcs))
}

// benchSHA256: 16 MiB through crypto/sha256 (SHA-NI or AVX2 where the
// CPU and the system's saved state allow).
func benchSHA256() {
	buf := make([]byte, 16<<20)
	rand.New(rand.NewSource(1)).Read(buf)
	var sum [32]byte
	report("sha256_ms", timeOnce(1, func() { sum = sha256.Sum256(buf) }))
	_ = sum
}

// benchMemmove: copy 64 MiB.
func benchMemmove() {
	src := make([]byte, 64<<20)
	dst := make([]byte, 64<<20)
	for i := 0; i < len(src); i += 4096 {
		src[i], dst[i] = 1, 1 // fault both in before timing
	}
	report("memmove_ms", timeOnce(1, func() { copy(dst, src) }))
}

// benchIndex: find a 16-byte needle at the end of 16 MiB of random
// lowercase letters.
func benchIndex() {
	r := rand.New(rand.NewSource(2))
	hay := make([]byte, 16<<20)
	for i := range hay {
		hay[i] = 'a' + byte(r.Intn(26))
	}
	needle := []byte("0123456789ABCDEF")
	copy(hay[len(hay)-len(needle):], needle)
	var at int
	report("index_ms", timeOnce(3, func() { at = bytes.Index(hay, needle) }))
	if at != len(hay)-len(needle) {
		fmt.Fprintln(os.Stderr, "bench: bytes.Index found", at)
	}
}

// benchTmpfs: write a 16 MiB file in /tmp in 64 KiB writes, then read it
// back; ms each way.
func benchTmpfs() {
	const size, chunk = 16 << 20, 64 << 10
	buf := make([]byte, chunk)
	name := "/tmp/gobare-bench"
	w := timeOnce(3, func() {
		f, err := os.Create(name)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			return
		}
		for i := 0; i < size; i += chunk {
			if _, err := f.Write(buf); err != nil {
				fmt.Fprintln(os.Stderr, "bench:", err)
				break
			}
		}
		f.Close()
	})
	r := timeOnce(3, func() {
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			return
		}
		for {
			n, err := f.Read(buf)
			if n == 0 || err != nil {
				break
			}
		}
		f.Close()
	})
	os.Remove(name)
	report("tmpfs_write_ms", w)
	report("tmpfs_read_ms", r)
}

// benchStdout: 256 KiB of 64-byte lines to standard output in 4 KiB
// writes; ms.
func benchStdout() {
	const size, chunk = 256 << 10, 4096
	line := strings.Repeat(".", 63) + "\n"
	buf := []byte(strings.Repeat(line, chunk/len(line)))
	start := time.Now()
	for i := 0; i < size; i += chunk {
		os.Stdout.Write(buf)
	}
	el := time.Since(start)
	report("stdout_ms", float64(el.Nanoseconds())/1e6)
}

// stdinSize is what the harness sends after it sees "BENCH stdin_ready 1".
const stdinSize = 16 << 10

// benchStdin: read stdinSize bytes the harness sends; ms from the first
// byte to the last (stdin_ms), from the request (the stdin_ready line
// written) to the first byte (stdin_first_ms) and to the last
// (stdin_total_ms). The first figure alone says little: a kernel that
// hands the program nothing until its interrupt handler has stopped
// taking bytes (Linux's 8250 driver on a quiet host) shows only the copy
// out of its buffers there. If they do not all come within 60 s (bytes
// lost on the way), it reports how many did.
func benchStdin(system string) {
	if system == "linux" {
		rawConsole()
	}
	report("stdin_ready", 1)
	asked := time.Now()
	got := make(chan [2]time.Time, 1)
	go func() {
		buf := make([]byte, 4096)
		total := 0
		var start time.Time
		for total < stdinSize {
			n, err := os.Stdin.Read(buf)
			if n > 0 && total == 0 {
				start = time.Now()
			}
			total += n
			if err != nil {
				break
			}
		}
		if total < stdinSize {
			report("stdin_short", float64(total))
			got <- [2]time.Time{}
			return
		}
		got <- [2]time.Time{start, time.Now()}
	}()
	ms := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }
	select {
	case t := <-got:
		if !t[0].IsZero() {
			report("stdin_ms", ms(t[1].Sub(t[0])))
			report("stdin_first_ms", ms(t[0].Sub(asked)))
			report("stdin_total_ms", ms(t[1].Sub(asked)))
		}
	case <-time.After(60 * time.Second):
		report("stdin_timeout", 1)
	}
}

// rawConsole turns off the Linux console's echo and line editing (set-up,
// not measured).
func rawConsole() {
	var t syscall.Termios
	if _, _, e := syscall.RawSyscall(syscall.SYS_IOCTL, 0, syscall.TCGETS, uintptr(unsafe.Pointer(&t))); e != 0 {
		fmt.Fprintln(os.Stderr, "bench: TCGETS:", e)
		return
	}
	t.Iflag &^= syscall.ICRNL | syscall.IXON | syscall.INLCR | syscall.IGNCR | syscall.ISTRIP
	t.Lflag &^= syscall.ECHO | syscall.ICANON | syscall.ISIG | syscall.IEXTEN
	t.Cc[syscall.VMIN] = 1
	t.Cc[syscall.VTIME] = 0
	if _, _, e := syscall.RawSyscall(syscall.SYS_IOCTL, 0, syscall.TCSETS, uintptr(unsafe.Pointer(&t))); e != 0 {
		fmt.Fprintln(os.Stderr, "bench: TCSETS:", e)
	}
}
