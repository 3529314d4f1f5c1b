package uart

import "github.com/gobare/gobare/kernel/cpu"

// GetByte returns a received byte, if one is waiting (line status bit 0:
// the receiver buffer, or with the FIFOs the receiver FIFO, holds one).
// A line status of 0xFF means no UART answers at the port (QEMU -serial
// none, a PC without COM1): the bus floats high. A real 16550 shows it
// only with every error bit at once (overrun, parity, framing, break and
// the FIFO error bit 7), which Linux's 8250 driver treats the same way
// ("LSR safety check", serial8250_do_startup); it would otherwise read as
// an endless stream of 0xFF bytes.
func GetByte(port uint16) (byte, bool) {
	// LAB 1 BEGIN: receive one byte if the line status says one is waiting
	// LAB 1 STUB: return 0, false
	if lsr := cpu.Inb(port + regLineStatus); lsr&lsrDataReady == 0 || lsr == 0xFF {
		return 0, false
	}
	return cpu.Inb(port + regData), true
	// LAB 1 END
}

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
