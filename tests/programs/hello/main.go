// Command hello is the smallest test program: the integration tests boot it
// with mkimage run and as a Multiboot module, trace its system calls, build
// it with several Go releases, and time it against a native run.
package main

import "fmt"

func main() {
	fmt.Println("hello, world")
}
