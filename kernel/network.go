package kernel

import (
	"github.com/gobare/gobare/kernel/console"
	virtnet "github.com/gobare/gobare/kernel/dev/virtio/net"
)

// startNetwork brings up the virtio network device when the machine has
// one (mkimage run -net), which devfs then offers as /dev/net0, and says
// so with its Ethernet address.
func startNetwork() {
	ok, why := virtnet.Init(&frames, &kernelSpace)
	switch {
	case !ok && why != "":
		console.Print("gobare: virtio network: ")
		console.Print(why)
		console.Print("; no network\n")
	case ok && !quiet:
		console.Print("gobare: network: virtio-net, MAC ")
		mac := virtnet.MAC()
		for i, b := range mac {
			if i > 0 {
				console.Print(":")
			}
			console.Print(hexDigits[b>>4 : b>>4+1])
			console.Print(hexDigits[b&15 : b&15+1])
		}
		console.Print(", /dev/net0\n")
	}
}

const hexDigits = "0123456789abcdef"
