package tests

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gobare/gobare/internal/image"
	"github.com/gobare/gobare/internal/nortcheck"
	"github.com/gobare/gobare/qemu"
	"github.com/u-root/u-root/pkg/boot/multiboot"
)

// wantSelfChecks are self-checks the kernel has always run; more may come.
var wantSelfChecks = []string{
	"page 0 unmapped",
	"kernel text read-only and executable",
	"direct map reaches the kernel",
	"frame allocator round trip",
	"timer interrupts arrive",
}

// TestKernelBoots boots the kernel alone (TCG, through the qemu package):
// it prints its banner, passes every self-check and exits 0.
func TestKernelBoots(t *testing.T) {
	t.Parallel()
	r := bootImage(t, writeImage(t, image.Program{}), "")
	r.wantExit(t, 0)
	names := checkSelfChecks(t, r)
	for _, n := range wantSelfChecks {
		if !slices.Contains(names, n) {
			r.errorf(t, "self-check %q missing", n)
		}
	}
	t.Logf("%d self-checks ok, %v in QEMU", len(names), r.Elapsed.Round(time.Millisecond))
}

// TestKernelBootsPlainQEMU boots the image with a hand-written QEMU command
// line, not the qemu package's: the image must work with nothing but
// -kernel, and COM2 (the launcher's control channel) absent. The exit status
// is isa-debug-exit's (0<<1)|1.
func TestKernelBootsPlainQEMU(t *testing.T) {
	t.Parallel()
	needQEMU(t)
	img := writeImage(t, image.Program{})
	c := runCmd(cmdSpec{Label: "QEMU", Name: "qemu-system-x86_64", Timeout: bootTimeout, Args: []string{
		"-M", "pc", "-nodefaults", "-no-reboot", "-display", "none",
		"-serial", "stdio",
		"-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
		"-accel", "tcg", "-cpu", "max",
		"-kernel", img,
	}})
	r := bootRun{Console: serialText(c.Stdout), Err: c.Err, Wall: c.Wall}
	r.Result.Accel, r.Result.Elapsed, r.Result.ExitCode = "tcg", r.Wall, c.Code
	if c.TimedOut {
		r.fatalf(t, "QEMU timed out after %v; stderr:\n%s", bootTimeout, c.Stderr)
	}
	if c.Err != nil {
		r.fatalf(t, "running QEMU: %v", c.Err)
	}
	if got := c.Code; got != (0<<1)|1 {
		r.fatalf(t, "QEMU exit status %d, want %d (isa-debug-exit with 0); stderr:\n%s", got, (0<<1)|1, c.Stderr)
	}
	checkSelfChecks(t, r)
}

// TestKernelFaultReport is the acceptance check for kernel faults: with
// fault=pf on the command line the kernel takes a page fault, prints the
// exception report naming the faulting function and the registers, and
// exits with status 125, all in under 10 s. The word reaches the kernel
// either on the Multiboot command line (QEMU -append) or embedded in the
// image by mkimage; both are tried.
func TestKernelFaultReport(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		prog   image.Program
		append string
	}{
		{"append", image.Program{}, "fault=pf"},
		{"embedded", image.Program{KernelArgs: []string{"fault=pf"}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			img := writeImage(t, tc.prog)
			r := bootImage(t, img, tc.append)
			r.wantExit(t, 125)
			r.wantContains(t,
				"selfcheck: taking a deliberate page fault",
				"kernel fault: page fault (#PF)",
				"cr2=",
				"RAX=", "RSP=", "RIP 0x",
				"github.com/gobare/gobare/kernel.deliberatePageFault+0x",
			)
			// The RIP line names the function.
			if !strings.Contains(lineWith(r.Console, "RIP "), "kernel.deliberatePageFault") {
				r.errorf(t, "the RIP line does not name kernel.deliberatePageFault")
			}
			if r.Wall >= 10*time.Second {
				r.errorf(t, "boot to fault report took %v, want under 10 s", r.Wall)
			}
			t.Logf("fault reported after %v (QEMU %v)", r.Wall.Round(time.Millisecond), r.Elapsed.Round(time.Millisecond))
		})
	}
}

// lineWith returns the first line of s containing sub.
func lineWith(s, sub string) string {
	for line := range strings.Lines(s) {
		if strings.Contains(line, sub) {
			return line
		}
	}
	return ""
}

// TestImageIsMultiboot checks every kind of image with u-root's Multiboot
// probe, an independent reading of the Multiboot 1 specification: the
// header in the first 8 KiB, 4-byte aligned, with a valid checksum and no
// unsupported flags.
func TestImageIsMultiboot(t *testing.T) {
	t.Parallel()
	hello, err := os.ReadFile(helloProgram(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		prog image.Program
	}{
		{"kernel only", image.Program{}},
		{"kernel args", image.Program{KernelArgs: []string{"trace", "fault=pf"}}},
		{"embedded program", image.Program{ELF: hello, Argv: []string{"hello", "a", "b"}, Env: []string{"HOME=/"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := makeImage(t, tc.prog)
			if err := multiboot.Probe(bytes.NewReader(img)); err != nil {
				t.Errorf("u-root multiboot.Probe: %v", err)
			}
		})
	}
}

// TestEmbeddedProgramRuns boots an image with the hello program embedded:
// the image TestImageIsMultiboot probes must also run.
func TestEmbeddedProgramRuns(t *testing.T) {
	t.Parallel()
	hello, err := os.ReadFile(helloProgram(t))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "hello.img")
	if err := os.WriteFile(path, makeImage(t, image.Program{ELF: hello, Argv: []string{"hello"}}), 0o644); err != nil {
		t.Fatal(err)
	}
	r := bootImage(t, path, "")
	r.wantExit(t, 0)
	r.wantContains(t, "hello from gobare\n")
}

// TestKernelNoRuntimeCalls checks the kernel's machine code: nothing in
// kernel/ or boot/ may call into the Go runtime, which never runs, beyond
// nortcheck.DefaultAllow.
func TestKernelNoRuntimeCalls(t *testing.T) {
	t.Parallel()
	path, _ := kernel(t)
	allow := append(slices.Clone(nortcheck.DefaultAllow),
		// The Multiboot entry runs in 32-bit protected mode: decoded as
		// 64-bit code its bytes mean something else (and may not
		// decode at all), so it is exempt from scanning. It calls no Go
		// code; boot.entry64, its 64-bit continuation, is checked.
		"github.com/gobare/gobare/boot.entry32",
	)
	vs, err := nortcheck.Check(path, []string{"github.com/gobare/gobare/kernel", "github.com/gobare/gobare/boot"}, allow)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) > 0 {
		var b strings.Builder
		for _, v := range vs {
			b.WriteString("\n\t")
			b.WriteString(v.String())
		}
		t.Errorf("%d calls from kernel code into the Go runtime:%s", len(vs), b.String())
	}
}

// TestMkimageRun runs the real mkimage binary (mkimageTool): `mkimage
// run` boots the kernel alone and passes its exit status through, 0 after
// the self-checks and 125 after a deliberate kernel fault.
func TestMkimageRun(t *testing.T) {
	t.Parallel()
	needQEMU(t)
	for _, tc := range []struct {
		name string
		args []string
		want int
	}{
		{"selfcheck", nil, 0},
		{"fault", []string{"-append", "fault=pf"}, 125},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"run", "-accel", "tcg", "-timeout", bootTimeout.String()}, tc.args...)
			r := runMkimageOpts(t, mkimageOpts{Timeout: bootTimeout + 30*time.Second}, args...)
			r.wantExit(t, tc.want)
			// The kernel's lines go to stderr, never into the
			// program's standard output.
			if _, ok := parseBanner(r.Kernel); !ok {
				mkimageErrorf(t, r, "mkimage run: no banner among the kernel's lines on standard error")
			}
			if r.Stdout != "" {
				mkimageErrorf(t, r, "mkimage run: standard output has %q; the kernel alone writes none", r.Stdout)
			}
		})
	}
}

// bootBench boots the kernel alone b.N times with accel and reports the
// time from QEMU's start to the guest's exit (qemu.Result.Elapsed) as
// ms/boot; ns/op also counts making the temporary files and waiting for
// QEMU's process to be reaped.
func bootBench(b *testing.B, accel string, timeout time.Duration) {
	needQEMU(b)
	img := writeImage(b, image.Program{})
	b.ResetTimer()
	var total time.Duration
	for range b.N {
		r := boot(b, qemu.Config{Kernel: img, Accel: accel, Timeout: timeout})
		if errors.Is(r.Err, qemu.ErrTimeout) && accel == "kvm" {
			// qemu.Run drops QEMU's stderr on a timeout, and a KVM
			// "internal error" (QEMU prints the registers and
			// pauses the VM) looks like a hang.
			r.fatalf(b, "the KVM guest did not exit within %v; run qemu-system-x86_64 -accel kvm -kernel IMAGE by hand to see whether QEMU reported a KVM internal error", timeout)
		}
		r.wantExit(b, 0)
		total += r.Elapsed
	}
	b.ReportMetric(float64(total.Microseconds())/1e3/float64(b.N), "ms/boot")
}

func BenchmarkBootTCG(b *testing.B) { bootBench(b, "tcg", bootTimeout) }

// BenchmarkBootKVM needs a working KVM; a KVM guest takes about 3.5 s to
// start on the development hosts, so 20 s is plenty.
func BenchmarkBootKVM(b *testing.B) {
	if !qemu.KVMWorks() {
		b.Skip("KVM does not work on this host")
	}
	bootBench(b, "kvm", 20*time.Second)
}

// TestStats runs a program with the kernel word stats: at the exit the
// kernel reports the system calls, the time in the kernel, and how long
// each boot step took, from the CPU's reset to the program's first
// instruction.
func TestStats(t *testing.T) {
	t.Parallel()
	r := runMkimage(t, nil, "run", "-accel", "tcg", "-append", "stats", "-timeout", bootTimeout.String(), testProgram(t, "hello"))
	r.wantExit(t, 0)
	for _, re := range []string{
		`(?m)^stats: \d+ system calls, \d+ us in the kernel of \d+ us since boot, \d+ threads$`,
		`(?m)^stats: boot \(us\): firmware\+loader \d+ cpu\+multiboot \d+ acpi \d+ memory \d+ clock \d+ interrupts \d+ cpus \d+ devices \d+ files \d+ program \d+$`,
		`(?m)^stats:   write \d+$`,
	} {
		if !regexp.MustCompile(re).MatchString(r.Kernel) {
			mkimageErrorf(t, r, "-append stats: no line matching %s among the kernel's lines", re)
		}
	}
}

// TestInterruptControllers boots a program that sleeps and starts
// goroutines with the interrupt controllers the kernel picks (the I/O
// APIC and the local APIC timer on QEMU's pc machine) and with the kernel
// word noapic (the 8259 PICs and the PIT): the banner names the choice and
// the timers work either way.
func TestInterruptControllers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, append, want string
	}{
		{"apic", "", "interrupts through the I/O APIC, tick from the local APIC timer"},
		{"noapic", "noapic", "interrupts through the 8259 PICs, tick from the PIT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := runMkimage(t, nil, "run", "-accel", "tcg", "-append", tc.append, "-timeout", bootTimeout.String(), testProgram(t, "rtcheck"), "timers", "goroutines")
			r.wantExit(t, 0)
			if !strings.Contains(r.Kernel, tc.want) {
				mkimageErrorf(t, r, "-append %q: the kernel's lines do not say %q", tc.append, tc.want)
			}
			for _, check := range []string{"timers", "goroutines"} {
				if !strings.Contains(r.Stdout, "rtcheck: "+check+": ok\n") {
					mkimageErrorf(t, r, "-append %q: no %q", tc.append, "rtcheck: "+check+": ok")
				}
			}
		})
	}
}
