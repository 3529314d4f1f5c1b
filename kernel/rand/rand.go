// Package rand owns the kernel's random bytes (getrandom, AT_RANDOM):
// RDRAND where the CPU has it, else a xorshift64* generator seeded from
// the time-stamp counter — unpredictable enough for Go's map hashing and
// math/rand, but not fit for cryptographic keys (the README says so).
package rand

import "github.com/gobare/gobare/kernel/cpu"

// state is the fallback generator's state, seeded on first use.
var state uint64

// Fill fills b with random bytes.
func Fill(b []byte) {
	for i := 0; i < len(b); i += 8 {
		v, ok := cpu.RandomUint64()
		if !ok {
			v = xorshift()
		}
		for j := 0; j < 8 && i+j < len(b); j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
}

// xorshift steps the fallback generator (Marsaglia's xorshift64*).
func xorshift() uint64 {
	if state == 0 {
		state = cpu.Rdtsc() | 1
	}
	state ^= state >> 12
	state ^= state << 25
	state ^= state >> 27
	return state * 2685821657736338717
}
