package tests

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gobare/gobare/internal/image"
	"github.com/gobare/gobare/internal/screen"
	"github.com/gobare/gobare/kernel/dev/fb"
)

// The screen tests boot the GRUB CD image (mkimage iso) of
// tests/programs/screen with no serial port at all (-serial none), so that
// the screen is the only output, take pictures of it through QMP's
// screendump and read the text back with internal/screen, which matches
// every 8x16 cell against the kernel's own font. GRUB sets the linear
// framebuffer the Multiboot header asks for; the kernel's framebuffer
// console draws its messages in grey and the program's output in white.

// screenLine is a line the screen must show (at a row's start), with its
// colour.
type screenLine struct {
	line  string
	color fb.Color
}

// screenWant are the lines the framebuffer console must show.
var screenWant = []screenLine{
	{"gobare: running screen", fb.Grey},
	{"screen: hello from the framebuffer", fb.White},
	{"screen: Latin-1 àéîõü ßÆ ¿¡ £ © ±", fb.White},
	{"screen: ready", fb.White},
}

// ovmfFirmware returns the UEFI firmware for QEMU that Debian's ovmf
// package installs.
func ovmfFirmware(tb testing.TB) string {
	tb.Helper()
	for _, p := range []string{"/usr/share/OVMF/OVMF_CODE.fd", "/usr/share/ovmf/OVMF.fd", "/usr/share/OVMF/OVMF_CODE_4M.fd"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	tb.Fatalf("no OVMF firmware in /usr/share/OVMF or /usr/share/ovmf: install the ovmf package (make deps does it)")
	return ""
}

// screenISO makes the CD image of tests/programs/screen.
func screenISO(tb testing.TB, uefi bool) string {
	tb.Helper()
	if _, err := exec.LookPath("grub-mkrescue"); err != nil {
		tb.Fatalf("grub-mkrescue is missing; make deps installs it: %v", err)
	}
	if uefi {
		if _, err := os.Stat("/usr/lib/grub/x86_64-efi/multiboot.mod"); err != nil {
			tb.Fatalf("GRUB's UEFI modules are missing (/usr/lib/grub/x86_64-efi): install grub-efi-amd64-bin (make deps does it)")
		}
	}
	iso := filepath.Join(tb.TempDir(), "screen.iso")
	r := runMkimage(tb, nil, "iso", "-o", iso, testProgram(tb, "screen"))
	r.wantExit(tb, 0)
	return iso
}

func TestScreenUEFI(t *testing.T) {
	t.Parallel()
	needQEMU(t)
	fw := ovmfFirmware(t)
	iso := screenISO(t, true)
	testScreen(t, screenWant, "-M", "q35", "-drive", "if=pflash,format=raw,readonly=on,file="+fw, "-cdrom", iso)
}

func TestScreenBIOS(t *testing.T) {
	t.Parallel()
	needQEMU(t)
	iso := screenISO(t, false)
	testScreen(t, screenWant, "-M", "pc", "-cdrom", iso)
}

// TestScreenVGAText boots the same program with QEMU's own Multiboot
// loader, which ignores the header's video request and leaves VGA text
// mode on, and reads QEMU's picture of the text screen (720x400, 9-pixel
// cells drawn with QEMU's copy of the VGA ROM font). That font differs
// from gobare's in a few ASCII glyphs (m, M, W, v, x, 0, ...), and the text
// buffer holds code page 437, not UTF-8, so only lines made of the shared
// glyphs are asserted: the program's last line, in white (attribute 0x0F),
// and the kernel's "gobare: " prefix in light grey (0x07, which QEMU's
// palette makes 0xA8A8A8).
func TestScreenVGAText(t *testing.T) {
	t.Parallel()
	needQEMU(t)
	img := writeImage(t, image.Program{})
	prog := testProgram(t, "screen")
	testScreen(t, []screenLine{{"gobare: ", 0xA8A8A8}, {"screen: ready", fb.White}},
		"-M", "pc", "-kernel", img, "-initrd", prog)
}

// testScreen boots QEMU with machine (the -M, firmware and disk
// arguments), takes a screendump every second until the program's last
// line shows, and checks that the decoded screen has the wanted lines. On
// a framebuffer (8-pixel cells) every cell must match a glyph; in QEMU's
// pictures of VGA text mode (720 pixels wide, 9-pixel cells) some do not.
func testScreen(t *testing.T, want []screenLine, machine ...string) (width, height int) {
	const timeout = 3 * time.Minute
	dir := t.TempDir()
	sock := filepath.Join(dir, "qmp")
	args := append(machine,
		"-accel", "tcg", "-m", "256", "-display", "none",
		"-serial", "none", "-monitor", "none", "-no-reboot",
		"-qmp", "unix:"+sock+",server=on,wait=off")
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "qemu-system-x86_64", args...)
	killGroup(cmd)
	var stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		cancel()
		<-exited
	}()
	describe := func() string {
		return fmt.Sprintf("(qemu-system-x86_64 %s)\n--- QEMU output ---\n%s", quoteArgs(args), stderr.String())
	}

	q, err := dialQMP(ctx, sock, exited)
	if err != nil {
		t.Fatalf("QMP: %v\n%s", err, describe())
	}
	defer q.close()

	start := time.Now()
	ppm := filepath.Join(dir, "screen.ppm")
	var text screen.Text
	var cellWidth int
	for {
		if err := q.screendump(ppm); err != nil {
			t.Fatalf("screendump: %v\n%s", err, describe())
		}
		f, err := os.Open(ppm)
		if err != nil {
			t.Fatal(err)
		}
		img, err := screen.ReadPPM(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		cellWidth = fb.CellWidth
		if img.Width == 720 {
			cellWidth = 9
		}
		text = screen.Decode(img, cellWidth)
		width, height = img.Width, img.Height
		if strings.Contains(text.String(), "screen: ready") {
			t.Logf("%dx%d screen after %v: %d glyph cells matched, %d blank, %d unmatched",
				img.Width, img.Height, time.Since(start).Round(time.Millisecond), text.Matched, text.Blank, text.Unmatched)
			break
		}
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("QEMU exited (%v) before the screen showed \"screen: ready\"; last screen:\n%s\n%s", err, text.String(), describe())
		case <-ctx.Done():
			t.Fatalf("no \"screen: ready\" on the screen after %v; last screen:\n%s\n%s", timeout, text.String(), describe())
		case <-time.After(time.Second):
		}
	}
	lines := text.Lines()
	for _, w := range want {
		found := false
		for _, l := range lines {
			if strings.HasPrefix(l, w.line) {
				found = true
			}
		}
		if !found {
			t.Errorf("no line starting %q on the screen", w.line)
			continue
		}
		if c, ok := text.FG(w.line); !ok || !nearColor(c, w.color) {
			t.Errorf("%q is drawn in %06x (one colour: %v), want %06x", w.line, c, ok, w.color)
		}
	}
	if cellWidth == fb.CellWidth && text.Unmatched != 0 {
		t.Errorf("%d cells matched no glyph", text.Unmatched)
	}
	if t.Failed() {
		t.Logf("the screen:\n%s", text.String())
	}
	return width, height
}

// nearColor reports whether c is want, give or take what a 16-bit pixel
// (5:6:5) loses: up to 7 in each channel.
func nearColor(c, want fb.Color) bool {
	for shift := 0; shift < 24; shift += 8 {
		d := int(c>>shift&0xFF) - int(want>>shift&0xFF)
		if d < -7 || d > 7 {
			return false
		}
	}
	return true
}

// TestScreenDepths boots GRUB CD images whose grub.cfg sets an 800x600
// mode of 16, 24 and 32 bits per pixel (gfxpayload overrides the Multiboot
// header's 1024x768x32), to check the console's other pixel formats on
// QEMU's VBE modes. Slow: run with GOBARE_MATRIX=1.
func TestScreenDepths(t *testing.T) {
	if os.Getenv("GOBARE_MATRIX") == "" {
		t.Skip("set GOBARE_MATRIX=1 to boot GRUB in 16-, 24- and 32-bit graphics modes")
	}
	t.Parallel()
	needQEMU(t)
	if _, err := exec.LookPath("grub-mkrescue"); err != nil {
		t.Fatalf("grub-mkrescue is missing; make deps installs it: %v", err)
	}
	img := filepath.Join(t.TempDir(), "gobare.img")
	runMkimage(t, nil, "build", "-o", img, testProgram(t, "screen")).wantExit(t, 0)
	kernelImage, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	for _, depth := range []int{16, 24, 32} {
		t.Run(fmt.Sprint(depth), func(t *testing.T) {
			t.Parallel()
			tree := t.TempDir()
			// After the multiboot command, which sets gfxpayload from the
			// image's header.
			cfg := fmt.Sprintf("set timeout=0\ninsmod all_video\nmenuentry gobare {\n\tmultiboot /boot/gobare.img\n\tset gfxpayload=800x600x%d\n\tboot\n}\n", depth)
			if err := os.MkdirAll(filepath.Join(tree, "boot", "grub"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(tree, "boot", "gobare.img"), kernelImage, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(tree, "boot", "grub", "grub.cfg"), []byte(cfg), 0o644); err != nil {
				t.Fatal(err)
			}
			iso := filepath.Join(t.TempDir(), "screen.iso")
			if out, err := exec.Command("grub-mkrescue", "-o", iso, tree).CombinedOutput(); err != nil {
				t.Fatalf("grub-mkrescue: %v\n%s", err, out)
			}
			if w, h := testScreen(t, screenWant, "-M", "pc", "-cdrom", iso); w != 800 || h != 600 {
				t.Errorf("the screen is %dx%d, want GRUB's 800x600", w, h)
			}
		})
	}
}

// qmp is a QEMU Machine Protocol connection (QEMU's docs/interop/qmp-spec).
type qmp struct {
	conn net.Conn
	r    *bufio.Reader
}

// dialQMP connects to QEMU's QMP socket, waiting for QEMU to create it,
// and leaves capabilities negotiation mode.
func dialQMP(ctx context.Context, sock string, exited chan error) (*qmp, error) {
	for {
		conn, err := net.Dial("unix", sock)
		if err == nil {
			q := &qmp{conn: conn, r: bufio.NewReader(conn)}
			if _, err := q.read(); err != nil { // the greeting
				conn.Close()
				return nil, err
			}
			if err := q.call(`{"execute": "qmp_capabilities"}`); err != nil {
				conn.Close()
				return nil, err
			}
			return q, nil
		}
		select {
		case err := <-exited:
			exited <- err
			return nil, fmt.Errorf("QEMU exited: %v", err)
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// read returns the next message.
func (q *qmp) read() (map[string]json.RawMessage, error) {
	q.conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	line, err := q.r.ReadBytes('\n')
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(line, &m); err != nil {
		return nil, fmt.Errorf("QMP sent %q: %v", line, err)
	}
	return m, nil
}

// call sends a command and waits for its answer, skipping events.
func (q *qmp) call(cmd string) error {
	if _, err := q.conn.Write([]byte(cmd + "\n")); err != nil {
		return err
	}
	for {
		m, err := q.read()
		if err != nil {
			return err
		}
		if e, ok := m["error"]; ok {
			return errors.New(string(e))
		}
		if _, ok := m["return"]; ok {
			return nil
		}
	}
}

func (q *qmp) screendump(path string) error {
	b, _ := json.Marshal(path)
	return q.call(`{"execute": "screendump", "arguments": {"filename": ` + string(b) + `}}`)
}

func (q *qmp) close() { q.conn.Close() }
