package pci

import "testing"

func TestFindMSIX(t *testing.T) {
	var cfg [ConfigSize]byte
	cfg[OffStatus] = statusCapList
	cfg[OffCapPtr] = 0x40
	cfg[0x40], cfg[0x41] = 0x09, 0x98 // a vendor capability, then MSI-X at 0x98
	cfg[0x98], cfg[0x99] = capMSIX, 0
	cfg[0x9a], cfg[0x9b] = 2, 0                                   // three entries
	cfg[0x9c], cfg[0x9d], cfg[0x9e], cfg[0x9f] = 0x01, 0x20, 0, 0 // BAR 1, offset 0x2000
	m, ok := FindMSIX(&cfg)
	if !ok || m != (MSIX{Cap: 0x98, TableBAR: 1, TableOffset: 0x2000, Size: 3}) {
		t.Fatalf("FindMSIX = %+v, %v", m, ok)
	}
	cfg[0x98] = 0x05 // MSI, not MSI-X
	if m, ok := FindMSIX(&cfg); ok {
		t.Errorf("FindMSIX without the capability = %+v", m)
	}
}

func FuzzFindMSIX(f *testing.F) {
	f.Add(make([]byte, ConfigSize))
	f.Fuzz(func(t *testing.T, b []byte) {
		var cfg [ConfigSize]byte
		copy(cfg[:], b)
		if m, ok := FindMSIX(&cfg); ok && (int(m.Cap) < 0x40 || m.Size < 1 || m.Size > 2048 || m.TableBAR > 7) {
			t.Errorf("FindMSIX = %+v", m)
		}
	})
}
