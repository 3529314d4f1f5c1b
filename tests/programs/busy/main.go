// Command busy keeps the Go runtime working for a while — goroutines
// that allocate (so the garbage collector runs), channels, timers — and
// checks its results, for tests where something else runs beside it (the
// network service in its own address space, tests/net_test.go).
package main

import (
	"crypto/sha256"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// sink makes the buffers escape to the heap.
var sink atomic.Pointer[[]byte]

func main() {
	d := 3 * time.Second
	if len(os.Args) > 1 {
		var err error
		if d, err = time.ParseDuration(os.Args[1]); err != nil {
			fmt.Fprintln(os.Stderr, "busy:", err)
			os.Exit(2)
		}
	}
	end := time.Now().Add(d)
	var wg sync.WaitGroup
	results := make(chan [32]byte, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sum := sha256.Sum256([]byte{byte(g)})
			for n := 0; time.Now().Before(end) || n < 100; n++ {
				buf := make([]byte, 64<<10) // garbage for the collector
				sink.Store(&buf)
				copy(buf, sum[:])
				sum = sha256.Sum256(buf)
				if n%64 == 0 {
					time.Sleep(time.Millisecond)
				}
			}
			results <- sum
		}()
	}
	wg.Wait()
	close(results)
	n := 0
	for range results {
		n++
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("busy: %d goroutines done after %v, %d GC cycles\n", n, d, ms.NumGC)
}
