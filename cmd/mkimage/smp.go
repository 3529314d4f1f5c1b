package main

import (
	"fmt"
	"os"
	"strconv"
)

// defaultSMP is how many CPUs `mkimage run` and `mkimage exec` give the
// machine when not told: $GOBARE_SMP when set (so a test suite can run
// every boot with N CPUs), else one. (Several CPUs are opt-in while the
// kernel's SMP support is new; see docs/design.md, "Processors".)
func defaultSMP() (int, error) {
	if s := os.Getenv("GOBARE_SMP"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 255 {
			return 0, fmt.Errorf("GOBARE_SMP=%q: want a number of CPUs, 1 to 255", s)
		}
		return n, nil
	}
	return 1, nil
}
