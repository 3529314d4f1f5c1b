// Command nort links every function of package symtab so that the test
// TestNoRuntime can check their machine code with internal/nortcheck, the
// way the kernel's own build is checked.
package main

import (
	"os"

	"github.com/gobare/gobare/kernel/symtab"
)

func main() {
	t, ok := symtab.Self()
	if !ok {
		os.Exit(1)
	}
	name, off, ok := t.Lookup(t.TextStart() + uint64(len(os.Args)))
	println(string(name), off, ok, t.NumFuncs())
	if _, ok := symtab.New(nil); ok {
		os.Exit(2)
	}
}
