package qemu

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// QbootROM is qboot, the minimal PC firmware QEMU ships
// (pc-bios/qboot.rom): it sets up the chipset, the ACPI tables and the
// memory map, and boots the -kernel image (through QEMU's Multiboot
// option ROM for gobare), with no POST, no option ROMs of its own and no
// start-up of the other CPUs. SeaBIOS, QEMU's default, does all of that;
// under TCG it took more time than the whole kernel, and at -smp 4 it
// starts and counts the APs itself before the kernel does. qboot leaves
// PCI BARs unassigned, as Linux expects; the kernel assigns them
// (kernel/dev/pci/assign.go).
const QbootROM = "qboot.rom"

// FastFirmware returns the firmware Run boots a Kernel with when
// Config.Firmware is empty: QbootROM when one of QEMU's data directories
// holds it (Debian's and Fedora's qemu-system-x86 do, and Homebrew's
// qemu), else "" (QEMU's default, SeaBIOS). The answer is computed once
// per process.
var FastFirmware = sync.OnceValue(func() string {
	path, err := lookProgram()
	if err != nil {
		return ""
	}
	// "-L help" lists the directories QEMU looks for firmware in.
	out, err := exec.Command(path, "-L", "help").Output()
	if err != nil {
		return ""
	}
	for _, dir := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if _, err := os.Stat(filepath.Join(strings.TrimSpace(dir), QbootROM)); err == nil {
			return QbootROM
		}
	}
	return ""
})
