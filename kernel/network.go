package kernel

import (
	"github.com/gobare/gobare/kernel/console"
	"github.com/gobare/gobare/kernel/dev/lapic"
	"github.com/gobare/gobare/kernel/dev/pic"
	virtnet "github.com/gobare/gobare/kernel/dev/virtio/net"
	"github.com/gobare/gobare/kernel/irq"
)

// netVector is the receive interrupt's vector (MSI-X, through the local
// APIC): that of legacy line 11, which the kernel never routes when the
// APICs are in use (setUpInterrupts routes the keyboard and COM1 only),
// since vectors above 47 share one entry stub that cannot tell them
// apart (kernel/trap/vectors_amd64.s).
const netVector = pic.IRQBase + 11

// startNetwork brings up the virtio network device when the machine has
// one (mkimage run -net), which devfs then offers as /dev/net0, and says
// so with its Ethernet address. With the APICs routing interrupts, a
// received frame interrupts at netVector.
func startNetwork() {
	irqs := virtnet.Interrupt{Use: irq.UsingAPIC(), Vector: netVector}
	if irqs.Use {
		irqs.APICID = lapic.ID() // the local APIC is mapped only when used
	}
	ok, why := virtnet.Init(&frames, &kernelSpace, irqs)
	switch {
	case !ok && why != "":
		console.Print("gobare: virtio network: ")
		console.Print(why)
		console.Print("; no network\n")
	case ok && !quiet:
		var mac [macLen]byte
		console.Print("gobare: network: virtio-net, MAC ")
		console.Write(formatMAC(mac[:]))
		if virtnet.Interrupts() {
			console.Print(", MSI-X")
		}
		console.Print(", /dev/net0\n")
	}
}

// macLen is the length of an Ethernet address as text.
const macLen = 17

// formatMAC writes the device's Ethernet address into b (macLen bytes)
// as "52:54:00:12:34:56" and returns it.
func formatMAC(b []byte) []byte {
	const hexDigits = "0123456789abcdef"
	mac := virtnet.MAC()
	for i, x := range mac {
		if i > 0 {
			b[3*i-1] = ':'
		}
		b[3*i], b[3*i+1] = hexDigits[x>>4], hexDigits[x&15]
	}
	return b[:macLen]
}
