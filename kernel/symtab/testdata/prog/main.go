// Command prog is a small program whose pclntab the symtab tests read: it has
// methods, closures, generics and assembly-backed standard library code, so
// that every kind of function name appears in its table.
package main

import (
	"fmt"
	"os"
	"sort"
	"strings"
)

type counter struct{ n int }

func (c *counter) add(k int) { c.n += k }

func sum[T int | float64](xs []T) T {
	var s T
	for _, x := range xs {
		s += x
	}
	return s
}

func main() {
	c := &counter{}
	words := strings.Fields("the pclntab maps every pc to its function")
	sort.Slice(words, func(i, j int) bool { return words[i] < words[j] })
	for _, w := range words {
		c.add(len(w))
	}
	fmt.Fprintln(os.Stdout, c.n, sum([]int{1, 2, 3}), sum([]float64{0.5}), words)
}
