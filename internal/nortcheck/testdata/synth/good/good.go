// Package good does what kernel code may: arithmetic, copies, pointer stores,
// methods, closures, ranging over strings. It is built with -gcflags=-B like
// the kernel, so indexing carries no bounds checks.
package good

// Thread has pointers, so stores into it take write barriers and clearing
// it goes through the runtime's pointer-aware helpers.
type Thread struct {
	ID    int
	Next_ *Thread
	Regs  [32]uint64
	Name  [16]*byte
}

//go:noinline
func Sum(n int) int {
	s := 0
	for i := 0; i < n; i++ {
		s += i * i >> 1
	}
	return s / 7
}

//go:noinline
func Copy(dst, src []byte) int { return copy(dst, src) }

// Link stores a pointer: a write barrier check and, on its slow path, a
// call to runtime.gcWriteBarrier2.
//
//go:noinline
func Link(a, b *Thread) { a.Next_ = b }

// Clear zeroes a struct holding pointers.
//
//go:noinline
func Clear(t *Thread) int {
	*t = Thread{}
	return t.ID
}

// Runes ranges over a string (runtime.decoderune for non-ASCII bytes).
//
//go:noinline
func Runes(s string) int {
	n := 0
	for _, r := range s {
		n += int(r)
	}
	return n
}

// Next is a method.
//
//go:noinline
func (t *Thread) Next() int {
	if t.Next_ == nil {
		return -1
	}
	return t.Next_.ID
}

// Apply calls a closure that captures a variable.
//
//go:noinline
func Apply(n int) int {
	k := n
	f := func(x int) int { return x + k }
	return call(f, n)
}

//go:noinline
func call(f func(int) int, x int) int { return f(x) }

// Less compares strings (runtime.cmpstring).
//
//go:noinline
func Less(a, b string) bool { return a < b }
