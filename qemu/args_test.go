package qemu

import (
	"slices"
	"strings"
	"testing"
)

// flagValue returns the argument after the first occurrence of flag.
func flagValue(t *testing.T, args []string, flag string) string {
	t.Helper()
	i := slices.Index(args, flag)
	if i < 0 || i+1 >= len(args) {
		t.Fatalf("no %s in %q", flag, args)
	}
	return args[i+1]
}

// allValues returns the arguments after every occurrence of flag.
func allValues(args []string, flag string) []string {
	var vals []string
	for i, a := range args[:len(args)-1] {
		if a == flag {
			vals = append(vals, args[i+1])
		}
	}
	return vals
}

func mustArgs(t *testing.T, cfg Config, accel string) []string {
	t.Helper()
	args, err := Args(cfg, accel, "/tmp/ctl")
	if err != nil {
		t.Fatalf("Args(%+v, %q): %v", cfg, accel, err)
	}
	return args
}

func TestArgsCommon(t *testing.T) {
	args := mustArgs(t, Config{Kernel: "k.bin"}, "tcg")
	for _, f := range []string{"-nodefaults", "-no-reboot"} {
		if !slices.Contains(args, f) {
			t.Errorf("missing %s in %q", f, args)
		}
	}
	for flag, want := range map[string]string{
		"-M":       "pc",
		"-display": "none",
		"-monitor": "none",
		"-m":       "128",
		"-rtc":     "base=utc",
		"-device":  "isa-debug-exit,iobase=0xf4,iosize=0x04",
		"-kernel":  "k.bin",
	} {
		if got := flagValue(t, args, flag); got != want {
			t.Errorf("%s %q, want %q", flag, got, want)
		}
	}
	// COM1 is the console on stdio, COM2 the control file, in that order.
	if got, want := allValues(args, "-serial"), []string{"stdio", "file:/tmp/ctl"}; !slices.Equal(got, want) {
		t.Errorf("-serial values %q, want %q", got, want)
	}
	for _, f := range []string{"-initrd", "-append", "-cdrom", "-s", "-S"} {
		if slices.Contains(args, f) {
			t.Errorf("unexpected %s in %q", f, args)
		}
	}
}

func TestArgsKVM(t *testing.T) {
	args := mustArgs(t, Config{Kernel: "k.bin"}, "kvm")
	if got := flagValue(t, args, "-accel"); got != "kvm" {
		t.Errorf("-accel %q, want kvm", got)
	}
	if slices.Contains(args, "-cpu") {
		t.Errorf("KVM command line has -cpu (aborts on these hosts): %q", args)
	}
}

func TestArgsTCG(t *testing.T) {
	args := mustArgs(t, Config{Kernel: "k.bin"}, "tcg")
	if got := flagValue(t, args, "-accel"); got != "tcg" {
		t.Errorf("-accel %q, want tcg", got)
	}
	if got := flagValue(t, args, "-cpu"); got != "max" {
		t.Errorf("-cpu %q, want max", got)
	}
}

// TestArgsSMP: more than one CPU is -smp N, and under TCG one host thread
// per vCPU; one CPU adds neither.
func TestArgsSMP(t *testing.T) {
	args := mustArgs(t, Config{Kernel: "k.bin", SMP: 4}, "tcg")
	if got := flagValue(t, args, "-smp"); got != "4" {
		t.Errorf("-smp %q, want 4", got)
	}
	if got := flagValue(t, args, "-accel"); got != "tcg,thread=multi" {
		t.Errorf("-accel %q, want tcg,thread=multi", got)
	}
	for _, n := range []int{0, 1} {
		if args := mustArgs(t, Config{Kernel: "k.bin", SMP: n}, "tcg"); slices.Contains(args, "-smp") {
			t.Errorf("SMP %d: %q has -smp", n, args)
		}
	}
}

func TestArgsMemory(t *testing.T) {
	args := mustArgs(t, Config{Kernel: "k.bin", MemoryMiB: 32}, "tcg")
	if got := flagValue(t, args, "-m"); got != "32" {
		t.Errorf("-m %q, want 32", got)
	}
}

func TestArgsISO(t *testing.T) {
	args := mustArgs(t, Config{ISO: "boot.iso"}, "kvm")
	if got := flagValue(t, args, "-cdrom"); got != "boot.iso" {
		t.Errorf("-cdrom %q, want boot.iso", got)
	}
	if got := flagValue(t, args, "-boot"); got != "d" {
		t.Errorf("-boot %q, want d", got)
	}
	if slices.Contains(args, "-kernel") {
		t.Errorf("ISO command line has -kernel: %q", args)
	}
}

// TestArgsFirmware: a Kernel boot gets -bios with the firmware named,
// none with "" or "seabios" (QEMU's default); an ISO boot never does.
func TestArgsFirmware(t *testing.T) {
	if got := flagValue(t, mustArgs(t, Config{Kernel: "k.bin", Firmware: QbootROM}, "tcg"), "-bios"); got != QbootROM {
		t.Errorf("-bios %q, want %q", got, QbootROM)
	}
	for _, cfg := range []Config{{Kernel: "k.bin"}, {Kernel: "k.bin", Firmware: "seabios"}, {ISO: "boot.iso", Firmware: QbootROM}} {
		if args := mustArgs(t, cfg, "tcg"); slices.Contains(args, "-bios") {
			t.Errorf("%+v: %q has -bios", cfg, args)
		}
	}
}

func TestArgsModulesAndAppend(t *testing.T) {
	args := mustArgs(t, Config{
		Kernel:  "k.bin",
		Modules: []string{"/tmp/hello arg1 arg2", "/tmp/data"},
		Append:  "trace=1 console=serial",
	}, "tcg")
	if got, want := flagValue(t, args, "-initrd"), "/tmp/hello arg1 arg2,/tmp/data"; got != want {
		t.Errorf("-initrd %q, want %q", got, want)
	}
	if got, want := flagValue(t, args, "-append"), "trace=1 console=serial"; got != want {
		t.Errorf("-append %q, want %q", got, want)
	}
}

func TestArgsGDBAndExtra(t *testing.T) {
	args := mustArgs(t, Config{Kernel: "k.bin", GDB: true, Extra: []string{"-smp", "2"}}, "tcg")
	if flagValue(t, args, "-gdb") != "tcp:localhost:1234" || !slices.Contains(args, "-S") {
		t.Errorf("GDB command line lacks -gdb tcp:localhost:1234 -S: %q", args)
	}
	if !slices.Equal(args[len(args)-2:], []string{"-smp", "2"}) {
		t.Errorf("Extra not last: %q", args)
	}
	args = mustArgs(t, Config{Kernel: "k.bin", GDB: true, GDBPort: 4321}, "tcg")
	if got := flagValue(t, args, "-gdb"); got != "tcp:localhost:4321" {
		t.Errorf("-gdb %q with GDBPort 4321", got)
	}
}

func TestArgsErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cfg   Config
		accel string
		ctl   string
		want  string // substring of the error
	}{
		{"comma in module", Config{Kernel: "k", Modules: []string{"/p a,b"}}, "tcg", "c", "comma"},
		{"empty module", Config{Kernel: "k", Modules: []string{" "}}, "tcg", "c", "empty"},
		{"nothing to boot", Config{}, "tcg", "c", "nothing to boot"},
		{"kernel and ISO", Config{Kernel: "k", ISO: "i"}, "tcg", "c", "not both"},
		{"append with ISO", Config{ISO: "i", Append: "x"}, "tcg", "c", "Append"},
		{"modules with ISO", Config{ISO: "i", Modules: []string{"m"}}, "tcg", "c", "Modules"},
		{"bad accel", Config{Kernel: "k"}, "auto", "c", "accelerator"},
		{"negative memory", Config{Kernel: "k", MemoryMiB: -1}, "tcg", "c", "memory"},
		{"too many CPUs", Config{Kernel: "k", SMP: 256}, "tcg", "c", "CPUs"},
		{"no control path", Config{Kernel: "k"}, "tcg", "", "control"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args, err := Args(tc.cfg, tc.accel, tc.ctl)
			if err == nil {
				t.Fatalf("Args succeeded: %q", args)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"/tmp/kernel":  "/tmp/kernel",
		"/tmp/my k":    "'/tmp/my k'",
		"it's":         `'it'\''s'`,
		"":             "''",
		"build/k.elf+": "build/k.elf+",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %q, want %q", in, got, want)
		}
	}
}
