package tests

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gobare/gobare/qemu"
)

// TestISOBootsHello makes a GRUB CD image of hello world with mkimage iso
// and boots it with -cdrom: GRUB loads the image with its multiboot
// command, so this also checks that gobare's a.out-kludge header suits a
// loader other than QEMU's own.
func TestISOBootsHello(t *testing.T) {
	if _, err := exec.LookPath("grub-mkrescue"); err != nil {
		t.Fatalf("grub-mkrescue is missing; make deps installs it: %v", err)
	}
	iso := filepath.Join(t.TempDir(), "hello.iso")
	r := runMkimage(t, nil, "iso", "-o", iso, testProgram(t, "hello"), "from", "grub")
	r.wantExit(t, 0)
	run := boot(t, qemu.Config{ISO: iso, MemoryMiB: 64})
	run.wantExit(t, 0)
	run.wantContains(t, "hello, world")
	if !strings.Contains(run.Console, "gobare: running hello") {
		run.fatalf(t, "the kernel's banner is missing")
	}
}
