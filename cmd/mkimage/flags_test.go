package main

import (
	"strings"
	"testing"
)

func TestBuildFlagsCheck(t *testing.T) {
	for _, c := range []struct {
		bf   buildFlags
		want string // "" for no error
	}{
		{buildFlags{rt: "auto"}, ""},
		{buildFlags{rt: "maybe"}, "-rt maybe: want auto, on or off"},
		{buildFlags{rt: "on", env: listFlag{"A=1", "B=", "C==x"}}, ""},
		{buildFlags{rt: "on", env: listFlag{"FOO"}}, "-env FOO: want KEY=VALUE"},
		{buildFlags{rt: "on", env: listFlag{"=x"}}, "-env =x: want KEY=VALUE"},
		{buildFlags{rt: "off", files: "d", append: "quiet cwd=/d/sub"}, ""},
		{buildFlags{rt: "off", files: "d", append: "quiet mount=/x"}, "-append mount=/x: -files d says where the files go"},
		{buildFlags{rt: "off", append: "mount=/x"}, ""},
	} {
		err := c.bf.check()
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%+v: %v", c.bf, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%+v: error %v, want %q", c.bf, err, c.want)
		}
	}
}

func TestRunFlagsCheck(t *testing.T) {
	ok := runFlags{memMiB: 128, smp: 1, accel: "auto"}
	if err := ok.check(); err != nil {
		t.Errorf("%+v: %v", ok, err)
	}
	for _, c := range []struct {
		rf   runFlags
		want string
	}{
		{runFlags{memMiB: 128, smp: 1, accel: "xen"}, "-accel xen"},
		{runFlags{memMiB: 0, smp: 1, accel: "tcg"}, "-m 0"},
		{runFlags{memMiB: -5, smp: 1, accel: "tcg"}, "-m -5"},
		{runFlags{memMiB: minMemoryFloorMiB - 1, smp: 1, accel: "tcg"}, "at least"},
		{runFlags{memMiB: 128, smp: 1, accel: "kvm", timeout: -1}, "-timeout"},
		{runFlags{memMiB: 128, smp: 1, accel: "kvm", gdbPort: 65536}, "-gdb-port 65536"},
		{runFlags{memMiB: 128, smp: 0, accel: "tcg"}, "-smp 0"},
		{runFlags{memMiB: 128, smp: 256, accel: "tcg"}, "-smp 256"},
	} {
		if err := c.rf.check(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want %q", c.rf, err, c.want)
		}
	}
}

func TestMinMemory(t *testing.T) {
	// Hello world: a 5.6 MB image, 1.8 MB of segments: 1 + 5.6 + 1.8
	// rounds up to 9, and 2 more.
	if got := minMemoryMiB(5_575_464, 1_860_000); got != 11 {
		t.Errorf("minMemoryMiB(hello) = %d, want 11", got)
	}
	if got := minMemoryMiB(1<<20, 0); got != minMemoryFloorMiB {
		t.Errorf("minMemoryMiB(kernel alone) = %d, want the floor %d", got, minMemoryFloorMiB)
	}
	img := builtImage{bytes: make([]byte, 5_575_464), progMem: 1_860_000}
	if err := checkMemory(10, img); err == nil {
		t.Error("checkMemory(10, hello) passed")
	}
	if err := checkMemory(11, img); err != nil {
		t.Errorf("checkMemory(11, hello): %v", err)
	}
}
