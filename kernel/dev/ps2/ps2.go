// Package ps2 reads the PS/2 keyboard through the 8042 controller.
package ps2

import "github.com/gobare/gobare/kernel/cpu"

// The PS/2 keyboard through the 8042 controller (OSDev "PS/2 Keyboard";
// IBM PC AT Technical Reference): port 0x64 bit 0 says a byte waits at port
// 0x60. The controller translates to scan code set 1: a key's make code,
// and the same code | 0x80 when it is released.
const (
	kbdData   = 0x60
	kbdStatus = 0x64
)

// US layout for scan codes 0x00-0x39, without and with Shift.
const (
	keymap      = "\x00\x1b1234567890-=\b\tqwertyuiop[]\n\x00asdfghjkl;'`\x00\\zxcvbnm,./\x00*\x00 "
	keymapShift = "\x00\x1b!@#$%^&*()_+\b\tQWERTYUIOP{}\n\x00ASDFGHJKL:\"~\x00|ZXCVBNM<>?\x00*\x00 "
)

var shift bool

// KeyboardByte reads one scan code, if any, and returns the character it
// types (ok=false for none, releases and keys without a character).
func KeyboardByte() (c byte, pending, ok bool) {
	st := cpu.Inb(kbdStatus)
	if st == 0xFF || st&1 == 0 { // no controller (all ones), or nothing waiting
		return 0, false, false
	}
	code := cpu.Inb(kbdData)
	switch code {
	case 0x2A, 0x36: // left, right Shift pressed
		shift = true
		return 0, true, false
	case 0xAA, 0xB6: // released
		shift = false
		return 0, true, false
	}
	if code&0x80 != 0 || int(code) >= len(keymap) {
		return 0, true, false
	}
	c = keymap[code]
	if shift {
		c = keymapShift[code]
	}
	return c, true, c != 0
}
