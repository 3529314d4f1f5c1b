package console

// The console's print functions write to COM1 and the VGA screen at once.
// They take strings and integers separately because kernel code cannot
// format with fmt (it allocates).

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

// PutByte prints one byte on the serial console and the screen.
func PutByte(c byte) {
	if c == '\n' {
		SerialPutByte(COM1, '\r')
	}
	SerialPutByte(COM1, c)
	vgaPutByte(c)
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
