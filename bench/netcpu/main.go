// Command netcpu measures the bench's network rows in host CPU time, which
// a loaded host moves far less than the wall clock: it boots the bench's
// net-mode image (or the Linux guest) in the bench's machine, serves the
// host's side as the bench does, and prints, at each "BENCH" line of the
// program, QEMU's user + system time since the line before (from
// /proc/PID/stat), and its vCPU thread's alone. bench/program prints
// "BENCH net_up 1" when the network is up, so the first row's figure
// leaves out the boot and DHCP.
//
// With -prof, it also samples where the guest spends its time during the
// first row after net_up: every -every of host time it stops the guest
// through QEMU's gdb stub, reads RIP and CR3, and lets it go on; the
// samples are resolved against the kernel's ELF, the program and the
// network service (profile.go). docs/performance.md (the network notes)
// says what it found.
//
// With -icount the guest runs under -icount shift=0,sleep=off: its clock
// counts instructions (1 ns each), and the idle waits it skips to the
// next timer; with -words stats, gobare's counts at the end (entries,
// timer interrupts, CR3 loads, timer arms, idle time) say what part was idle, so
// "us since boot" less "us idle" is the instructions run, a measure the
// host's load does not move (docs/performance.md, the notes of 21:00).
//
// With -all it prints every line of the guest's console too: with
// -words trace, gobare's system calls one a line, both programs'.
//
//	go run ./bench -netonly -runs 0 -mem=false -out ""   # builds bin/bench
//	go run ./bench/netcpu [-sys linux] [-row KEY] [-prof] [-icount] [-words stats] [-all]
package main

import (
	"bufio"
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
	sys := flag.String("sys", "gobare", "the system to boot: gobare or linux")
	dir := flag.String("dir", "bin/bench", "where go run ./bench keeps the images, the program and the Linux kernel")
	row := flag.String("row", "", "run only this network row (BENCH_NETROW), e.g. net_tcp_recv_ms")
	prof := flag.Bool("prof", false, "sample the guest's RIP through QEMU's gdb stub during the first row (gobare only)")
	every := flag.Duration("every", 2*time.Millisecond, "the sampling interval of -prof (host time)")
	icount := flag.Bool("icount", false, "run the guest with -icount shift=0,sleep=off (one TCG thread): each guest instruction is 1 ns of the guest's clock, so a row's own figure counts instructions (and the idle waits the clock skips to the next timer)")
	words := flag.String("words", "", "more kernel words for gobare, e.g. stats (its counts at the program's exit)")
	extra := flag.String("qemu", "", "more QEMU arguments, space-separated (e.g. \"-D FILE -trace memory_region_ops_write\": each device register write, both systems)")
	all := flag.Bool("all", false, "print every line of the guest's console (with -words trace, each system call)")
	flag.Parse()

	port, err := machine.Serve()
	if err != nil {
		log.Fatal(err)
	}
	env := "BENCH_SYSTEM=" + *sys + " BENCH_MODE=net BENCH_NET=10.0.2.2:" + port
	if *row != "" {
		env += " BENCH_NETROW=" + *row
	}
	image := filepath.Join(*dir, "gobare-net.img")
	args := append(machine.Args(machine.MemMiB, 1), machine.Net...)
	args = append(args, "-name", "debug-threads=on") // the vCPU's thread by name (vcpuSeconds)
	if *icount {
		args = machine.Icount(args)
	}
	gdbPort := 0
	if *prof {
		gdbPort = 20000 + os.Getpid()%10000
		args = append(args, "-gdb", fmt.Sprintf("tcp:127.0.0.1:%d", gdbPort))
	}
	if *sys == "gobare" && *words != "" {
		env = *words + " " + env
	}
	args = append(args, strings.Fields(*extra)...)
	args = append(args, machine.Boot(*sys, image, filepath.Join(*dir, "linux/vmlinuz"), filepath.Join(*dir, "init-net.cpio"), env)...)
	cmd := exec.Command("qemu-system-x86_64", args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		log.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	time.AfterFunc(15*time.Minute, func() { cmd.Process.Kill() })
	var sampling *sampler
	last, lastVCPU := 0.0, 0.0
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if *all || strings.HasPrefix(sc.Text(), "gobare: stats:") {
			fmt.Println(sc.Text())
		}
		if len(f) != 3 || f[0] != "BENCH" {
			continue
		}
		now, vcpu := cpuSeconds(cmd.Process.Pid), vcpuSeconds(cmd.Process.Pid)
		fmt.Printf("%-22s %-12s host CPU %.2f s (the vCPU's thread %.2f s)\n", f[1], f[2], now-last, vcpu-lastVCPU)
		last, lastVCPU = now, vcpu
		switch {
		case sampling != nil:
			samples := sampling.stop()
			sampling = nil
			report(os.Stdout, samples, filepath.Join(*dir, "gobare-net.kernel.elf"), filepath.Join(*dir, "benchprog"), image)
		case gdbPort != 0 && f[1] == "net_up":
			if sampling, err = startSampler(gdbPort, *every); err != nil {
				log.Print(err)
			}
		}
	}
	cmd.Wait()
}

// cpuSeconds returns the user + system time of process pid, all its
// threads.
func cpuSeconds(pid int) float64 { return statSeconds(fmt.Sprintf("/proc/%d/stat", pid)) }

// vcpuSeconds returns the user + system time of QEMU pid's vCPU threads
// (named "CPU N/TCG" under -name debug-threads=on): what emulating the
// guest cost, apart from QEMU's main loop (the devices, the user
// network's libslirp) and its other threads. Their sum against the wall
// clock says whether a row waits: a vCPU busy all along does not.
func vcpuSeconds(pid int) float64 {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*", pid))
	n := 0.0
	for _, t := range tasks {
		if comm, _ := os.ReadFile(t + "/comm"); strings.HasSuffix(strings.TrimSpace(string(comm)), "/TCG") {
			n += statSeconds(t + "/stat")
		}
	}
	return n
}

// statSeconds returns the user + system time in the stat file at path
// (proc(5): fields 14 and 15, in clock ticks of 1/100 s).
func statSeconds(path string) float64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:]) // fields from the 3rd on
	var user, system float64
	fmt.Sscan(f[11], &user)
	fmt.Sscan(f[12], &system)
	return (user + system) / 100
}
