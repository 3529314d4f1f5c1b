package qemu

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Args returns the complete QEMU argument list (without the program name) for
// cfg, using accelerator accel ("kvm" or "tcg", already resolved: Args never
// probes the host) and writing the COM2 control channel to controlPath.
//
// Args is pure: it reads no files and starts nothing, so the command line can
// be unit-tested and printed (mkimage shows it with -v).
func Args(cfg Config, accel string, controlPath string) ([]string, error) {
	if err := checkBoot(cfg); err != nil {
		return nil, err
	}
	if controlPath == "" {
		return nil, errors.New("qemu: empty control file path")
	}
	mem := cfg.MemoryMiB
	switch {
	case mem < 0:
		return nil, fmt.Errorf("qemu: negative memory size %d MiB", mem)
	case mem == 0:
		mem = DefaultMemoryMiB
	}

	args := []string{
		// A plain i440FX PC: ISA serial ports at the classic addresses,
		// the legacy PIC/PIT/CMOS RTC, and the Multiboot loader behind
		// -kernel.
		"-M", "pc",
		// No default devices (VGA, NIC, floppy, CD, parallel port, the
		// default serial port and monitor): the machine has exactly what
		// the flags below add, so COM1 and COM2 are ours.
		"-nodefaults",
		// A reset (a triple fault, or the guest rebooting) ends QEMU
		// instead of rebooting the guest forever. QEMU then exits with
		// status 0 and no control line, which Run reports as ErrNoExit.
		"-no-reboot",
		// No window; the console is the serial port.
		"-display", "none",
		// No QEMU monitor: stdio belongs to COM1.
		"-monitor", "none",
		// Guest RAM in MiB.
		"-m", strconv.Itoa(mem),
		// The CMOS RTC holds UTC, which is what the kernel's wall clock
		// (CLOCK_REALTIME) assumes. (This is QEMU's default, stated so
		// nobody has to look it up.)
		"-rtc", "base=utc",
	}

	switch {
	case cfg.SMP < 0 || cfg.SMP > 255:
		return nil, fmt.Errorf("qemu: %d CPUs: want 1 to 255", cfg.SMP)
	case cfg.SMP > 1:
		// The CPUs the MADT lists; the kernel starts the others
		// (kernel/smp).
		args = append(args, "-smp", strconv.Itoa(cfg.SMP))
	}

	switch accel {
	case "kvm":
		// Hardware virtualisation. No -cpu flag unless asked: on these
		// hosts both "-cpu host" and "-cpu max" abort under KVM (QEMU
		// cannot set MSR 0x10a, IA32_ARCH_CAPABILITIES), and the
		// default model (qemu64) is enough.
		args = append(args, "-accel", "kvm")
		if cfg.CPU != "" {
			args = append(args, "-cpu", cfg.CPU)
		}
	case "tcg":
		// QEMU's software emulator (the Tiny Code Generator). By default
		// with every CPU feature it can emulate, so the guest sees a
		// modern CPU (SSE4, AVX, RDRAND, ...) whatever the host is;
		// Config.CPU picks an older model to test what users' PCs have.
		cpu := cfg.CPU
		if cpu == "" {
			cpu = "max"
		}
		accel := "tcg"
		if cfg.SMP > 1 {
			// Multi-threaded TCG: one host thread per vCPU, so the
			// guest's CPUs really run in parallel (the default on x86
			// hosts in recent QEMUs, stated so it holds in older ones).
			accel = "tcg,thread=multi"
		}
		args = append(args, "-accel", accel, "-cpu", cpu)
	default:
		return nil, fmt.Errorf("qemu: accelerator %q: want \"kvm\" or \"tcg\"", accel)
	}

	if cfg.Streams {
		args = append(args, streamArgs(controlPath)...)
	} else {
		args = append(args,
			// COM1 (I/O port 0x3f8, IRQ 4): the guest's console, wired to
			// QEMU's stdin and stdout, which Run connects to Config.Stdin
			// and Config.Stdout. When stdin is a terminal QEMU puts it in
			// raw mode and Ctrl-C still stops QEMU.
			"-serial", "stdio",
		)
	}
	args = append(args,
		// COM2 (I/O port 0x2f8, IRQ 3): the control channel. The kernel
		// writes "gobare: exit N" here before it exits (see exit.go);
		// Run reads the file after QEMU ends. Keeping it off COM1 means
		// a program's own output can never forge an exit status.
		"-serial", "file:"+controlPath,
		// The isa-debug-exit device: a byte N written to I/O port 0xf4
		// makes QEMU exit at once with status (N<<1)|1.
		"-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
	)

	if cfg.Kernel != "" {
		if cfg.Firmware != "" && cfg.Firmware != "seabios" {
			// A firmware that starts faster than SeaBIOS (qboot: see
			// FastFirmware).
			args = append(args, "-bios", cfg.Firmware)
		}
		// QEMU's built-in Multiboot 1 loader reads the kernel's
		// Multiboot header (gobare uses the a.out-kludge form, flag bit
		// 16, because QEMU refuses ELF64 kernels).
		args = append(args, "-kernel", cfg.Kernel)
		if cfg.Append != "" {
			// The Multiboot command line. QEMU passes the kernel
			// path, a space, then this string.
			args = append(args, "-append", cfg.Append)
		}
		if len(cfg.Modules) > 0 {
			// Multiboot modules, separated by commas. Each one is
			// "PATH ARG...": QEMU loads PATH and hands the whole
			// string to the kernel as the module's string, which
			// gobare uses as the program's argv.
			args = append(args, "-initrd", strings.Join(cfg.Modules, ","))
		}
	} else {
		// Boot a CD image through the BIOS (SeaBIOS, then the ISO's
		// boot loader, e.g. GRUB), as a real PC would.
		args = append(args,
			"-cdrom", cfg.ISO,
			// Boot from the CD ("d") rather than probing the
			// (absent) floppy and hard disk first.
			"-boot", "d",
		)
	}

	if cfg.GDB {
		// -gdb: the GDB stub on localhost only (-s would be tcp::1234, on
		// every interface). -S: do not start the CPU; it waits for GDB.
		args = append(args, "-gdb", fmt.Sprintf("tcp:localhost:%d", gdbPort(cfg)), "-S")
	}

	net, err := netArgs(cfg.Net, cfg.Ports)
	if err != nil {
		return nil, err
	}
	args = append(args, net...)

	// Caller-supplied flags go last so they can add devices (-smp 2,
	// -d int, ...); QEMU rejects, rather than overrides, most repeats.
	return append(args, cfg.Extra...), nil
}

// checkBoot validates what is booted: exactly one of Kernel and ISO, and the
// options that only make sense with a kernel.
func checkBoot(cfg Config) error {
	switch {
	case cfg.Kernel == "" && cfg.ISO == "":
		return errors.New("qemu: nothing to boot: set Kernel or ISO")
	case cfg.Kernel != "" && cfg.ISO != "":
		return errors.New("qemu: set Kernel or ISO, not both")
	case cfg.ISO != "" && cfg.Append != "":
		return errors.New("qemu: Append needs Kernel: an ISO's boot loader sets the kernel command line")
	case cfg.ISO != "" && len(cfg.Modules) > 0:
		return errors.New("qemu: Modules need Kernel: an ISO's boot loader loads the modules")
	}
	for _, m := range cfg.Modules {
		if strings.TrimSpace(m) == "" {
			return errors.New("qemu: empty Multiboot module string")
		}
		// QEMU splits -initrd at commas, so a comma would cut the
		// module string in two. (QEMU 7.2 reads ",," as one literal
		// comma; gobare does not rely on that escape and keeps module
		// strings comma-free.)
		if strings.Contains(m, ",") {
			return fmt.Errorf("qemu: Multiboot module string %q contains a comma, which QEMU's -initrd cannot carry", m)
		}
	}
	return nil
}
