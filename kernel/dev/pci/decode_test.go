package pci

import (
	"testing"
)

func TestDecodeBAR(t *testing.T) {
	for _, tc := range []struct {
		lo, hi uint32
		want   BAR
	}{
		{0x0000c041, 0, BAR{Addr: 0xc040, IO: true}},                                  // I/O at 0xc040
		{0xfebf1000, 0, BAR{Addr: 0xfebf1000}},                                        // 32-bit memory
		{0xfe00000c, 0, BAR{Addr: 0xfe000000, Is64: true, Prefet: true}},              // 64-bit prefetchable below 4 GiB
		{0x0000000c, 0x00000080, BAR{Addr: 0x80_0000_0000, Is64: true, Prefet: true}}, // above 4 GiB
		{0xfe000004, 0x1, BAR{Addr: 0x1_fe00_0000, Is64: true}},
		{0, 0, BAR{}}, // unassigned
	} {
		if got := DecodeBAR(tc.lo, tc.hi); got != tc.want {
			t.Errorf("DecodeBAR(%#x, %#x) = %+v, want %+v", tc.lo, tc.hi, got, tc.want)
		}
	}
}

// config builds a configuration space with the given capabilities: each
// {offset, id, next} (the next pointer as written, reserved bits and all).
func config(status uint16, first uint8, caps ...[3]uint8) *[ConfigSize]byte {
	var cfg [ConfigSize]byte
	cfg[OffStatus], cfg[OffStatus+1] = byte(status), byte(status>>8)
	cfg[OffCapPtr] = first
	for _, c := range caps {
		cfg[c[0]], cfg[c[0]+1] = c[1], c[2]
	}
	return &cfg
}

func TestCapabilities(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  *[ConfigSize]byte
		want []uint8
	}{
		{"none", config(0, 0x40, [3]uint8{0x40, 9, 0}), nil}, // no status bit 4: no list
		{"chain", config(statusCapList, 0x98, [3]uint8{0x98, 0x11, 0x84}, [3]uint8{0x84, 9, 0x70}, [3]uint8{0x70, 9, 0}), []uint8{0x98, 0x84, 0x70}},
		{"reserved bits", config(statusCapList, 0x43, [3]uint8{0x40, 9, 0x51}, [3]uint8{0x50, 9, 0}), []uint8{0x40, 0x50}},
		{"into the header", config(statusCapList, 0x40, [3]uint8{0x40, 9, 0x10}), []uint8{0x40}},
		{"last byte", config(statusCapList, 0xfc, [3]uint8{0xfc, 9, 0}), []uint8{0xfc}},
	} {
		var out [MaxCaps]uint8
		n := Capabilities(tc.cfg, &out)
		if got := out[:n]; string(got) != string(tc.want) {
			t.Errorf("%s: capabilities at %#x, want %#x", tc.name, got, tc.want)
		}
	}
	// A loop ends after MaxCaps entries.
	var out [MaxCaps]uint8
	if n := Capabilities(config(statusCapList, 0x40, [3]uint8{0x40, 9, 0x50}, [3]uint8{0x50, 9, 0x40}), &out); n != MaxCaps {
		t.Errorf("a two-capability loop gave %d entries, want the bound %d", n, MaxCaps)
	}
}

func TestBARAt(t *testing.T) {
	var cfg [ConfigSize]byte
	put := func(n int, v uint32) {
		off := OffBAR0 + 4*n
		cfg[off], cfg[off+1], cfg[off+2], cfg[off+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
	}
	put(0, 0xc041)
	put(4, 0xfe00000c)
	put(5, 0x1)
	if b, ok := BARAt(&cfg, 4); !ok || b.Addr != 0x1_fe00_0000 || !b.Is64 {
		t.Errorf("BAR 4 = %+v, %v; want 64-bit at 0x1fe000000", b, ok)
	}
	put(5, 0xfe000004) // a 64-bit BAR in the last register has no upper half
	if b, ok := BARAt(&cfg, 5); ok {
		t.Errorf("BAR 5 claiming 64 bits = %+v, want refused", b)
	}
	if _, ok := BARAt(&cfg, 6); ok {
		t.Errorf("BAR 6 accepted")
	}
}

// FuzzCapabilities: any configuration space gives at most MaxCaps
// offsets, each at or above 0x40 and dword-aligned, without a panic.
func FuzzCapabilities(f *testing.F) {
	f.Add(config(statusCapList, 0x98, [3]uint8{0x98, 0x11, 0x84}, [3]uint8{0x84, 9, 0x70}, [3]uint8{0x70, 9, 0})[:])
	f.Add(config(statusCapList, 0x40, [3]uint8{0x40, 9, 0x40})[:])
	f.Fuzz(func(t *testing.T, b []byte) {
		var cfg [ConfigSize]byte
		copy(cfg[:], b)
		var out [MaxCaps]uint8
		n := Capabilities(&cfg, &out)
		if n < 0 || n > MaxCaps {
			t.Fatalf("%d capabilities", n)
		}
		for _, off := range out[:n] {
			if off < 0x40 || off%4 != 0 {
				t.Fatalf("capability at %#x", off)
			}
		}
		for i := 0; i < 6; i++ {
			BARAt(&cfg, i)
		}
	})
}
