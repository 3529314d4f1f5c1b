package net

import "testing"

// FuzzFrameIn: whatever length the device writes in a used-ring entry,
// the frame the driver hands on lies inside the buffer, after the
// header, and is dropped when it cannot hold an Ethernet header.
func FuzzFrameIn(f *testing.F) {
	for _, n := range []uint32{0, HeaderLen, HeaderLen + MinFrame - 1, HeaderLen + MinFrame, HeaderLen + MaxFrame, bufSize, bufSize + 1, 1<<32 - 1} {
		f.Add(n)
	}
	buf := make([]byte, bufSize)
	for i := range buf {
		buf[i] = byte(i)
	}
	f.Fuzz(func(t *testing.T, n uint32) {
		frame, ok := frameIn(buf, n)
		want := int(min(n, bufSize)) - HeaderLen
		switch {
		case !ok && (frame != nil || want >= MinFrame):
			t.Fatalf("frameIn(%d) dropped a frame of %d bytes (or kept bytes)", n, want)
		case ok && (len(frame) != want || &frame[0] != &buf[HeaderLen]):
			t.Fatalf("frameIn(%d) = %d bytes, want %d after the header", n, len(frame), want)
		}
	})
}
