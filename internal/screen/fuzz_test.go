package screen

import (
	"strings"
	"testing"

	"github.com/gobare/gobare/kernel/dev/fb"
)

// FuzzRoundTrip draws arbitrary bytes with the kernel's renderer on a
// small screen and reads the picture back. The renderer must not panic on
// any input; for printable ASCII and newlines the decoded screen must be
// what a plain terminal model (wrap at the last column, scroll at the last
// row) shows.
func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte("hello, world\n"), uint8(0))
	f.Add([]byte("a long line that wraps past the edge\nand scrolls\n\n\n\n\nx"), uint8(1))
	f.Add([]byte("\xc3\xa9\xe2\x98\x83\t\b\r\x00\xff"), uint8(2))
	formats := []fb.Format{fb.XRGB8888, fb.RGB888, fb.RGB565}
	const cols, rows = 12, 4
	f.Fuzz(func(t *testing.T, data []byte, format uint8) {
		fm := formats[int(format)%len(formats)]
		w, h := cols*fb.CellWidth, rows*fb.CellHeight
		pitch := w * fm.BytesPerPixel
		pix := make([]byte, pitch*h)
		var s fb.Screen
		if !s.Init(pix, w, h, pitch, fm) {
			t.Fatal("Init failed")
		}
		s.Write(data)
		text := Decode(FromFramebuffer(pix, w, h, pitch, fm), fb.CellWidth)
		for _, c := range data {
			if c != '\n' && (c < 0x20 || c >= 0x7F) {
				return // only plain text has a simple model
			}
		}
		if text.Unmatched != 0 {
			t.Fatalf("%d cells unmatched", text.Unmatched)
		}
		var grid [rows][cols]byte
		for r := range grid {
			for c := range grid[r] {
				grid[r][c] = ' '
			}
		}
		row, col := 0, 0
		newline := func() {
			col = 0
			if row+1 < rows {
				row++
				return
			}
			copy(grid[:], grid[1:])
			for c := range grid[rows-1] {
				grid[rows-1][c] = ' '
			}
		}
		for _, c := range data {
			if c == '\n' {
				newline()
				continue
			}
			if col == cols {
				newline()
			}
			grid[row][col] = c
			col++
		}
		got := text.Lines()
		for r := range grid {
			if want := strings.TrimRight(string(grid[r][:]), " "); got[r] != want {
				t.Fatalf("row %d = %q, want %q\n(input %q)", r, got[r], want, data)
			}
		}
	})
}
