package multiboot

import "testing"

// TestFramebuffer parses the framebuffer fields as GRUB fills them for a
// 1024x768 32-bit direct-colour mode (spec §3.3), and checks that an EGA
// text mode keeps no colour fields and that a structure cut before the
// colour info is refused.
func TestFramebuffer(t *testing.T) {
	b := newBuilder(64<<10, 0x1000)
	a := b.info(infoFields{flags: FlagFramebuffer})
	b.put64(a+offFramebufferAddr, 0xFD000000)
	b.put32(a+offFramebufferPitch, 4096)
	b.put32(a+offFramebufferWidth, 1024)
	b.put32(a+offFramebufferHeight, 768)
	b.mem[a+offFramebufferBPP] = 32
	b.mem[a+offFramebufferType] = FramebufferRGB
	copy(b.mem[a+offColorInfo:], []byte{16, 8, 8, 8, 0, 8})
	in, err := Parse(b.mem, a)
	if err != ErrNone {
		t.Fatal(err)
	}
	want := Framebuffer{Addr: 0xFD000000, Pitch: 4096, Width: 1024, Height: 768, BPP: 32, Type: FramebufferRGB,
		RedPos: 16, RedSize: 8, GreenPos: 8, GreenSize: 8, BluePos: 0, BlueSize: 8}
	if in.Framebuffer != want {
		t.Errorf("got %+v\nwant %+v", in.Framebuffer, want)
	}

	b.mem[a+offFramebufferType] = FramebufferEGAText
	in, err = Parse(b.mem, a)
	if err != ErrNone || in.Framebuffer.Type != FramebufferEGAText || in.Framebuffer.RedSize != 0 {
		t.Errorf("EGA text: %+v, %v", in.Framebuffer, err)
	}

	// Without the flag the fields are not read.
	b.put32(a+offFlags, 0)
	if in, _ = Parse(b.mem, a); in.Framebuffer != (Framebuffer{}) {
		t.Errorf("flag clear: %+v", in.Framebuffer)
	}

	// The structure ends inside color_info.
	b.put32(a+offFlags, FlagFramebuffer)
	if _, err := Parse(b.mem[:a+framebufferInfoEnd-1], a); err != ErrInfoRange {
		t.Errorf("truncated: %v, want ErrInfoRange", err)
	}
}
