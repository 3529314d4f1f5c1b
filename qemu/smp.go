package qemu

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
)

// MaxDefaultSMP caps the CPUs DefaultSMP gives a machine: past eight,
// every CPU the guest idles on or spins with costs the host more than
// the program gains (one big kernel lock; docs/design.md, "Processors").
const MaxDefaultSMP = 8

// DefaultSMP is how many CPUs a machine gets when nobody says: the value
// of $GOBARE_SMP when set (so a test suite can boot every machine with N
// CPUs), else the host's cores as this process may use them
// (runtime.NumCPU, which follows the CPU affinity mask), at most
// MaxDefaultSMP. Under TCG each CPU is a host thread (Config.SMP), so the
// guest's CPUs run in parallel as far as the host's do. mkimage run and
// exec, and the integration tests, use it; the kernel word nosmp still
// keeps one CPU.
func DefaultSMP() (int, error) {
	if s := os.Getenv("GOBARE_SMP"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 255 {
			return 0, fmt.Errorf("GOBARE_SMP=%q: want a number of CPUs, 1 to 255", s)
		}
		return n, nil
	}
	return min(runtime.NumCPU(), MaxDefaultSMP), nil
}
