// Package bad calls into the Go runtime in the ways kernel code must not.
package bad

import "strconv"

var sink []byte

// Alloc makes a slice whose size is known only at run time and that escapes:
// runtime.makeslice.
//
//go:noinline
func Alloc(n int) { sink = make([]byte, n) }

// Concat concatenates strings: runtime.concatstring2.
//
//go:noinline
func Concat(a, b string) string { return a + b }

// Map assigns into a map: runtime.makemap_small, runtime.mapassign_faststr.
//
//go:noinline
func Map(k string) int {
	m := map[string]int{}
	m[k] = len(k)
	return len(m)
}

// Itoa reaches the runtime only through strconv.
//
//go:noinline
func Itoa(n int) string { return strconv.Itoa(n) }

// Div divides by a variable: runtime.panicdivide when it is zero.
//
//go:noinline
func Div(a, b int) int { return a / b }

// Iface converts an int to an interface: runtime.convT64.
//
//go:noinline
func Iface(n int) any { return n }

// New allocates: runtime.newobject.
//
//go:noinline
func New(n int) *[4]int { return &[4]int{n} }
