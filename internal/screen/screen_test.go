package screen

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/gobare/gobare/kernel/dev/fb"
)

// render draws text with the kernel's renderer on a width x height
// framebuffer in format f (pitch padded by 64 bytes, as real modes often
// are) and returns the picture QEMU would dump of it, written and read back
// as PPM.
func render(t *testing.T, f fb.Format, width, height int, draw func(s *fb.Screen)) *Image {
	t.Helper()
	pitch := width*f.BytesPerPixel + 64
	pix := make([]byte, pitch*height)
	var s fb.Screen
	if !s.Init(pix, width, height, pitch, f) {
		t.Fatalf("Init refused %dx%d %+v", width, height, f)
	}
	draw(&s)
	m := FromFramebuffer(pix, width, height, pitch, f)
	var ppm bytes.Buffer
	fmt.Fprintf(&ppm, "P6\n# a comment, as some writers put\n%d %d\n255\n", width, height)
	ppm.Write(m.Pix)
	back, err := ReadPPM(&ppm)
	if err != nil {
		t.Fatal(err)
	}
	return back
}

func TestDecodeRendered(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    fb.Format
	}{
		{"32bpp", fb.XRGB8888},
		{"24bpp", fb.RGB888},
		{"16bpp", fb.RGB565},
		{"32bpp RGBX", fb.Format{BytesPerPixel: 4, RedPos: 0, RedSize: 8, GreenPos: 8, GreenSize: 8, BluePos: 16, BlueSize: 8}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := render(t, tc.f, 320, 96, func(s *fb.Screen) {
				s.Write([]byte("gobare: running hello\n"))
				s.SetColors(fb.White, fb.Black)
				s.Write([]byte("hello, world\nLatin-1: é ß ñ ¿ £ ©\n"))
				s.SetColors(fb.Grey, fb.Black)
				s.Write([]byte("tab\tx ☃ end"))
			})
			text := Decode(m, 8)
			want := []string{
				"gobare: running hello",
				"hello, world",
				"Latin-1: é ß ñ ¿ £ ©",
				"tab     x ? end",
				"", "",
			}
			if got := text.Lines(); strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("decoded\n%q\nwant\n%q", got, want)
			}
			if text.Unmatched != 0 {
				t.Errorf("%d cells unmatched", text.Unmatched)
			}
			glyphs := 0
			for _, l := range want {
				glyphs += len([]rune(strings.ReplaceAll(l, " ", "")))
			}
			if text.Matched != glyphs {
				t.Errorf("%d cells matched, want %d", text.Matched, glyphs)
			}
			if text.Cols != 40 || text.Rows != 6 || text.Matched+text.Blank != 240 {
				t.Errorf("%dx%d cells, %d matched, %d blank", text.Cols, text.Rows, text.Matched, text.Blank)
			}
			// Colours survive (exactly in 24 and 32 bits; 16-bit grey is
			// 0xAAAAAA cut to 5:6:5 and scaled back).
			grey, ok := text.FG("gobare:")
			if !ok || (tc.f.BytesPerPixel > 2 && grey != fb.Grey) {
				t.Errorf("kernel line in %06x (%v)", grey, ok)
			}
			if white, ok := text.FG("hello, world"); !ok || white != fb.White {
				t.Errorf("program line in %06x (%v), want white", white, ok)
			}
		})
	}
}

// TestDecodeScrolled fills a small screen past its end: the first lines
// scroll away and the last ones are read back.
func TestDecodeScrolled(t *testing.T) {
	m := render(t, fb.XRGB8888, 80, 48, func(s *fb.Screen) {
		for i := 0; i < 7; i++ {
			fmt.Fprintf(writer{s}, "line %d\n", i)
		}
		s.Write([]byte("0123456789abc")) // wraps after 10 columns
	})
	got := Decode(m, 8).Lines()
	want := []string{"line 6", "0123456789", "abc"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %q, want %q", got, want)
	}
}

type writer struct{ s *fb.Screen }

func (w writer) Write(b []byte) (int, error) { w.s.Write(b); return len(b), nil }

// TestDecodeRejects: a cell with three colours, or a pattern that is no
// glyph, is unmatched, not guessed.
func TestDecodeRejects(t *testing.T) {
	m := render(t, fb.XRGB8888, 24, 16, func(s *fb.Screen) { s.Write([]byte("abc")) })
	// Third colour in cell 0; flip one pixel of cell 1's glyph.
	copy(m.Pix[(3*24+3)*3:], []byte{1, 2, 3})
	p := (8*24 + 8 + 7) * 3
	if m.Pix[p] == 0 {
		copy(m.Pix[p:], []byte{0xAA, 0xAA, 0xAA})
	} else {
		copy(m.Pix[p:], []byte{0, 0, 0})
	}
	text := Decode(m, 8)
	if got := text.Lines()[0]; got != "\uFFFD\uFFFDc" || text.Unmatched != 2 || text.Matched != 1 {
		t.Errorf("got %q, %d unmatched, %d matched", got, text.Unmatched, text.Matched)
	}
}

// TestNineDotCells reads a picture laid out as QEMU draws a VGA text mode:
// 9-pixel cells whose ninth column is background.
func TestNineDotCells(t *testing.T) {
	src := render(t, fb.XRGB8888, 64, 16, func(s *fb.Screen) { s.Write([]byte("VGA text")) })
	m := &Image{Width: 72, Height: 16, Pix: make([]byte, 72*16*3)}
	for y := 0; y < 16; y++ {
		for col := 0; col < 8; col++ {
			copy(m.Pix[(y*72+col*9)*3:], src.Pix[(y*64+col*8)*3:(y*64+col*8+8)*3])
		}
	}
	if got := Decode(m, 9).Lines()[0]; got != "VGA text" {
		t.Errorf("got %q", got)
	}
}

func TestReadPPMErrors(t *testing.T) {
	for _, in := range []string{"P5\n1 1\n255\n\x00", "P6\n1 1\n65535\n", "P6\n2 2\n255\n\x00\x00", "P6\nx 1\n255\n", ""} {
		if _, err := ReadPPM(strings.NewReader(in)); err == nil {
			t.Errorf("ReadPPM(%q) succeeded", in)
		}
	}
}

func TestExpand(t *testing.T) {
	for _, tc := range []struct {
		v         uint32
		pos, size uint8
		want      byte
	}{{31, 0, 5, 255}, {63 << 5, 5, 6, 255}, {0x10, 0, 5, 0x84}, {0xAB, 8, 8, 0}, {0xAB00, 8, 8, 0xAB}} {
		if got := expand(tc.v, tc.pos, tc.size); got != tc.want {
			t.Errorf("expand(%#x, %d, %d) = %#x, want %#x", tc.v, tc.pos, tc.size, got, tc.want)
		}
	}
}
