// Command avx checks that the vector registers survive the kernel: built
// with GOAMD64=v3, its SHA-256 and memmove run on AVX2, in goroutines that
// a tight loop without calls keeps preempting (the runtime sends SIGURG,
// which the kernel delivers with the XSAVE state in the signal frame), and
// it prints how many digests came out wrong. Beside them, goroutines keep
// values in YMM registers through long loops that interrupts, thread
// switches and signals land in (ymm_amd64.s), and count the loops after
// which they changed.
package main

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
)

func main() {
	data := make([]byte, 256<<10)
	for i := range data {
		data[i] = byte(i*7 + i>>9)
	}
	want := sha256.Sum256(data)
	var bad, done atomic.Int64
	var stop atomic.Bool
	// The spinner has no function calls: only an asynchronous preemption
	// (a signal) can take the CPU from it.
	go func() {
		x := 0
		for !stop.Load() {
			x++
		}
	}()
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, len(data))
			for i := 0; i < 8; i++ {
				copy(buf, data) // memmove, on AVX registers
				if sha256.Sum256(buf) != want || !bytes.Equal(buf, data) {
					bad.Add(1)
				}
				done.Add(1)
			}
		}()
	}
	var ymmBad atomic.Int64
	for g := 0; g < 2; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var in, out [64]byte
			for i := 0; i < 10; i++ {
				for j := range in {
					in[j] = byte(g*131 + i*7 + j)
				}
				ymmAcrossInterrupts(&in, &out, 20_000_000)
				if in != out {
					ymmBad.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	stop.Store(true)
	fmt.Printf("avx: %d digests, %d wrong (%s)\n", done.Load(), bad.Load(), runtime.Version())
	fmt.Printf("avx: YMM registers changed across interrupts and signals: %d of 20 times\n", ymmBad.Load())
	if bad.Load() != 0 || ymmBad.Load() != 0 {
		os.Exit(1)
	}
}

// ymmAcrossInterrupts loads Y3 and Y12 from in, turns n times round a
// loop without calls and stores Y3 and Y12 in out (ymm_amd64.s).
//
//go:noescape
func ymmAcrossInterrupts(in, out *[64]byte, n int)
