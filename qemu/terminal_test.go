package qemu

import (
	"os"
	"runtime"
	"strings"
	"testing"
)

func TestIsTerminal(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	for name, f := range map[string]*os.File{"pipe": r, "/dev/null": null} {
		if IsTerminal(f) {
			t.Errorf("IsTerminal(%s) = true", name)
		}
	}
	if IsTerminal(strings.NewReader("x")) {
		t.Errorf("IsTerminal(strings.Reader) = true")
	}
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		return
	}
	// A pseudo-terminal's master side answers the termios ioctl.
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Fatalf("opening /dev/ptmx for a terminal to test with: %v", err)
	}
	defer ptmx.Close()
	if !IsTerminal(ptmx) {
		t.Errorf("IsTerminal(/dev/ptmx) = false")
	}
}
