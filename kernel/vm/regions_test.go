package vm

import "testing"

// TestRegionsAndResident: Regions lists what Add made, in order, and
// Resident counts only the pages a fault gave a frame, in a large region
// that no page table covers for the most part.
func TestRegionsAndResident(t *testing.T) {
	ts := newSpace(t, 64)
	ts.Add(base+4*pg, base+6*pg, ProtRead)
	ts.Add(base, base+2*pg, ProtRead|ProtWrite)
	ts.Add(base+1<<30, base+2<<30, ProtRead|ProtWrite) // 1 GiB, untouched
	r := ts.Regions()
	if len(r) != 3 || r[0].Start != base || r[1].Start != base+4*pg || r[2].End != base+2<<30 {
		t.Fatalf("Regions = %v", r)
	}
	if n := ts.Resident(); n != 0 {
		t.Errorf("Resident before any fault = %d, want 0", n)
	}
	ts.HandleFault(base+8, pfWrite)
	ts.HandleFault(base+4*pg, 0)
	ts.HandleFault(base+1<<30+5*pg, pfWrite)
	if n := ts.Resident(); n != 3 {
		t.Errorf("Resident after three faults = %d, want 3", n)
	}
}
