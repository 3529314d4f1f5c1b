package lapic

// The interrupt command register (SDM Vol. 3A §10.6.1, Figure 10-12): the
// destination's APIC ID in bits 56-63 (the high half, written first), and
// in the low half the vector, the delivery mode in bits 8-10, the level
// in bit 14, the trigger mode in bit 15 and the destination shorthand in
// bits 18-19. Writing the low half sends the IPI; bit 12 (delivery
// status) stays set until the local APIC has sent it.
const (
	regICRLow  = 0x300
	regICRHigh = 0x310

	deliveryFixed   = 0 << 8
	deliveryNMI     = 4 << 8
	deliveryINIT    = 5 << 8
	deliveryStartup = 6 << 8
	icrPending      = 1 << 12
	levelAssert     = 1 << 14
	levelTrigger    = 1 << 15
	allButSelf      = 3 << 18
)

// send writes the ICR for the CPU with APIC ID dest and waits until the
// local APIC has taken the IPI (§10.6.1: software must not write the ICR
// while the delivery status is pending).
func send(dest uint32, low uint32) {
	write(regICRHigh, dest<<24)
	write(regICRLow, low)
	for read(regICRLow)&icrPending != 0 {
	}
}

// SendInit sends an INIT IPI, which resets the target into its
// wait-for-SIPI state (§8.4.4.1, "Typical BSP Initialization Sequence"),
// asserted and then deasserted as the MP specification's sequence does
// for older APICs (§10.6.1: the level de-assert form).
func SendInit(dest uint32) {
	send(dest, deliveryINIT|levelAssert|levelTrigger)
	send(dest, deliveryINIT|levelTrigger)
}

// SendStartup sends a start-up IPI: the target starts in real mode at
// CS:IP = page<<8:0000, that is at physical address page<<12 (§8.4.4.1,
// §10.6.1 "Start-Up").
func SendStartup(dest uint32, page uint8) {
	send(dest, deliveryStartup|levelAssert|uint32(page))
}

// SendIPI interrupts the CPU with APIC ID dest on vector (fixed delivery).
func SendIPI(dest uint32, vector uint8) {
	send(dest, deliveryFixed|levelAssert|uint32(vector))
}

// SendNMI sends a non-maskable interrupt to the CPU with APIC ID dest.
func SendNMI(dest uint32) {
	send(dest, deliveryNMI|levelAssert)
}

// SendNMIAllButSelf sends a non-maskable interrupt to every other CPU
// (the destination shorthand "all excluding self").
func SendNMIAllButSelf() {
	write(regICRHigh, 0)
	write(regICRLow, deliveryNMI|levelAssert|allButSelf)
	for read(regICRLow)&icrPending != 0 {
	}
}
