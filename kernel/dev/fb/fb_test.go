package fb

import "testing"

func TestInitRejects(t *testing.T) {
	pix := make([]byte, 4*64*32)
	for _, tc := range []struct {
		name                string
		w, h, pitch, nbytes int
		f                   Format
	}{
		{"1 byte per pixel", 64, 32, 64, len(pix), Format{BytesPerPixel: 1, RedSize: 3, GreenSize: 3, BlueSize: 2}},
		{"pitch too short", 64, 32, 64*4 - 1, len(pix), XRGB8888},
		{"slice too short", 64, 32, 64 * 4, len(pix) - 1, XRGB8888},
		{"narrower than a cell", 7, 32, 64 * 4, len(pix), XRGB8888},
		{"shorter than a cell", 64, 15, 64 * 4, len(pix), XRGB8888},
		{"field past the pixel", 64, 32, 64 * 2, len(pix), Format{BytesPerPixel: 2, RedPos: 12, RedSize: 5, GreenPos: 5, GreenSize: 6, BlueSize: 5}},
		{"field over 8 bits", 64, 32, 64 * 4, len(pix), Format{BytesPerPixel: 4, RedPos: 20, RedSize: 10, GreenPos: 10, GreenSize: 10, BlueSize: 10}},
	} {
		var s Screen
		if s.Init(pix[:tc.nbytes], tc.w, tc.h, tc.pitch, tc.f) || s.On() {
			t.Errorf("%s: Init accepted it", tc.name)
		}
		s.PutByte('x') // an off screen ignores output
	}
}

func TestPixels(t *testing.T) {
	for _, tc := range []struct {
		f          Format
		white, red []byte // encoded pixels, little-endian
	}{
		{XRGB8888, []byte{0xFF, 0xFF, 0xFF, 0x00}, []byte{0x55, 0x55, 0xFF, 0x00}},
		{RGB888, []byte{0xFF, 0xFF, 0xFF}, []byte{0x55, 0x55, 0xFF}},
		{RGB565, []byte{0xFF, 0xFF}, []byte{0xAA, 0xFA}}, // red 0xFF5555: 11111 010101 01010
	} {
		bpp := tc.f.BytesPerPixel
		w, h := 16, 32
		pitch := w*bpp + 8
		pix := make([]byte, pitch*h)
		for i := range pix {
			pix[i] = 0x77 // Init must clear every pixel
		}
		var s Screen
		if !s.Init(pix, w, h, pitch, tc.f) {
			t.Fatalf("%d bpp: Init failed", bpp*8)
		}
		for y := 0; y < h; y++ {
			for x := 0; x < w*bpp; x++ {
				if pix[y*pitch+x] != 0 {
					t.Fatalf("%d bpp: pixel byte (%d, %d) not cleared", bpp*8, x, y)
				}
			}
		}
		s.SetColors(White, Red)
		s.PutByte('|') // the VGA '|' has its bar in columns 3-4 of row 2
		at := func(x, y int) []byte { return pix[y*pitch+x*bpp : y*pitch+(x+1)*bpp] }
		g := font['|']
		for y := 0; y < CellHeight; y++ {
			for x := 0; x < CellWidth; x++ {
				want := tc.red
				if g[y]&(0x80>>x) != 0 {
					want = tc.white
				}
				if got := at(x, y); string(got) != string(want) {
					t.Fatalf("%d bpp: pixel (%d, %d) = %x, want %x", bpp*8, x, y, got, want)
				}
			}
		}
		// The padding after each line is never written.
		if pix[w*bpp] != 0x77 {
			t.Errorf("%d bpp: wrote past the line", bpp*8)
		}
	}
}

func TestCursor(t *testing.T) {
	w, h := 4*CellWidth, 2*CellHeight
	pix := make([]byte, w*h*4)
	var s Screen
	if !s.Init(pix, w, h, w*4, XRGB8888) {
		t.Fatal("Init failed")
	}
	if c, r := s.Size(); c != 4 || r != 2 {
		t.Fatalf("size %dx%d", c, r)
	}
	step := func(in string, col, row int) {
		t.Helper()
		s.Write([]byte(in))
		if c, r := s.Cursor(); c != col || r != row {
			t.Fatalf("after %q: cursor (%d, %d), want (%d, %d)", in, c, r, col, row)
		}
	}
	step("ab", 2, 0)
	step("\b", 1, 0)
	step("\r", 0, 0)
	step("abcd", 4, 0)     // the wrap waits for the next character
	step("e", 1, 1)        // wrapped
	step("\x01\x7f", 1, 1) // control characters draw nothing
	step("\xc3", 1, 1)     // half a sequence
	step("\xa9", 2, 1)     // ©
	step("\xe2\x98", 2, 1)
	step("\x83", 3, 1)  // ☃, drawn as '?'
	step("\xc3x", 1, 1) // a broken sequence: '?' then 'x', wrapping and scrolling
	step("\n\n", 0, 1)  // scrolling keeps the cursor on the last row
	step("\t", 4, 1)    // a tab to the next multiple of 8 stops at the edge
}

func TestGlyph(t *testing.T) {
	if Glyph('A') == Glyph('B') || Glyph(' ') != ([CellHeight]byte{}) || Glyph(0x10) != ([CellHeight]byte{}) {
		t.Error("font looks wrong")
	}
	for c := 0xA1; c <= 0xFF; c++ {
		if Glyph(byte(c)) == ([CellHeight]byte{}) {
			t.Errorf("U+%04X has no glyph", c)
		}
	}
}

// TestColorTable: more colour pairs than the table holds reuse its last
// slot; pairs already in it are found again.
func TestColorTable(t *testing.T) {
	pix := make([]byte, 64*32*4)
	var s Screen
	if !s.Init(pix, 64, 32, 64*4, XRGB8888) {
		t.Fatal("Init failed")
	}
	for i := 0; i < 2*maxAttrs; i++ {
		s.SetColors(Color(i), Black)
		s.PutByte('x')
		if int(s.attr) >= maxAttrs || s.nattrs > maxAttrs {
			t.Fatalf("attr %d, %d in use", s.attr, s.nattrs)
		}
	}
	s.SetColors(Grey, Black)
	if s.attr != 0 {
		t.Errorf("grey on black is slot %d, want 0 (set by Init)", s.attr)
	}
	if fg, bg := s.Colors(); fg != Grey || bg != Black {
		t.Errorf("Colors = %06x, %06x", fg, bg)
	}
}
