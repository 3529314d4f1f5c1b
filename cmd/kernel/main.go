// Command kernel is the gobare kernel image. It is never run as a Linux
// program: mkimage links it at 1 MiB with boot.entry32 as its entry point and
// adds a Multiboot header. main exists only because the Go linker wants one.
package main

import _ "github.com/gobare/gobare/boot"

func main() {}
