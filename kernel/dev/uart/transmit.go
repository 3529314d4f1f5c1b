package uart

import "github.com/gobare/gobare/kernel/cpu"

// PutByte sends one byte. LSR5 set means the transmitter holding
// register is empty, and with the FIFOs on that the whole transmitter
// FIFO is (PC16550D, LSR5): then 16 bytes may be written without looking
// again, one I/O read per 16 bytes instead of one per byte.
func PutByte(base uint16, b byte) {
	p := state(base)
	if p.txRoom == 0 {
		for cpu.Inb(base+regLineStatus)&lsrTxEmpty == 0 {
		}
		p.txRoom = 1
		if p.fifo {
			p.txRoom = txFIFOSize
		}
	}
	p.txRoom--
	cpu.Outb(base+regData, b)
}

// Drain waits until the UART has sent everything, its FIFO and shift
// register included (LSR6, "transmitter empty"), or a bounded while
// when no UART answers (the line then reads 0xFF, bit 6 set).
func Drain(base uint16) {
	for i := 0; i < 1_000_000 && cpu.Inb(base+regLineStatus)&lsrAllSent == 0; i++ {
	}
}
