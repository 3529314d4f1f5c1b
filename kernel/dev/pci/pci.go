// Package pci owns the PCI bus as the kernel sees it: configuration space
// through the PC's configuration mechanism #1 (I/O ports 0xCF8 and 0xCFC),
// finding a device by its vendor and device IDs, and decoding what a
// driver needs from a function's header — its base address registers and
// its capability list. The decoding is pure (it works on a copy of the
// 256-byte configuration space) and is tested and fuzzed on the host.
//
// The firmware (SeaBIOS, OVMF, a PC's BIOS) has usually assigned every
// BAR an address and routed the interrupt lines, and gobare keeps what it
// finds. A minimal firmware (qboot, which mkimage run uses for its
// start-up time) leaves the BARs to the operating system, as Linux
// expects; AssignBARs gives the memory BARs of QEMU's PC an address then.
package pci

import "github.com/gobare/gobare/kernel/cpu"

// Configuration mechanism #1 (PCI Local Bus 3.0 §3.2.2.3.2): write the
// address of a dword to CONFIG_ADDRESS, then read or write it at
// CONFIG_DATA.
const (
	configAddress = 0xCF8
	configData    = 0xCFC
	enableBit     = 1 << 31 // CONFIG_ADDRESS bit 31: this is a configuration access
)

// Offsets in the type 0 configuration header (PCI Local Bus 3.0 §6.1).
const (
	OffVendor     = 0x00 // 16 bits; 0xFFFF: no function here
	OffDevice     = 0x02 // 16 bits
	OffCommand    = 0x04 // 16 bits
	OffStatus     = 0x06 // 16 bits
	OffHeaderType = 0x0E // 8 bits; bit 7: a multi-function device
	OffBAR0       = 0x10 // six 32-bit base address registers
	OffSubsystem  = 0x2E // 16 bits: subsystem ID
	OffCapPtr     = 0x34 // 8 bits: the first capability (with status bit 4)
	OffIntLine    = 0x3C // 8 bits: the IRQ the firmware routed INTx to

	// ConfigSize is a conventional function's configuration space.
	ConfigSize = 256
)

// Command register bits (PCI Local Bus 3.0 §6.2.2).
const (
	CmdIOSpace     = 1 << 0  // respond to I/O BARs
	CmdMemorySpace = 1 << 1  // respond to memory BARs
	CmdBusMaster   = 1 << 2  // may read and write memory itself (DMA)
	CmdIntxDisable = 1 << 10 // do not assert INTx
)

// statusCapList is the status register bit saying a capability list
// exists (PCI Local Bus 3.0 §6.2.3).
const statusCapList = 1 << 4

// Addr names one function: bus 0-255, device 0-31, function 0-7.
type Addr struct{ Bus, Dev, Fn uint8 }

// configWord is the CONFIG_ADDRESS value for the dword holding off.
func (a Addr) configWord(off uint8) uint32 {
	return enableBit | uint32(a.Bus)<<16 | uint32(a.Dev&31)<<11 | uint32(a.Fn&7)<<8 | uint32(off&0xFC)
}

// Read32 reads the dword at off (a multiple of 4).
func Read32(a Addr, off uint8) uint32 {
	cpu.Outl(configAddress, a.configWord(off)) // select the dword (§3.2.2.3.2)
	return inl(configData)                     // and read it
}

// Read16 reads 16 bits at off (even).
func Read16(a Addr, off uint8) uint16 { return uint16(Read32(a, off) >> (8 * (off & 2))) }

// Read8 reads the byte at off.
func Read8(a Addr, off uint8) uint8 { return uint8(Read32(a, off) >> (8 * (off & 3))) }

// Write16 writes 16 bits at off (even): CONFIG_DATA's bytes 0-3 are the
// dword's, so a 16-bit write goes to 0xCFC+2 for the upper half.
func Write16(a Addr, off uint8, v uint16) {
	cpu.Outl(configAddress, a.configWord(off))
	cpu.Outw(configData+uint16(off&2), v)
}

// Write32 writes the dword at off (a multiple of 4).
func Write32(a Addr, off uint8, v uint32) {
	cpu.Outl(configAddress, a.configWord(off))
	cpu.Outl(configData, v)
}

// ReadConfig copies the function's 256-byte configuration space.
func ReadConfig(a Addr, cfg *[ConfigSize]byte) {
	for off := 0; off < ConfigSize; off += 4 {
		v := Read32(a, uint8(off))
		cfg[off], cfg[off+1], cfg[off+2], cfg[off+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
	}
}

// inl reads 32 bits from an I/O port (pci_amd64.s).
func inl(port uint16) uint32
