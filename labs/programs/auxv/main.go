// Command auxv is lab 4's program: it prints what the kernel put on its
// first stack — os.Args, the environment and the auxiliary vector — and
// checks the entries the psABI and Linux's binfmt_elf promise. One line
// per check, "auxv: NAME: ok" or "auxv: NAME: FAIL: why", then "auxv:
// done: N failed"; it exits 1 when a check failed.
package main

import (
	"fmt"
	"os"
	"unsafe"
)

// getAuxv is the runtime's copy of the auxiliary vector (pairs of words,
// AT_NULL excluded); golang.org/x/sys/cpu reads it the same way.
//
//go:linkname getAuxv runtime.getAuxv
func getAuxv() []uintptr

var failed int

func check(name string, ok bool, format string, args ...any) {
	if ok {
		fmt.Printf("auxv: %s: ok\n", name)
		return
	}
	failed++
	fmt.Printf("auxv: %s: FAIL: %s\n", name, fmt.Sprintf(format, args...))
}

// cString reads the NUL-terminated string at p.
func cString(p uintptr) string {
	var b []byte
	for i := uintptr(0); i < 4096; i++ {
		c := *(*byte)(ptr(p + i))
		if c == 0 {
			break
		}
		b = append(b, c)
	}
	return string(b)
}

func main() {
	for i, a := range os.Args {
		fmt.Printf("arg[%d]=%q\n", i, a)
	}
	env := os.Environ()
	fmt.Printf("environ=%q\n", env)
	aux := map[uintptr]uintptr{}
	v := getAuxv()
	for i := 0; i+1 < len(v); i += 2 {
		fmt.Printf("auxv[%d]=%#x\n", v[i], v[i+1])
		aux[v[i]] = v[i+1]
	}

	check("args", len(os.Args) == 3 && os.Args[1] == "one" && os.Args[2] == "two words", "os.Args = %q, want [PROGRAM one \"two words\"]", os.Args)
	empty, emptySet := os.LookupEnv("LAB4_EMPTY")
	check("env", os.Getenv("LAB4_GREETING") == "hello lab" && emptySet && empty == "",
		"LAB4_GREETING=%q, environ %q", os.Getenv("LAB4_GREETING"), env)
	check("AT_PAGESZ", aux[6] == 4096, "AT_PAGESZ = %d", aux[6])
	check("AT_PHDR/AT_PHNUM/AT_ENTRY", aux[3] != 0 && aux[5] > 0 && aux[9] != 0, "AT_PHDR %#x AT_PHNUM %d AT_ENTRY %#x", aux[3], aux[5], aux[9])
	r, ok := aux[25]
	var rnd []byte
	if ok && r != 0 {
		rnd = unsafe.Slice((*byte)(ptr(r)), 16)
	}
	nonzero := false
	for _, c := range rnd {
		nonzero = nonzero || c != 0
	}
	check("AT_RANDOM", ok && nonzero, "AT_RANDOM = %#x (present %v), bytes %x", r, ok, rnd)
	p, ok := aux[15]
	check("AT_PLATFORM", ok && p != 0 && cString(p) == "x86_64", "AT_PLATFORM = %#x (present %v)", p, ok)
	e, ok := aux[31]
	check("AT_EXECFN", ok && e != 0 && cString(e) == os.Args[0], "AT_EXECFN = %#x (present %v), want argv[0] %q", e, ok, os.Args[0])

	fmt.Printf("auxv: done: %d failed\n", failed)
	if failed > 0 {
		os.Exit(1)
	}
}

// ptr turns an address the kernel gave into a pointer (the memory is not
// Go's: the garbage collector never sees it).
func ptr(p uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&p)) }
