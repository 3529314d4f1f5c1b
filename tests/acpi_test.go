package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gobare/gobare/internal/image"
)

// TestACPIPowerOff boots hello world with plain QEMU on the pc (PIIX4) and
// q35 (ICH9) machines without the isa-debug-exit device and without
// -no-reboot: the only way for QEMU to exit by itself is then the guest
// turning the machine off, which the kernel does the ACPI way (the RSDP
// found in the BIOS area, the FADT's PM1a_CNT, the DSDT's \_S5_). Had the
// power-off failed, the kernel's fallback reset would boot it again and
// again until the timeout, printing hello world each time.
//
// The uefi case (GOBARE_MATRIX=1) boots the GRUB CD image under OVMF: UEFI
// firmware keeps no RSDP in the BIOS areas, and GRUB's Multiboot 1
// information does not carry one, so the kernel finds it in the memory
// map's ACPI regions.
func TestACPIPowerOff(t *testing.T) {
	t.Parallel()
	needQEMU(t)
	img := writeImage(t, image.Program{})
	hello := testProgram(t, "hello")
	for _, machine := range []string{"pc", "q35", "uefi"} {
		t.Run(machine, func(t *testing.T) {
			t.Parallel()
			ctl := filepath.Join(t.TempDir(), "control")
			args := []string{
				"-M", machine, "-nodefaults", "-display", "none",
				"-serial", "stdio", "-serial", "file:" + ctl,
				"-accel", "tcg", "-m", "64",
				"-kernel", img, "-initrd", hello,
			}
			timeout := bootTimeout
			if machine == "uefi" {
				if os.Getenv("GOBARE_MATRIX") == "" {
					t.Skip("set GOBARE_MATRIX=1 to also boot the CD image under OVMF (slow)")
				}
				fw := ovmfFirmware(t)
				iso := filepath.Join(t.TempDir(), "hello.iso")
				runMkimage(t, nil, "iso", "-o", iso, hello).wantExit(t, 0)
				args = []string{
					"-M", "q35", "-drive", "if=pflash,format=raw,readonly=on,file=" + fw,
					"-cdrom", iso, "-display", "none", "-monitor", "none",
					"-serial", "stdio", "-serial", "file:" + ctl,
					"-accel", "tcg", "-m", "256",
				}
				timeout = 2 * bootTimeout // the firmware and GRUB take their time under TCG
			}
			c := runCmd(cmdSpec{Label: "QEMU", Name: "qemu-system-x86_64", Args: args, Timeout: timeout})
			control, _ := os.ReadFile(ctl)
			r := plainRun{Args: args, Status: c.Code, Console: serialText(c.Stdout), Control: string(control), Stderr: c.Stderr, Err: c.Err, Wall: c.Wall}
			if c.TimedOut {
				r.fatalf(t, "QEMU did not exit by itself: the ACPI power-off did not work")
			}
			if c.Err != nil || c.Code != 0 {
				r.fatalf(t, "QEMU exit status %d, want 0 (a guest power-off)", c.Code)
			}
			if n := strings.Count(r.Console, "hello, world\n"); n != 1 {
				r.fatalf(t, "hello world printed %d times, want once (the machine was reset?)", n)
			}
			if !strings.Contains(string(control), "gobare: exit 0\n") {
				r.fatalf(t, "no exit report on COM2")
			}
			t.Logf("powered off after %v", c.Wall.Round(1e6))
		})
	}
}
