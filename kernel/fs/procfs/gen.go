package procfs

import (
	"github.com/gobare/gobare/kernel/vm"
)

// The generated files, in the formats of Linux's fs/proc (array.c,
// task_mmu.c, meminfo.c, stat.c, uptime.c) for the lines programs parse.

// userHZ is the unit of times in /proc/stat and /proc/PID/stat
// (USER_HZ, sysconf(_SC_CLK_TCK)).
const userHZ = 100

// genStatus writes /proc/self/status.
func genStatus(src *Source, t *Text) {
	t.Str("Name:\t")
	t.Bytes(src.Name)
	t.Str("\nUmask:\t0022\nState:\tR (running)\nTgid:\t1\nNgid:\t0\nPid:\t1\nPPid:\t0\nTracerPid:\t0\n")
	t.Str("Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t64\nGroups:\t\n")
	size := uint64(0)
	for _, r := range src.Regions() {
		size += uint64(r.End - r.Start)
	}
	rss := uint64(src.Resident()) * PageSize
	kB(t, "VmPeak:\t", size)
	kB(t, "VmSize:\t", size)
	kB(t, "VmHWM:\t", rss)
	kB(t, "VmRSS:\t", rss)
	t.Str("Threads:\t")
	t.Dec(uint64(src.Threads()))
	t.Str("\nSigQ:\t0/0\nCpus_allowed:\t1\nCpus_allowed_list:\t0\nMems_allowed_list:\t0\n")
	t.Str("voluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n")
}

// kB writes a "Label:   N kB" line with the count right-aligned in 8
// columns, as Linux does.
func kB(t *Text, label string, bytes uint64) {
	t.Str(label)
	v := bytes / 1024
	for w := digits(v); w < 8; w++ {
		t.Byte(' ')
	}
	t.Dec(v)
	t.Str(" kB\n")
}

// digits is the number of decimal digits of v.
func digits(v uint64) int {
	n := 1
	for v >= 10 {
		v /= 10
		n++
	}
	return n
}

// genPidStat writes /proc/self/stat: one line of fields (proc(5)), the
// ones gobare knows filled in, the rest 0.
func genPidStat(src *Source, t *Text) {
	t.Str("1 (")
	t.Bytes(src.Name[:min(len(src.Name), 15)]) // TASK_COMM_LEN - 1
	t.Str(") R 0 1 1 0 -1 4194560 0 0 0 0 ")
	up := uint64(src.Uptime())
	sys := uint64(src.KernelTime(-1))
	t.Dec((up - min(sys, up)) / (1e9 / userHZ)) // utime
	t.Byte(' ')
	t.Dec(sys / (1e9 / userHZ)) // stime
	t.Str(" 0 0 20 0 ")
	t.Dec(uint64(src.Threads()))
	t.Str(" 0 0 ") // itrealvalue, starttime (at boot)
	size := uint64(0)
	for _, r := range src.Regions() {
		size += uint64(r.End - r.Start)
	}
	t.Dec(size)
	t.Byte(' ')
	t.Dec(uint64(src.Resident()))
	t.Str(" 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n")
}

// genMaps writes /proc/self/maps: one line per region, "start-end perms
// offset dev inode", with no file names (the kernel does not keep which
// region came from the program file) but [stack] for the main stack.
func genMaps(src *Source, t *Text) {
	for _, r := range src.Regions() {
		t.Hex(uint64(r.Start), 8)
		t.Byte('-')
		t.Hex(uint64(r.End), 8)
		t.Byte(' ')
		t.Byte(flag(r.Prot&vm.ProtRead != 0, 'r'))
		t.Byte(flag(r.Prot&vm.ProtWrite != 0, 'w'))
		t.Byte(flag(r.Prot&vm.ProtExec != 0, 'x'))
		t.Str("p 00000000 00:00 0")
		if r.End == vm.StackTop {
			t.Str("                          [stack]")
		}
		t.Byte('\n')
	}
}

func flag(on bool, c byte) byte {
	if on {
		return c
	}
	return '-'
}

// genCPUInfo writes /proc/cpuinfo: a paragraph per processor.
func genCPUInfo(src *Source, t *Text) {
	for i := 0; i < src.CPUs(); i++ {
		t.Str("processor\t: ")
		t.Dec(uint64(i))
		t.Byte('\n')
		src.CPUInfo(t)
		t.Byte('\n')
	}
}

// genMeminfo writes /proc/meminfo: the RAM the kernel manages; no swap,
// no page cache (the archive is memory already).
func genMeminfo(src *Source, t *Text) {
	total, free := src.Memory()
	meminfoLine(t, "MemTotal:", total)
	meminfoLine(t, "MemFree:", free)
	meminfoLine(t, "MemAvailable:", free)
	meminfoLine(t, "Buffers:", 0)
	meminfoLine(t, "Cached:", 0)
	meminfoLine(t, "SwapCached:", 0)
	meminfoLine(t, "SwapTotal:", 0)
	meminfoLine(t, "SwapFree:", 0)
}

// meminfoLine writes "Label:   N kB", the label padded to 16 columns
// with the number.
func meminfoLine(t *Text, label string, bytes uint64) {
	t.Str(label)
	v := bytes / 1024
	for w := len(label) + digits(v); w < 24; w++ {
		t.Byte(' ')
	}
	t.Dec(v)
	t.Str(" kB\n")
}

// genStat writes /proc/stat: the CPUs' time together, then each CPU's
// (user, nice, system, idle, ...) in USER_HZ, the boot time, the process
// counts.
func genStat(src *Source, t *Text) {
	n := src.CPUs()
	statCPU(t, "cpu  ", uint64(n)*uint64(src.Uptime()), src.KernelTime(-1))
	for i := 0; i < n; i++ {
		t.Str("cpu")
		t.Dec(uint64(i))
		statCPU(t, " ", uint64(src.Uptime()), src.KernelTime(i))
	}
	t.Str("intr 0\nctxt 0\nbtime ")
	t.Dec(uint64(src.BootTime()))
	t.Str("\nprocesses 1\nprocs_running 1\nprocs_blocked 0\n")
}

// statCPU ends a cpu line of /proc/stat after its name and sep: of up ns,
// kernel ns were system time and the rest user time.
func statCPU(t *Text, sep string, up uint64, kernel int64) {
	sys := uint64(kernel)
	t.Str(sep)
	t.Dec((up - min(sys, up)) / (1e9 / userHZ))
	t.Str(" 0 ")
	t.Dec(sys / (1e9 / userHZ))
	t.Str(" 0 0 0 0 0 0 0\n")
}

// genUptime writes /proc/uptime: seconds since boot and seconds idle.
func genUptime(src *Source, t *Text) {
	t.Fixed(uint64(src.Uptime()) / 1e7)
	t.Str(" 0.00\n")
}

// genLoadavg writes /proc/loadavg (the load is not measured).
func genLoadavg(src *Source, t *Text) {
	t.Str("0.00 0.00 0.00 1/")
	t.Dec(uint64(src.Threads()))
	t.Str(" 1\n")
}

// genVersion writes /proc/version, matching uname(2).
func genVersion(src *Source, t *Text) {
	t.Str("Linux version 6.1.0-gobare (gobare) #1 gobare\n")
}
