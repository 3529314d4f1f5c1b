package kernel

import (
	"github.com/gobare/gobare/kernel/console"
	"github.com/gobare/gobare/kernel/cpu"
	"github.com/gobare/gobare/kernel/timer"
)

// The boot's phases, timed. Each step of Main stamps the time-stamp
// counter when it is done (phaseDone); the kernel word "stats" prints how
// long each step took, so a slow boot says where its time went. The TSC
// counts from the CPU's reset, so the first row is the firmware and the
// loader (SDM Vol. 3B §17.17: the TSC is zeroed at reset); the rates
// needed to turn cycles into time are only known after timer.Init, which
// is why the raw counts are kept until the end.
var (
	phases  [16]bootPhase
	nphases int
)

// bootPhase is one step of the boot: what was done, and the TSC just after.
type bootPhase struct {
	name string
	tsc  uint64
}

// phaseDone records that the boot step name has finished now.
func phaseDone(name string) {
	if nphases < len(phases) {
		phases[nphases] = bootPhase{name, cpu.Rdtsc()}
		nphases++
	}
}

// printBootPhases prints one line: each step's duration in microseconds,
// from the CPU's reset to the program's first instruction.
func printBootPhases() {
	console.Print("gobare: stats: boot (us):")
	prev := uint64(0)
	for _, p := range phases[:nphases] {
		console.Print(" ")
		console.Print(p.name)
		console.Print(" ")
		console.Dec(timer.TSCToNanos(p.tsc-prev) / 1000)
		prev = p.tsc
	}
	console.Print("\n")
}
