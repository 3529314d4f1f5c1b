package tests

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/gobare/gobare/internal/image"
	"github.com/gobare/gobare/qemu"
)

// TestConsoleBytes checks the exact bytes the guest sends on the serial
// line (COM1), which the other tests read through serialText: with
// "quiet", only the program's output, each "\n" sent as "\r\n" and every
// other byte (a "\r" of the program's own included) as it is.
func TestConsoleBytes(t *testing.T) {
	t.Parallel()
	needQEMU(t)
	const printed = "plain\ndos\r\n10%\r20%\n\ttab\x1b[0m\nno newline at the end\r"
	const wire = "plain\r\ndos\r\r\n10%\r20%\r\n\ttab\x1b[0m\r\nno newline at the end\r"
	dir := t.TempDir()
	if err := writeFiles(dir, map[string]string{
		"go.mod":  "module crlf\n\ngo 1.21\n",
		"main.go": "package main\n\nimport \"os\"\n\nfunc main() { os.Stdout.WriteString(" + strconv.Quote(printed) + ") }\n",
	}); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, "crlf")
	if err := goBuild(dir, staticEnv, "-o", exe, "."); err != nil {
		t.Fatal(err)
	}
	elf, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	img := writeImage(t, image.Program{ELF: elf, Argv: []string{"crlf"}, KernelArgs: []string{"quiet"}})
	var out bytes.Buffer
	res, err := qemu.Run(context.Background(), qemu.Config{Kernel: img, Accel: "tcg", Timeout: bootTimeout, Stdout: &out})
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("QEMU: exit %d, %v; console %q", res.ExitCode, err, out.String())
	}
	if out.String() != wire {
		t.Errorf("the serial line carried\n%q\nwant\n%q", out.String(), wire)
	}
	if got := serialText(out.String()); got != printed {
		t.Errorf("serialText gives\n%q\nwant what the program printed\n%q", got, printed)
	}
}
