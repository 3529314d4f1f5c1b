package console

import (
	"github.com/gobare/gobare/kernel/dev/fb"
	"github.com/gobare/gobare/kernel/multiboot"
)

// The framebuffer console: when the boot loader set a direct-colour
// graphics mode (GRUB does when the Multiboot header asks, and must on
// UEFI machines, which have no VGA text mode), the console draws text there
// instead of into the VGA text buffer, which then means nothing.
var (
	screen         fb.Screen
	fbStart, fbEnd uint64 // the framebuffer's physical bytes
)

// UseFramebuffer switches the screen output to the framebuffer the loader
// described (Multiboot 0.6.96 §3.3, the framebuffer_* fields), whose pixels
// are seen in phys, physical memory indexed by address. It clears the
// screen. It returns false, and the VGA text screen stays in use, when
// there is no framebuffer, when it is a text or palette mode, when its
// pixels are not 16, 24 or 32 bits, or when it does not lie inside phys.
//
// The kernel must keep the framebuffer mapped where phys sees it (see
// FramebufferRange) for as long as it prints.
func UseFramebuffer(f *multiboot.Framebuffer, phys []byte) bool {
	if f.Type != multiboot.FramebufferRGB {
		return false
	}
	var bpp int
	switch f.BPP {
	case 15, 16:
		bpp = 2
	case 24:
		bpp = 3
	case 32:
		bpp = 4
	default:
		return false
	}
	size := uint64(f.Pitch) * uint64(f.Height)
	n := uint64(len(phys))
	if f.Addr > n || size > n-f.Addr {
		return false
	}
	end := f.Addr + size
	format := fb.Format{
		BytesPerPixel: bpp,
		RedPos:        f.RedPos, RedSize: f.RedSize,
		GreenPos: f.GreenPos, GreenSize: f.GreenSize,
		BluePos: f.BluePos, BlueSize: f.BlueSize,
	}
	if !screen.Init(phys[f.Addr:end:end], int(f.Width), int(f.Height), int(f.Pitch), format) {
		return false
	}
	fbStart, fbEnd = f.Addr, end
	vgaBase = 0
	return true
}

// FramebufferRange returns the physical addresses [start, end) of the
// framebuffer in use; ok is false when the console draws on none.
func FramebufferRange() (start, end uint64, ok bool) {
	return fbStart, fbEnd, screen.On()
}

// FramebufferSize returns the framebuffer console's size in characters,
// 0, 0 when there is none.
func FramebufferSize() (cols, rows int) { return screen.Size() }
