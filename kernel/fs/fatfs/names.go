package fatfs

import "github.com/gobare/gobare/kernel/errno"

// Names (FAT spec §6 and §7): every file has a short 8.3 name in its
// directory entry, upper case; a name that is not one gets a long name
// too, in UTF-16 pieces of 13 units stored in the entries just before
// (VFAT long file names), each carrying the short name's checksum.

// NameMax is the longest name in bytes of UTF-8, as Linux's NAME_MAX;
// a long name also has at most 255 UTF-16 units (FAT spec §7).
const NameMax = 255

// lfnUnits is how many UTF-16 units one long-name entry holds, and
// lfnOffsets where they lie in it (LDIR_Name1, Name2, Name3).
const lfnUnits = 13

var lfnOffsets = [lfnUnits]uint8{1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30}

// maxLFNEntries is the most long-name entries a name needs: 255/13 up.
const maxLFNEntries = 20

// checksum is the short name's checksum that long-name entries carry
// (FAT spec §7.2, ChkSum).
func checksum(short []byte) byte {
	var sum byte
	for i := 0; i < 11; i++ {
		sum = (sum>>1 | sum<<7) + short[i]
	}
	return sum
}

// shortDisplay writes an entry's short name as a file name: base, a dot
// and the extension when there is one, trailing spaces dropped, lower
// case where Windows NT's flags say so (DIR_NTRes bits 3 and 4, which
// Linux honours). A first byte 0x05 stands for 0xE5 (FAT spec §6.1).
// Bytes above 0x7F are taken as Latin-1.
func shortDisplay(e []byte, out []byte) int {
	n := 0
	for part := 0; part < 2; part++ {
		from, to, lower := 0, 8, e[12]&0x08 != 0
		if part == 1 {
			from, to, lower = 8, 11, e[12]&0x10 != 0
		}
		for to > from && e[to-1] == ' ' {
			to--
		}
		if part == 1 && to > from {
			out[n] = '.'
			n++
		}
		for i := from; i < to; i++ {
			c := e[i]
			if i == 0 && c == 0x05 {
				c = 0xE5
			}
			if lower && c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			n += putRune(out[n:], rune(c))
		}
	}
	return n
}

// putRune writes r as UTF-8 into out (which has room for 4 bytes).
func putRune(out []byte, r rune) int {
	switch {
	case r < 0x80:
		out[0] = byte(r)
		return 1
	case r < 0x800:
		out[0], out[1] = 0xC0|byte(r>>6), 0x80|byte(r)&0x3F
		return 2
	case r < 0x10000:
		out[0], out[1], out[2] = 0xE0|byte(r>>12), 0x80|byte(r>>6)&0x3F, 0x80|byte(r)&0x3F
		return 3
	}
	out[0], out[1], out[2], out[3] = 0xF0|byte(r>>18), 0x80|byte(r>>12)&0x3F, 0x80|byte(r>>6)&0x3F, 0x80|byte(r)&0x3F
	return 4
}

// utf16To8 converts the units of a long name (up to the first 0) to
// UTF-8 in out; an unpaired surrogate becomes U+FFFD. ok is false when
// it does not fit in NameMax bytes or is empty.
func utf16To8(u []uint16, out *[NameMax + 4]byte) (n int, ok bool) {
	for i := 0; i < len(u) && u[i] != 0; i++ {
		r := rune(u[i])
		switch {
		case r >= 0xD800 && r < 0xDC00 && i+1 < len(u) && u[i+1] >= 0xDC00 && u[i+1] < 0xE000:
			r = 0x10000 + (r-0xD800)<<10 + rune(u[i+1]) - 0xDC00
			i++
		case r >= 0xD800 && r < 0xE000:
			r = 0xFFFD
		}
		n += putRune(out[n:], r)
		if n > NameMax {
			return 0, false
		}
	}
	return n, n > 0
}

// utf8To16 converts a name to UTF-16 units; ok is false for a name that
// is not valid UTF-8 or longer than 255 units.
func utf8To16(name []byte, out *[NameMax]uint16) (n int, ok bool) {
	for i := 0; i < len(name); {
		r, size := decodeRune(name[i:])
		if size == 0 {
			return 0, false
		}
		i += size
		if r >= 0x10000 {
			if n+2 > NameMax {
				return 0, false
			}
			r -= 0x10000
			out[n], out[n+1] = uint16(0xD800+r>>10), uint16(0xDC00+r&0x3FF)
			n += 2
			continue
		}
		if n == NameMax {
			return 0, false
		}
		out[n] = uint16(r)
		n++
	}
	return n, true
}

// decodeRune decodes the UTF-8 sequence at the start of b; size 0 for
// an invalid one (overlong forms and surrogates included).
func decodeRune(b []byte) (rune, int) {
	c := b[0]
	var r rune
	var size int
	var least rune
	switch {
	case c < 0x80:
		return rune(c), 1
	case c&0xE0 == 0xC0:
		r, size, least = rune(c&0x1F), 2, 0x80
	case c&0xF0 == 0xE0:
		r, size, least = rune(c&0x0F), 3, 0x800
	case c&0xF8 == 0xF0:
		r, size, least = rune(c&0x07), 4, 0x10000
	default:
		return 0, 0
	}
	if len(b) < size {
		return 0, 0
	}
	for k := 1; k < size; k++ {
		if b[k]&0xC0 != 0x80 {
			return 0, 0
		}
		r = r<<6 | rune(b[k]&0x3F)
	}
	if r < least || r > 0x10FFFF || r >= 0xD800 && r < 0xE000 {
		return 0, 0
	}
	return r, size
}

// checkName refuses a name that no FAT directory can hold: empty, "."
// or "..", too long, not UTF-8, or with a character long names forbid
// (FAT spec §7.1: control characters and " * / : < > ? \ |), as Linux's
// vfat does (EINVAL).
func checkName(name []byte) errno.Errno {
	switch {
	case len(name) == 0:
		return errno.ENOENT
	case len(name) > NameMax:
		return errno.ENAMETOOLONG
	case string(name) == "." || string(name) == "..":
		return errno.EEXIST
	}
	for _, c := range name {
		if c < 0x20 || c == '"' || c == '*' || c == '/' || c == ':' || c == '<' || c == '>' || c == '?' || c == '\\' || c == '|' {
			return errno.EINVAL
		}
	}
	return 0
}

// shortChar reports whether c may stand in a short name as it is (FAT
// spec §6.1: upper-case letters, digits, and these punctuation marks).
func shortChar(c byte) bool {
	switch {
	case c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	const punct = "$%'-_@~`!(){}^#&"
	for i := 0; i < len(punct); i++ {
		if c == punct[i] {
			return true
		}
	}
	return false
}

// exactShort fills short with name when name is a valid short name as
// it stands (upper case, 8.3): then it needs no long name.
func exactShort(name []byte, short *[11]byte) bool {
	for i := range short {
		short[i] = ' '
	}
	dot := -1
	for i, c := range name {
		if c == '.' {
			if dot >= 0 || i == 0 {
				return false
			}
			dot = i
		} else if !shortChar(c) {
			return false
		}
	}
	base, ext := name, []byte(nil)
	if dot >= 0 {
		base, ext = name[:dot], name[dot+1:]
		if len(ext) == 0 {
			return false
		}
	}
	if len(base) == 0 || len(base) > 8 || len(ext) > 3 {
		return false
	}
	copy(short[:8], base)
	copy(short[8:], ext)
	return short[0] != 0xE5
}

// makeShort makes the try-th candidate short name for a long name: up to
// two characters of its base, four hex digits of a hash of the name and
// try, "~1", and up to three characters of its extension — like
// Windows' short names past the fourth collision. The caller checks that
// no entry in the directory has it already.
func makeShort(name []byte, try uint32, short *[11]byte) {
	for i := range short {
		short[i] = ' '
	}
	ext := len(name)
	for i := len(name) - 1; i > 0; i-- {
		if name[i] == '.' {
			ext = i
			break
		}
	}
	n := 0
	for i := 0; i < ext && n < 2; i++ {
		if c := upper(name[i]); shortChar(c) {
			short[n] = c
			n++
		}
	}
	h := uint32(2166136261) // FNV-1a of the name and try
	for _, c := range name {
		h = (h ^ uint32(c)) * 16777619
	}
	h = (h ^ try) * 16777619
	const hex = "0123456789ABCDEF"
	for k := 0; k < 4; k++ {
		short[n] = hex[h>>(28-4*k)&0xF]
		n++
	}
	short[n], short[n+1] = '~', '1'
	m := 8
	for i := ext + 1; i < len(name) && m < 11; i++ {
		if c := upper(name[i]); shortChar(c) {
			short[m] = c
			m++
		}
	}
}

func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}
