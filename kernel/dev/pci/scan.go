package pci

// The functions on the machine's buses, found once: bus 0, then the bus
// behind each PCI-to-PCI bridge on it, as its secondary bus number says
// (PCI-to-PCI Bridge Architecture 1.2 §3.2.5.3). Scanning every bus number
// instead costs 8,192 reads of the vendor ID for each device looked for,
// each read an I/O exit under emulation: a few milliseconds of every boot
// per driver, for nothing on a machine with one bus.
var (
	funcs   [MaxFunctions]Function
	nfuncs  int
	scanned bool
)

// MaxFunctions bounds the table; functions past it are not found.
const MaxFunctions = 64

// Function is a function found by the scan.
type Function struct {
	Addr           Addr
	Vendor, Device uint16
	HeaderType     uint8 // without the multi-function bit: 0 a device, 1 a PCI-to-PCI bridge
}

// Offsets of a PCI-to-PCI bridge's (type 1) header (Bridge Architecture
// 1.2 §3.2).
const offSecondaryBus = 0x19

// scan fills the table once.
func scan() {
	if scanned {
		return
	}
	scanned = true
	var buses [MaxFunctions]uint8 // the buses to scan, bus 0 first
	nbuses := 1
	for i := 0; i < nbuses; i++ {
		bus := buses[i]
		for dev := uint8(0); dev < 32; dev++ {
			a := Addr{Bus: bus, Dev: dev}
			if Read16(a, OffVendor) == 0xFFFF {
				continue // nothing answers (PCI 3.0 §6.2.1)
			}
			fns := uint8(1)
			if Read8(a, OffHeaderType)&0x80 != 0 {
				fns = 8 // a multi-function device (§6.2.1, Header Type)
			}
			for fn := uint8(0); fn < fns && nfuncs < len(funcs); fn++ {
				a.Fn = fn
				v := Read32(a, OffVendor)
				if uint16(v) == 0xFFFF {
					continue
				}
				f := Function{Addr: a, Vendor: uint16(v), Device: uint16(v >> 16), HeaderType: Read8(a, OffHeaderType) & 0x7F}
				funcs[nfuncs] = f
				nfuncs++
				if f.HeaderType == 1 && nbuses < len(buses) {
					if sec := Read8(a, offSecondaryBus); sec != 0 && !seen(buses[:nbuses], sec) {
						buses[nbuses] = sec
						nbuses++
					}
				}
			}
		}
	}
}

// seen reports whether bus is in buses (a bridge misconfigured to point
// back at a bus already scanned would otherwise loop).
func seen(buses []uint8, bus uint8) bool {
	for _, b := range buses {
		if b == bus {
			return true
		}
	}
	return false
}

// Functions returns the functions on the machine's buses, scanning them
// the first time.
func Functions() []Function {
	scan()
	return funcs[:nfuncs]
}

// Find looks for the first function whose vendor is vendor and whose
// device ID is one of devices.
func Find(vendor uint16, devices []uint16) (Addr, bool) {
	for _, f := range Functions() {
		if f.Vendor != vendor {
			continue
		}
		for _, d := range devices {
			if f.Device == d {
				return f.Addr, true
			}
		}
	}
	return Addr{}, false
}
