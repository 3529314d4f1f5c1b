// Package uart drives the PC's 16550 serial ports: COM1 (the console,
// 115200 8N1) and COM2 (the control line that reports the exit status to
// the launcher).
package uart

import "github.com/gobare/gobare/kernel/cpu"

// I/O port bases of the first two PC serial ports.
const (
	COM1 = 0x3F8
	COM2 = 0x2F8
)

// 16550 register offsets from the port base (PC16550D data sheet, table 2).
const (
	regData       = 0 // receive/transmit buffer (DLAB=0), divisor low (DLAB=1)
	regIntEnable  = 1 // interrupt enable (DLAB=0), divisor high (DLAB=1)
	regFIFO       = 2 // FIFO control (write), interrupt identification (read)
	regLineCtl    = 3 // line control: word length, stop bits, parity, DLAB
	regModemCtl   = 4 // modem control: DTR, RTS, OUT2 (IRQ gate), loopback
	regLineStatus = 5 // line status: data ready, transmitter empty
)

// Register bits (PC16550D data sheet, section 8: IER, FCR, IIR, MCR, LSR).
const (
	ierReceive = 0x01 // IER0: "received data available" (and, with the FIFOs, the timeout)

	fcrEnable      = 0x01 // FCR0: both FIFOs on
	fcrClearRx     = 0x02 // FCR1: empty the receiver FIFO
	fcrClearTx     = 0x04 // FCR2: empty the transmitter FIFO
	fcrTrigger14   = 0xC0 // FCR7-6 = 11: interrupt at 14 bytes in the receiver FIFO
	iirFIFOsOn     = 0xC0 // IIR7-6: both set when FCR0 is set on a 16550A
	mcrTerminal    = 0x0B // DTR, RTS, OUT2 (OUT2 lets the IRQ reach the PIC)
	mcrLoopback    = 0x10 // MCR4: the receiver hears only the transmitter
	lsrDataReady   = 0x01 // LSR0
	lsrTxEmpty     = 0x20 // LSR5: THR empty (with the FIFOs: the transmitter FIFO is)
	lsrAllSent     = 0x40 // LSR6: THR (FIFO) and shift register both empty
	txFIFOSize     = 16   // bytes the transmitter FIFO takes once LSR5 is set
	initDrainLimit = 17   // a full FIFO and one more: a bound, never a spin
)

// A port's state: what Init found, and the receive interrupt's mask.
type port struct {
	fifo   bool // the FIFOs are on (a 16550A)
	txRoom int  // bytes PutByte may still write before it looks at LSR5
	held   bool // Hold masked the receive interrupt
}

var ports [2]port

func state(base uint16) *port {
	if base == COM2 {
		return &ports[1]
	}
	return &ports[0]
}

// Init sets a UART to 115200 baud, 8 data bits, no parity, one stop bit,
// its FIFOs on where it has them, and the receive interrupt enabled.
// Bytes already received are passed to keep (nil: dropped), as the FIFO
// switch would clear them.
func Init(base uint16, keep func(byte)) {
	cpu.Outb(base+regIntEnable, 0x00) // interrupts off while programming
	cpu.Outb(base+regLineCtl, 0x80)   // DLAB=1: the next two registers are the divisor
	cpu.Outb(base+regData, 1)         // divisor 1: 115200 / 1 baud
	cpu.Outb(base+regIntEnable, 0)
	cpu.Outb(base+regLineCtl, 0x03) // DLAB=0, 8 bits, no parity, 1 stop bit
	// Switching the FIFOs on empties them and the receiver buffer
	// (PC16550D, FCR0: "when changing from the FIFO mode to the 16450
	// mode and vice versa, data is automatically cleared"; QEMU's
	// hw/char/serial.c clears LSR.DR too). So take what is waiting first,
	// in loopback mode (MCR4), where the line's input is cut off (PC16550D,
	// MCR4). QEMU then is not told that the UART has room
	// (serial_ioport_read calls qemu_chr_fe_accept_input only outside
	// loopback): its main loop, which feeds the UART from another host
	// thread, is not woken to send the next byte in the few instructions
	// between the last read and the switch, and finds the room on its next
	// pass of its own (a guest timer's, at the latest). A pass that falls
	// in those instructions still puts a byte in, which the switch
	// clears: on a real 16550 loopback cuts the line's input off, but
	// QEMU's serial_receive1 ignores MCR4, and no FCR write keeps data
	// when FCR0 changes (docs/design.md, "The boot window").
	cpu.Outb(base+regModemCtl, mcrLoopback)
	for i := 0; i < initDrainLimit; i++ {
		b, ok := GetByte(base)
		if !ok {
			break
		}
		if keep != nil {
			keep(b)
		}
	}
	// FIFOs on, both emptied, receive interrupt at 14 bytes (PC16550D,
	// FCR). QEMU hands the UART up to that level at once
	// (serial_can_receive advertises the level less what the FIFO holds),
	// and every hand-over is a trip through its main loop, so the highest
	// level takes the fewest trips and interrupts; a shorter tail comes
	// with the timeout interrupt, 4 character times after the last byte
	// (PC16550D, IIR: "character timeout indication"). Linux's 8250 driver
	// picks 8 bytes for a 16550A (drivers/tty/serial/8250/8250_port.c,
	// uart_config[PORT_16550A]): more slack before an overrun on a real
	// line, which no flow control holds back; at 14 there are 2 character
	// times left (174 us at 115200 baud), against 1 with the FIFOs off.
	cpu.Outb(base+regFIFO, fcrEnable|fcrClearRx|fcrClearTx|fcrTrigger14)
	p := state(base)
	// IIR7-6 say what took the FCR write: 11 a 16550A with working
	// FIFOs; 10 the original 16550, whose FIFOs are unreliable; 00 a
	// 8250 or 16450, which has none (PC16550D, IIR; Linux's autoconfig
	// tells them apart the same way). Without working FIFOs, off again.
	p.fifo = cpu.Inb(base+regFIFO)&iirFIFOsOn == iirFIFOsOn
	if !p.fifo {
		cpu.Outb(base+regFIFO, 0x00)
	}
	p.txRoom, p.held = 0, false
	cpu.Outb(base+regModemCtl, mcrTerminal)
	cpu.Outb(base+regIntEnable, ierReceive)
}

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
