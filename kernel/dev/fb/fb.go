// Package fb owns drawing text on a linear framebuffer: the graphics mode a
// boot loader such as GRUB sets up when the Multiboot header asks for one
// (Multiboot 0.6.96 §3.1.4), which is the only screen a UEFI machine has.
// A Screen is a grid of 8x16 character cells drawn with the built-in
// Latin-1 font (font.go): it clears itself, wraps long lines, scrolls, and
// decodes UTF-8, drawing code points above U+00FF as '?'. It keeps the
// characters and colours of every cell in its own memory and scrolls by
// redrawing only the cells whose contents change: the framebuffer is only
// ever written, never read, since reading video memory over the bus is
// slow on real machines (it is mapped uncached or write-combining). Pixels of 16, 24 or 32 bits are supported, in any
// red/green/blue field layout the loader reports (Multiboot §3.3,
// color_info).
//
// The pixel memory is a byte slice, so the renderer runs unchanged on the
// host, where tests draw into an ordinary slice (and internal/screen reads
// the text back from such images and from QEMU's screendumps). In the
// kernel the slice is the framebuffer itself, seen through the direct map.
// Nothing here allocates.
package fb

// Glyph cells are 8 pixels wide and 16 high.
const (
	CellWidth  = 8
	CellHeight = 16
)

// A screen has at most MaxCols x MaxRows cells (2048x2048 pixels); on a
// larger framebuffer the text uses the top left part.
const (
	MaxCols = 256
	MaxRows = 128
)

// maxAttrs is how many foreground/background pairs the cells can use at
// once (the console uses two).
const maxAttrs = 8

// Color is a colour as 0xRRGGBB.
type Color uint32

// The console's colours: kernel messages are grey, the program's output
// white, on black.
const (
	Black  Color = 0x000000
	Grey   Color = 0xAAAAAA
	Cyan   Color = 0x55FFFF
	White  Color = 0xFFFFFF
	Red    Color = 0xFF5555
	Yellow Color = 0xFFFF55
)

// Format is a direct-colour pixel layout: the bytes per pixel and, for each
// colour, the position of its lowest bit and its number of bits
// (Multiboot 0.6.96 §3.3, framebuffer_bpp and color_info).
type Format struct {
	BytesPerPixel int // 2, 3 or 4
	RedPos        uint8
	RedSize       uint8
	GreenPos      uint8
	GreenSize     uint8
	BluePos       uint8
	BlueSize      uint8
}

// The common layouts: 32-bit and 24-bit BGR (8:8:8, red highest), and
// 16-bit 5:6:5.
var (
	XRGB8888 = Format{BytesPerPixel: 4, RedPos: 16, RedSize: 8, GreenPos: 8, GreenSize: 8, BluePos: 0, BlueSize: 8}
	RGB888   = Format{BytesPerPixel: 3, RedPos: 16, RedSize: 8, GreenPos: 8, GreenSize: 8, BluePos: 0, BlueSize: 8}
	RGB565   = Format{BytesPerPixel: 2, RedPos: 11, RedSize: 5, GreenPos: 5, GreenSize: 6, BluePos: 0, BlueSize: 5}
)

// Screen is a text console on a framebuffer. The zero Screen is off:
// PutByte does nothing until Init succeeds.
type Screen struct {
	pix    []byte
	width  int // pixels
	height int
	pitch  int // bytes from one pixel line to the next
	format Format

	cols, rows int // character cells
	row, col   int // the cursor

	fg, bg Color
	attr   uint8 // the index of fg, bg in attrs

	// attrs are the colour pairs in use, encoded in format; nattrs of
	// them are set.
	attrs  [maxAttrs]struct{ fg, bg uint32 }
	colors [maxAttrs]struct{ fg, bg Color }
	nattrs int

	// The cells' contents, row after row, cols to a row: a Latin-1
	// character and an index into attrs.
	chars [MaxCols * MaxRows]byte
	cattr [MaxCols * MaxRows]uint8

	// A UTF-8 sequence in progress: the code point so far and the
	// continuation bytes still expected.
	partial rune
	pending int
}

// Init makes s draw on pix, a framebuffer of width x height pixels with
// pitch bytes per line in format f, in grey on black, and clears it. It
// returns false, leaving s off, if the geometry does not hold together:
// a pixel size other than 2, 3 or 4 bytes, a colour field wider than 8
// bits or beyond the pixel, a pitch shorter than a line, a slice shorter
// than the screen, or a screen smaller than one cell.
func (s *Screen) Init(pix []byte, width, height, pitch int, f Format) bool {
	*s = Screen{}
	bpp := f.BytesPerPixel
	if bpp < 2 || bpp > 4 || width < CellWidth || height < CellHeight || width > 1<<15 || height > 1<<15 {
		return false
	}
	if !fieldFits(f.RedPos, f.RedSize, bpp) || !fieldFits(f.GreenPos, f.GreenSize, bpp) || !fieldFits(f.BluePos, f.BlueSize, bpp) {
		return false
	}
	if pitch < width*bpp || pitch > 1<<20 || len(pix) < pitch*height {
		return false
	}
	s.pix, s.width, s.height, s.pitch, s.format = pix, width, height, pitch, f
	s.cols, s.rows = min(width/CellWidth, MaxCols), min(height/CellHeight, MaxRows)
	s.SetColors(Grey, Black)
	s.Clear()
	return true
}

// fieldFits reports whether a colour field of size bits at pos fits in a
// pixel of bpp bytes and is at most 8 bits wide.
func fieldFits(pos, size uint8, bpp int) bool {
	return size <= 8 && int(pos)+int(size) <= bpp*8
}

// On reports whether s draws anywhere.
func (s *Screen) On() bool { return s.pix != nil }

// Size returns the screen's size in character cells.
func (s *Screen) Size() (cols, rows int) { return s.cols, s.rows }

// Cursor returns the cursor's cell.
func (s *Screen) Cursor() (col, row int) { return s.col, s.row }

// SetColors sets the colours of the text drawn from now on. A pair not
// seen before takes a free slot of the colour table; when none is left it
// takes the last one, which recolours the cells using that slot when they
// are next redrawn.
func (s *Screen) SetColors(fg, bg Color) {
	s.fg, s.bg = fg, bg
	for i := 0; i < s.nattrs; i++ {
		if s.colors[i].fg == fg && s.colors[i].bg == bg {
			s.attr = uint8(i)
			return
		}
	}
	i := s.nattrs
	if i < maxAttrs {
		s.nattrs++
	} else {
		i = maxAttrs - 1
	}
	s.colors[i].fg, s.colors[i].bg = fg, bg
	s.attrs[i].fg, s.attrs[i].bg = s.encode(fg), s.encode(bg)
	s.attr = uint8(i)
}

// Colors returns the current foreground and background colours.
func (s *Screen) Colors() (fg, bg Color) { return s.fg, s.bg }

// encode turns c into a pixel value: each colour's top Size bits at Pos.
func (s *Screen) encode(c Color) uint32 {
	f := &s.format
	r, g, b := uint32(c>>16)&0xFF, uint32(c>>8)&0xFF, uint32(c)&0xFF
	return (r>>(8-f.RedSize))<<f.RedPos | (g>>(8-f.GreenSize))<<f.GreenPos | (b>>(8-f.BlueSize))<<f.BluePos
}

// Clear fills the whole framebuffer with the background colour, blanks
// every cell and puts the cursor in the top left cell.
func (s *Screen) Clear() {
	if s.pix == nil {
		return
	}
	bg := s.attrs[s.attr].bg
	for y := 0; y < s.height; y++ {
		p := y * s.pitch
		for x := 0; x < s.width; x++ {
			s.put(p, bg)
			p += s.format.BytesPerPixel
		}
	}
	for i := 0; i < s.cols*s.rows; i++ {
		s.chars[i], s.cattr[i] = ' ', s.attr
	}
	s.row, s.col = 0, 0
}

// put stores pixel value v at byte offset p, little-endian.
func (s *Screen) put(p int, v uint32) {
	switch s.format.BytesPerPixel {
	case 4:
		s.pix[p+3] = byte(v >> 24)
		fallthrough
	case 3:
		s.pix[p+2] = byte(v >> 16)
		fallthrough
	default:
		s.pix[p+1] = byte(v >> 8)
		s.pix[p] = byte(v)
	}
}

// Write draws every byte of b (see PutByte).
func (s *Screen) Write(b []byte) {
	for i := 0; i < len(b); i++ {
		s.PutByte(b[i])
	}
}

// PutByte draws one byte of UTF-8 text. '\n' starts a new line, '\r' goes
// back to the line's start, '\t' moves to the next multiple of 8 columns,
// '\b' moves one cell left; other control characters are ignored. A code
// point without a glyph (above U+00FF, or a malformed sequence) is drawn as
// '?'.
func (s *Screen) PutByte(c byte) {
	if s.pix == nil {
		return
	}
	switch {
	case c < 0x80:
		if s.pending > 0 {
			s.pending = 0
			s.glyph('?')
		}
		s.ascii(c)
	case c&0xC0 == 0x80: // a continuation byte
		if s.pending == 0 {
			s.glyph('?')
			return
		}
		s.partial = s.partial<<6 | rune(c&0x3F)
		s.pending--
		if s.pending == 0 {
			if s.partial >= 0xA0 && s.partial <= 0xFF {
				s.glyph(byte(s.partial))
			} else {
				s.glyph('?')
			}
		}
	default: // a lead byte
		if s.pending > 0 {
			s.glyph('?')
		}
		switch {
		case c&0xE0 == 0xC0:
			s.partial, s.pending = rune(c&0x1F), 1
		case c&0xF0 == 0xE0:
			s.partial, s.pending = rune(c&0x0F), 2
		case c&0xF8 == 0xF0:
			s.partial, s.pending = rune(c&0x07), 3
		default:
			s.pending = 0
			s.glyph('?')
		}
	}
}

// ascii handles one ASCII byte.
func (s *Screen) ascii(c byte) {
	switch c {
	case '\n':
		s.newline()
	case '\r':
		s.col = 0
	case '\t':
		n := 8 - s.col%8
		for i := 0; i < n && s.col < s.cols; i++ {
			s.glyph(' ')
		}
	case '\b':
		if s.col > 0 {
			s.col--
		}
	default:
		if c >= 0x20 && c < 0x7F {
			s.glyph(c)
		}
	}
}

// glyph draws Latin-1 character c at the cursor and advances it, wrapping
// at the end of the line.
func (s *Screen) glyph(c byte) {
	if s.col >= s.cols {
		s.newline()
	}
	s.set(s.col, s.row, c, s.attr)
	s.col++
}

// set puts character c with colour pair attr in cell (col, row) and draws
// it, unless the cell already shows just that.
func (s *Screen) set(col, row int, c byte, attr uint8) {
	i := row*s.cols + col
	if s.chars[i] == c && s.cattr[i] == attr {
		return
	}
	s.chars[i], s.cattr[i] = c, attr
	s.drawCell(col, row, c, s.attrs[attr].fg, s.attrs[attr].bg)
}

// drawCell draws Latin-1 character c in cell (col, row), which is on the
// screen, with the given encoded pixel values.
func (s *Screen) drawCell(col, row int, c byte, fg, bg uint32) {
	g := &font[c]
	bpp := s.format.BytesPerPixel
	line := row*CellHeight*s.pitch + col*CellWidth*bpp
	for y := 0; y < CellHeight; y++ {
		bits := g[y]
		p := line
		for x := 0; x < CellWidth; x++ {
			v := bg
			if bits&(0x80>>x) != 0 {
				v = fg
			}
			s.put(p, v)
			p += bpp
		}
		line += s.pitch
	}
}

// newline moves the cursor to the start of the next line, scrolling the
// screen up one cell row when it is on the last: every cell takes the
// contents of the one below it, the last row is blanked, and only the
// cells that change are drawn.
func (s *Screen) newline() {
	s.col = 0
	if s.row+1 < s.rows {
		s.row++
		return
	}
	for row := 0; row+1 < s.rows; row++ {
		below := (row + 1) * s.cols
		for col := 0; col < s.cols; col++ {
			s.set(col, row, s.chars[below+col], s.cattr[below+col])
		}
	}
	for col := 0; col < s.cols; col++ {
		s.set(col, s.rows-1, ' ', s.attr)
	}
}

// Glyph returns the 16 rows of character c's glyph, leftmost pixel in
// bit 7: the font the screen draws with, for decoders and tests.
func Glyph(c byte) [CellHeight]byte { return font[c] }
