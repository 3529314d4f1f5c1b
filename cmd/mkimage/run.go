package main

import (
	"errors"
	"flag"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/gobare/gobare/internal/image"
	"github.com/gobare/gobare/qemu"
)

func runCmd(args []string) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	var bf buildFlags
	var rf runFlags
	bf.register(fs)
	fs.IntVar(&rf.memMiB, "m", qemu.DefaultMemoryMiB, "guest RAM in `MiB`")
	smpDefault, err := qemu.DefaultSMP()
	if err != nil {
		return fatalf(exitUsage, "%v", err)
	}
	fs.IntVar(&rf.smp, "smp", smpDefault, "the machine's `CPUs` ($GOBARE_SMP, else the host's cores, at most 8)")
	fs.StringVar(&rf.accel, "accel", "auto", "accelerator: auto, kvm or tcg")
	cpuModel := fs.String("cpu", "", "QEMU CPU `MODEL` (e.g. qemu64, Westmere, Haswell; default max under TCG)")
	fs.DurationVar(&rf.timeout, "timeout", 0, "stop the guest after `DUR` (e.g. 30s; 0: never)")
	trace := fs.Bool("trace", false, "print each system call and boot step (kernel lines, on stderr)")
	gdb := fs.Bool("gdb", false, "start halted with QEMU's GDB stub on a free port and print the gdb command line (see labs/gdbinit)")
	fs.IntVar(&rf.gdbPort, "gdb-port", 0, "with -gdb, the stub's `PORT` on localhost (default: a free one)")
	var nf netFlags
	nf.register(fs)
	diskSpec := fs.String("disk", "", "attach the FAT32 disk `IMAGE[:/MOUNT]` (default mount /disk; see mkimage disk)")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if err := bf.check(); err != nil {
		return fatalf(exitUsage, "%v", err)
	}
	if err := rf.check(); err != nil {
		return fatalf(exitUsage, "%v", err)
	}
	if err := nf.check(); err != nil {
		return fatalf(exitUsage, "%v", err)
	}
	bf.netsvc = nf.service(bf.netsvc)
	diskArgs, diskWord, err := diskOption(*diskSpec) // disk.go
	if err != nil {
		return fatalf(exitUsage, "%v", err)
	}
	var extra []string
	if diskWord != "" {
		extra = append(extra, diskWord)
	}
	if *trace {
		extra = append(extra, "trace")
	}
	img, err := makeImage(bf, fs.Args(), extra)
	if err != nil {
		return fatalf(exitFailed, "%v", err)
	}
	if err := checkMemory(rf.memMiB, img); err != nil {
		return fatalf(exitUsage, "%v", err)
	}
	// The image lives in a temporary directory ($TMPDIR/mkimage-run*)
	// that is removed when mkimage ends, however it ends (signals.go).
	tmp, err := os.MkdirTemp("", "mkimage-run")
	if err != nil {
		return fatalf(exitFailed, "%v", err)
	}
	defer os.RemoveAll(tmp)
	imgPath := filepath.Join(tmp, "gobare.img")
	if err := os.WriteFile(imgPath, img.bytes, 0o644); err != nil {
		return fatalf(exitFailed, "%v", err)
	}
	var gdbSymbols string
	var gdbCommands []string
	if *gdb {
		if gdbSymbols, gdbCommands, err = gdbSetup(imgPath); err != nil {
			return fatalf(exitFailed, "%v", err)
		}
	}
	// The program's standard streams are mkimage's own, byte for byte;
	// the kernel's messages go to stderr as "gobare: ..." lines, unless
	// the kernel word quiet asks for only the program's output.
	stderr := qemu.NewSharedStderr(os.Stderr, hasWord(bf.append, "quiet"))
	// A reader that goes away (| head) makes the copy of the program's
	// output fail with EPIPE instead of killing mkimage: the guest's port
	// closes, the program's next write gets EPIPE (and its SIGPIPE), and
	// mkimage still cleans up and exits with the program's status.
	signal.Ignore(syscall.SIGPIPE)
	if interrupted.Err() != nil {
		return exitFailed // signalStatus gives the status
	}
	res, err := qemu.Run(interrupted, qemu.Config{
		Kernel:        imgPath,
		MemoryMiB:     rf.memMiB,
		SMP:           rf.smp,
		Accel:         rf.accel,
		CPU:           *cpuModel,
		Timeout:       rf.timeout,
		Stdin:         os.Stdin,
		Stdout:        os.Stdout,
		Stderr:        os.Stderr,
		GDB:           *gdb,
		GDBPort:       rf.gdbPort,
		GDBSymbols:    gdbSymbols,
		GDBCommands:   gdbCommands,
		Streams:       true,
		Net:           nf.net,
		Ports:         nf.ports,
		ProgramStderr: stderr.Program(),
		Log:           stderr.Kernel(),
		Extra:         diskArgs,
	})
	stderr.Flush()
	if err == nil && endedByKernel(res.ExitCode) {
		stderr.ShowHidden() // under quiet, the reason would be lost
	}
	switch {
	case errors.Is(err, qemu.ErrTimeout):
		return fatalf(exitTimeout, "%v", err)
	case err != nil:
		return fatalf(exitFailed, "%v", err)
	}
	return res.ExitCode
}

// endedByKernel reports whether status is one the kernel gives when it
// ends the program itself, with a line saying why (README, Exit status):
// 122 the machine could not be set up, 123 not a static x86-64 ELF, 125 a
// fault in kernel code, 137 out of memory.
func endedByKernel(status int) bool {
	return status == 122 || status == 123 || status == 125 || status == 137
}

// hasWord reports whether the kernel command line words include w.
func hasWord(words, w string) bool {
	return slices.Contains(strings.Fields(words), w)
}

// gdbSetup keeps the kernel ELF beside the image at imgPath for GDB and
// returns it with the commands that make GDB show kernel source lines: the
// kernel is built with -trimpath, so its files are named by import path
// (github.com/gobare/gobare/kernel/main.go), which substitute-path maps to
// the source tree; and labs/gdbinit's commands when the tree has them.
func gdbSetup(imgPath string) (string, []string, error) {
	elfPath := kernelELFPath(imgPath)
	if err := os.WriteFile(elfPath, lastKernelELF, 0o644); err != nil {
		return "", nil, err
	}
	cwd, err := os.Getwd()
	if err != nil {
		return "", nil, err
	}
	root, err := sourceRoot(cwd)
	if err != nil {
		return "", nil, err
	}
	if abs, err := filepath.Abs(root); err == nil {
		root = abs
	}
	cmds := []string{"set substitute-path " + image.Module + " " + root}
	if init := filepath.Join(root, "labs", "gdbinit"); fileExists(init) {
		cmds = append(cmds, "source "+init)
	}
	return elfPath, cmds, nil
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}
