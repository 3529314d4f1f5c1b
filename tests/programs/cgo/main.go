// Command cgo is a deliberately bad program for gobare: it uses cgo, so
// built with CGO_ENABLED=1 it is dynamically linked against the C library
// (or, linked with -extldflags=-static, carries C thread-local storage).
// The tests check that mkimage and the kernel both refuse it with one clear
// line instead of booting it. With CGO_ENABLED=0 the package has no files.
package main

// static int answer(void) { return 42; }
import "C"

import "fmt"

func main() {
	fmt.Println("cgo says", C.answer())
}
