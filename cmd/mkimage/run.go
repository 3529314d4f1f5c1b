package main

import (
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gobare/gobare/qemu"
)

func runCmd(args []string) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	var bf buildFlags
	bf.register(fs)
	memMiB := fs.Int("m", qemu.DefaultMemoryMiB, "guest RAM in `MiB`")
	accel := fs.String("accel", "auto", "accelerator: auto, kvm or tcg")
	cpuModel := fs.String("cpu", "", "QEMU CPU `MODEL` (e.g. qemu64, Westmere, Haswell; default max under TCG)")
	timeout := fs.Duration("timeout", 0, "stop the guest after `DUR` (e.g. 30s; 0: never)")
	trace := fs.Bool("trace", false, "print each system call and boot step on the console")
	gdb := fs.Bool("gdb", false, "start halted with QEMU's GDB stub on :1234")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	var extra []string
	if *trace {
		extra = append(extra, "trace")
	}
	img, _, err := makeImage(bf, fs.Args(), extra)
	if err != nil {
		return fatalf(exitFailed, "%v", err)
	}
	tmp, err := os.MkdirTemp("", "mkimage-run")
	if err != nil {
		return fatalf(exitFailed, "%v", err)
	}
	defer os.RemoveAll(tmp)
	imgPath := filepath.Join(tmp, "gobare.img")
	if err := os.WriteFile(imgPath, img, 0o644); err != nil {
		return fatalf(exitFailed, "%v", err)
	}
	// The program's standard streams are mkimage's own, byte for byte;
	// the kernel's messages go to stderr as "gobare: ..." lines, unless
	// the kernel word quiet asks for only the program's output.
	stderr := qemu.NewSharedStderr(os.Stderr, hasWord(bf.append, "quiet"))
	res, err := qemu.Run(context.Background(), qemu.Config{
		Kernel:        imgPath,
		MemoryMiB:     *memMiB,
		Accel:         *accel,
		CPU:           *cpuModel,
		Timeout:       *timeout,
		Stdin:         os.Stdin,
		Stdout:        os.Stdout,
		Stderr:        os.Stderr,
		GDB:           *gdb,
		Streams:       true,
		ProgramStderr: stderr.Program(),
		Log:           stderr.Kernel(),
	})
	stderr.Flush()
	switch {
	case errors.Is(err, qemu.ErrTimeout):
		return fatalf(exitTimeout, "%v", err)
	case err != nil:
		return fatalf(exitFailed, "%v", err)
	}
	return res.ExitCode
}

// hasWord reports whether the kernel command line words include w.
func hasWord(words, w string) bool {
	return slices.Contains(strings.Fields(words), w)
}
