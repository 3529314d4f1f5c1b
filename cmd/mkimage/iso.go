package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// grubConfig boots the image with GRUB's multiboot command and puts GRUB's
// own terminal on the serial port, so a machine with only a serial line
// (or QEMU with -serial stdio) shows everything. The video drivers
// (all_video) let GRUB set the graphics mode the image's Multiboot header
// asks for; under UEFI, without them, it finds "no suitable video mode"
// and the kernel gets no screen.
const grubConfig = `set timeout=0
set default=0
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
insmod all_video
menuentry "gobare" {
	multiboot /boot/gobare.img
	boot
}
`

// isoCmd makes a bootable CD image with GRUB (grub-mkrescue): BIOS always,
// UEFI too when the grub-efi-amd64-bin package is installed.
func isoCmd(args []string) int {
	fs := flag.NewFlagSet("iso", flag.ContinueOnError)
	var bf buildFlags
	bf.register(fs)
	fs.StringVar(&bf.out, "o", "", "write the CD image to `FILE.iso` (required)")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if bf.out == "" {
		return fatalf(exitUsage, "iso: -o FILE.iso is required")
	}
	if err := bf.check(); err != nil {
		return fatalf(exitUsage, "%v", err)
	}
	mkrescue := findMkrescue()
	if mkrescue == "" {
		return fatalf(exitFailed, "iso: grub-mkrescue not found: install grub-common, grub-pc-bin and xorriso (make deps does it, or prints the command for Homebrew or dnf)")
	}
	img, err := makeImage(bf, fs.Args(), nil)
	if err != nil {
		return fatalf(exitFailed, "%v", err)
	}
	tree, err := os.MkdirTemp("", "mkimage-iso")
	if err != nil {
		return fatalf(exitFailed, "%v", err)
	}
	defer os.RemoveAll(tree)
	if err := os.MkdirAll(filepath.Join(tree, "boot", "grub"), 0o755); err != nil {
		return fatalf(exitFailed, "%v", err)
	}
	if err := os.WriteFile(filepath.Join(tree, "boot", "gobare.img"), img.bytes, 0o644); err != nil {
		return fatalf(exitFailed, "%v", err)
	}
	if err := os.WriteFile(filepath.Join(tree, "boot", "grub", "grub.cfg"), []byte(grubConfig), 0o644); err != nil {
		return fatalf(exitFailed, "%v", err)
	}
	out, err := exec.CommandContext(interrupted, mkrescue, "-o", bf.out, tree).CombinedOutput()
	if err != nil {
		return fatalf(exitFailed, "iso: %s: %v\n%s", mkrescue, err, out)
	}
	if err := os.WriteFile(kernelELFPath(bf.out), lastKernelELF, 0o644); err != nil {
		return fatalf(exitFailed, "%v", err)
	}
	fmt.Println(bf.out)
	return 0
}

// findMkrescue returns GRUB's grub-mkrescue under the name the host gives
// it: grub-mkrescue (Debian, Ubuntu), grub2-mkrescue (Fedora), or
// Homebrew's cross builds for BIOS PCs on macOS; "" if there is none.
func findMkrescue() string {
	for _, name := range []string{"grub-mkrescue", "grub2-mkrescue", "i686-elf-grub-mkrescue", "x86_64-elf-grub-mkrescue"} {
		if _, err := exec.LookPath(name); err == nil {
			return name
		}
	}
	return ""
}
