// Command smpstress makes goroutines on every CPU block and wake each other
// through each of the kernel's waiting paths at once, and checks that every
// message arrived exactly once (tests/smp_test.go boots it on several CPUs;
// a lost wake-up hangs it, which the test's timeout catches):
//
//   - futex: pairs of locked OS threads hand a token back and forth through
//     raw FUTEX_WAIT/FUTEX_WAKE on a shared word;
//   - pipes: writers push numbered records through os.Pipe (non-blocking,
//     so the runtime waits in epoll) to readers, which sum them;
//   - channels: a ring of goroutines passes a counter around (the
//     runtime's own futexes, when Ps go idle and are woken);
//   - timers: goroutines sleep short random times and count their wake-ups;
//   - TLB shootdown (last, alone): readers on the other CPUs keep reading a
//     mapped page until the main goroutine unmaps it; each read after
//     munmap has returned must fault, which a reader with a stale TLB
//     entry would not.
//
// It prints "smpstress: ok" and the counts, or the first wrong count and
// exits 1. NumCPU and GOMAXPROCS are printed first.
package main

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

const (
	futexPairs   = 2
	futexRounds  = 2000
	pipes        = 4
	pipeRecords  = 2000
	ringSize     = 8
	ringLaps     = 500
	sleepers     = 16
	sleepsEach   = 50
	futexWait    = 0 | 128 // FUTEX_WAIT_PRIVATE
	futexWake    = 1 | 128 // FUTEX_WAKE_PRIVATE
	recordLength = 8
)

func main() {
	fmt.Printf("smpstress: NumCPU %d GOMAXPROCS %d\n", runtime.NumCPU(), runtime.GOMAXPROCS(0))
	start := time.Now()
	var wg sync.WaitGroup
	results := make(chan string, 5)
	for _, f := range []func() string{futexes, pipeSums, ring, timers} {
		wg.Add(1)
		go func() { defer wg.Done(); results <- f() }()
	}
	wg.Wait()
	results <- shootdown()
	close(results)
	failed := false
	for r := range results {
		fmt.Println("smpstress:", r)
		failed = failed || r[:2] != "ok"
	}
	if failed {
		os.Exit(1)
	}
	fmt.Printf("smpstress: ok in %v\n", time.Since(start).Round(time.Millisecond))
}

// futexes: each pair's two threads take turns: the word says whose turn it
// is; a thread waits while it is the other's and wakes the other after
// handing over. Both count their turns.
func futexes() string {
	var wg sync.WaitGroup
	var turns atomic.Int64
	for p := 0; p < futexPairs; p++ {
		word := new(uint32)
		for side := uint32(0); side < 2; side++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				runtime.LockOSThread()
				for i := 0; i < futexRounds; i++ {
					for atomic.LoadUint32(word) != side {
						syscall.Syscall6(syscall.SYS_FUTEX, uintptr(unsafe.Pointer(word)), futexWait, uintptr(1-side), 0, 0, 0)
					}
					turns.Add(1)
					atomic.StoreUint32(word, 1-side)
					syscall.Syscall6(syscall.SYS_FUTEX, uintptr(unsafe.Pointer(word)), futexWake, 1, 0, 0, 0)
				}
			}()
		}
	}
	wg.Wait()
	return check("futex turns", turns.Load(), futexPairs*2*futexRounds)
}

// pipeSums: each writer sends the numbers 1..pipeRecords through its own
// pipe; its reader sums what arrives.
func pipeSums() string {
	var wg sync.WaitGroup
	var sum atomic.Int64
	for p := 0; p < pipes; p++ {
		r, w, err := os.Pipe()
		if err != nil {
			return "pipe: " + err.Error()
		}
		wg.Add(2)
		go func() {
			defer wg.Done()
			var b [recordLength]byte
			for i := 1; i <= pipeRecords; i++ {
				binary.LittleEndian.PutUint64(b[:], uint64(i))
				w.Write(b[:])
			}
			w.Close()
		}()
		go func() {
			defer wg.Done()
			var b [recordLength]byte
			for {
				if _, err := io.ReadFull(r, b[:]); err != nil {
					break
				}
				sum.Add(int64(binary.LittleEndian.Uint64(b[:])))
			}
			r.Close()
		}()
	}
	wg.Wait()
	return check("pipe sum", sum.Load(), pipes*pipeRecords*(pipeRecords+1)/2)
}

// ring: a counter goes round ringSize goroutines ringLaps times.
func ring() string {
	chans := make([]chan int, ringSize)
	for i := range chans {
		chans[i] = make(chan int)
	}
	done := make(chan int)
	for i := range chans {
		go func() {
			for v := range chans[i] {
				if v == ringSize*ringLaps {
					done <- v
					return
				}
				chans[(i+1)%ringSize] <- v + 1
			}
		}()
	}
	chans[0] <- 0
	return check("ring passes", int64(<-done), ringSize*ringLaps)
}

// timers: every sleeper sleeps sleepsEach times for 0-2 ms.
func timers() string {
	var wg sync.WaitGroup
	var wakes atomic.Int64
	for s := 0; s < sleepers; s++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < sleepsEach; i++ {
				d := time.Duration((s*7+i*13)%2000) * time.Microsecond
				t := time.Now()
				time.Sleep(d)
				if time.Since(t) >= d {
					wakes.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	return check("timer wake-ups (none early)", wakes.Load(), sleepers*sleepsEach)
}

// shootdown: GOMAXPROCS-1 readers spin reading one page (so their TLBs
// hold it) until told; main unmaps it, then tells them; each reader's
// next read must fault.
func shootdown() string {
	const rounds = 20
	readers := runtime.GOMAXPROCS(0) - 1
	if readers < 1 {
		readers = 1
	}
	faults := 0
	for round := 0; round < rounds; round++ {
		page, err := syscall.Mmap(-1, 0, 4096, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
		if err != nil {
			return "mmap: " + err.Error()
		}
		page[0] = 1
		var reading atomic.Int32
		var unmapped atomic.Bool
		faulted := make(chan bool, readers)
		for r := 0; r < readers; r++ {
			go func() {
				runtime.LockOSThread()
				debug.SetPanicOnFault(true)
				defer func() { faulted <- recover() != nil }()
				word := (*atomic.Uint32)(unsafe.Pointer(&page[0])) // atomic: each load really reads memory
				reading.Add(1)
				for !unmapped.Load() {
					word.Load()
				}
				word.Load() // after munmap returned: must fault
			}()
		}
		for reading.Load() != int32(readers) {
			runtime.Gosched()
		}
		if err := syscall.Munmap(page); err != nil {
			return "munmap: " + err.Error()
		}
		unmapped.Store(true)
		for r := 0; r < readers; r++ {
			if <-faulted {
				faults++
			}
		}
	}
	return check("reads after munmap that faulted", int64(faults), int64(rounds*readers))
}

// check says "ok NAME N" or what went wrong.
func check(name string, got, want int64) string {
	if got != want {
		return fmt.Sprintf("WRONG %s: %d, want %d", name, got, want)
	}
	return fmt.Sprintf("ok %s %d", name, got)
}
