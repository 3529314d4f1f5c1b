package qemu

import (
	"runtime"
	"testing"
)

// TestDefaultSMP: without $GOBARE_SMP a machine gets the host's cores, at
// most eight; $GOBARE_SMP overrides, and a value that is not 1 to 255
// CPUs is an error naming it.
func TestDefaultSMP(t *testing.T) {
	t.Setenv("GOBARE_SMP", "")
	n, err := DefaultSMP()
	if want := min(runtime.NumCPU(), MaxDefaultSMP); err != nil || n != want {
		t.Errorf("DefaultSMP() = %d, %v; want %d (host cores, at most %d)", n, err, want, MaxDefaultSMP)
	}
	t.Setenv("GOBARE_SMP", "3")
	if n, err := DefaultSMP(); err != nil || n != 3 {
		t.Errorf("GOBARE_SMP=3: DefaultSMP() = %d, %v; want 3", n, err)
	}
	for _, bad := range []string{"0", "256", "two", "-1"} {
		t.Setenv("GOBARE_SMP", bad)
		if _, err := DefaultSMP(); err == nil {
			t.Errorf("GOBARE_SMP=%q: no error", bad)
		}
	}
}
