// Package imagefmt is the contract between mkimage and the kernel: the
// descriptor of the embedded program that mkimage patches into the kernel
// image, the layout of its argument blob, and the few addresses both sides
// must agree on.
//
// Both sides import it: the kernel (kernel/embedded.go declares its
// descriptor with this type) and the host tool (internal/image fills the
// descriptor in). It is therefore written for kernel use: no assembly, no
// imports, no package-level variables, no functions — types and constants
// only, so it costs the kernel nothing and never calls into the Go runtime,
// and it builds for any GOOS/GOARCH, which keeps mkimage free of the
// kernel's amd64 code.
package imagefmt

// Magic is the descriptor's first field: the bytes "GOBAREPG" read as a
// little-endian uint64. The kernel initialises its descriptor with it, so
// that the descriptor lives in the image's data (not bss) where mkimage
// can find and patch it.
const Magic uint64 = 0x4750455241424f47

// MagicString is Magic as it appears in the image file.
const MagicString = "GOBAREPG"

// Symbol is the kernel ELF symbol of the descriptor (a variable of type
// Embedded in package kernel); mkimage finds it in the symbol table.
const Symbol = "github.com/gobare/gobare/kernel.embedded"

// ArgsSize is the room for the program's arguments and environment.
const ArgsSize = 8192

// Embedded describes a program that mkimage appended to the kernel image.
// All fields are little-endian and 8-byte aligned, so the layout is the
// same whatever machine mkimage runs on; it must not change without both
// sides (the byte offsets below are checked against it by the tests).
type Embedded struct {
	Magic uint64 // Magic
	Addr  uint64 // physical address of the program's ELF file, 0 if none
	Size  uint64 // its size in bytes
	// FilesAddr and FilesSize locate a cpio (newc) archive that the kernel
	// serves as a read-only file system; 0 if none.
	FilesAddr uint64
	FilesSize uint64
	// Args holds NUL-terminated strings: argv[0..], an empty string, the
	// environment (KEY=VALUE...), an empty string, then kernel arguments
	// (each list ends with an empty string). Every string is non-empty and
	// contains no NUL; the rest of Args is zero.
	Args [ArgsSize]byte
	// EtcAddr and EtcSize locate a second cpio (newc) archive: the files
	// mkimage adds under /etc (the time-zone database as zoneinfo/, the
	// host's zone as localtime), which the kernel shows at /etc below its
	// own files; 0 if none.
	EtcAddr uint64
	EtcSize uint64
	// ServiceAddr and ServiceSize locate the network service's ELF file
	// (mkimage -netsvc): a second program the kernel runs beside the
	// first, in an address space of its own; 0 if none.
	ServiceAddr uint64
	ServiceSize uint64
}

// Byte offsets of Embedded's fields in the image file.
const (
	OffMagic     = 0
	OffAddr      = 8
	OffSize      = 16
	OffFilesAddr = 24
	OffFilesSize = 32
	OffArgs      = 40
	OffEtcAddr   = OffArgs + ArgsSize
	OffEtcSize   = OffEtcAddr + 8
	OffSvcAddr   = OffEtcSize + 8
	OffSvcSize   = OffSvcAddr + 8
	// Size of the whole descriptor.
	DescriptorSize = OffSvcSize + 8
)

// Addresses both sides use. They equal the kernel's own constants in
// kernel/mem (a test checks it); mkimage uses these so that it needs no
// kernel package.
const (
	// PageSize is the size of a page: mkimage puts the program and the
	// files on page boundaries.
	PageSize = 4096
	// KernelBase is where the kernel image (its ELF header first) is
	// loaded and linked; its text is linked one page above.
	KernelBase = 0x100000
	// ProgramFloor is the lowest address a program may be linked at, and
	// the end of the kernel's own memory image.
	ProgramFloor = 0x400000
)
