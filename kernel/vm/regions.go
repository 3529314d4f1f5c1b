package vm

// What /proc/self/maps and /proc/self/status report about the address
// space (kernel/fs/procfs).

// Regions returns the regions, sorted by start address. The slice is the
// table itself: read it before anything maps or unmaps again.
func (s *Space) Regions() []Region { return s.regions[:s.nregions] }

// Resident counts the pages of the regions that hold a frame (VmRSS): the
// pages the program has touched, demand paging having left the others
// without one. The walk skips spans that no page table covers.
func (s *Space) Resident() int {
	n := 0
	for i := 0; i < s.nregions; i++ {
		r := s.regions[i]
		for a := r.Start; a < r.End; {
			e, span := s.pte(a)
			if e != nil && holdsFrame(*e) {
				n++
			}
			a = nextSpan(a, span)
		}
	}
	return n
}
