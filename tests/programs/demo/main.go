// Command demo is what `make run` boots: it shows that an ordinary Go
// program, built by the stock toolchain, runs on gobare with its runtime,
// goroutines and clocks working.
package main

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

func main() {
	fmt.Println("Hello from Go on bare metal!")
	fmt.Printf("  runtime.Version()   %s\n", runtime.Version())
	fmt.Printf("  GOOS/GOARCH         %s/%s (the kernel speaks Linux's system calls)\n", runtime.GOOS, runtime.GOARCH)
	fmt.Printf("  GOMAXPROCS          %d\n", runtime.GOMAXPROCS(0))
	fmt.Printf("  os.Args             %q\n", os.Args)

	// A few goroutines, so the scheduler and threads have work.
	var wg sync.WaitGroup
	sums := make([]int, 4)
	for i := range sums {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 1_000_000; j++ {
				sums[i] += j % (i + 2)
			}
		}()
	}
	wg.Wait()
	fmt.Printf("  goroutines          4 finished, sums %v\n", sums)

	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("  memory from the OS  %.1f MiB (heap in use %.1f MiB)\n", float64(ms.Sys)/(1<<20), float64(ms.HeapInuse)/(1<<20))
	fmt.Printf("  time since boot     %v\n", sinceBoot().Round(time.Microsecond))
	fmt.Printf("  wall clock          %s\n", time.Now().UTC().Format(time.RFC3339))
}

// sinceBoot reads CLOCK_BOOTTIME, which gobare counts from the kernel's
// TSC calibration, a few milliseconds after power-on.
func sinceBoot() time.Duration {
	var ts syscall.Timespec
	const clockBoottime = 7
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockBoottime, uintptr(unsafe.Pointer(&ts)), 0)
	return time.Duration(ts.Nano())
}
