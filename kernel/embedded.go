package kernel

import "github.com/gobare/gobare/internal/imagefmt"

// embedded describes a program that mkimage appended to the kernel image.
// mkimage finds this variable through the kernel ELF's symbol table
// (imagefmt.Symbol) and patches its bytes in the image file; its type and
// layout live in internal/imagefmt, shared with mkimage. It is initialised
// with its magic so that it lives in the image's data (not bss), where
// mkimage can patch it.
var embedded = imagefmt.Embedded{Magic: imagefmt.Magic}
