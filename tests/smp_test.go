package tests

import (
	"regexp"
	"testing"

	"github.com/gobare/gobare/internal/image"
	"github.com/gobare/gobare/qemu"
)

// cpuUpRE matches an application processor's line: "gobare: CPU 2 up (APIC ID 2)".
var cpuUpRE = regexp.MustCompile(`(?m)^gobare: CPU (\d+) up \(APIC ID (\d+)\)$`)

// TestSMPBringUp boots the kernel alone on a four-CPU machine (TCG, one
// host thread per vCPU): each of the three application processors comes
// up through the trampoline and says so, and the kernel still passes its
// self-checks and exits 0. With the kernel word nosmp none starts.
func TestSMPBringUp(t *testing.T) {
	t.Parallel()
	img := writeImage(t, image.Program{})
	for _, tc := range []struct {
		append string
		want   int
	}{{"", 3}, {"nosmp", 0}} {
		t.Run("append="+tc.append, func(t *testing.T) {
			r := boot(t, qemu.Config{Kernel: img, Append: tc.append, Extra: []string{"-smp", "4", "-accel", "tcg,thread=multi"}})
			r.wantExit(t, 0)
			checkSelfChecks(t, r)
			ups := cpuUpRE.FindAllStringSubmatch(r.Console, -1)
			if len(ups) != tc.want {
				r.fatalf(t, "%d CPUs came up, want %d", len(ups), tc.want)
			}
			for i, m := range ups {
				if want := string(rune('1' + i)); m[1] != want {
					r.errorf(t, "CPU line %d names CPU %s, want %s", i, m[1], want)
				}
			}
		})
	}
}
