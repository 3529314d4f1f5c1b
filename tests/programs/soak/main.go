// Command soak keeps the runtime busy for a while and checks that nothing
// is lost: goroutines exchanging over channels, timers of every kind
// (time.Sleep, time.After, a time.Ticker, timers stopped and reset),
// allocation churn for the GC and its scavenger, a goroutine that spins
// with no calls (so everything else depends on asynchronous preemption),
// and SIGUSR1 sent to itself a few times a second with signal.Notify.
//
//	soak [-stall 1s] [DURATION]
//
// DURATION (default 30s; also $SOAK_DURATION) is how long it runs. Every
// 10 s it prints a summary line "soak: t=... ...", and at the end
// "soak: done: ..." with the counts. Any anomaly — a ticker that stalls
// longer than -stall (a lost wake-up), a sleep that returns early, a timer
// or a signal that never arrives, memory that changes under the program,
// a sum that does not add up, the wall clock drifting from the monotonic
// clock — prints "soak: ANOMALY at t=...: ..." at once (with every
// goroutine's stack for the first stall), the run goes on, and the
// program exits 1 at the end.
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/signal"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

var (
	start     = time.Now()
	anomalies atomic.Int64
	stallMax  = flag.Duration("stall", time.Second, "longest tolerated stall of the ticker or any activity")
)

// counters, all updated atomically.
var (
	msgs                             atomic.Int64 // channel exchange: messages
	sleeps, afters, ticks, stops     atomic.Int64
	allocs, allocBytes, checkedBlock atomic.Int64
	sigSent, sigRecv                 atomic.Int64
	spins                            atomic.Uint64
	maxTickGap, maxSleepLate         atomic.Int64 // nanoseconds
	maxAfterLate, maxSigDelay        atomic.Int64
	sigDelaySum                      atomic.Int64
)

// progress records, per activity, when it last made progress (nanoseconds
// since start, monotonic), and limits how long the watchdog lets each go
// without: the stall limit plus the longest the activity waits by design,
// plus 300 ms.
var progress, limits sync.Map // name → *atomic.Int64, name → time.Duration

func now() int64 { return int64(time.Since(start)) }

func beat(name string) {
	v, _ := progress.LoadOrStore(name, new(atomic.Int64))
	v.(*atomic.Int64).Store(now())
}

func storeMax(m *atomic.Int64, v int64) {
	for {
		old := m.Load()
		if v <= old || m.CompareAndSwap(old, v) {
			return
		}
	}
}

func anomaly(format string, args ...any) {
	anomalies.Add(1)
	fmt.Printf("soak: ANOMALY at t=%v: %s\n", time.Since(start).Round(time.Millisecond), fmt.Sprintf(format, args...))
}

func main() {
	flag.Parse()
	d := 30 * time.Second
	arg := flag.Arg(0)
	if arg == "" {
		arg = os.Getenv("SOAK_DURATION")
	}
	if arg != "" {
		var err error
		if d, err = time.ParseDuration(arg); err != nil {
			fmt.Fprintf(os.Stderr, "soak: bad duration %q: %v\n", arg, err)
			os.Exit(2)
		}
	}
	fmt.Printf("soak: running for %v, GOMAXPROCS=%d, NumCPU=%d, %s, stall limit %v\n",
		d, runtime.GOMAXPROCS(0), runtime.NumCPU(), runtime.Version(), *stallMax)
	wall0 := time.Now().Round(0) // wall clock only

	var stop atomic.Bool
	var wg sync.WaitGroup
	spawn := func(name string, ownWait time.Duration, f func(name string, stop *atomic.Bool)) {
		limits.Store(name, *stallMax+ownWait+300*time.Millisecond)
		beat(name)
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(name, &stop)
		}()
	}

	spawn("exchange", 0, exchange)
	for i := 0; i < 4; i++ {
		spawn(fmt.Sprintf("sleeper%d", i), 50*time.Millisecond, sleeper)
	}
	for i := 0; i < 2; i++ {
		spawn(fmt.Sprintf("after%d", i), 100*time.Millisecond, after)
	}
	spawn("ticker", 20*time.Millisecond, ticker)
	spawn("timerchurn", 60*time.Millisecond+*stallMax, timerChurn)
	for i := 0; i < 2; i++ {
		spawn(fmt.Sprintf("churn%d", i), 0, churn)
	}
	spawn("signals", signalWait+signalPeriod, signals)
	// The spinner is always runnable and only gets a share of the CPU,
	// a long no-call stretch at a time: 30 s.
	spawn("spinner", 30*time.Second, spinner)

	// The watchdog: every 100 ms, every activity must have made progress
	// within its limit. A stall is one anomaly (and, the first time,
	// every goroutine's stack); the run goes on, and the watchdog notes
	// when the activity resumes.
	go func() {
		stalled := map[string]int64{} // activity → when it was last seen progressing
		dumped := false
		for {
			time.Sleep(100 * time.Millisecond)
			if stop.Load() {
				return
			}
			t := now()
			progress.Range(func(k, v any) bool {
				name := k.(string)
				limit, _ := limits.Load(k)
				last := v.(*atomic.Int64).Load()
				age := time.Duration(t - last)
				if since, ok := stalled[name]; ok {
					if last != since {
						fmt.Printf("soak: note at t=%v: %s resumed after %v\n", time.Since(start).Round(time.Millisecond),
							name, time.Duration(last-since).Round(time.Millisecond))
						delete(stalled, name)
					}
					return true
				}
				if age > limit.(time.Duration) {
					anomaly("%s made no progress for %v (lost wake-up?)", name, age.Round(time.Millisecond))
					stalled[name] = last
					if !dumped {
						dumped = true
						dumpGoroutines()
					}
				}
				return true
			})
		}
	}()

	report := time.NewTicker(10 * time.Second)
	deadline := time.After(d)
loop:
	for {
		select {
		case <-report.C:
			summary("t=" + time.Since(start).Round(time.Second).String())
			// The wall clock (CMOS at boot + TSC) and the monotonic
			// clock must advance together.
			wall := time.Now().Round(0).Sub(wall0)
			mono := time.Since(start)
			if drift := wall - mono; drift > time.Second || drift < -time.Second {
				anomaly("the wall clock advanced %v while the monotonic clock advanced %v", wall, mono)
			}
		case <-deadline:
			break loop
		}
	}
	report.Stop()
	stop.Store(true)
	waitDone := make(chan struct{})
	go func() { wg.Wait(); close(waitDone) }()
	select {
	case <-waitDone:
	case <-time.After(10 * time.Second):
		anomaly("the activities did not stop within 10 s")
		dumpGoroutines()
	}
	summary("done")
	if anomalies.Load() > 0 {
		os.Exit(1)
	}
}

func dumpGoroutines() {
	buf := make([]byte, 1<<20)
	n := runtime.Stack(buf, true)
	fmt.Printf("soak: goroutines:\n%s\n", buf[:n])
}

func summary(what string) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("soak: %s: msgs=%d sleeps=%d afters=%d ticks=%d timer-stops=%d allocs=%d alloc-MiB=%d checked=%d "+
		"numgc=%d heap-MiB=%d sys-MiB=%d released-MiB=%d signals=%d/%d spins=%d goroutines=%d "+
		"max-tick-gap=%v max-sleep-late=%v max-after-late=%v max-signal-delay=%v mean-signal-delay=%v anomalies=%d\n",
		what, msgs.Load(), sleeps.Load(), afters.Load(), ticks.Load(), stops.Load(), allocs.Load(),
		allocBytes.Load()>>20, checkedBlock.Load(),
		ms.NumGC, ms.HeapAlloc>>20, ms.Sys>>20, ms.HeapReleased>>20, sigRecv.Load(), sigSent.Load(),
		spins.Load(), runtime.NumGoroutine(),
		ms2(maxTickGap.Load()), ms2(maxSleepLate.Load()), ms2(maxAfterLate.Load()), ms2(maxSigDelay.Load()),
		ms2(sigDelaySum.Load()/max(sigRecv.Load(), 1)), anomalies.Load())
}

func ms2(ns int64) time.Duration { return time.Duration(ns).Round(time.Millisecond) }

// exchange: a pipeline of 64 goroutines passing numbers along, and a
// fan-out of 32 workers answering requests; every round trip is checked.
func exchange(name string, stop *atomic.Bool) {
	const stages, workers = 64, 32
	head := make(chan int64)
	in := head
	for i := 0; i < stages; i++ {
		out := make(chan int64, i%3)
		go func(in <-chan int64, out chan<- int64) {
			for v := range in {
				out <- v + 1
			}
			close(out)
		}(in, out)
		in = out
	}
	tail := in
	type req struct {
		x     int64
		reply chan int64
	}
	reqs := make(chan req)
	for i := 0; i < workers; i++ {
		go func() {
			for r := range reqs {
				r.reply <- r.x * 2
			}
		}()
	}
	reply := make(chan int64, 1)
	for n := int64(0); !stop.Load(); n++ {
		head <- n
		if v := <-tail; v != n+stages {
			anomaly("pipeline: sent %d, got %d back, want %d", n, v, n+stages)
		}
		reqs <- req{n, reply}
		if v := <-reply; v != 2*n {
			anomaly("workers: asked %d, got %d, want %d", n, v, 2*n)
		}
		msgs.Add(2)
		beat(name)
		if n%64 == 0 {
			time.Sleep(time.Millisecond) // leave time for the rest
		}
	}
	close(head)
	for range tail {
	}
	close(reqs)
}

// sleeper sleeps random short durations and checks each sleep's length.
func sleeper(name string, stop *atomic.Bool) {
	for !stop.Load() {
		d := time.Duration(1+rand.IntN(50)) * time.Millisecond
		t0 := time.Now()
		time.Sleep(d)
		got := time.Since(t0)
		if got < d {
			anomaly("time.Sleep(%v) returned after %v", d, got)
		}
		late := got - d
		storeMax(&maxSleepLate, int64(late))
		if late > *stallMax {
			anomaly("time.Sleep(%v) returned %v late", d, late)
		}
		sleeps.Add(1)
		beat(name)
	}
}

// after waits on time.After with random durations, sometimes racing it
// against a second timer.
func after(name string, stop *atomic.Bool) {
	for !stop.Load() {
		d := time.Duration(1+rand.IntN(100)) * time.Millisecond
		t0 := time.Now()
		if rand.IntN(2) == 0 {
			<-time.After(d)
		} else {
			select {
			case <-time.After(d):
			case <-time.After(d + time.Hour): // never first
				anomaly("a 1-hour timer fired before a %v one", d)
			}
		}
		got := time.Since(t0)
		if got < d {
			anomaly("time.After(%v) fired after %v", d, got)
		}
		storeMax(&maxAfterLate, int64(got-d))
		if got-d > *stallMax {
			anomaly("time.After(%v) fired %v late", d, got-d)
		}
		afters.Add(1)
		beat(name)
	}
}

// ticker counts the ticks of a 20 ms ticker and the gaps between them.
func ticker(name string, stop *atomic.Bool) {
	const period = 20 * time.Millisecond
	tk := time.NewTicker(period)
	defer tk.Stop()
	last := time.Now()
	for !stop.Load() {
		<-tk.C
		t := time.Now()
		gap := t.Sub(last)
		last = t
		storeMax(&maxTickGap, int64(gap))
		if gap > *stallMax {
			anomaly("the %v ticker stalled for %v", period, gap)
		}
		ticks.Add(1)
		beat(name)
	}
}

// timerChurn makes timers and stops or resets most of them before they
// fire; AfterFunc callbacks must run exactly for the timers not stopped.
func timerChurn(name string, stop *atomic.Bool) {
	for !stop.Load() {
		var fired atomic.Int64
		var timers []*time.Timer
		for i := 0; i < 50; i++ {
			timers = append(timers, time.AfterFunc(time.Duration(5+rand.IntN(30))*time.Millisecond, func() { fired.Add(1) }))
		}
		// Each timer fires once, except one stopped before it fired
		// (never) and one reset after it fired (twice).
		stopped, refired := 0, 0
		for i, t := range timers {
			switch i % 3 {
			case 0:
				if t.Stop() {
					stopped++
				}
			case 1:
				if !t.Reset(time.Duration(1+rand.IntN(10)) * time.Millisecond) {
					refired++
				}
			}
		}
		time.Sleep(60 * time.Millisecond)
		// A timer reset or left alone must fire within 60 ms (plus the
		// stall limit, when the machine is slow): later is a late
		// anomaly that says by how much; not in 10 s, or a callback too
		// many, a wrong count.
		want := int64(len(timers) - stopped + refired)
		due := time.Now()
		for fired.Load() < want && time.Since(due) < 10*time.Second {
			time.Sleep(time.Millisecond)
		}
		if got := fired.Load(); got != want {
			anomaly("AfterFunc: %d of %d timers fired (%d stopped)", got, want, stopped)
		} else if late := time.Since(due); late > *stallMax {
			anomaly("AfterFunc: the last of %d timers fired %v late", want, late)
		}
		stops.Add(int64(stopped))
		beat(name)
	}
}

// churn allocates blocks of random sizes, keeps a bounded set alive, and
// checks each block's contents when it lets it go.
func churn(name string, stop *atomic.Bool) {
	const keep = 64 // about 64 × 64 KiB average = 4 MiB live per goroutine
	type block struct {
		data []uint64
		seed uint64
	}
	var live [keep]*block
	for i := uint64(0); !stop.Load(); i++ {
		n := 1 + rand.IntN(16<<10) // up to 128 KiB
		b := &block{data: make([]uint64, n), seed: i * 0x9e3779b97f4a7c15}
		for j := range b.data {
			b.data[j] = b.seed ^ uint64(j)
		}
		slot := i % keep
		if old := live[slot]; old != nil {
			for j, v := range old.data {
				if v != old.seed^uint64(j) {
					anomaly("a live %d-byte block changed at word %d: %#x, want %#x", len(old.data)*8, j, v, old.seed^uint64(j))
					break
				}
			}
			checkedBlock.Add(1)
		}
		live[slot] = b
		// Some garbage that is not a plain slice: a map and strings.
		if i%16 == 0 {
			m := make(map[int]string, 64)
			for k := 0; k < 64; k++ {
				m[k] = fmt.Sprint(k, i)
			}
			if m[7] != fmt.Sprint(7, i) {
				anomaly("map lost a value")
			}
		}
		allocs.Add(1)
		allocBytes.Add(int64(n * 8))
		beat(name)
		if i%32 == 0 {
			time.Sleep(time.Millisecond)
		}
	}
}

// signals sends SIGUSR1 to the process every signalPeriod and waits (up
// to signalWait) for signal.Notify to deliver it before sending the next,
// so none can coalesce and none may be lost.
const (
	signalPeriod = 200 * time.Millisecond
	signalWait   = 2 * time.Second
)

func signals(name string, stop *atomic.Bool) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGUSR1)
	defer signal.Stop(ch)
	for !stop.Load() {
		t0 := time.Now()
		if err := syscall.Kill(os.Getpid(), syscall.SIGUSR1); err != nil {
			anomaly("kill(getpid(), SIGUSR1): %v", err)
			time.Sleep(time.Second)
			continue
		}
		sigSent.Add(1)
		select {
		case s := <-ch:
			if s != syscall.SIGUSR1 {
				anomaly("signal.Notify delivered %v, want SIGUSR1", s)
			}
			sigRecv.Add(1)
			d := int64(time.Since(t0))
			sigDelaySum.Add(d)
			storeMax(&maxSigDelay, d)
		case <-time.After(signalWait):
			anomaly("SIGUSR1 not delivered within %v of kill", signalWait)
		}
		beat(name)
		time.Sleep(signalPeriod)
	}
}

// spinner loops with no calls at all until told to stop: on one CPU every
// other goroutine runs only because the runtime preempts it (sysmon,
// SIGURG).
func spinner(name string, stop *atomic.Bool) {
	for !stop.Load() {
		var n uint64
		for i := 0; i < 1<<22 && !stop.Load(); i++ { // atomic loads compile inline: no calls
			n++
		}
		spins.Add(n)
		beat(name)
	}
}
