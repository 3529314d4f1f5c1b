package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/gobare/gobare/internal/imagefmt"
)

// Flag values are checked before anything is built or booted: a bad one
// is one line on stderr and exit status 2 (exitUsage), as the flag
// package does for an unknown flag.

// check validates the flags build, run and iso share.
func (b *buildFlags) check() error {
	switch b.rt {
	case "auto", "on", "off":
	default:
		return fmt.Errorf("-rt %s: want auto, on or off", b.rt)
	}
	for _, kv := range b.env {
		if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
			return fmt.Errorf("-env %s: want KEY=VALUE", kv)
		}
	}
	if b.files == "" {
		return nil
	}
	// -files says where the files go (DIR:/MOUNT); a mount= word would
	// say it a second time. (A cwd= word is honoured: see addFiles.)
	for _, w := range strings.Fields(b.append) {
		if strings.HasPrefix(w, "mount=") {
			return fmt.Errorf("-append %s: -files %s says where the files go; use -files DIR:/MOUNT", w, b.files)
		}
	}
	return nil
}

// runFlags are run's own flags, beyond buildFlags.
type runFlags struct {
	memMiB  int
	smp     int
	accel   string
	timeout time.Duration
	gdbPort int
}

// check validates run's own flags. The memory size is checked again
// against the image once it is built (checkMemory).
func (r *runFlags) check() error {
	switch r.accel {
	case "auto", "kvm", "tcg":
	default:
		return fmt.Errorf("-accel %s: want auto, kvm or tcg", r.accel)
	}
	if r.memMiB < minMemoryFloorMiB {
		return fmt.Errorf("-m %d: want the guest's RAM in MiB, at least %d (the kernel alone needs that much)", r.memMiB, minMemoryFloorMiB)
	}
	if r.smp < 1 || r.smp > 255 {
		return fmt.Errorf("-smp %d: want a number of CPUs, 1 to 255", r.smp)
	}
	if r.timeout < 0 {
		return fmt.Errorf("-timeout %v: want a duration of 0 (none) or more", r.timeout)
	}
	if r.gdbPort < 0 || r.gdbPort > 65535 {
		return fmt.Errorf("-gdb-port %d: want a TCP port, 1-65535 (0: a free one)", r.gdbPort)
	}
	return nil
}

// minMemoryFloorMiB is the least RAM any image needs: QEMU loads the
// kernel alone at 1 MiB up to about 4 MiB, and the kernel's frame bitmap
// and page tables come after it (below that the machine resets or QEMU
// never starts the kernel).
const minMemoryFloorMiB = 8

// minMemoryMiB is the least RAM that boots an image of imgLen bytes whose
// programs (the program, and a -netsvc service) have progMem bytes of
// loaded segments: QEMU loads the image at
// 1 MiB (imagefmt.KernelBase), the kernel copies the program's segments
// into frames of their own, and its tables and the Go runtime's first
// allocations take up to 2 MiB more. (Hello world, a 5.3 MB image with
// 1.9 MB of segments, stops with "loading the program: out of memory" in
// 8 MiB and runs in 9; this asks for 11.) A program may of course need
// more: it then ends with status 137 and the kernel's one line.
func minMemoryMiB(imgLen int, progMem uint64) int {
	const mib = 1 << 20
	need := imagefmt.KernelBase + uint64(imgLen) + progMem
	return max(int((need+mib-1)/mib)+2, minMemoryFloorMiB)
}

// checkMemory refuses a -m too small for the image built.
func checkMemory(memMiB int, img builtImage) error {
	if need := minMemoryMiB(len(img.bytes), img.progMem); memMiB < need {
		return fmt.Errorf("-m %d: the image needs at least %d MiB (its %.1f MB, the program's %.1f MB of memory and 2 MiB for the kernel and the runtime)",
			memMiB, need, float64(len(img.bytes))/1e6, float64(img.progMem)/1e6)
	}
	return nil
}
