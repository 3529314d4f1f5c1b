package qemu

import (
	"errors"
	"io"
	"time"
)

// Config describes one QEMU run.
type Config struct {
	Kernel    string        // path to the Multiboot kernel image (-kernel); empty when ISO is set
	Modules   []string      // Multiboot modules, each "PATH ARG ARG..." (the module string); passed as -initrd joined with ","; a comma inside a module string is an error
	ISO       string        // boot this CD image instead (-cdrom)
	Append    string        // kernel command line (-append); only with Kernel
	MemoryMiB int           // -m; 0 means 128
	SMP       int           // CPUs (-smp); 0 means 1. Under TCG, more than one run on a host thread each (-accel tcg,thread=multi)
	Accel     string        // "auto" (default when empty), "kvm" or "tcg"
	CPU       string        // QEMU CPU model (-cpu), e.g. "qemu64", "Haswell"; empty means "max" under TCG and QEMU's default under KVM
	Timeout   time.Duration // 0 means no timeout
	Stdin     io.Reader     // fed to the guest's COM1 (with Streams: the program's standard input); nil means no input
	Stdout    io.Writer     // the guest's COM1 output, streamed as it arrives (with Streams: the program's standard output)
	Stderr    io.Writer     // where launcher messages (GDB hint) go; nil = os.Stderr
	// Streams gives the program standard streams of its own on a virtio
	// console (streams.go): Stdin is its standard input, whose end is the
	// program's end of file; Stdout and ProgramStderr get its standard
	// output and error byte for byte; Log gets the kernel's messages
	// (COM1, each line ending "\r\n"). Nil writers discard.
	Streams       bool
	ProgramStderr io.Writer
	Log           io.Writer
	GDB           bool     // start halted with the GDB stub and print the gdb command line; Timeout still applies (0: none)
	GDBPort       int      // the stub's TCP port on localhost; 0: Run picks a free one
	GDBSymbols    string   // the ELF file the printed gdb command loads (the kernel with its symbols); empty: Kernel
	GDBCommands   []string // more commands for the printed gdb line (each an -ex), before "target remote"
	Net           string   // the guest's network (net.go): "user", "tap,IFNAME", or "" for none
	Ports         []string // with Net "user": host ports forwarded to the guest, each "[tcp:|udp:]HOST:GUEST"
	Extra         []string // extra QEMU arguments
	// Firmware is the BIOS a Kernel boot starts from (-bios): "" lets Run
	// pick (FastFirmware: qboot where QEMU has it, else QEMU's default,
	// SeaBIOS), "seabios" asks for QEMU's default, anything else is
	// passed to -bios. ISO boots always use SeaBIOS, which boots CDs.
	Firmware string
}

// Result is how a run ended.
type Result struct {
	ExitCode int           // the guest's exit status, exactly 0..255; -1 when Run returns an error
	Accel    string        // the accelerator actually used: "kvm" or "tcg"
	Elapsed  time.Duration // wall time from QEMU start to exit
}

// DefaultMemoryMiB is the guest RAM when Config.MemoryMiB is 0.
const DefaultMemoryMiB = 128

var (
	// ErrTimeout is wrapped by the error Run returns when Config.Timeout
	// expires; the message reads "QEMU timed out after 30s".
	ErrTimeout = errors.New("QEMU timed out")

	// ErrNoExit is wrapped by the error Run returns when QEMU ended without
	// the guest reporting "gobare: exit N" on COM2: a triple fault (which
	// -no-reboot turns into a plain QEMU exit), a reset, a power-off, or a
	// write to port 0xf4 that skipped the control line.
	ErrNoExit = errors.New("guest stopped without reporting an exit status")
)

// program is the QEMU binary Run and KVMWorks start; tests replace it.
var program = "qemu-system-x86_64"
