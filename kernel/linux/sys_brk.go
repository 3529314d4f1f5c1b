package linux

import (
	"github.com/gobare/gobare/kernel/task"
	"github.com/gobare/gobare/kernel/vm"
)

// brk(addr): the program break, the end of the heap that starts on the
// page after the program's highest segment (task.Process.BrkStart). As on
// Linux (mm/mmap.c) it never fails with an error: it returns the new
// break when it could move it there and the current one otherwise, and
// brk(0) asks for the current one. Growing maps fresh demand-paged,
// zero-filled memory up to addr's page (unless something is mapped
// there: the break then stays); shrinking unmaps the pages above it.
// Go never calls it; C libraries' malloc does.
func sysBrk(c call) uintptr {
	p := &task.Procs[c.t.Proc]
	want := c.arg(0)
	if want < p.BrkStart || want > vm.UserTop {
		return p.Brk
	}
	oldEnd, newEnd := pageRound(p.Brk), pageRound(want)
	switch {
	case newEnd > oldEnd:
		if Space.Overlaps(oldEnd, newEnd) || !Space.Add(oldEnd, newEnd, vm.ProtRead|vm.ProtWrite) {
			return p.Brk
		}
	case newEnd < oldEnd:
		if !Space.Remove(newEnd, oldEnd) {
			return p.Brk
		}
	}
	p.Brk = want
	return want
}
