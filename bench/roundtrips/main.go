// Command roundtrips runs the loop of the standard library's
// time.TestLongAdjustTimers and prints its rate: a heap of 5,000 timers,
// then rounds of 20 channel sends to a queue goroutine and 20 receives
// back, each receive in a select that also makes a 5 s time.After timer.
// The test wants 50,000 rounds in 60 s of wall-clock time; this prints
// rounds per second of the guest's clock (each tenth of the run, and at
// the end) and how long 50,000 would take, so a run says how far from the
// limit a system is, not just whether it passed.
//
//	ROUNDS=4000 roundtrips                          # natively
//	go run ./bench/guestrun -sys gobare -smp 2 ROUNDTRIPS ROUNDS=4000
//	go run ./bench/guestrun -sys linux -smp 2 ROUNDTRIPS ROUNDS=4000
//
// (ROUNDTRIPS: the binary, built with CGO_ENABLED=0.) As the Linux
// guest's /init (PID 1) it powers the machine off at the end.
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"
)

func main() {
	rounds := 50000
	if s := os.Getenv("ROUNDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			fmt.Fprintf(os.Stderr, "roundtrips: ROUNDS=%q: want a count\n", s)
			os.Exit(2)
		}
		rounds = n
	}
	fmt.Printf("roundtrips: NumCPU %d, GOMAXPROCS %d, %d rounds\n", runtime.NumCPU(), runtime.GOMAXPROCS(0), rounds)
	var wg sync.WaitGroup
	timerHeap(&wg)
	// The test's limit: 60 s from here.
	done := make(chan bool)
	time.AfterFunc(60*time.Second, func() { close(done) })
	inQ, outQ := make(chan func()), make(chan func())
	wg.Add(1)
	go queue(&wg, inQ, outQ, done)
	start := time.Now()
	last, every := start, max(rounds/10, 1)
	for i := range rounds {
		round(inQ, outQ, done, i)
		if (i+1)%every == 0 {
			now := time.Now()
			fmt.Printf("roundtrips: %d rounds, %.0f rounds/s (the last %d: %.0f/s)\n", i+1,
				float64(i+1)/now.Sub(start).Seconds(), every, float64(every)/now.Sub(last).Seconds())
			last = now
		}
	}
	d := time.Since(start)
	if rounds > 0 {
		fmt.Printf("roundtrips: done: %d rounds in %v, %.0f rounds/s, %.1f us a round; 50,000 would take %.1f s\n",
			rounds, d, float64(rounds)/d.Seconds(), d.Seconds()*1e6/float64(rounds), d.Seconds()/float64(rounds)*50000)
	}
	close(inQ)
	wg.Wait()
	if os.Getpid() == 1 && syscall.Reboot(syscall.LINUX_REBOOT_CMD_POWER_OFF) == nil {
		select {}
	}
}

// timerHeap builds the test's timer heap: 5,000 goroutines each sleeping
// 10 us while main sleeps 1 us 5,000 times.
func timerHeap(wg *sync.WaitGroup) {
	const count = 5000
	wg.Add(count)
	for range count {
		go func() {
			defer wg.Done()
			time.Sleep(10 * time.Microsecond)
		}()
	}
	for range count {
		time.Sleep(time.Microsecond)
	}
}

// queue passes what arrives on inQ to outQ in order, holding as many as
// arrive first, until inQ or done is closed.
func queue(wg *sync.WaitGroup, inQ <-chan func(), outQ chan<- func(), done <-chan bool) {
	defer wg.Done()
	defer close(outQ)
	var q []func()
	for {
		var sendTo chan<- func()
		var send func()
		if len(q) > 0 {
			sendTo, send = outQ, q[0]
		}
		select {
		case sendTo <- send:
			q = q[1:]
		case f, ok := <-inQ:
			if !ok {
				return
			}
			q = append(q, f)
		case <-done:
			return
		}
	}
}

// round is iteration i of the test's loop; it exits where the test fails.
func round(inQ chan<- func(), outQ <-chan func(), done <-chan bool, i int) {
	const try = 20
	for range try {
		inQ <- func() {}
	}
	for range try {
		select {
		case <-outQ:
		case <-time.After(5 * time.Second):
			fmt.Printf("roundtrips: no work for 5 s in round %d\n", i)
			os.Exit(1)
		case <-done:
			fmt.Printf("roundtrips: 60 s ran out in round %d (the test fails here)\n", i)
			os.Exit(1)
		}
	}
}
