// Package acpi owns the reading of the firmware's ACPI tables: finding the
// Root System Description Pointer, walking the RSDT or XSDT, and keeping
// what the kernel uses from the FADT (power-management ports, the reset
// register, the PM timer, the CMOS century register), the MADT (local APIC,
// processors, I/O APICs, interrupt source overrides), the HPET table (its
// base address) and the DSDT's \_S5_ object (the sleep-type values for soft
// off). Power-off and reset themselves are done by package power with what
// is kept here.
//
// The reference is the ACPI Specification 6.5, cited as "ACPI 6.5 §N"; the
// HPET table is from the IA-PC HPET Specification 1.0a, "HPET 1.0a §N".
//
// As in package multiboot, physical memory is a byte slice whose index is
// the physical address: in the kernel the boot map of the first 4 GiB, in
// host tests an ordinary slice. The tables come from the firmware, so
// nothing in them is trusted: every address and length is checked against
// len(mem) before use (the kernel runs with bounds checks off), every table's
// checksum is verified, and a malformed table is skipped and counted rather
// than believed. The package allocates nothing: results are values in
// fixed-size arrays.
package acpi

import "github.com/gobare/gobare/kernel/multiboot"

// Err says why the tables could not be read. ErrNone means they could.
type Err uint8

// The errors FindRSDP and Parse return.
const (
	ErrNone         Err = iota
	ErrNoRSDP           // no valid RSDP in the EBDA or the BIOS area
	ErrRSDPRange        // the RSDP lies outside memory
	ErrRSDPChecksum     // the RSDP's signature or checksum is wrong
	ErrRootRange        // the RSDT/XSDT lies outside memory or is too short
	ErrRootChecksum     // the RSDT/XSDT's signature or checksum is wrong
)

// String returns a short description of the error, a constant string.
func (e Err) String() string {
	switch e {
	case ErrNone:
		return "no error"
	case ErrNoRSDP:
		return "no ACPI RSDP in the EBDA or at 0xE0000-0xFFFFF"
	case ErrRSDPRange:
		return "ACPI RSDP lies outside memory"
	case ErrRSDPChecksum:
		return "ACPI RSDP has a bad signature or checksum"
	case ErrRootRange:
		return "ACPI RSDT/XSDT lies outside memory or is too short"
	case ErrRootChecksum:
		return "ACPI RSDT/XSDT has a bad signature or checksum"
	}
	return "unknown ACPI error"
}

// Error makes Err an error for host callers. The kernel calls String.
func (e Err) Error() string { return e.String() }

// Address spaces of a Generic Address Structure (ACPI 6.5 §5.2.3.2).
const (
	SpaceMemory = 0 // system memory
	SpaceIO     = 1 // system I/O ports
)

// GAS is a Generic Address Structure (ACPI 6.5 §5.2.3.2): where a register
// is. A zero Addr means the register is absent.
type GAS struct {
	Space      uint8 // SpaceMemory or SpaceIO (others are not used by the kernel)
	BitWidth   uint8 // the register's width in bits
	BitOffset  uint8
	AccessSize uint8 // 0 undefined, 1 byte, 2 word, 3 dword, 4 qword
	Addr       uint64
}

// Capacities of the fixed-size arrays in Tables.
const (
	MaxTables    = 32 // signatures listed from the RSDT/XSDT
	MaxCPUs      = 64 // processor entries of the MADT (one CPU is used)
	MaxIOAPICs   = 16
	MaxOverrides = 24
	MaxTableLen  = 16 << 20 // a longer table is taken as corrupt
)

// FADT is what the kernel keeps of the Fixed ACPI Description Table
// (ACPI 6.5 §5.2.9). Where the table has both a 32-bit block address and a
// 64-bit X_ GAS, the X_ field wins when it is non-zero (§5.2.9, "X_" fields).
type FADT struct {
	Revision    uint8
	DSDT        uint64 // physical address of the DSDT
	SCIInt      uint16 // the SCI's interrupt vector (8259 IRQ)
	SMICmd      uint32 // the SMI command port (0: ACPI mode is fixed)
	ACPIEnable  uint8  // the value written to SMICmd to enter ACPI mode
	PM1aCnt     GAS    // PM1a control block (ACPI 6.5 §4.8.3.2.1)
	PM1bCnt     GAS    // PM1b control block, Addr 0 if absent
	PM1CntLen   uint8
	PMTimer     GAS   // PM timer block (§4.8.3.3), 3.579545 MHz
	PMTimer32   bool  // the timer counts 32 bits, not 24 (Flags.TMR_VAL_EXT)
	Century     uint8 // CMOS RAM index of the century, 0 if none
	BootArch    uint16
	Flags       uint32
	Reset       GAS   // the reset register (§4.8.3.6)
	ResetValue  uint8 // the value to write to it
	ResetUsable bool  // Flags.RESET_REG_SUP and the table is long enough to hold it
}

// FADT flag and boot-architecture bits (ACPI 6.5 §5.2.9, Tables 5.10, 5.11).
const (
	FlagTmrValExt   = 1 << 8  // the PM timer is 32 bits
	FlagResetRegSup = 1 << 10 // the reset register is supported
	FlagHWReduced   = 1 << 20 // hardware-reduced ACPI: no PM1 blocks
	BootArch8042    = 1 << 1  // an 8042 keyboard controller is present
)

// CPU is one processor of the MADT: a Processor Local APIC entry
// (ACPI 6.5 §5.2.12.2) or a Processor Local x2APIC entry (§5.2.12.12).
type CPU struct {
	UID    uint32 // the ACPI processor UID
	APICID uint32 // the local (x2)APIC ID
	Flags  uint32 // bit 0 enabled, bit 1 online capable
	X2APIC bool   // from an x2APIC entry
}

// IOAPIC is one I/O APIC entry of the MADT (ACPI 6.5 §5.2.12.3).
type IOAPIC struct {
	ID      uint8
	Addr    uint32 // physical address of its registers
	GSIBase uint32 // the first global system interrupt it serves
}

// Override is one Interrupt Source Override of the MADT (ACPI 6.5
// §5.2.12.5): ISA IRQ Source arrives as global system interrupt GSI.
type Override struct {
	Bus    uint8 // 0: ISA
	Source uint8 // the ISA IRQ
	GSI    uint32
	Flags  uint16 // MPS INTI flags: polarity bits 0-1, trigger mode bits 2-3
}

// MADT is what the kernel keeps of the Multiple APIC Description Table
// (ACPI 6.5 §5.2.12).
type MADT struct {
	LocalAPIC  uint64 // the local APIC's physical address (a type 5 entry overrides the 32-bit field)
	Flags      uint32 // bit 0 PCAT_COMPAT: 8259 PICs are present
	CPUs       [MaxCPUs]CPU
	NCPUs      int
	IOAPICs    [MaxIOAPICs]IOAPIC
	NIOAPICs   int
	Overrides  [MaxOverrides]Override
	NOverrides int
	Dropped    int  // entries that did not fit in the arrays
	BadEntry   bool // an entry's length was under 2 or ran past the table: the walk stopped there
}

// Tables is everything Parse found.
type Tables struct {
	RSDP     uint64  // physical address of the RSDP
	Revision uint8   // the RSDP's revision: 0 for ACPI 1.0, 2 and up for XSDT
	OEMID    [6]byte // the RSDP's OEM ID, e.g. "BOCHS "
	Root     uint64  // the RSDT or XSDT in use
	XSDT     bool    // Root is an XSDT (64-bit entries)

	Sigs    [MaxTables][4]byte // signatures of the tables the root lists, in order
	NSigs   int
	Skipped int // listed tables that lie outside memory or fail their checksum

	HasFADT bool
	FADT    FADT
	HasMADT bool
	MADT    MADT
	HasHPET bool
	HPET    GAS // the HPET's event timer block (HPET 1.0a §3.2.4)

	HasS5   bool  // \_S5_ was found in the DSDT or an SSDT
	SLPTypA uint8 // SLP_TYPa for S5 (ACPI 6.5 §7.4.2)
	SLPTypB uint8 // SLP_TYPb for S5
}

// The standard table header (ACPI 6.5 §5.2.6) is 36 bytes: signature,
// length, revision, checksum, OEM ID, OEM table ID, OEM revision, creator ID,
// creator revision.
const (
	hdrLen      = 36
	hdrLength   = 4
	hdrRevision = 8
)

// RSDP layout (ACPI 6.5 §5.2.5.3).
const (
	rsdpV1Len     = 20 // signature .. RsdtAddress: what the checksum covers
	rsdpV2Len     = 36 // the extended checksum covers Length bytes, 36 in ACPI 2.0+
	rsdpChecksum  = 8
	rsdpOEMID     = 9
	rsdpRevision  = 15
	rsdpRSDT      = 16
	rsdpLength    = 20
	rsdpXSDT      = 24
	rsdpSignature = "RSD PTR "
)

// What Init found, for package power and the kernel's banner. Found is
// false until Init has read a valid RSDP and root table.
var (
	Machine Tables
	Found   bool
)

// Init finds the RSDP in mem, where a BIOS puts it (FindRSDP) or else in
// the regions of the boot loader's memory map marked as ACPI memory
// (FindRSDPIn), and reads the tables into Machine. The kernel calls it
// once at boot, while the tables are still reachable through mem (boot's
// map of the first 4 GiB).
func Init(mem []byte, info *multiboot.Info) Err {
	rsdp, e := FindRSDP(mem)
	for i := 0; e != ErrNone && i < info.NRegions && i < multiboot.MaxRegions; i++ {
		r := &info.Regions[i]
		if r.Type == multiboot.RegionACPIReclaimable || r.Type == multiboot.RegionACPINVS {
			rsdp, e = FindRSDPIn(mem, r.Base, r.End())
		}
	}
	if e != ErrNone {
		return e
	}
	Machine, e = Parse(mem, rsdp)
	Found = e == ErrNone
	return e
}
