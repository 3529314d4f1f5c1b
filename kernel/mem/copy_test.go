package mem

import (
	"bytes"
	"testing"
)

// TestCopy checks Copy against the built-in copy for lengths around its
// piece size, and that Clear zeroes exactly its slice.
func TestCopy(t *testing.T) {
	src := make([]byte, 3*PageSize)
	for i := range src {
		src[i] = byte(i*7 + 1)
	}
	for _, n := range []int{0, 1, copyPiece - 1, copyPiece, copyPiece + 1, PageSize, PageSize + 5, 3 * PageSize} {
		for _, dn := range []int{n, n / 2} {
			got, want := make([]byte, dn), make([]byte, dn)
			if k, wk := Copy(got, src[:n]), copy(want, src[:n]); k != wk || !bytes.Equal(got, want) {
				t.Errorf("Copy of %d bytes into %d: returned %d, want %d; same bytes: %v", n, dn, k, wk, bytes.Equal(got, want))
			}
		}
	}
	b := bytes.Repeat([]byte{0xff}, 2*PageSize)
	Clear(b[1 : PageSize+1])
	if b[0] != 0xff || b[PageSize+1] != 0xff || !bytes.Equal(b[1:PageSize+1], make([]byte, PageSize)) {
		t.Errorf("Clear did not zero exactly its slice")
	}
}
