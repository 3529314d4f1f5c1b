package kernel

import (
	"github.com/gobare/gobare/kernel/console"
	virtcons "github.com/gobare/gobare/kernel/dev/virtio/console"
)

// startStreams gives the program's standard streams the ports of a
// virtio console when the machine has one (mkimage run's QEMU does, see
// qemu/args.go); otherwise they stay on the serial line and the screen
// (kernel/fs/devfs/console.go). Kernel messages stay on the serial line
// either way.
func startStreams() {
	if ok, why := virtcons.Init(&frames, &kernelSpace); !ok && why != "" {
		console.Print("gobare: virtio console: ")
		console.Print(why)
		console.Print("; the program's streams stay on the serial line\n")
	}
}
