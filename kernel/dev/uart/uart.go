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
	regFIFO       = 2 // FIFO control
	regLineCtl    = 3 // line control: word length, stop bits, parity, DLAB
	regModemCtl   = 4 // modem control: DTR, RTS, OUT2 (IRQ gate)
	regLineStatus = 5 // line status: data ready, transmitter empty
)

// Init sets a UART to 115200 baud, 8 data bits, no parity, one stop
// bit, and the receive interrupt enabled.
func Init(port uint16) {
	cpu.Outb(port+regIntEnable, 0x00) // interrupts off while programming
	cpu.Outb(port+regLineCtl, 0x80)   // DLAB=1: the next two registers are the divisor
	cpu.Outb(port+regData, 1)         // divisor 1: 115200 / 1 baud
	cpu.Outb(port+regIntEnable, 0)
	cpu.Outb(port+regLineCtl, 0x03)   // DLAB=0, 8 bits, no parity, 1 stop bit
	cpu.Outb(port+regFIFO, 0x00)      // FIFOs off: switching them on would drop bytes already received
	cpu.Outb(port+regModemCtl, 0x0B)  // DTR, RTS, OUT2 (lets the IRQ reach the PIC)
	cpu.Outb(port+regIntEnable, 0x01) // interrupt when a byte is received
}

// PutByte waits until the transmitter holding register is empty
// (line status bit 5) and sends one byte.
func PutByte(port uint16, b byte) {
	for cpu.Inb(port+regLineStatus)&0x20 == 0 {
	}
	cpu.Outb(port+regData, b)
}

// Drain waits until the UART has sent everything, its shift register
// included (line status bit 6, "transmitter empty"), or a bounded while
// when no UART answers (the line then reads 0xFF, bit 6 set).
func Drain(port uint16) {
	for i := 0; i < 1_000_000 && cpu.Inb(port+regLineStatus)&0x40 == 0; i++ {
	}
}

// GetByte returns a received byte, if one is waiting (line status
// bit 0). A line status of 0xFF means no UART answers at the port (QEMU
// -serial none, a PC without COM1): the bus floats high, which a real
// 16550 never shows with its FIFOs off (bit 7, "error in receiver FIFO",
// is then always 0: PC16550D data sheet, Line Status Register), and would
// otherwise read as an endless stream of 0xFF bytes.
func GetByte(port uint16) (byte, bool) {
	// LAB 1 BEGIN: receive one byte if the line status says one is waiting
	// LAB 1 STUB: return 0, false
	if lsr := cpu.Inb(port + regLineStatus); lsr&0x01 == 0 || lsr == 0xFF {
		return 0, false
	}
	return cpu.Inb(port + regData), true
	// LAB 1 END
}
