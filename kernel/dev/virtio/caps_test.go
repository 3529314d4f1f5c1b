package virtio

import (
	"testing"

	"github.com/gobare/gobare/kernel/dev/pci"
)

// vcap writes a virtio capability at off: type, BAR, offset, length, and
// the notify multiplier when it is a notify capability.
func vcap(cfg *[pci.ConfigSize]byte, off, next, typ, bar uint8, offset, length, mult uint32) {
	capLen := uint8(16)
	if typ == capNotify {
		capLen = 20
	}
	p := int(off)
	cfg[p], cfg[p+1], cfg[p+2], cfg[p+3], cfg[p+4] = capVendor, next, capLen, typ, bar
	for i, v := range []uint32{offset, length, mult} {
		if i == 2 && typ != capNotify {
			break
		}
		q := p + 8 + 4*i
		cfg[q], cfg[q+1], cfg[q+2], cfg[q+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
	}
}

// qemuConfig is the layout QEMU 7.2 gives a virtio-serial-pci device:
// MSI-X first, then the virtio capabilities in BAR 4.
func qemuConfig() *[pci.ConfigSize]byte {
	var cfg [pci.ConfigSize]byte
	cfg[pci.OffStatus] = 1 << 4
	cfg[pci.OffCapPtr] = 0x98
	cfg[0x98], cfg[0x99] = 0x11, 0x84 // MSI-X
	vcap(&cfg, 0x84, 0x70, capCommon, 4, 0x0000, 0x1000, 0)
	vcap(&cfg, 0x70, 0x60, capNotify, 4, 0x3000, 0x1000, 4)
	vcap(&cfg, 0x60, 0x50, capISR, 4, 0x1000, 0x1000, 0)
	vcap(&cfg, 0x50, 0x40, capDevice, 4, 0x2000, 0x1000, 0)
	vcap(&cfg, 0x40, 0x00, 5, 0, 0, 0, 0) // the PCI configuration access capability
	return &cfg
}

func TestParseCaps(t *testing.T) {
	c, ok := ParseCaps(qemuConfig())
	if !ok {
		t.Fatalf("ParseCaps(QEMU's layout) not ok: %+v", c)
	}
	want := Caps{
		Common:           Region{BAR: 4, Offset: 0, Length: 0x1000, Found: true},
		ISR:              Region{BAR: 4, Offset: 0x1000, Length: 0x1000, Found: true},
		Device:           Region{BAR: 4, Offset: 0x2000, Length: 0x1000, Found: true},
		Notify:           Region{BAR: 4, Offset: 0x3000, Length: 0x1000, Found: true},
		NotifyMultiplier: 4,
	}
	if c != want {
		t.Errorf("ParseCaps = %+v\nwant %+v", c, want)
	}

	// The first capability of a type counts; a bad one is skipped.
	cfg := qemuConfig()
	cfg[0x41] = 0x30 + 0xc0 // the list goes on at 0xf0
	vcap(cfg, 0xf0, 0xe0, capCommon, 2, 0, 0x1000, 0)
	vcap(cfg, 0xe0, 0, capNotify, 9, 0, 0x1000, 2) // BAR 9 does not exist
	if c, ok := ParseCaps(cfg); !ok || c != want {
		t.Errorf("with later duplicates: %+v, %v; want the first ones", c, ok)
	}

	// Without a notify capability there is no device to drive; a common
	// configuration too small for its fields is no common configuration.
	cfg = qemuConfig()
	cfg[0x73] = 0x7f
	if _, ok := ParseCaps(cfg); ok {
		t.Errorf("ok without a notify capability")
	}
	cfg = qemuConfig()
	vcap(cfg, 0x84, 0x70, capCommon, 4, 0, 0x20, 0)
	if _, ok := ParseCaps(cfg); ok {
		t.Errorf("ok with a 32-byte common configuration")
	}
	// A legacy-only device: no capabilities at all.
	var none [pci.ConfigSize]byte
	if _, ok := ParseCaps(&none); ok {
		t.Errorf("ok with no capabilities")
	}
}

// FuzzParseCaps: any configuration space parses without a panic, and
// what it finds is within a BAR 0-5 and 4 GiB.
func FuzzParseCaps(f *testing.F) {
	f.Add(qemuConfig()[:])
	f.Fuzz(func(t *testing.T, b []byte) {
		var cfg [pci.ConfigSize]byte
		copy(cfg[:], b)
		c, ok := ParseCaps(&cfg)
		for _, r := range []Region{c.Common, c.Notify, c.ISR, c.Device} {
			if r.Found && (r.BAR > 5 || uint64(r.Offset)+uint64(r.Length) > 1<<32) {
				t.Fatalf("region %+v", r)
			}
		}
		if ok && (!c.Common.Found || c.Common.Length < commonCfgSize) {
			t.Fatalf("ok with common %+v", c.Common)
		}
	})
}
