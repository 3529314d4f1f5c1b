package uart

import "github.com/gobare/gobare/kernel/cpu"

// Hold masks the receive interrupt (IER0) of a port whose bytes have
// nowhere to go; Resume unmasks it. Held bytes stay in the UART: its
// FIFO fills, after which QEMU takes no more from its input
// (serial_can_receive answers 0) and nothing is lost; Linux's 8250 driver
// throttles a full tty the same way (serial8250_stop_rx). Unmasking with
// bytes waiting raises the interrupt again (PC16550D, IIR: the receive
// and timeout conditions are levels, reported while enabled), a new edge
// for the interrupt controller.
func Hold(base uint16) {
	if p := state(base); !p.held {
		p.held = true
		cpu.Outb(base+regIntEnable, 0)
	}
}

// Resume undoes Hold.
func Resume(base uint16) {
	if p := state(base); p.held {
		p.held = false
		cpu.Outb(base+regIntEnable, ierReceive)
	}
}
