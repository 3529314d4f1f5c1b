package tests

// The machine matrix (issue 10, "proof on many machines"): hello and
// tests/programs/rtcheck booted on every QEMU CPU model of cpuModels, on
// both PC machine types (i440FX "pc" and Q35 "q35"), through every way a
// user boots gobare: SeaBIOS with QEMU's own Multiboot loader (-kernel),
// SeaBIOS and OVMF (UEFI) with the GRUB CD image from `mkimage iso`, that
// CD image written to a USB stick (as dd would) on an xHCI controller, and
// machines with no serial console at all, where the program's output is read
// back from a screendump with internal/screen.
//
// It is long (about 140 boots under TCG), so it only runs when asked:
//
//	make matrix                                  # installs OVMF and Bochs first
//	GOBARE_MATRIX=1 go test ./tests -run TestMatrix -v -timeout 90m
//
// GOBARE_MATRIX_JOBS sets how many machines run at once (default 2).
// -run TestMatrix/Haswell/q35 (or .../uefi-cdrom, .../rtcheck) picks cells.
//
// Every machine is a PC the way a user's is: no isa-debug-exit device, so
// the kernel ends by reporting "gobare: exit N" on COM2 and powering the
// machine off through ACPI S5. QEMU runs with -no-shutdown and a QMP socket:
// the cell waits for QMP's SHUTDOWN event, checks that the guest turned the
// machine off (reason "guest-shutdown", not a reset or triple fault), takes
// a screendump, and quits QEMU. A cell fails on a timeout, an exit status
// other than 0, a missing or failed output line, or a machine that was
// reset instead of powered off, and prints its whole console (COM1, COM2,
// QEMU's messages, the decoded screen).

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gobare/gobare/internal/screen"
)

// matrixMachines are QEMU's two PC machine types: the 1996 i440FX/PIIX3
// with its IDE controller, and the 2009 Q35/ICH9 with AHCI and PCIe.
var matrixMachines = []string{"pc", "q35"}

// matrixPath is one way of booting.
type matrixPath struct {
	Name     string
	Firmware string // "seabios" or "ovmf"
	Media    string // "kernel" (QEMU's -kernel), "cdrom" or "usb" (the GRUB ISO)
	Screen   bool   // no COM1: the output is read from the screen
}

var matrixPaths = []matrixPath{
	{Name: "bios-kernel", Firmware: "seabios", Media: "kernel"},
	{Name: "bios-cdrom", Firmware: "seabios", Media: "cdrom"},
	{Name: "bios-usb", Firmware: "seabios", Media: "usb"},
	{Name: "uefi-cdrom", Firmware: "ovmf", Media: "cdrom"},
	{Name: "uefi-usb", Firmware: "ovmf", Media: "usb"},
	{Name: "screen-bios-cdrom", Firmware: "seabios", Media: "cdrom", Screen: true},
	{Name: "screen-uefi-usb", Firmware: "ovmf", Media: "usb", Screen: true},
}

// matrixProgram is a program the matrix boots and what it must print.
type matrixProgram struct {
	Name    string
	Timeout time.Duration // one boot, QEMU start to exit
	// Lines must all be whole lines of the serial console; ScreenLines
	// must be whole lines of the screen (which only shows the end of a
	// long output).
	Lines, ScreenLines []string
}

// rtcheckAll are the checks rtcheck runs with no arguments.
var rtcheckAll = []string{"goroutines", "mutex", "gcalloc", "timers", "nilderef", "preempt", "cryptorand", "wallclock"}

var matrixPrograms = func() []matrixProgram {
	rt := matrixProgram{Name: "rtcheck", Timeout: 5 * time.Minute}
	for _, c := range rtcheckAll {
		rt.Lines = append(rt.Lines, "rtcheck: "+c+": ok")
	}
	done := fmt.Sprintf("rtcheck: done: %d checks, 0 failed", len(rtcheckAll))
	rt.Lines = append(rt.Lines, done)
	rt.ScreenLines = []string{"rtcheck: wallclock: ok", done}
	return []matrixProgram{
		{Name: "hello", Timeout: 3 * time.Minute, Lines: []string{"hello, world"}, ScreenLines: []string{"hello, world"}},
		rt,
	}
}()

// matrixMemMiB is every machine's RAM: rtcheck's gcalloc needs 256 MiB
// (rtcheckMemMiB), and OVMF wants more than hello's 32.
const matrixMemMiB = rtcheckMemMiB

// matrixCell is one finished boot, for the table.
type matrixCell struct {
	CPU, Machine, Path, Program string
	OK                          bool
	Boot                        time.Duration // QEMU start to the guest powering off (or giving up)
	Note                        string        // why it failed, in a few words
}

func TestMatrix(t *testing.T) {
	if os.Getenv("GOBARE_MATRIX") != "1" {
		t.Skip("the machine matrix is long; run it with `make matrix` or GOBARE_MATRIX=1 go test ./tests -run TestMatrix -v -timeout 90m")
	}
	matrixNeedTool(t, "qemu-system-x86_64", "qemu-system-x86")
	matrixNeedTool(t, "grub-mkrescue", "grub-pc-bin and grub-common")
	matrixNeedTool(t, "xorriso", "xorriso")
	ovmf := findMatrixOVMF(t)

	jobs := 2
	if s := os.Getenv("GOBARE_MATRIX_JOBS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("GOBARE_MATRIX_JOBS=%q: want a positive number", s)
		}
		jobs = n
	}
	sem := make(chan struct{}, jobs)

	var mu sync.Mutex
	var cells []matrixCell
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		t.Logf("machine matrix (TCG, %d MiB, %d at a time; time is QEMU start to power-off):\n%s", matrixMemMiB, jobs, matrixTable(cells))
	})

	for _, cpu := range cpuModels {
		for _, machine := range matrixMachines {
			for _, path := range matrixPaths {
				for _, prog := range matrixPrograms {
					name := cpu + "/" + machine + "/" + path.Name + "/" + prog.Name
					t.Run(name, func(t *testing.T) {
						t.Parallel()
						// Images are built before taking a slot, so that
						// building never counts against a boot's timeout.
						media := matrixMedia(t, prog.Name, path.Media)
						sem <- struct{}{}
						defer func() { <-sem }()
						cell := matrixCell{CPU: cpu, Machine: machine, Path: path.Name, Program: prog.Name}
						defer func() {
							cell.OK = !t.Failed()
							mu.Lock()
							cells = append(cells, cell)
							mu.Unlock()
						}()
						r := matrixBoot(t, matrixBootConfig{
							CPU: cpu, Machine: machine, Path: path, Media: media, OVMF: ovmf,
							Timeout: prog.Timeout,
						})
						cell.Boot = r.Boot
						cell.Note = matrixCheck(t, r, path, prog)
					})
				}
			}
		}
	}
}

// matrixNeedTool fails tb when command is not installed: an opted-in run must
// not pass by skipping.
func matrixNeedTool(tb testing.TB, command, pkg string) {
	tb.Helper()
	if _, err := exec.LookPath(command); err != nil {
		tb.Fatalf("%s is not installed (Debian package %s); `make matrix` installs it", command, pkg)
	}
}

// matrixOVMF are UEFI firmware for QEMU: the code, and a template of the
// variable store each machine gets a writable copy of.
type matrixOVMF struct{ Code, Vars string }

// findMatrixOVMF finds the OVMF firmware (Debian's ovmf package, or Fedora's
// edk2-ovmf), failing tb when there is none.
func findMatrixOVMF(tb testing.TB) matrixOVMF {
	tb.Helper()
	for _, f := range []matrixOVMF{
		{"/usr/share/OVMF/OVMF_CODE_4M.fd", "/usr/share/OVMF/OVMF_VARS_4M.fd"},
		{"/usr/share/OVMF/OVMF_CODE.fd", "/usr/share/OVMF/OVMF_VARS.fd"},
		{"/usr/share/edk2/ovmf/OVMF_CODE.fd", "/usr/share/edk2/ovmf/OVMF_VARS.fd"},
	} {
		_, errC := os.Stat(f.Code)
		_, errV := os.Stat(f.Vars)
		if errC == nil && errV == nil {
			return f
		}
	}
	tb.Fatalf("no OVMF UEFI firmware (/usr/share/OVMF/OVMF_CODE_4M.fd and OVMF_VARS_4M.fd): `make matrix` installs the ovmf package")
	return matrixOVMF{}
}

// matrixMedia returns what a cell boots, built once per test run: for
// "kernel" an image with the program inside (mkimage build), otherwise the
// GRUB CD image (mkimage iso).
func matrixMedia(tb testing.TB, prog, media string) string {
	tb.Helper()
	tool, root := mkimageTool(tb), repoRoot(tb)
	elf := testProgram(tb, prog)
	if media == "kernel" {
		return builtOnce(tb, "matrix image "+prog, func() (string, error) {
			return mkimageBuildImage(tool, root, filepath.Join(shared.dir, "matrix-"+prog+".img"), nil, elf)
		})
	}
	return builtOnce(tb, "matrix iso "+prog, func() (string, error) {
		out := filepath.Join(shared.dir, "matrix-"+prog+".iso")
		c := runCmd(cmdSpec{Label: "mkimage iso", Name: tool, Args: []string{"iso", "-o", out, elf}, Dir: root, Timeout: 5 * time.Minute})
		if c.Err != nil || c.Code != 0 {
			return "", fmt.Errorf("mkimage iso -o %s %s: status %d, %v\n%s%s", out, elf, c.Code, c.Err, c.Stdout, c.Stderr)
		}
		return out, nil
	})
}

// matrixBootConfig is one machine.
type matrixBootConfig struct {
	CPU, Machine string
	Path         matrixPath
	Media        string // the image (Media "kernel") or the ISO
	OVMF         matrixOVMF
	Timeout      time.Duration
}

// matrixRun is how one machine ran.
type matrixRun struct {
	Args     []string
	Console  string // COM1 through serialText ("" on a screen machine)
	Control  string // COM2: the kernel's "gobare: exit N" (and, under OVMF, firmware chatter)
	Stderr   string // QEMU's messages
	Events   []string
	Shutdown string // the SHUTDOWN event's reason ("" if none came)
	Boot     time.Duration
	TimedOut bool
	Err      error         // QEMU or QMP trouble
	Screen   *screen.Text  // the screen after the guest stopped (nil if no picture)
	ScreenEr error         // why there is no picture
	Status   int           // QEMU's own exit status, -1 if killed
	Wall     time.Duration // QEMU start to QEMU gone
}

// matrixBoot boots one machine, waits for it to power off (or the
// timeout), takes a screendump and ends QEMU.
func matrixBoot(tb testing.TB, c matrixBootConfig) matrixRun {
	tb.Helper()
	// A short directory: the QMP socket's path must fit in sun_path.
	dir, err := os.MkdirTemp("", "gbmx")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	com1, com2 := filepath.Join(dir, "com1"), filepath.Join(dir, "com2")
	sock, ppm := filepath.Join(dir, "qmp"), filepath.Join(dir, "screen.ppm")

	args := []string{
		"-M", c.Machine, "-nodefaults", "-no-reboot", "-no-shutdown",
		"-accel", "tcg", "-cpu", c.CPU, "-m", strconv.Itoa(matrixMemMiB),
		"-rtc", "base=utc",
		// A display adapter, as every PC has (GRUB sets its graphics
		// mode and gobare draws on it), shown nowhere.
		"-vga", "std", "-display", "none",
		"-monitor", "none",
		// -S: the CPU waits for QMP's "cont", so no event is missed.
		"-S", "-qmp", "unix:" + sock + ",server=on,wait=off",
		// One stderr line per shutdown request with its cause, so that a
		// machine that was reset can be told apart from one that asked
		// for S5 and then reset before QEMU acted on it.
		"-trace", "qemu_system_shutdown_request",
	}
	if c.Path.Screen {
		// No COM1 at all; COM2 (0x2f8) still carries the exit line.
		args = append(args, "-serial", "none", "-serial", "file:"+com2)
	} else {
		args = append(args, "-serial", "file:"+com1, "-serial", "file:"+com2)
	}
	if c.Path.Firmware == "ovmf" {
		vars := filepath.Join(dir, "vars.fd")
		if err := matrixCopyFile(c.OVMF.Vars, vars); err != nil {
			tb.Fatal(err)
		}
		args = append(args,
			"-drive", "if=pflash,format=raw,readonly=on,file="+c.OVMF.Code,
			"-drive", "if=pflash,format=raw,file="+vars)
	}
	switch c.Path.Media {
	case "kernel":
		args = append(args, "-kernel", c.Media)
	case "cdrom":
		args = append(args,
			"-drive", "if=none,id=cd,media=cdrom,format=raw,readonly=on,file="+c.Media,
			"-device", "ide-cd,drive=cd,bootindex=0")
	case "usb":
		// The ISO as a whole disk, as `dd if=X.iso of=/dev/sdX` writes
		// it (grub-mkrescue images are hybrid: an MBR and a GPT-less
		// EFI partition beside the ISO 9660 tree). snapshot=on keeps the
		// stick writable without changing the shared file.
		args = append(args,
			"-device", "qemu-xhci,id=xhci",
			"-drive", "if=none,id=stick,format=raw,snapshot=on,file="+c.Media,
			"-device", "usb-storage,bus=xhci.0,drive=stick,bootindex=0")
	}

	r := matrixRun{Args: args, Status: -1}
	ctx, cancel := context.WithTimeout(context.Background(), c.Timeout)
	defer cancel()
	cmd := exec.Command("qemu-system-x86_64", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		tb.Fatalf("starting qemu-system-x86_64: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	finish := func() {
		select {
		case err := <-exited:
			r.Status = matrixExitCode(err)
		case <-time.After(10 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
		r.Wall = time.Since(start)
	}

	q, err := dialMatrixQMP(ctx, sock, exited)
	if err != nil {
		r.Err = err
		r.Boot = time.Since(start)
		r.TimedOut = ctx.Err() != nil
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		finish()
	} else {
		defer q.close()
		if _, err := q.execute(ctx, "cont", nil); err != nil {
			r.Err = err
		} else {
			r.Shutdown, r.Err = q.waitShutdown(ctx)
		}
		r.Boot = time.Since(start)
		r.TimedOut = ctx.Err() != nil
		r.Events = q.eventLog()
		// The picture, whether the guest stopped or not: it tells
		// where a hung machine got to. A fresh deadline, since ctx may
		// have run out.
		sctx, scancel := context.WithTimeout(context.Background(), 20*time.Second)
		if _, err := q.execute(sctx, "screendump", map[string]any{"filename": ppm}); err != nil {
			r.ScreenEr = err
		} else {
			r.Screen, r.ScreenEr = matrixDecodeScreen(ppm)
		}
		q.execute(sctx, "quit", nil)
		scancel()
		finish()
	}
	r.Stderr = stderr.String()
	if b, err := os.ReadFile(com1); err == nil {
		r.Console = serialText(string(b))
	}
	if b, err := os.ReadFile(com2); err == nil {
		r.Control = string(b)
	}
	return r
}

// matrixCheck fails tb unless r is a good run of prog: the program's
// output, exit status 0 on COM2, and an ACPI power-off. It reports every
// problem, and returns them in a few words for the table ("" when the
// cell passed).
func matrixCheck(tb testing.TB, r matrixRun, path matrixPath, prog matrixProgram) string {
	tb.Helper()
	var notes, problems []string
	fail := func(note, format string, args ...any) {
		notes = append(notes, note)
		problems = append(problems, fmt.Sprintf(format, args...))
	}
	switch {
	case r.TimedOut:
		fail("timeout", "no power-off within %v", r.Boot.Round(time.Second))
	case r.Err != nil:
		fail("qemu", "QEMU: %v", r.Err)
	case r.Shutdown != "guest-shutdown":
		// "guest-reset": ACPI S5 did not turn the machine off and the
		// kernel fell back to a reset (-no-reboot stops QEMU then), or
		// the machine triple-faulted.
		if strings.Contains(r.Stderr, qemuS5Request) {
			// The S5 write reached QEMU, whose main loop had not yet
			// stopped the machine when the kernel's fallback reset
			// came and replaced the cause.
			fail("S5, then reset", "the guest asked for S5 (QEMU traced %q) but reset the machine before QEMU had turned it off: SHUTDOWN reason %q (power.PowerOff's wait before falling back to a reset is too short here)", qemuS5Request, r.Shutdown)
		} else {
			fail("reset, not ACPI off", "the guest did not power the machine off: SHUTDOWN reason %q, want \"guest-shutdown\" (ACPI S5), and QEMU traced no S5 request", r.Shutdown)
		}
	}
	if status, ok := matrixControlStatus(r.Control); !ok {
		fail("no exit line", "COM2 has no %q line", "gobare: exit N")
	} else if status != 0 {
		fail("exit "+strconv.Itoa(status), "exit status %d, want 0", status)
	}
	text, want, where := r.Console, prog.Lines, "console (COM1)"
	if path.Screen {
		text, want, where = "", prog.ScreenLines, "screen"
		if r.Screen != nil {
			text = r.Screen.String()
		} else {
			fail("no picture", "no screendump: %v", r.ScreenEr)
		}
	}
	if missing := missingLines(text, want); len(missing) > 0 {
		fail("no output", "the %s lacks the lines %s", where, strings.Join(missing, ", "))
	}
	if strings.Contains(text, "FAIL") {
		fail("FAIL", "the %s shows a failed check", where)
	}
	if !path.Screen && !strings.Contains(text, "gobare: running "+prog.Name+" via ") {
		fail("no banner", "the kernel's \"gobare: running %s via\" line is missing", prog.Name)
	}
	if len(problems) == 0 {
		return ""
	}
	tb.Errorf("%s\n%s", strings.Join(problems, "\n"), r.describe())
	return strings.Join(notes, ", ")
}

// qemuS5Request is QEMU's trace line for a guest's power-off request
// (ShutdownCause SHUTDOWN_CAUSE_GUEST_SHUTDOWN, 6, in QEMU 7.2 to 9).
const qemuS5Request = "qemu_system_shutdown_request reason=6"

// matrixControlRE is the kernel's report on COM2. GRUB and OVMF also
// write their consoles there (GRUB ends its lines with "\n\r", so the
// report may follow a "\r"); the last report counts.
var matrixControlRE = regexp.MustCompile(`(?m)gobare: exit (\d{1,3})\r?$`)

// matrixControlStatus returns the status the kernel reported on COM2.
func matrixControlStatus(control string) (int, bool) {
	m := matrixControlRE.FindAllStringSubmatch(control, -1)
	if m == nil {
		return 0, false
	}
	n, err := strconv.Atoi(m[len(m)-1][1])
	if err != nil || n > 255 {
		return 0, false
	}
	return n, true
}

func (r matrixRun) describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "(qemu-system-x86_64 %s: boot %v, QEMU status %d, SHUTDOWN reason %q, events %q)\n",
		quoteArgs(r.Args), r.Boot.Round(time.Millisecond), r.Status, r.Shutdown, r.Events)
	fmt.Fprintf(&b, "--- COM2 (control) ---\n%s\n--- QEMU stderr ---\n%s\n", r.Control, matrixQEMUErrors(r.Stderr))
	fmt.Fprintf(&b, "--- console (COM1) ---\n%s\n", r.Console)
	if r.Screen != nil {
		fmt.Fprintf(&b, "--- screen (%dx%d cells, %d unmatched) ---\n%s", r.Screen.Cols, r.Screen.Rows, r.Screen.Unmatched, r.Screen.String())
	} else {
		fmt.Fprintf(&b, "--- no screen: %v\n", r.ScreenEr)
	}
	b.WriteString("--- end ---")
	return b.String()
}

// matrixQEMUErrors drops QEMU's warnings about CPUID bits TCG cannot
// emulate, which every Haswell or EPYC start prints.
func matrixQEMUErrors(s string) string {
	var keep []string
	for line := range strings.Lines(s) {
		if !strings.Contains(line, "TCG doesn't support requested feature") {
			keep = append(keep, strings.TrimSuffix(line, "\n"))
		}
	}
	return strings.Join(keep, "\n")
}

// matrixDecodeScreen reads a QEMU screendump with internal/screen: a VGA text
// mode is pictured 720 pixels wide with 9-pixel cells, gobare's
// framebuffer console uses 8.
func matrixDecodeScreen(path string) (*screen.Text, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := screen.ReadPPM(f)
	if err != nil {
		return nil, err
	}
	w := 8
	if m.Width == 720 {
		w = 9
	}
	t := screen.Decode(m, w)
	return &t, nil
}

func matrixExitCode(err error) int {
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee) && ee.Exited():
		return ee.ExitCode()
	}
	return -1
}

func matrixCopyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o644)
}

// matrixTable formats the cells: one row per CPU, machine and boot path,
// one column per program.
func matrixTable(cells []matrixCell) string {
	type key struct{ cpu, machine, path string }
	byKey := map[key]map[string]matrixCell{}
	for _, c := range cells {
		k := key{c.CPU, c.Machine, c.Path}
		if byKey[k] == nil {
			byKey[k] = map[string]matrixCell{}
		}
		byKey[k][c.Program] = c
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%-9s %-7s %-18s", "CPU", "machine", "boot path")
	for _, p := range matrixPrograms {
		fmt.Fprintf(&b, " %-24s", p.Name)
	}
	b.WriteString("\n")
	passed, total := 0, 0
	for _, cpu := range cpuModels {
		for _, machine := range matrixMachines {
			for _, path := range matrixPaths {
				row := byKey[key{cpu, machine, path.Name}]
				if row == nil {
					continue
				}
				fmt.Fprintf(&b, "%-9s %-7s %-18s", cpu, machine, path.Name)
				for _, p := range matrixPrograms {
					c, ok := row[p.Name]
					s := "-"
					if ok {
						total++
						s = fmt.Sprintf("FAIL %.1fs %s", c.Boot.Seconds(), c.Note)
						if c.OK {
							passed++
							s = fmt.Sprintf("ok %.1fs", c.Boot.Seconds())
						}
					}
					fmt.Fprintf(&b, " %-24s", s)
				}
				b.WriteString("\n")
			}
		}
	}
	fmt.Fprintf(&b, "%d of %d cells passed\n", passed, total)
	return b.String()
}

// matrixQMP is a QEMU Machine Protocol connection: JSON objects one per line,
// commands answered in order, asynchronous events in between.
type matrixQMP struct {
	conn   net.Conn
	msgs   chan matrixQMPMessage
	mu     sync.Mutex
	events []string
}

type matrixQMPMessage struct {
	QMP    json.RawMessage `json:"QMP"`
	Event  string          `json:"event"`
	Data   json.RawMessage `json:"data"`
	Return json.RawMessage `json:"return"`
	Error  *struct {
		Class string `json:"class"`
		Desc  string `json:"desc"`
	} `json:"error"`
}

// dialMatrixQMP connects to QEMU's QMP socket (retrying until QEMU has made it,
// or ctx ends, or QEMU exits), reads the greeting and leaves the
// capabilities negotiation mode.
func dialMatrixQMP(ctx context.Context, sock string, exited <-chan error) (*matrixQMP, error) {
	var conn net.Conn
	for {
		var err error
		conn, err = net.Dial("unix", sock)
		if err == nil {
			break
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("connecting to QMP at %s: %v (%w)", sock, err, ctx.Err())
		case err := <-exited:
			return nil, fmt.Errorf("QEMU exited before its QMP socket was ready: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
	}
	q := &matrixQMP{conn: conn, msgs: make(chan matrixQMPMessage, 64)}
	go q.read()
	select {
	case m, ok := <-q.msgs:
		if !ok || m.QMP == nil {
			conn.Close()
			return nil, errors.New("QMP: no greeting")
		}
	case <-ctx.Done():
		conn.Close()
		return nil, fmt.Errorf("QMP greeting: %w", ctx.Err())
	}
	if _, err := q.execute(ctx, "qmp_capabilities", nil); err != nil {
		conn.Close()
		return nil, err
	}
	return q, nil
}

func (q *matrixQMP) read() {
	defer close(q.msgs)
	sc := bufio.NewScanner(q.conn)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var m matrixQMPMessage
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			continue
		}
		if m.Event != "" {
			q.mu.Lock()
			q.events = append(q.events, m.Event+" "+string(m.Data))
			q.mu.Unlock()
		}
		q.msgs <- m
	}
}

func (q *matrixQMP) close() { q.conn.Close() }

func (q *matrixQMP) eventLog() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return slices.Clone(q.events)
}

// execute runs a QMP command and returns its answer; events that come
// meanwhile go to the event log.
func (q *matrixQMP) execute(ctx context.Context, command string, args map[string]any) (json.RawMessage, error) {
	req := map[string]any{"execute": command}
	if args != nil {
		req["arguments"] = args
	}
	b, _ := json.Marshal(req)
	q.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := q.conn.Write(append(b, '\n')); err != nil {
		return nil, fmt.Errorf("QMP %s: %w", command, err)
	}
	for {
		select {
		case m, ok := <-q.msgs:
			if !ok {
				return nil, fmt.Errorf("QMP %s: QEMU closed the connection", command)
			}
			if m.Event != "" {
				continue // kept in the event log
			}
			if m.Error != nil {
				return nil, fmt.Errorf("QMP %s: %s: %s", command, m.Error.Class, m.Error.Desc)
			}
			return m.Return, nil
		case <-ctx.Done():
			return nil, fmt.Errorf("QMP %s: %w", command, ctx.Err())
		}
	}
}

// waitShutdown waits for the SHUTDOWN event and returns its reason
// ("guest-shutdown" for an ACPI power-off, "guest-reset" for a reset or
// triple fault under -no-reboot).
func (q *matrixQMP) waitShutdown(ctx context.Context) (string, error) {
	// The event may have come while a command was being answered.
	for _, e := range q.eventLog() {
		if reason, ok := matrixShutdownReason(e); ok {
			return reason, nil
		}
	}
	for {
		select {
		case m, ok := <-q.msgs:
			if !ok {
				return "", errors.New("QEMU closed the QMP connection before the guest stopped")
			}
			if m.Event == "SHUTDOWN" {
				reason, _ := matrixShutdownReason(m.Event + " " + string(m.Data))
				return reason, nil
			}
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
}

func matrixShutdownReason(event string) (string, bool) {
	data, ok := strings.CutPrefix(event, "SHUTDOWN ")
	if !ok {
		return "", false
	}
	var d struct {
		Reason string `json:"reason"`
	}
	json.Unmarshal([]byte(data), &d)
	return d.Reason, true
}
