// Command clockbench measures what a clock read costs: time.Now and
// time.Since in a loop. On gobare, run it with and without the vDSO
// (mkimage run -append novdso) to see what the vDSO saves.
package main

import (
	"fmt"
	"time"
)

func main() {
	const n = 200000
	start := time.Now()
	var t time.Time
	for i := 0; i < n; i++ {
		t = time.Now()
	}
	elapsed := t.Sub(start)
	fmt.Printf("clockbench: %d time.Now calls, %.1f ns/call\n", n, float64(elapsed.Nanoseconds())/n)
}
