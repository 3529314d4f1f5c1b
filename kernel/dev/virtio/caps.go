package virtio

import "github.com/gobare/gobare/kernel/dev/pci"

// Virtio's PCI capabilities (virtio 1.2 §4.1.4): vendor-specific
// capabilities (PCI ID 0x09) that say where in which BAR each of the
// device's register blocks lies.
const (
	capVendor = 0x09

	capCommon = 1 // common configuration: features, status, queues (§4.1.4.3)
	capNotify = 2 // where to write a queue's number to notify it (§4.1.4.4)
	capISR    = 3 // interrupt status (§4.1.4.5)
	capDevice = 4 // the device type's own configuration (§4.1.4.6)

	capLenMin       = 16 // struct virtio_pci_cap
	notifyCapLenMin = 20 // struct virtio_pci_notify_cap: plus notify_off_multiplier

	commonCfgSize = 0x38 // the common configuration up to queue_device (§4.1.4.3)
)

// Region is a register block: Length bytes at Offset in BAR number BAR.
type Region struct {
	BAR    uint8
	Offset uint32
	Length uint32
	Found  bool
}

// Caps are the register blocks a driver uses.
type Caps struct {
	Common, Notify, ISR, Device Region
	NotifyMultiplier            uint32 // queue_notify_off is in units of this many bytes
}

// ParseCaps finds virtio's capabilities in a copy of a function's
// configuration space. Each structure type's first capability counts
// (§4.1.4: "the driver SHOULD use the first instance"); a capability
// shorter than its structure, naming a BAR beyond 5 or a block that runs
// past 4 GiB is skipped. ok says that the blocks a driver needs —
// common configuration, notification and ISR — were found, the common
// one large enough.
func ParseCaps(cfg *[pci.ConfigSize]byte) (c Caps, ok bool) {
	var offs [pci.MaxCaps]uint8
	n := pci.Capabilities(cfg, &offs)
	for _, off := range offs[:n] {
		p := int(off)
		if cfg[p] != capVendor || p+capLenMin > pci.ConfigSize || int(cfg[p+2]) < capLenMin {
			continue
		}
		r := Region{
			BAR:    cfg[p+4],            // cap.bar
			Offset: pci.Le32(cfg, p+8),  // cap.offset
			Length: pci.Le32(cfg, p+12), // cap.length
			Found:  true,
		}
		if r.BAR > 5 || uint64(r.Offset)+uint64(r.Length) > 1<<32 {
			continue
		}
		switch cfg[p+3] { // cap.cfg_type
		case capCommon:
			if !c.Common.Found && r.Length >= commonCfgSize {
				c.Common = r
			}
		case capNotify:
			if !c.Notify.Found && int(cfg[p+2]) >= notifyCapLenMin && p+notifyCapLenMin <= pci.ConfigSize {
				c.Notify = r
				c.NotifyMultiplier = pci.Le32(cfg, p+16)
			}
		case capISR:
			if !c.ISR.Found {
				c.ISR = r
			}
		case capDevice:
			if !c.Device.Found {
				c.Device = r
			}
		}
	}
	return c, c.Common.Found && c.Notify.Found && c.ISR.Found
}
