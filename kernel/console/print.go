// Package console owns where the kernel's text goes: COM1 and the screen
// (the framebuffer when the loader set one up, else the VGA text buffer),
// printed without fmt (kernel code cannot allocate).
package console

import (
	"github.com/gobare/gobare/kernel/dev/fb"
	"github.com/gobare/gobare/kernel/dev/uart"
)

// The console's print functions write to COM1 and the screen at once: the
// framebuffer when UseFramebuffer found one, the VGA text buffer otherwise.
// They take strings and integers separately because kernel code cannot
// format with fmt (it allocates). On the screen the kernel's own messages
// are grey and the program's output (WriteProgram) white.

// Write prints bytes, turning "\n" into "\r\n" for terminals.
func Write(b []byte) {
	for i := 0; i < len(b); i++ {
		PutByte(b[i])
	}
}

// Print prints a string.
func Print(s string) {
	for i := 0; i < len(s); i++ {
		PutByte(s[i])
	}
}

// WriteProgram prints the program's output (what it writes to standard
// output and standard error): as Write, but white on the screen.
func WriteProgram(b []byte) {
	screen.SetColors(fb.White, fb.Black)
	vgaAttr = vgaAttrProgram
	Write(b)
	screen.SetColors(fb.Grey, fb.Black)
	vgaAttr = vgaAttrKernel
}

// PutByte prints one byte on the serial console and the screen.
func PutByte(c byte) {
	if c == '\n' {
		uart.PutByte(uart.COM1, '\r')
	}
	uart.PutByte(uart.COM1, c)
	EchoScreen(c)
}

// EchoScreen shows a byte on the screen only: a typed character, which the
// serial line's terminal echoes for itself.
func EchoScreen(c byte) {
	if screen.On() {
		screen.PutByte(c)
	} else {
		vgaPutByte(c)
	}
}

// Hex prints v as 0x followed by at least one hexadecimal digit.
func Hex(v uint64) {
	var buf [18]byte
	Write(FormatHex(buf[:], v))
}

// Dec prints v in decimal.
func Dec(v uint64) {
	var buf [20]byte
	Write(FormatDec(buf[:], v))
}

// FormatHex writes 0x and the hexadecimal digits of v into buf (at least 18
// bytes) and returns the used part.
func FormatHex(buf []byte, v uint64) []byte {
	const digits = "0123456789abcdef"
	i := len(buf)
	for {
		i--
		buf[i] = digits[v&15]
		v >>= 4
		if v == 0 {
			break
		}
	}
	i--
	buf[i] = 'x'
	i--
	buf[i] = '0'
	return buf[i:]
}

// FormatDec writes the decimal digits of v into buf (at least 20 bytes) and
// returns the used part.
func FormatDec(buf []byte, v uint64) []byte {
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return buf[i:]
}
