// Package kernel is the ring-0 layer of gobare: Main brings the machine up
// after boot/ has entered long mode, loads the program and runs it.
package kernel

import (
	"github.com/gobare/gobare/kernel/console"
	"github.com/gobare/gobare/kernel/power"
)

// Main is called by boot on the boot stack in 64-bit mode. It never returns.
func Main(magic uint32, info uintptr) {
	console.InitSerial(console.COM1)
	console.InitSerial(console.COM2)
	console.Print("boot: long mode\n")
	power.Exit(0)
}
