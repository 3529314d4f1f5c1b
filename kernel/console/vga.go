package console

import "unsafe"

// The VGA text screen: 80x25 cells at physical 0xB8000, each a character
// byte and an attribute byte (light grey on black = 0x07, white 0x0F). The
// kernel maps low memory 1:1 while it may print here... until paging maps
// it elsewhere: SetVGABase moves the window.
const (
	vgaCols        = 80
	vgaRows        = 25
	vgaAttrKernel  = 0x07 // the kernel's messages: light grey on black
	vgaAttrProgram = 0x0F // the program's output: white on black
)

var (
	vgaBase uintptr = 0xB8000
	vgaRow  int
	vgaCol  int
	vgaAttr uint16 = vgaAttrKernel

	vgaCleared bool // SetVGABase has cleared the screen
)

// SetVGABase tells the console where the text buffer is mapped; 0 turns the
// screen off. The first time, it clears the screen, where the firmware's
// and the boot loader's messages still are.
func SetVGABase(addr uintptr) {
	vgaBase = addr
	if addr != 0 && !vgaCleared {
		vgaCleared = true
		for row := 0; row < vgaRows; row++ {
			for col := 0; col < vgaCols; col++ {
				*vgaCell(row, col) = ' ' | vgaAttrKernel<<8
			}
		}
		vgaRow, vgaCol = 0, 0
	}
}

func vgaCell(row, col int) *uint16 {
	return (*uint16)(unsafe.Pointer(vgaBase + uintptr(row*vgaCols+col)*2))
}

func vgaPutByte(c byte) {
	if vgaBase == 0 {
		return
	}
	switch c {
	case '\n':
		vgaCol = 0
		vgaRow++
	case '\r':
		vgaCol = 0
	default:
		*vgaCell(vgaRow, vgaCol) = uint16(c) | vgaAttr<<8
		vgaCol++
		if vgaCol == vgaCols {
			vgaCol = 0
			vgaRow++
		}
	}
	if vgaRow == vgaRows {
		vgaScroll()
		vgaRow = vgaRows - 1
	}
}

// vgaScroll moves every line up by one and blanks the last. The move is
// one copy (the runtime's memmove, wide loads and stores) rather than a
// loop over the 1,920 cells: under QEMU it was most of the time a
// program's output took (256 KiB in 64-byte lines: 138 ms of guest time
// with the loop).
func vgaScroll() {
	screen := (*[vgaRows * vgaCols]uint16)(unsafe.Pointer(vgaCell(0, 0)))
	copy(screen[:], screen[vgaCols:])
	for col := 0; col < vgaCols; col++ {
		*vgaCell(vgaRows-1, col) = ' ' | vgaAttrKernel<<8
	}
}
