// Command bench (make bench) compares gobare with what a user would run
// instead: a Linux guest in the same QEMU machine with the same static Go
// binary as its /init. It runs bench/program under both, alternating, and
// natively on the host, and writes the medians to docs/performance.md.
//
// The Linux guest is Debian's cloud kernel (the package
// linux-image-cloud-amd64 depends on), fetched with apt-get download and
// unpacked with dpkg-deb under bin/bench/linux the first time; the
// initramfs is a newc cpio (u-root's pkg/cpio) with /init, /dev/console and
// /tmp. Both systems boot in the same machine: plain qemu-system-x86_64,
// TCG, -cpu max, -m 256, the console on COM1 (-serial stdio).
//
//	go run ./bench [-runs N] [-mem=false] [-netonly] [-out docs/performance.md]
//
// BENCH_RUNS sets the default of -runs.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/gobare/gobare/bench/internal/machine"
	"github.com/u-root/u-root/pkg/cpio"
)

// stdinSize must match bench/program's.
const stdinSize = 16 << 10

// memMiB is the guest RAM of every run but the memory bisection.
const memMiB = machine.MemMiB

// smpCPUs is the CPU count of the second hello boot of each system.
const smpCPUs = 4

func main() {
	log.SetFlags(0)
	log.SetPrefix("bench: ")
	runs := 3
	if s := os.Getenv("BENCH_RUNS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			log.Fatalf("BENCH_RUNS=%q: want a count of at least 1", s)
		}
		runs = n
	}
	flag.IntVar(&runs, "runs", runs, "runs of each system, alternated (BENCH_RUNS)")
	mem := flag.Bool("mem", true, "bisect the smallest -m that runs hello on each system")
	out := flag.String("out", "docs/performance.md", "the document to add the results to (\"\" for none)")
	dir := flag.String("dir", "bin/bench", "where the kernel, the images and the program are kept")
	mkimage := flag.String("mkimage", "bin/mkimage", "the mkimage binary")
	netOnly := flag.Bool("netonly", false, "run the network rows only (the others stay empty)")
	flag.Parse()

	b := &bench{dir: *dir}
	if err := os.MkdirAll(b.dir, 0o755); err != nil {
		log.Fatal(err)
	}
	// The kernel is built from the working tree, as it is now.
	tree := treeState()
	b.must(b.fetchKernel())
	b.must(b.buildProgram(*mkimage))
	b.must(b.writeInitramfs())
	var err error
	b.netPort, err = machine.Serve()
	b.must(err)
	b.info = machineInfo(b.kernelPackage)
	b.info.tree = tree
	log.Printf("%s; %s; %s", b.info.cpu, b.info.qemu, b.info.load)

	res := results{}
	for i := range runs {
		order := []string{"gobare", "linux"}
		if i%2 == 1 {
			order = []string{"linux", "gobare"}
		}
		log.Printf("run %d of %d", i+1, runs)
		res.add("floor", "qemu", b.qemuFloor())
		if !*netOnly {
			for _, sys := range order {
				for _, mode := range []string{"hello", "full"} {
					s, err := b.guest(sys, mode, memMiB, 1)
					if err != nil {
						log.Print(err)
					}
					res.merge(sys, s, 1)
				}
				// hello again on smpCPUs CPUs: what starting the others adds
				// to the boot.
				s, err := b.guest(sys, "hello", memMiB, smpCPUs)
				if err != nil {
					log.Print(err)
				}
				res.merge(sys, s, smpCPUs)
				for _, cpus := range []int{1, 2} {
					s, err := b.guest(sys, "parallel", memMiB, cpus)
					if err != nil {
						log.Print(err)
					}
					res.merge(sys, s, cpus)
				}
			}
			res.merge("native", b.native("hello", 1), 1)
			res.merge("native", b.native("full", 1), 1)
			res.merge("native", b.native("parallel", 1), 1)
			res.merge("native", b.native("parallel", 2), 2)
		}
		for _, sys := range order {
			s, err := b.guest(sys, "net", memMiB, 1)
			if err != nil {
				log.Print(err)
			}
			res.merge(sys, s, 1)
		}
		res.merge("native", b.native("net", 1), 1)
	}
	minMem := map[string]int{}
	if *mem {
		for _, sys := range []string{"gobare", "linux"} {
			minMem[sys] = b.bisectMemory(sys)
			log.Printf("%s: smallest -m that runs hello: %d MiB", sys, minMem[sys])
		}
	}
	b.info.loadEnd = loadAverage()
	doc := b.table(res, minMem, runs)
	fmt.Print(doc)
	if *out != "" {
		b.must(addToDoc(*out, doc))
		log.Printf("wrote %s", *out)
	}
}

type bench struct {
	dir           string
	vmlinuz       string
	modules       string // the Linux guest's driver modules (NAME.ko)
	netImage      string // the gobare image with its network service
	netInitrd     string // the Linux initramfs with the driver's modules
	netPort       string // the host's server for the network rows (on 127.0.0.1)
	kernelPackage string
	program       string
	image         string
	initrd        string
	info          info
}

func (b *bench) must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

// fetchKernel makes sure bin/bench/linux holds an unpacked Debian cloud
// kernel: linux-image-cloud-amd64 is a metapackage, so the package it
// depends on (linux-image-6.x-cloud-amd64) is the one downloaded.
func (b *bench) fetchKernel() error {
	kdir := filepath.Join(b.dir, "linux")
	b.vmlinuz = filepath.Join(kdir, "vmlinuz")
	pkgFile := filepath.Join(kdir, "PACKAGE")
	b.modules = filepath.Join(kdir, "modules")
	_, noKernel := os.Stat(b.vmlinuz)
	if _, err := os.Stat(filepath.Join(b.modules, "virtio_net.ko")); err == nil && noKernel == nil {
		p, err := os.ReadFile(pkgFile)
		b.kernelPackage = strings.TrimSpace(string(p))
		return err
	}
	for _, tool := range []string{"apt-get", "apt-cache", "dpkg-deb"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("the Linux guest's kernel comes from Debian's linux-image-cloud-amd64 with %s, which this host does not have; put a bzImage at %s and a line naming it in %s", tool, b.vmlinuz, pkgFile)
		}
	}
	depends := func() (string, error) {
		out, err := exec.Command("apt-cache", "depends", "linux-image-cloud-amd64").Output()
		if err != nil {
			return "", err
		}
		for _, line := range strings.Split(string(out), "\n") {
			f := strings.Fields(line)
			if len(f) == 2 && f[0] == "Depends:" && strings.HasPrefix(f[1], "linux-image-") {
				return f[1], nil
			}
		}
		return "", errors.New("apt-cache depends linux-image-cloud-amd64 names no linux-image-* package")
	}
	pkg, err := depends()
	if err != nil && os.Getuid() == 0 {
		log.Printf("apt-get update (no linux-image-cloud-amd64 in the package lists)")
		cmd := exec.Command("apt-get", "update", "-qq")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("apt-get update: %v", err)
		}
		pkg, err = depends()
	}
	if err != nil {
		return fmt.Errorf("finding the real package behind linux-image-cloud-amd64: %v (as root: apt-get update)", err)
	}
	tmp, err := os.MkdirTemp(b.dir, "download")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	// apt-get download writes to the working directory. As root, apt
	// downloads as the _apt user, which cannot write to this private
	// directory (apt then warns and downloads as root): ask for root.
	log.Printf("apt-get download %s", pkg)
	args := []string{"download", "-qq", pkg}
	if os.Getuid() == 0 {
		args = append([]string{"-o", "APT::Sandbox::User=root"}, args...)
	}
	cmd := exec.Command("apt-get", args...)
	cmd.Dir = tmp
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("apt-get download %s: %v", pkg, err)
	}
	debs, _ := filepath.Glob(filepath.Join(tmp, "*.deb"))
	if len(debs) != 1 {
		return fmt.Errorf("apt-get download %s: %d .deb files", pkg, len(debs))
	}
	root := filepath.Join(tmp, "root")
	if out, err := exec.Command("dpkg-deb", "-x", debs[0], root).CombinedOutput(); err != nil {
		return fmt.Errorf("dpkg-deb -x %s: %v\n%s", debs[0], err, out)
	}
	vm, _ := filepath.Glob(filepath.Join(root, "boot", "vmlinuz-*"))
	if len(vm) != 1 {
		return fmt.Errorf("%s: %d boot/vmlinuz-* files", debs[0], len(vm))
	}
	if err := os.MkdirAll(kdir, 0o755); err != nil {
		return err
	}
	for _, name := range []string{"config", "System.map"} {
		if m, _ := filepath.Glob(filepath.Join(root, "boot", name+"-*")); len(m) == 1 {
			_ = os.Rename(m[0], filepath.Join(kdir, name))
		}
	}
	// The virtio-net driver's modules (the network rows), flat.
	if err := os.MkdirAll(b.modules, 0o755); err != nil {
		return err
	}
	for _, m := range netModules {
		ko, _ := filepath.Glob(filepath.Join(root, "lib", "modules", "*", "kernel", "*", "*", m+".ko"))
		if len(ko) != 1 {
			return fmt.Errorf("%s: %d %s.ko files", debs[0], len(ko), m)
		}
		if err := os.Rename(ko[0], filepath.Join(b.modules, m+".ko")); err != nil {
			return err
		}
	}
	b.kernelPackage = strings.TrimSuffix(filepath.Base(debs[0]), ".deb")
	if err := os.WriteFile(pkgFile, []byte(b.kernelPackage+"\n"), 0o644); err != nil {
		return err
	}
	// Last, so that an interrupted fetch is done again.
	return os.Rename(vm[0], b.vmlinuz)
}

// buildProgram builds bench/program (static) and the gobare image that
// carries it.
func (b *bench) buildProgram(mkimage string) error {
	abs, err := filepath.Abs(b.dir)
	if err != nil {
		return err
	}
	b.program = filepath.Join(abs, "benchprog")
	cmd := exec.Command("go", "build", "-o", b.program, "./bench/program")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build ./bench/program: %v", err)
	}
	b.image = filepath.Join(b.dir, "gobare.img")
	b.netImage = filepath.Join(b.dir, "gobare-net.img")
	for _, args := range [][]string{{"-o", b.image}, {"-o", b.netImage, "-netsvc", "gobare"}} {
		cmd = exec.Command(mkimage, append(append([]string{"build"}, args...), b.program)...)
		cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s build: %v (make mkimage builds it)", mkimage, err)
		}
	}
	return nil
}

// netModules are the Linux guest's virtio-net driver and the modules it
// depends on, in load order (modules.dep of Debian's cloud kernel, which
// builds them as modules), for the network rows.
var netModules = []string{"virtio_ring", "virtio", "virtio_pci_modern_dev", "virtio_pci_legacy_dev",
	"virtio_pci", "failover", "net_failover", "virtio_net"}

// writeInitramfs writes the Linux guest's initramfs: /init is the program,
// /dev/console the console (the kernel opens it for init's descriptors 0,
// 1 and 2), /tmp a directory of the root file system (a tmpfs). The
// network rows' initramfs also has netModules in /lib/modules, and their
// names in load order in /lib/modules/order.
func (b *bench) writeInitramfs() error {
	var err error
	if b.initrd, err = b.initramfs("init.cpio", false); err == nil {
		b.netInitrd, err = b.initramfs("init-net.cpio", true)
	}
	return err
}

// initramfs writes one initramfs (machine.Initramfs), with the modules
// or not, and returns its path.
func (b *bench) initramfs(name string, modules bool) (string, error) {
	var files []cpio.Record
	if modules {
		files = append(files, cpio.Directory("lib", 0o755), cpio.Directory("lib/modules", 0o755),
			cpio.StaticFile("lib/modules/order", strings.Join(netModules, "\n")+"\n", 0o644))
		for _, m := range netModules {
			ko, err := os.ReadFile(filepath.Join(b.modules, m+".ko"))
			if err != nil {
				return "", err
			}
			files = append(files, cpio.StaticFile("lib/modules/"+m+".ko", string(ko), 0o644))
		}
	}
	path := filepath.Join(b.dir, name)
	return path, machine.Initramfs(path, b.program, files...)
}

// A sample is one boot's (or one native run's) figures by key.
type sample map[string]float64

// guest boots sys ("gobare" or "linux") in mode ("hello", "full",
// "parallel" or "net") on cpus CPUs.
func (b *bench) guest(sys, mode string, mem, cpus int) (sample, error) {
	env := "BENCH_SYSTEM=" + sys
	if mode != "full" {
		env += " BENCH_MODE=" + mode
	}
	args := machine.Args(mem, cpus)
	image, initrd := b.image, b.initrd
	if mode == "net" {
		env += " BENCH_NET=10.0.2.2:" + b.netPort
		args = append(args, machine.Net...)
		image, initrd = b.netImage, b.netInitrd
	}
	args = append(args, machine.Boot(sys, image, b.vmlinuz, initrd, env)...)
	timeout := 10 * time.Minute
	if mode == "hello" {
		timeout = 2 * time.Minute
	}
	s, err := run(exec.Command("qemu-system-x86_64", args...), timeout, sys == "gobare")
	if err != nil {
		err = fmt.Errorf("%s %s (-m %d -smp %d): %v", sys, mode, mem, cpus, err)
	}
	return s, err
}

// native runs the program on the host, on as many Ps as the guests have
// CPUs.
func (b *bench) native(mode string, cpus int) sample {
	cmd := exec.Command(b.program)
	cmd.Env = append(os.Environ(), "BENCH_SYSTEM=native", "GOMAXPROCS="+strconv.Itoa(cpus), "BENCH_NET=127.0.0.1:"+b.netPort)
	if mode != "full" {
		cmd.Env = append(cmd.Env, "BENCH_MODE="+mode)
	} else {
		cmd.Dir = os.TempDir()
	}
	s, err := run(cmd, 5*time.Minute, false)
	if err != nil {
		log.Printf("native %s: %v", mode, err)
	}
	// The host's boot clock is not a boot of this program.
	delete(s, "main_boottime_ms")
	return s
}

// run starts cmd, reads its "BENCH key value" lines, feeds its standard
// input when it asks, and times the first line and the exit from the
// start (host side, in ms: first_line_ms, exit_ms).
func run(cmd *exec.Cmd, timeout time.Duration, gobare bool) (sample, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	s := sample{}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return s, err
	}
	go func() {
		<-ctx.Done()
		if ctx.Err() == context.DeadlineExceeded {
			cmd.Process.Kill()
		}
	}()
	var tail []string
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if !strings.HasPrefix(line, "BENCH ") {
			if !strings.HasPrefix(line, "....") {
				tail = append(tail, line)
				if len(tail) > 20 {
					tail = tail[1:]
				}
			}
			continue
		}
		f := strings.Fields(line)
		if len(f) != 3 {
			continue
		}
		v, err := strconv.ParseFloat(f[2], 64)
		if err != nil {
			continue
		}
		if _, ok := s["first_line_ms"]; !ok {
			s["first_line_ms"] = ms(time.Since(start))
		}
		s[f[1]] = v
		if f[1] == "stdin_ready" {
			go feed(stdin)
		}
	}
	err = cmd.Wait()
	s["exit_ms"] = ms(time.Since(start))
	stdin.Close()
	if ctx.Err() == context.DeadlineExceeded {
		return s, fmt.Errorf("timed out after %v; last lines:\n%s", timeout, strings.Join(tail, "\n"))
	}
	// gobare exits through isa-debug-exit: status (0<<1)|1.
	var ee *exec.ExitError
	if gobare && errors.As(err, &ee) && ee.ExitCode() == 1 {
		err = nil
	}
	if err != nil {
		return s, fmt.Errorf("%v; stderr: %s; last lines:\n%s", err, strings.TrimSpace(stderr.String()), strings.Join(tail, "\n"))
	}
	if _, ok := s["main_boottime_ms"]; !ok {
		return s, fmt.Errorf("no result lines; last lines:\n%s", strings.Join(tail, "\n"))
	}
	return s, nil
}

// feed writes the standard-input row's bytes: 64-byte lines.
func feed(w io.Writer) {
	line := strings.Repeat("x", 63) + "\n"
	data := []byte(strings.Repeat(line, stdinSize/len(line)))
	w.Write(data)
}

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

// qemuFloor times QEMU itself: the same machine, started halted (-S) and
// told to quit by its monitor, running no guest code.
func (b *bench) qemuFloor() float64 {
	args := machine.Args(memMiB, 1)
	for i, a := range args {
		if a == "-monitor" {
			args[i+1] = "stdio"
		}
		if a == "stdio" && args[i-1] == "-serial" {
			args[i] = "null"
		}
	}
	cmd := exec.Command("qemu-system-x86_64", append(args, "-S")...)
	cmd.Stdin = strings.NewReader("quit\n")
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		log.Printf("QEMU floor: %v\n%s", err, out)
	}
	return ms(time.Since(start))
}

// bisectMemory finds the smallest -m (MiB) with which sys runs hello.
func (b *bench) bisectMemory(sys string) int {
	ok := func(m int) bool {
		_, err := b.guest(sys, "hello", m, 1)
		log.Printf("%s hello -m %d: ran: %v", sys, m, err == nil)
		return err == nil
	}
	lo, hi := 1, memMiB // lo fails (assumed), hi runs
	if !ok(hi) {
		return 0
	}
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if ok(mid) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}

// results holds every sample by system and key.
type results map[string]map[string][]float64

func (r results) add(sys, key string, v float64) {
	if r[sys] == nil {
		r[sys] = map[string][]float64{}
	}
	r[sys][key] = append(r[sys][key], v)
}

// merge adds a sample of a boot on cpus CPUs; the hello boot's host
// timings get their own keys, hello_ on one CPU, hello_smpN_ on N.
func (r results) merge(sys string, s sample, cpus int) {
	hello := len(s) > 0 && s["done"] == 0
	prefix := "hello_"
	if cpus > 1 {
		prefix = fmt.Sprintf("hello_smp%d_", cpus)
	}
	for k, v := range s {
		if hello && (k == "first_line_ms" || k == "exit_ms" || k == "main_boottime_ms") {
			k = prefix + k
		} else if hello && cpus > 1 {
			continue // the other lines of a hello boot are the one-CPU one's
		}
		r.add(sys, k, v)
	}
}

type info struct {
	cpu, cores, qemu, goVersion, host, kernel, load, loadEnd, tree string
}

// treeState names the commit the gobare image is built from, and says
// whether the kernel's sources differ from it.
func treeState() string {
	out, err := exec.Command("git", "log", "-1", "--format=%h (%cd)", "--date=format:%Y-%m-%d %H:%M").Output()
	if err != nil {
		return "unknown (not a git checkout)"
	}
	s := strings.TrimSpace(string(out))
	st, err := exec.Command("git", "status", "--porcelain", "--", "kernel", "boot", "rt", "internal/imagefmt").Output()
	if err == nil && len(bytes.TrimSpace(st)) > 0 {
		n := len(strings.Split(strings.TrimSpace(string(st)), "\n"))
		s += fmt.Sprintf(" with uncommitted changes to %d kernel files", n)
	}
	return s
}

func machineInfo(kernelPackage string) info {
	in := info{cores: strconv.Itoa(runtime.NumCPU()), goVersion: runtime.Version(), kernel: kernelPackage, load: loadAverage()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				in.cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	if out, err := exec.Command("qemu-system-x86_64", "--version").Output(); err == nil {
		in.qemu, _, _ = strings.Cut(string(out), "\n")
	}
	if out, err := exec.Command("uname", "-sr").Output(); err == nil {
		in.host = strings.TrimSpace(string(out))
	}
	return in
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
