package procfs

// Text is a generated file's contents, written once when the file is
// opened and read until it is closed. It lives in whole pages that Pages
// gives (the kernel's frames): the kernel has no heap, and a page per open
// /proc file costs nothing while no such file is open.
type Text struct {
	pages  Pages
	frames [MaxPages]uintptr
	nframe int
	n      int  // bytes written
	Full   bool // something did not fit (the text is cut there)
}

// Pages gives and takes the pages generated text lives in
// (*mem.FrameAllocator in the kernel; a slice-backed fake in host tests).
type Pages interface {
	Alloc() (uintptr, bool)
	FreeFrame(page uintptr)
	Page(page uintptr) []byte
}

// MaxPages bounds a generated file: 16 KiB, room for /proc/self/maps with
// a few hundred regions.
const (
	MaxPages = 4
	PageSize = 4096
)

// Len is the number of bytes written.
func (t *Text) Len() int { return t.n }

// Byte appends one byte, taking a new page when the last one is full.
func (t *Text) Byte(c byte) {
	if t.Full {
		return
	}
	if t.n == t.nframe*PageSize {
		if t.nframe == MaxPages {
			t.Full = true
			return
		}
		f, ok := t.pages.Alloc()
		if !ok {
			t.Full = true
			return
		}
		t.frames[t.nframe] = f
		t.nframe++
	}
	t.pages.Page(t.frames[t.n/PageSize])[t.n%PageSize] = c
	t.n++
}

// Str and Bytes append text.
func (t *Text) Str(s string) {
	for i := 0; i < len(s); i++ {
		t.Byte(s[i])
	}
}

func (t *Text) Bytes(b []byte) {
	for _, c := range b {
		t.Byte(c)
	}
}

// Dec appends v in decimal.
func (t *Text) Dec(v uint64) {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	t.Bytes(b[i:])
}

// Hex appends v in lower-case hexadecimal, zero-padded to width digits.
func (t *Text) Hex(v uint64, width int) {
	var b [16]byte
	i := len(b)
	for v != 0 || len(b)-i < width {
		i--
		b[i] = "0123456789abcdef"[v&15]
		v >>= 4
		if i == 0 {
			break
		}
	}
	t.Bytes(b[i:])
}

// Fixed appends v/100 with two decimals ("12.34"), as /proc/uptime
// writes seconds.
func (t *Text) Fixed(v uint64) {
	t.Dec(v / 100)
	t.Byte('.')
	t.Byte(byte('0' + v/10%10))
	t.Byte(byte('0' + v%10))
}

// ReadAt copies the text from off into p.
func (t *Text) ReadAt(p []byte, off int64) int {
	n := 0
	for n < len(p) && off < int64(t.n) {
		page := t.pages.Page(t.frames[off/PageSize])
		end := min(int64(t.n), (off/PageSize+1)*PageSize)
		k := copy(p[n:], page[off%PageSize:end-(off/PageSize)*PageSize])
		n += k
		off += int64(k)
	}
	return n
}

// Free gives the pages back.
func (t *Text) Free() {
	for i := 0; i < t.nframe; i++ {
		t.pages.FreeFrame(t.frames[i])
	}
	*t = Text{}
}
