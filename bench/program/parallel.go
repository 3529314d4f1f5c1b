package main

import (
	"crypto/sha256"
	"fmt"
	"runtime"
	"sync"
)

// BENCH_MODE=parallel: the same work split over four goroutines, timed
// whole, which the harness runs on one CPU and on two (gobare and Linux
// with -smp 1 and -smp 2, native with GOMAXPROCS 1 and 2): CPU-bound
// (hashing), GC-bound (allocating with a live set) and channel-bound
// (goroutine pairs passing values). Each key names the CPUs:
// par_hash_smp2_ms.
func benchParallel() {
	cpus := runtime.GOMAXPROCS(0)
	key := func(name string) string { return fmt.Sprintf("par_%s_smp%d_ms", name, cpus) }
	report(key("hash"), parallel(func() {
		buf := make([]byte, 1<<20)
		for range 4 {
			sha256.Sum256(buf)
		}
	}))
	report(key("gc"), parallel(func() {
		var live [1 << 12]*[8]int64
		for i := range 1 << 17 {
			live[i&(len(live)-1)] = new([8]int64)
		}
	}))
	report(key("chan"), parallel(func() {
		ping, pong := make(chan int), make(chan int)
		go func() {
			for v := range ping {
				pong <- v
			}
			close(pong)
		}()
		for i := range 5000 {
			ping <- i
			<-pong
		}
		close(ping)
		<-pong
	}))
}

// parallel runs work in four goroutines at once, three times, and returns
// the median time for all four to finish, in ms.
func parallel(work func()) float64 {
	return timeOnce(3, func() {
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				work()
			}()
		}
		wg.Wait()
	})
}
