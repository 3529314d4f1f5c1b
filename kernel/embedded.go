package kernel

// EmbeddedMagic marks the descriptor that mkimage fills in when it puts a
// program inside the kernel image.
const EmbeddedMagic = "GOBAREPG"

// EmbeddedArgsSize is the room for the program's arguments and environment.
const EmbeddedArgsSize = 8192

// Embedded describes a program that mkimage appended to the kernel image.
// mkimage finds this variable through the kernel ELF's symbol table
// (github.com/gobare/gobare/kernel.embedded) and patches its bytes in the
// image file; the layout must not change without internal/image.
type Embedded struct {
	Magic [8]byte // EmbeddedMagic
	Addr  uint64  // physical address of the program's ELF file, 0 if none
	Size  uint64  // its size in bytes
	// FilesAddr and FilesSize locate a cpio (newc) archive that the kernel
	// serves as a read-only file system; 0 if none.
	FilesAddr uint64
	FilesSize uint64
	// Args holds NUL-terminated strings: argv[0..], an empty string, the
	// environment (KEY=VALUE...), an empty string, then kernel arguments.
	Args [EmbeddedArgsSize]byte
}

// embedded is initialised with its magic so that it lives in the image's
// data (not bss), where mkimage can patch it.
var embedded = Embedded{Magic: [8]byte{'G', 'O', 'B', 'A', 'R', 'E', 'P', 'G'}}
