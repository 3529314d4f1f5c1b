// Command mkimage builds Go programs into bootable gobare images and runs
// them in QEMU: mkimage build, run, iso, explain, exec (a go test -exec
// wrapper; see exec.go) and disk; usage below has each one's form, and
// 'mkimage COMMAND -h' its flags.
//
// PROGRAM is a Go package (import path or directory) or a static ELF file.
// Without a PROGRAM the image is the kernel alone, which checks itself and
// exits 0.
package main

import (
	"fmt"
	"os"
)

// Exit statuses of mkimage itself, apart from the guest's own 0..255.
const (
	exitUsage   = 2   // bad command line (only before anything boots)
	exitTimeout = 124 // the guest ran longer than -timeout
	exitFailed  = 126 // the image could not be built or QEMU could not run it
)

const usage = `usage:
  mkimage build [-o IMAGE] [-env K=V]... [-files DIR[:/MOUNT][:rw]] [-append KERNELARGS] [-rt auto|on|off] [-netsvc PROGRAM|none] [PROGRAM [ARGS...]]
  mkimage run   [build flags] [-m MiB] [-smp N] [-accel auto|kvm|tcg] [-cpu MODEL] [-timeout DUR] [-trace] [-gdb [-gdb-port N]] [-net user|tap,IFNAME [-port HOST:GUEST]...] [-disk IMAGE[:/MOUNT]] [PROGRAM [ARGS...]]
  mkimage iso -o FILE.iso [build flags] [PROGRAM [ARGS...]]
  mkimage explain PROGRAM
  mkimage exec BINARY [ARGS...]     (go test -exec "mkimage exec" PKG...)
  mkimage disk create -size 256M [-from DIR] IMAGE | cp SRC DST | ls IMAGE[:/PATH]

PROGRAM is a Go package (import path or directory) or a static ELF file.
Run 'mkimage COMMAND -h' for a command's flags.
`

func main() {
	catchSignals()
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(exitUsage)
	}
	var status int
	switch os.Args[1] {
	case "build":
		status = buildCmd(os.Args[2:])
	case "run":
		status = runCmd(os.Args[2:])
	case "iso":
		status = isoCmd(os.Args[2:])
	case "explain":
		status = explainCmd(os.Args[2:])
	case "exec":
		status = execCmd(os.Args[2:])
	case "disk":
		status = diskCmd(os.Args[2:])
	case "-h", "-help", "--help", "help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "mkimage: unknown command %q\n%s", os.Args[1], usage)
		status = exitUsage
	}
	os.Exit(signalStatus(status))
}

// fatalf prints one line prefixed with "mkimage: " and returns status.
// After a signal it prints nothing: the failure is the signal's doing,
// and signalStatus says so.
func fatalf(status int, format string, args ...any) int {
	if caught.Load() == 0 {
		fmt.Fprintf(os.Stderr, "mkimage: "+format+"\n", args...)
	}
	return status
}
