// Command clockbench measures what a clock read costs: time.Now and
// time.Since in a loop. On gobare, run it with and without the vDSO
// (mkimage run -append novdso) to see what the vDSO saves.
package main

import (
	"fmt"
	"syscall"
	"time"
	"unsafe"
)

func main() {
	fmt.Printf("clockbench: main.main reached %v after the kernel's first instruction\n", sinceBoot())
	const n = 200000
	start := time.Now()
	var t time.Time
	for i := 0; i < n; i++ {
		t = time.Now()
	}
	elapsed := t.Sub(start)
	fmt.Printf("clockbench: %d time.Now calls, %.1f ns/call\n", n, float64(elapsed.Nanoseconds())/n)
}

// sinceBoot reads CLOCK_BOOTTIME, which gobare counts from the kernel's
// first instruction (on Linux: since the machine booted).
func sinceBoot() time.Duration {
	var ts syscall.Timespec
	const clockBoottime = 7
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockBoottime, uintptr(unsafe.Pointer(&ts)), 0)
	return time.Duration(ts.Nano())
}
