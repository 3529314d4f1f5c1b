// Package screen reads text back from pictures of the screen: QEMU's
// `screendump` files (PPM) of gobare's framebuffer console, matched cell by
// cell against the kernel's own font (kernel/dev/fb), so that tests can
// assert what a machine without a serial line showed.
//
// Decoding is exact: a cell of 8x16 pixels (9x16 when QEMU draws a VGA text
// mode 720 pixels wide; the ninth column is skipped) must hold at most two
// colours, and the pattern of its foreground pixels must be one of the
// font's glyphs. A one-colour cell is a space. Anything else is counted as
// unmatched and read as U+FFFD. QEMU renders VGA text modes with its own
// copy of the IBM VGA font, whose ASCII glyphs are the ones gobare's font
// has (both come from the VGA ROM font), so text-mode screendumps decode
// too, except the cell under the blinking cursor when it is drawn.
package screen

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/gobare/gobare/kernel/dev/fb"
)

// Image is an RGB picture, 3 bytes per pixel, row after row.
type Image struct {
	Width, Height int
	Pix           []byte
}

// At returns the colour of pixel (x, y).
func (m *Image) At(x, y int) fb.Color {
	p := m.Pix[(y*m.Width+x)*3:]
	return fb.Color(p[0])<<16 | fb.Color(p[1])<<8 | fb.Color(p[2])
}

// ReadPPM reads a binary PPM (P6) image with 8-bit samples, the format of
// QEMU's screendump command.
func ReadPPM(r io.Reader) (*Image, error) {
	br := bufio.NewReader(r)
	var fields [4]int
	magic, err := ppmToken(br)
	if err != nil {
		return nil, err
	}
	if magic != "P6" {
		return nil, fmt.Errorf("screen: not a binary PPM (magic %q)", magic)
	}
	for i := 1; i < 4; i++ {
		tok, err := ppmToken(br)
		if err != nil {
			return nil, err
		}
		if _, err := fmt.Sscanf(tok, "%d", &fields[i]); err != nil || fields[i] <= 0 {
			return nil, fmt.Errorf("screen: bad PPM header field %q", tok)
		}
	}
	w, h, maxval := fields[1], fields[2], fields[3]
	if maxval != 255 {
		return nil, fmt.Errorf("screen: PPM maxval %d, want 255", maxval)
	}
	if w > 1<<14 || h > 1<<14 {
		return nil, fmt.Errorf("screen: PPM is %dx%d, too large", w, h)
	}
	m := &Image{Width: w, Height: h, Pix: make([]byte, w*h*3)}
	if _, err := io.ReadFull(br, m.Pix); err != nil {
		return nil, fmt.Errorf("screen: PPM pixels: %w", err)
	}
	return m, nil
}

// ppmToken reads one whitespace-separated header token, skipping comments,
// and the single whitespace byte after it.
func ppmToken(br *bufio.Reader) (string, error) {
	var tok []byte
	for {
		c, err := br.ReadByte()
		if err != nil {
			return "", fmt.Errorf("screen: PPM header: %w", err)
		}
		switch {
		case c == '#' && len(tok) == 0:
			if _, err := br.ReadString('\n'); err != nil {
				return "", fmt.Errorf("screen: PPM header: %w", err)
			}
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if len(tok) > 0 {
				return string(tok), nil
			}
		default:
			tok = append(tok, c)
			if len(tok) > 16 {
				return "", fmt.Errorf("screen: PPM header token too long")
			}
		}
	}
}

// FromFramebuffer converts framebuffer memory in format f (as the kernel
// draws it) to an Image, each colour field scaled back to 8 bits as QEMU
// does when it dumps the screen.
func FromFramebuffer(pix []byte, width, height, pitch int, f fb.Format) *Image {
	m := &Image{Width: width, Height: height, Pix: make([]byte, width*height*3)}
	for y := 0; y < height; y++ {
		for x := 0; x < width; x++ {
			p := y*pitch + x*f.BytesPerPixel
			var v uint32
			for i := f.BytesPerPixel - 1; i >= 0; i-- {
				v = v<<8 | uint32(pix[p+i])
			}
			q := m.Pix[(y*width+x)*3:]
			q[0] = expand(v, f.RedPos, f.RedSize)
			q[1] = expand(v, f.GreenPos, f.GreenSize)
			q[2] = expand(v, f.BluePos, f.BlueSize)
		}
	}
	return m
}

// expand takes the size-bit field at pos out of v and scales it to 8 bits,
// repeating its top bits below it (so 5-bit 31 becomes 255).
func expand(v uint32, pos, size uint8) byte {
	if size == 0 {
		return 0
	}
	f := v >> pos & (1<<size - 1)
	out := f << (8 - size)
	for s := int(8 - size); s > 0; s -= int(size) {
		out |= f << s >> size
	}
	return byte(out)
}

// Cell is one decoded character cell.
type Cell struct {
	Char    rune     // the character; ' ' for a one-colour cell, U+FFFD if unmatched
	FG, BG  fb.Color // its colours (FG = BG for a blank cell)
	Matched bool     // a glyph matched exactly (false for blank and unmatched cells)
}

// Text is a decoded screen.
type Text struct {
	Cols, Rows int
	Cells      [][]Cell // [row][col]
	Matched    int      // cells whose pattern is a glyph other than the blank one
	Blank      int      // one-colour cells
	Unmatched  int      // cells with three colours or an unknown pattern
}

// glyphs maps a glyph's 16 rows to its character. ASCII comes first, so
// a Latin-1 glyph drawn like an ASCII one (U+00A0 and the space) reads as
// the ASCII character.
var glyphs = func() map[[fb.CellHeight]byte]rune {
	m := make(map[[fb.CellHeight]byte]rune)
	add := func(c int) {
		g := fb.Glyph(byte(c))
		if _, ok := m[g]; !ok {
			m[g] = rune(c)
		}
	}
	for c := 0x20; c < 0x7F; c++ {
		add(c)
	}
	for c := 0xA0; c <= 0xFF; c++ {
		add(c)
	}
	return m
}()

// Decode reads the text of m, a grid of cells cellWidth pixels wide (8 for
// gobare's framebuffer console, 9 for QEMU's pictures of a 720-pixel VGA
// text mode) and 16 high, from the top left corner.
func Decode(m *Image, cellWidth int) Text {
	if cellWidth < fb.CellWidth {
		cellWidth = fb.CellWidth
	}
	t := Text{Cols: m.Width / cellWidth, Rows: m.Height / fb.CellHeight}
	t.Cells = make([][]Cell, t.Rows)
	for row := range t.Cells {
		t.Cells[row] = make([]Cell, t.Cols)
		for col := range t.Cells[row] {
			c := decodeCell(m, col*cellWidth, row*fb.CellHeight)
			t.Cells[row][col] = c
			switch {
			case c.Matched:
				t.Matched++
			case c.Char == ' ':
				t.Blank++
			default:
				t.Unmatched++
			}
		}
	}
	return t
}

// decodeCell matches the 8x16 pixels at (x0, y0).
func decodeCell(m *Image, x0, y0 int) Cell {
	bad := Cell{Char: '\uFFFD'}
	var colors [2]fb.Color
	var count [2]int
	n := 0
	var bits [2][fb.CellHeight]byte // bits[i]: where the pixel is colors[i]
	for y := 0; y < fb.CellHeight; y++ {
		for x := 0; x < fb.CellWidth; x++ {
			c := m.At(x0+x, y0+y)
			i := 0
			for i < n && colors[i] != c {
				i++
			}
			if i == n {
				if n == 2 {
					return bad
				}
				colors[n] = c
				n++
			}
			count[i]++
			bits[i][y] |= 0x80 >> x
		}
	}
	if n == 1 {
		return Cell{Char: ' ', FG: colors[0], BG: colors[0]}
	}
	// Try the rarer colour as the foreground first.
	fg := 0
	if count[1] < count[0] {
		fg = 1
	}
	for _, i := range [2]int{fg, 1 - fg} {
		if r, ok := glyphs[bits[i]]; ok && r != ' ' {
			return Cell{Char: r, FG: colors[i], BG: colors[1-i], Matched: true}
		}
	}
	return bad
}

// Lines returns the screen's rows as strings without trailing spaces.
func (t Text) Lines() []string {
	lines := make([]string, t.Rows)
	for row, cells := range t.Cells {
		var b strings.Builder
		for _, c := range cells {
			b.WriteRune(c.Char)
		}
		lines[row] = strings.TrimRight(b.String(), " ")
	}
	return lines
}

// String returns the screen as text, one line per row, trailing empty
// rows left out.
func (t Text) String() string {
	lines := t.Lines()
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	var b bytes.Buffer
	for _, l := range lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}

// FG returns the foreground colour of the first matched cell of the first
// row that contains s, and whether there is such a row; every matched cell
// of the occurrence must share that colour, or ok is false.
func (t Text) FG(s string) (c fb.Color, ok bool) {
	for row, line := range t.Lines() {
		i := strings.Index(line, s)
		if i < 0 {
			continue
		}
		col := len([]rune(line[:i]))
		first := true
		for k := col; k < col+len([]rune(s)) && k < t.Cols; k++ {
			cell := t.Cells[row][k]
			if !cell.Matched {
				continue
			}
			if first {
				c, first = cell.FG, false
			} else if cell.FG != c {
				return c, false
			}
		}
		return c, !first
	}
	return 0, false
}
