package tests

// TestBochs boots the GRUB CD image of hello (mkimage iso) in Bochs, an
// x86 emulator written independently of QEMU, with its models of two Intel
// desktop CPUs: the Sandy Bridge i7-2600K (no RDRAND, no AVX2) and the
// Haswell i7-4770. Only when asked:
//
//	make matrix                      # installs bochs, bochsbios, vgabios first
//	GOBARE_BOCHS=1 go test ./tests -run TestBochs -v
//
// Bochs's console goes nowhere useful here: COM1 and COM2 are files, the
// display is Bochs's VNC server (the rfb library, which, unlike the term
// library, shows the 1024x768x32 mode GRUB sets for gobare's framebuffer)
// told not to wait for a viewer. Debian's Bochs is built with its debugger,
// which stops before the first instruction: a command file continues, then
// quits. The kernel powers the machine off through ACPI S5, which Bochs
// logs as the "panic" "ACPI control: soft power off" and exits; any other
// panic in Bochs's log (a triple fault among them) fails the test, as does
// Bochs still running a few seconds after the kernel's exit line.

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// bochsModels are Bochs's CPU models the test boots on, and whether each
// has RDRAND (what the kernel must find by CPUID).
var bochsModels = []struct {
	Model  string
	RDRAND bool
}{
	{"corei7_sandy_bridge_2600k", false},
	{"corei7_haswell_4770", true},
}

// bochsTimeout bounds one Bochs run; hello takes a few seconds.
const bochsTimeout = 4 * time.Minute

// bochsPowerOff is how Bochs's ACPI device reports a guest's S5 request.
const bochsPowerOff = "ACPI control: soft power off"

// bochsFiles are the firmware Bochs needs: its BIOS (bochsbios) and the
// LGPL VGA BIOS (vgabios).
var bochsFiles = []struct{ path, pkg string }{
	{"/usr/share/bochs/BIOS-bochs-latest", "bochsbios"},
	{"/usr/share/vgabios/vgabios.bin", "vgabios"},
}

func TestBochs(t *testing.T) {
	if os.Getenv("GOBARE_BOCHS") != "1" {
		t.Skip("Bochs runs only when asked: `make matrix`, or GOBARE_BOCHS=1 go test ./tests -run TestBochs -v")
	}
	if _, err := exec.LookPath("bochs"); err != nil {
		t.Fatalf("bochs is not installed: run `make matrix` (installs bochs bochsbios vgabios bochs-term)")
	}
	for _, f := range bochsFiles {
		if _, err := os.Stat(f.path); err != nil {
			t.Fatalf("%s is missing (Debian package %s): run `make matrix`", f.path, f.pkg)
		}
	}
	matrixNeedTool(t, "grub-mkrescue", "grub-pc-bin and grub-common")
	iso := matrixMedia(t, "hello", "cdrom")
	for _, m := range bochsModels {
		t.Run(m.Model, func(t *testing.T) {
			t.Parallel()
			r := bochsBoot(t, m.Model, iso)
			var problems []string
			if r.Err != nil {
				problems = append(problems, r.Err.Error())
			}
			if status, ok := matrixControlStatus(r.Control); !ok {
				if i := strings.LastIndex(r.Control, "gobare: exit"); i >= 0 {
					// Bochs's UART sends at its baud rate: the line was
					// cut when the machine went off.
					problems = append(problems, fmt.Sprintf("COM2 ends with a cut exit line %q: the machine went off before the UART had sent the whole line (power.Exit does not wait for the transmitter to empty, LSR bit 6)", r.Control[i:]))
				} else {
					problems = append(problems, "COM2 has no \"gobare: exit N\" line")
				}
			} else if status != 0 {
				problems = append(problems, fmt.Sprintf("exit status %d, want 0", status))
			}
			if missing := missingLines(r.Console, []string{"hello, world"}); len(missing) > 0 {
				problems = append(problems, "COM1 lacks "+strings.Join(missing, ", "))
			}
			if !strings.Contains(r.Console, "gobare: running hello via ") {
				problems = append(problems, "COM1 lacks the kernel's \"gobare: running hello via\" line")
			}
			// The kernel names the features it found; Bochs's CPUID is
			// its own, not QEMU's.
			cpuLine := strings.TrimSpace(cpuFeatureLine(r.Console))
			words := strings.Fields(strings.ReplaceAll(cpuLine, ",", " "))
			switch {
			case cpuLine == "":
				problems = append(problems, "COM1 lacks the kernel's \"gobare: CPU\" line")
			case m.RDRAND && !slices.Contains(words, "rdrand"):
				problems = append(problems, fmt.Sprintf("%s has RDRAND, the kernel says %q", m.Model, cpuLine))
			case !m.RDRAND && !slices.Contains(words, "-rdrand"):
				problems = append(problems, fmt.Sprintf("%s has no RDRAND, the kernel says %q", m.Model, cpuLine))
			}
			for _, p := range r.Panics {
				if !strings.Contains(p, bochsPowerOff) {
					problems = append(problems, "Bochs panicked: "+p)
				}
			}
			if !r.PoweredOff {
				problems = append(problems, fmt.Sprintf("the guest did not power Bochs off (no %q in its log; Bochs exited by itself: %v)", bochsPowerOff, r.ExitedItself))
			}
			if len(problems) > 0 {
				t.Errorf("%s\n%s", strings.Join(problems, "\n"), r.describe())
				return
			}
			t.Logf("%s: exit line after %v, Bochs gone after %v (powered off by ACPI); %s",
				m.Model, r.ExitLine.Round(time.Millisecond), r.Wall.Round(time.Millisecond), cpuLine)
		})
	}
}

// bochsRun is one finished Bochs run.
type bochsRun struct {
	Config       string
	Console      string // COM1, through serialText
	Control      string // COM2
	Log          string // Bochs's log file
	Output       string // Bochs's stdout and stderr
	Panics       []string
	PoweredOff   bool          // the log has bochsPowerOff
	ExitedItself bool          // Bochs ended without being killed
	ExitLine     time.Duration // Bochs start to the exit line on COM2 (0: never)
	Wall         time.Duration // Bochs start to Bochs gone
	Err          error
}

// bochsBoot boots iso in Bochs with CPU model, until Bochs exits, or a
// few seconds after the kernel's exit line, or bochsTimeout.
func bochsBoot(tb testing.TB, model, iso string) bochsRun {
	tb.Helper()
	dir := tb.TempDir()
	com1, com2 := filepath.Join(dir, "com1"), filepath.Join(dir, "com2")
	logFile := filepath.Join(dir, "bochs.log")
	cfg := strings.Join([]string{
		"megs: 256",
		"romimage: file=" + bochsFiles[0].path,
		"vgaromimage: file=" + bochsFiles[1].path,
		// ips: emulated instructions per emulated second; with
		// sync=none the guest's clock follows instructions, not the
		// host's, so a busy host does not starve the guest's timers.
		"cpu: model=" + model + ", count=1, ips=100000000, reset_on_triple_fault=0",
		"clock: sync=none, time0=utc",
		"pci: enabled=1, chipset=i440fx",
		"ata0: enabled=1, ioaddr1=0x1f0, ioaddr2=0x3f0, irq=14",
		"ata0-master: type=cdrom, path=" + iso + ", status=inserted",
		"boot: cdrom",
		"com1: enabled=1, mode=file, dev=" + com1,
		"com2: enabled=1, mode=file, dev=" + com2,
		// The VNC display, not waiting for a viewer: a display library
		// that draws GRUB's 32-bit graphics mode without a terminal.
		`display_library: rfb, options="timeout=0"`,
		"speaker: enabled=0",
		"log: " + logFile,
		"panic: action=fatal",
		"error: action=report",
		"info: action=report",
		"debug: action=ignore",
		"",
	}, "\n")
	rc := filepath.Join(dir, "bochsrc")
	cmds := filepath.Join(dir, "debugger-commands")
	if err := os.WriteFile(rc, []byte(cfg), 0o644); err != nil {
		tb.Fatal(err)
	}
	// "c": run; "q": quit when the simulation stops.
	if err := os.WriteFile(cmds, []byte("c\nq\n"), 0o644); err != nil {
		tb.Fatal(err)
	}

	r := bochsRun{Config: cfg}
	ctx, cancel := context.WithTimeout(context.Background(), bochsTimeout)
	defer cancel()
	cmd := exec.Command("bochs", "-q", "-f", rc, "-rc", cmds)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		tb.Fatalf("starting bochs: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	kill := func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	}
	// After the exit line the kernel turns the machine off; it gets this
	// long (emulated ACPI is quick, but the host may be busy).
	const grace = 15 * time.Second
	var deadline <-chan time.Time
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
wait:
	for {
		select {
		case <-exited:
			r.ExitedItself = true
			break wait
		case <-ctx.Done():
			kill()
			r.Err = fmt.Errorf("Bochs still running after %v", bochsTimeout)
			break wait
		case <-deadline:
			kill()
			break wait
		case <-tick.C:
			if r.ExitLine == 0 {
				if b, err := os.ReadFile(com2); err == nil {
					if _, ok := matrixControlStatus(string(b)); ok {
						r.ExitLine = time.Since(start)
						deadline = time.After(grace)
					}
				}
			}
		}
	}
	r.Wall = time.Since(start)
	r.Output = out.String()
	if b, err := os.ReadFile(com1); err == nil {
		r.Console = serialText(string(b))
	}
	if b, err := os.ReadFile(com2); err == nil {
		r.Control = string(b)
		if r.ExitLine == 0 {
			if _, ok := matrixControlStatus(r.Control); ok {
				r.ExitLine = r.Wall // written just before Bochs ended
			}
		}
	}
	if b, err := os.ReadFile(logFile); err == nil {
		r.Log = string(b)
	}
	for line := range strings.Lines(r.Log) {
		if _, p, ok := strings.Cut(line, ">>PANIC<< "); ok {
			p = strings.TrimSpace(p)
			if !slices.Contains(r.Panics, p) {
				r.Panics = append(r.Panics, p)
			}
			if strings.Contains(p, bochsPowerOff) {
				r.PoweredOff = true
			}
		}
	}
	return r
}

func (r bochsRun) describe() string {
	return fmt.Sprintf("(Bochs: %v, exit line after %v, exited by itself %v, panics %q)\n--- bochsrc ---\n%s--- COM2 ---\n%s\n--- COM1 ---\n%s\n--- Bochs log (last 60 lines) ---\n%s\n--- Bochs output (last 20 lines) ---\n%s\n--- end ---",
		r.Wall.Round(time.Millisecond), r.ExitLine.Round(time.Millisecond), r.ExitedItself, r.Panics,
		r.Config, r.Control, r.Console, bochsLastLines(r.Log, 60), bochsLastLines(r.Output, 20))
}

// bochsLastLines returns the last n lines of s.
func bochsLastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
