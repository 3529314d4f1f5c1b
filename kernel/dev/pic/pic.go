// Package pic drives the two cascaded 8259A interrupt controllers of the
// PC: it moves IRQs 0-15 to vectors 32-47, masks the lines nobody uses,
// and acknowledges interrupts.
package pic

import "github.com/gobare/gobare/kernel/cpu"

// The two cascaded 8259A PICs (Intel 8259A data sheet; OSDev "8259 PIC").
const (
	pic1Cmd, pic1Data = 0x20, 0x21
	pic2Cmd, pic2Data = 0xA0, 0xA1
	// IRQBase is the vector of IRQ 0; IRQs 0-15 become vectors 32-47,
	// clear of the CPU exceptions 0-31.
	IRQBase = 32
	eoi     = 0x20
)

// IRQ lines used by the kernel.
const (
	IRQTimer    = 0 // PIT channel 0
	IRQKeyboard = 1 // the PS/2 keyboard has a scan code
	IRQCOM1     = 4 // serial port 1 received a byte
)

// Init remaps the PICs to vectors 32-47 and masks every line but the
// ones in enabled (a bit per IRQ).
func Init(enabled uint16) {
	cpu.Outb(pic1Cmd, 0x11) // ICW1: initialise, ICW4 follows
	cpu.Outb(pic2Cmd, 0x11)
	cpu.Outb(pic1Data, IRQBase)   // ICW2: vector base
	cpu.Outb(pic2Data, IRQBase+8) //
	cpu.Outb(pic1Data, 1<<2)      // ICW3: slave on IRQ 2
	cpu.Outb(pic2Data, 2)         // ICW3: slave identity
	cpu.Outb(pic1Data, 0x01)      // ICW4: 8086 mode
	cpu.Outb(pic2Data, 0x01)
	enabled |= 1 << 2 // the cascade line
	cpu.Outb(pic1Data, ^uint8(enabled))
	cpu.Outb(pic2Data, ^uint8(enabled>>8))
}

// EndOfInterrupt acknowledges IRQ irq so the PIC delivers the next one.
func EndOfInterrupt(irq int) {
	if irq >= 8 {
		cpu.Outb(pic2Cmd, eoi)
	}
	cpu.Outb(pic1Cmd, eoi)
}
