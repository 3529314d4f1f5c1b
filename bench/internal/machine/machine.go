// Package machine is the bench's QEMU machine, shared by the bench
// (bench/main.go) and netcpu (bench/netcpu): the machine both systems boot
// in, how each of them boots, the network device of the network rows and
// the host's side of those rows.
package machine

import (
	"io"
	"net"
	"net/http"
	"strconv"

	"github.com/gobare/gobare/qemu"
)

// MemMiB is the guest RAM of the bench's runs (all but its memory
// bisection) and of netcpu's.
const MemMiB = 256

// Args is the machine both systems boot in, mem MiB with cpus CPUs (each
// on a host thread of its own): the firmware is qboot where QEMU has it,
// as for mkimage run (qemu.FastFirmware), which boots a Linux bzImage as
// readily as gobare's Multiboot image.
func Args(mem, cpus int) []string {
	args := []string{
		"-M", "pc", "-nodefaults", "-no-reboot", "-display", "none", "-monitor", "none",
		"-m", strconv.Itoa(mem), "-rtc", "base=utc",
		"-smp", strconv.Itoa(cpus), "-accel", "tcg,thread=multi", "-cpu", "max",
		"-serial", "stdio", "-serial", "null",
		"-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
	}
	if fw := qemu.FastFirmware(); fw != "" {
		args = append(args, "-bios", fw)
	}
	return args
}

// Net is the network rows' device: QEMU's user network, where the host
// is 10.0.2.2, on the same virtio-net device mkimage run -net user gives.
var Net = []string{"-netdev", "user,id=net0", "-device", "virtio-net-pci,netdev=net0"}

// Boot is what boots sys ("gobare" or "linux") with the words env on its
// command line: gobare's image, or the Linux kernel vmlinuz with initrd.
func Boot(sys, image, vmlinuz, initrd, env string) []string {
	if sys == "gobare" {
		return []string{"-kernel", image, "-append", "quiet " + env}
	}
	return []string{"-kernel", vmlinuz, "-initrd", initrd,
		// no_timer_check: Linux would otherwise wait a few jiffies for
		// the PIT's interrupt through the I/O APIC at boot and panic
		// ("IO-APIC + timer doesn't work!") when a busy host delays
		// QEMU's timers that long, as it did at a load of 40.
		"-append", "console=ttyS0 quiet panic=-1 no_timer_check " + env}
}

// NetBytes must match bench/program's: the download's size.
const NetBytes = 16 << 20

// Serve starts the host's side of the network rows and returns its port:
// an HTTP server on the host's loopback, which a guest reaches as
// 10.0.2.2 through the user network. /small is a short page, /blob the
// download, /sink takes the upload.
func Serve() (port string, err error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	blob := make([]byte, NetBytes)
	mux := http.NewServeMux()
	mux.HandleFunc("/small", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello, world\n") })
	mux.HandleFunc("/blob", func(w http.ResponseWriter, r *http.Request) { w.Write(blob) })
	mux.HandleFunc("/sink", func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) })
	go http.Serve(l, mux)
	_, port, _ = net.SplitHostPort(l.Addr().String())
	return port, nil
}

// Icount turns args (from Args) into a machine whose guest clock counts
// instructions: -icount shift=0,sleep=off, each instruction 1 ns, the
// idle waits skipped to the next timer. icount needs one TCG thread for
// all the CPUs, so a run's figures measure the instructions, not the
// parallelism.
func Icount(args []string) []string {
	for i, a := range args {
		if a == "tcg,thread=multi" {
			args[i] = "tcg,thread=single"
		}
	}
	return append(args, "-icount", "shift=0,sleep=off")
}
