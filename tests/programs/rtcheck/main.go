// Command rtcheck exercises the parts of the Go runtime that lean on the
// kernel (tests/runtime_test.go boots it with the stock entry and through
// rt/). Each argument names a check; with no arguments the checks come
// from $RTCHECK (comma-separated), which the kernel command line can set,
// and with neither it runs "all":
//
//	goroutines  1000 goroutines in a ring and a fan-out/fan-in over channels
//	mutex       8 goroutines contending on one sync.Mutex
//	gcalloc     allocate 400 MiB in total, a few MiB live (boot with -m 256)
//	timers      time.Sleep, time.After and a time.Ticker
//	nilderef    recover a nil pointer dereference, twice
//	preempt     runtime.GC() while a goroutine spins with no calls (GOMAXPROCS=1)
//	cryptorand  crypto/rand gives non-zero, differing bytes
//	wallclock   print time.Now()
//	all         every check above, in that order
//	panic       an unrecovered panic in main.explode (exits 2)
//	deadlock    select {} with nothing else running (exits 2)
//	stdin-line  read one line from standard input and print it
//	stdin-all   read standard input to EOF and print it
//
// Every check prints "rtcheck: NAME: start" first, then lines
// "rtcheck: NAME: KEY VALUE..." with what it measured, and
// "rtcheck: NAME: ok" or "rtcheck: NAME: FAIL: why". The program exits 1
// when a check failed and 0 otherwise, after "rtcheck: done: N checks, F
// failed". The tests read the measurements themselves; the verdict lines
// make a console log readable on its own.
package main

import (
	"bufio"
	"bytes"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

var checks = map[string]func(*check){
	"goroutines": goroutines,
	"mutex":      mutex,
	"gcalloc":    gcalloc,
	"timers":     timers,
	"nilderef":   nilderef,
	"preempt":    preempt,
	"cryptorand": cryptorand,
	"wallclock":  wallclock,
	"panic":      func(*check) { explode() },
	"deadlock":   deadlock,
	"stdin-line": stdinLine,
	"stdin-all":  stdinAll,
}

var all = []string{"goroutines", "mutex", "gcalloc", "timers", "nilderef", "preempt", "cryptorand", "wallclock"}

// check is one running check.
type check struct {
	name   string
	failed bool
}

func (c *check) printf(format string, args ...any) {
	fmt.Printf("rtcheck: %s: %s\n", c.name, fmt.Sprintf(format, args...))
}

func (c *check) failf(format string, args ...any) {
	c.failed = true
	c.printf("FAIL: "+format, args...)
}

func main() {
	names := os.Args[1:]
	if len(names) == 0 && os.Getenv("RTCHECK") != "" {
		names = strings.Split(os.Getenv("RTCHECK"), ",")
	}
	if len(names) == 0 {
		names = []string{"all"}
	}
	var run []string
	for _, n := range names {
		if n == "all" {
			run = append(run, all...)
		} else if checks[n] != nil {
			run = append(run, n)
		} else {
			fmt.Fprintf(os.Stderr, "rtcheck: unknown check %q\n", n)
			os.Exit(2)
		}
	}
	failed := 0
	for _, n := range run {
		c := &check{name: n}
		c.printf("start")
		checks[n](c)
		if c.failed {
			failed++
		} else {
			c.printf("ok")
		}
	}
	fmt.Printf("rtcheck: done: %d checks, %d failed\n", len(run), failed)
	if failed > 0 {
		os.Exit(1)
	}
}

// goroutines runs a ring of 1000 goroutines passing a token around 10
// times (each hop adds one), then 1000 workers squaring numbers from one
// channel into another.
func goroutines(c *check) {
	const n, laps = 1000, 10
	first, last := make(chan int), make(chan int)
	in := first
	var peak atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		out := make(chan int)
		if i == n-1 {
			out = last
		}
		wg.Add(1)
		go func(in <-chan int, out chan<- int) {
			defer wg.Done()
			for l := 0; l < laps; l++ {
				out <- <-in + 1
			}
		}(in, out)
		in = out
	}
	if g := int64(runtime.NumGoroutine()); g > peak.Load() {
		peak.Store(g)
	}
	// Each lap: the token goes in at first and comes out at last.
	token := 0
	for l := 0; l < laps; l++ {
		first <- token
		token = <-last
	}
	wg.Wait()
	c.printf("ring %d goroutines %d laps token %d", n, laps, token)
	if token != n*laps {
		c.failf("ring token %d, want %d", token, n*laps)
	}

	jobs, results := make(chan int), make(chan int)
	for i := 0; i < n; i++ {
		go func() {
			for j := range jobs {
				results <- j * j
			}
		}()
	}
	if g := int64(runtime.NumGoroutine()); g > peak.Load() {
		peak.Store(g)
	}
	const items = 20000
	go func() {
		for i := 1; i <= items; i++ {
			jobs <- i
		}
		close(jobs)
	}()
	var sum, want int64
	for i := 1; i <= items; i++ {
		sum += int64(<-results)
		want += int64(i) * int64(i)
	}
	c.printf("fan-out %d workers %d items sum %d want %d", n, items, sum, want)
	c.printf("peak goroutines %d", peak.Load())
	if sum != want {
		c.failf("fan-in sum %d, want %d", sum, want)
	}
	if peak.Load() < n {
		c.failf("only %d goroutines at once", peak.Load())
	}
}

// mutex has 8 goroutines increment a counter under a sync.Mutex.
func mutex(c *check) {
	const workers, each = 8, 100000
	var mu sync.Mutex
	count := 0
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				mu.Lock()
				count++
				if i%1000 == 0 {
					runtime.Gosched() // yield holding the lock: others must wait
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	c.printf("count %d want %d goroutines %d took %v", count, workers*each, workers, time.Since(start).Round(time.Millisecond))
	if count != workers*each {
		c.failf("count %d, want %d", count, workers*each)
	}
}

// gcalloc allocates 400 MiB in 256 KiB blocks, touching every page and
// keeping only the last 16 blocks live, then prints runtime.MemStats.
func gcalloc(c *check) {
	const total, block, keep = 400 << 20, 256 << 10, 16
	var live [keep][]byte
	start := time.Now()
	for i := 0; i < total/block; i++ {
		b := make([]byte, block)
		for j := 0; j < len(b); j += 4096 {
			b[j] = byte(i)
		}
		live[i%keep] = b
	}
	// Check the live blocks still hold what was written.
	for k := range live {
		for j := 0; j < block; j += 4096 {
			if live[k][j] != live[k][0] {
				c.failf("live block %d corrupted at %d", k, j)
				return
			}
		}
	}
	elapsed := time.Since(start)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	c.printf("allocated %d MiB in %d KiB blocks in %v", total>>20, block>>10, elapsed.Round(time.Millisecond))
	c.printf("MemStats TotalAlloc=%d Sys=%d HeapSys=%d HeapInuse=%d HeapReleased=%d NumGC=%d PauseTotalNs=%d",
		ms.TotalAlloc, ms.Sys, ms.HeapSys, ms.HeapInuse, ms.HeapReleased, ms.NumGC, ms.PauseTotalNs)
	if ms.TotalAlloc < total {
		c.failf("TotalAlloc %d < %d", ms.TotalAlloc, total)
	}
	if ms.NumGC < 2 {
		c.failf("NumGC %d, want at least 2", ms.NumGC)
	}
	runtime.KeepAlive(live)
}

// timers sleeps, waits on time.After and on five ticks of a ticker, and
// prints how long each took by the monotonic clock; the test also times
// the "timers: begin" and "timers: end" lines on the host.
func timers(c *check) {
	c.printf("begin")
	t0 := time.Now()
	time.Sleep(300 * time.Millisecond)
	sleep := time.Since(t0)

	t1 := time.Now()
	<-time.After(300 * time.Millisecond)
	after := time.Since(t1)

	t2 := time.Now()
	tk := time.NewTicker(100 * time.Millisecond)
	for i := 0; i < 5; i++ {
		<-tk.C
	}
	tk.Stop()
	ticker := time.Since(t2)
	total := time.Since(t0)
	c.printf("end")
	c.printf("sleep 300ms took %dms", sleep.Milliseconds())
	c.printf("after 300ms took %dms", after.Milliseconds())
	c.printf("ticker 5x100ms took %dms", ticker.Milliseconds())
	c.printf("total %dms", total.Milliseconds())
	for _, m := range []struct {
		what      string
		got, want time.Duration
	}{{"time.Sleep", sleep, 300 * time.Millisecond}, {"time.After", after, 300 * time.Millisecond}, {"ticker", ticker, 500 * time.Millisecond}} {
		if m.got < m.want {
			c.failf("%s returned after %v, before its %v", m.what, m.got, m.want)
		}
	}
}

// nilderef dereferences a nil pointer twice (the second time checks that
// the first signal's return left the thread fit to take another) and
// recovers each time.
func nilderef(c *check) {
	for i := 0; i < 2; i++ {
		err := derefNil()
		var re runtime.Error
		c.printf("recovered %v", err)
		if !errors.As(err, &re) {
			c.failf("recovered %T %v, not a runtime.Error", err, err)
		}
	}
}

var nilPtr *int

//go:noinline
func derefNil() (err error) {
	defer func() {
		r := recover()
		if e, ok := r.(error); ok {
			err = e
		} else {
			err = fmt.Errorf("recovered a %T: %v", r, r)
		}
	}()
	return fmt.Errorf("read %d through a nil pointer", *nilPtr)
}

// preempt runs runtime.GC() with GOMAXPROCS=1 while another goroutine
// spins in a loop with no calls: stopping the world needs that goroutine
// preempted asynchronously (SIGURG). If preemption does not work this
// never returns, and the test's timeout reports it.
func preempt(c *check) {
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	var started, stop atomic.Int32
	done := make(chan uint64)
	go func() {
		started.Store(1)
		var n uint64
		for stop.Load() == 0 { // no calls: atomic loads are compiled inline
			n++
		}
		done <- n
	}()
	for started.Load() == 0 {
		runtime.Gosched()
	}
	c.printf("spinner running, calling runtime.GC()")
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	t0 := time.Now()
	runtime.GC()
	took := time.Since(t0)
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	stop.Store(1)
	spins := <-done
	c.printf("runtime.GC() returned after %v with GOMAXPROCS=1, NumGC %d -> %d, spinner looped %d times",
		took.Round(time.Millisecond), before.NumGC, after.NumGC, spins)
	if after.NumGC <= before.NumGC {
		c.failf("NumGC did not grow")
	}
}

// cryptorand reads 32 bytes from crypto/rand twice.
func cryptorand(c *check) {
	var a, b [32]byte
	if _, err := crand.Read(a[:]); err != nil {
		c.failf("crypto/rand: %v", err)
		return
	}
	if _, err := crand.Read(b[:]); err != nil {
		c.failf("crypto/rand: %v", err)
		return
	}
	c.printf("bytes %s", hex.EncodeToString(a[:]))
	c.printf("bytes %s", hex.EncodeToString(b[:]))
	if a == [32]byte{} || b == [32]byte{} {
		c.failf("all-zero bytes")
	}
	if a == b {
		c.failf("two reads gave the same bytes")
	}
}

// wallclock prints the wall clock; the test compares it with the host's.
func wallclock(c *check) {
	now := time.Now()
	c.printf("unix %d", now.Unix())
	c.printf("time %s", now.UTC().Format(time.RFC3339Nano))
	if now.Year() < 2024 {
		c.failf("the year is %d", now.Year())
	}
}

// explode panics, unrecovered: the runtime prints the panic and a
// traceback naming main.explode and exits 2.
//
//go:noinline
func explode() {
	panic("rtcheck: deliberate panic in main.explode")
}

// deadlock blocks main forever with nothing else to run: the runtime
// reports "all goroutines are asleep - deadlock!" and exits 2.
func deadlock(c *check) {
	select {}
}

// stdinLine reads one line from standard input.
func stdinLine(c *check) {
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	c.printf("line %q err %v", line, err)
	if err != nil {
		c.failf("reading a line: %v", err)
	}
}

// stdinAll reads standard input to EOF.
func stdinAll(c *check) {
	t0 := time.Now()
	b, err := io.ReadAll(os.Stdin)
	c.printf("read %d bytes %q err %v in %v", len(b), b, err, time.Since(t0).Round(time.Millisecond))
	c.printf("lines %d", bytes.Count(b, []byte("\n")))
	if err != nil {
		c.failf("io.ReadAll: %v", err)
	}
}
