package explain

import (
	"strings"
	"testing"

	"github.com/gobare/gobare/internal/goabi"
)

// TestPrologueVerdict feeds hand-assembled prologues to prologueVerdict,
// including the pre-Go 1.17 one that no supported toolchain emits any more.
func TestPrologueVerdict(t *testing.T) {
	lay := &layoutInfo{Layout: goabi.Layout{GStackguard0: 16}, offsets: true}
	for _, c := range []struct {
		name string
		code []byte
		want string
	}{
		{"register ABI", []byte{
			0x49, 0x3b, 0x66, 0x10, // CMPQ SP, 0x10(R14)
			0x76, 0x10, // JBE
		}, "register ABI (Go 1.17+): g lives in R14; 0x1000 CMPQ SP, 0x10(R14) compares the stack pointer with g.stackguard0 (+16, as DWARF says)"},
		{"register ABI, big frame", []byte{
			0x4c, 0x8d, 0xa4, 0x24, 0x00, 0xfe, 0xff, 0xff, // LEAQ -0x200(SP), R12
			0x4d, 0x3b, 0x66, 0x10, // CMPQ R12, 0x10(R14)
		}, "register ABI (Go 1.17+)"},
		{"stack ABI", []byte{
			0x64, 0x48, 0x8b, 0x0c, 0x25, 0xf8, 0xff, 0xff, 0xff, // MOVQ FS:0xfffffff8, CX
			0x48, 0x3b, 0x61, 0x10, // CMPQ SP, 0x10(CX)
		}, "stack ABI (before Go 1.17): g is loaded from the TLS slot by 0x1000 MOVQ FS:0xfffffff8, CX, then 0x1009 CMPQ SP, 0x10(CX) compares SP with g.stackguard0"},
		{"stack ABI, PIE", []byte{
			0x48, 0xc7, 0xc1, 0xf8, 0xff, 0xff, 0xff, // MOVQ $-0x8, CX
			0x64, 0x48, 0x8b, 0x09, // MOVQ FS:0(CX), CX
			0x48, 0x3b, 0x61, 0x10, // CMPQ SP, 0x10(CX)
		}, "stack ABI (before Go 1.17)"},
		{"leaf", []byte{0xc3}, "no stack check"},
	} {
		ins := decode(c.code, 0x1000)
		markTLS(ins)
		got := strings.ReplaceAll((&binary{}).prologueVerdict(ins, lay), nbsp, " ")
		if !strings.Contains(got, c.want) {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
	}
}
