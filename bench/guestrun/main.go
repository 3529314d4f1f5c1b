// Command guestrun boots a static Go program in the bench's QEMU machine
// (bench/internal/machine) under gobare or as /init of the bench's Linux
// guest (Debian's cloud kernel, which go run ./bench fetches into
// bin/bench/linux), copies the console to standard output and prints
// QEMU's host CPU time at the end: the same program, the same machine,
// either system, for comparing them on a program of one's own.
//
// Under gobare the program is packed by mkimage build (-mkimage). Under
// Linux it is PID 1: it should power the machine off when done
// (reboot(LINUX_REBOOT_CMD_POWER_OFF)); an init that exits panics the
// kernel, which with panic=-1 and -no-reboot also ends QEMU.
//
//	go run ./bench/guestrun [-sys gobare|linux] [-smp N] [-icount] [-m MiB] PROGRAM [K=V...]
//
// K=V words go on the kernel command line, which hands them to the
// program as its environment (gobare: kernel words such as stats too).
// -icount runs the guest under -icount shift=0,sleep=off (one TCG
// thread): its clock counts instructions, 1 ns each, a measure the host's
// load does not move.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/gobare/gobare/bench/internal/machine"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("guestrun: ")
	sys := flag.String("sys", "linux", "the system: gobare or linux")
	mkimage := flag.String("mkimage", "bin/mkimage", "the mkimage binary (gobare)")
	smp := flag.Int("smp", 1, "the machine's CPUs")
	mem := flag.Int("m", machine.MemMiB, "guest RAM in MiB")
	icount := flag.Bool("icount", false, "count guest time in instructions (-icount shift=0,sleep=off, one TCG thread)")
	dir := flag.String("dir", "bin/bench", "where go run ./bench keeps the Linux kernel (DIR/linux/vmlinuz)")
	timeout := flag.Duration("timeout", 30*time.Minute, "kill QEMU after this long")
	flag.Parse()
	if flag.NArg() < 1 {
		log.Fatal("usage: guestrun [-sys gobare|linux] [-smp N] [-icount] [-m MiB] PROGRAM [K=V...]")
	}
	tmp, err := os.MkdirTemp("", "guestrun")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	image, initrd := filepath.Join(tmp, "gobare.img"), filepath.Join(tmp, "init.cpio")
	switch *sys {
	case "gobare":
		build := exec.Command(*mkimage, "build", "-o", image, flag.Arg(0))
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		err = build.Run()
	case "linux":
		err = machine.Initramfs(initrd, flag.Arg(0))
	default:
		err = fmt.Errorf("-sys %q: want gobare or linux", *sys)
	}
	if err != nil {
		log.Fatal(err)
	}
	args := machine.Args(*mem, *smp)
	if *icount {
		args = machine.Icount(args)
	}
	env := strings.Join(flag.Args()[1:], " ")
	args = append(args, machine.Boot(*sys, image, filepath.Join(*dir, "linux", "vmlinuz"), initrd, env)...)
	cmd := exec.Command("qemu-system-x86_64", args...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	t := time.AfterFunc(*timeout, func() { cmd.Process.Kill() })
	err = cmd.Wait()
	t.Stop()
	u := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	fmt.Printf("guestrun: QEMU host CPU %.2f s (%v)\n", u.Seconds(), err)
}
