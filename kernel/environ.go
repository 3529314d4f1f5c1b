package kernel

import (
	"github.com/gobare/gobare/kernel/console"
	"github.com/gobare/gobare/kernel/cpu"
	"github.com/gobare/gobare/kernel/errno"
	"github.com/gobare/gobare/kernel/fs/cpiofs"
	"github.com/gobare/gobare/kernel/fs/etcfs"
	"github.com/gobare/gobare/kernel/fs/procfs"
	"github.com/gobare/gobare/kernel/mem"
	"github.com/gobare/gobare/kernel/percpu"
	"github.com/gobare/gobare/kernel/sched"
	"github.com/gobare/gobare/kernel/task"
	"github.com/gobare/gobare/kernel/timer"
	"github.com/gobare/gobare/kernel/trap"
	"github.com/gobare/gobare/kernel/vfs"
	"github.com/gobare/gobare/kernel/vm"
)

// The environment a process expects of Linux, as init or a container's
// first process gets it: HOME and TERM when nothing set them, /proc,
// /sys, /etc and the program's own file at /bin/NAME (which
// /proc/self/exe names).

// defaultEnv are the variables Linux gives init (init/main.c, envp_init)
// when neither mkimage's -env nor a kernel word set them. HOME=/ matches
// root's entry in /etc/passwd (kernel/fs/etcfs).
var defaultEnv = [...]string{"HOME=/", "TERM=linux"}

// addDefaultEnv appends to buf[:n] — argc argument strings, then envc
// environment strings, each NUL-terminated — the default variables the
// environment lacks, and returns the new n and envc.
func addDefaultEnv(buf []byte, n, argc, envc int) (int, int) {
	// Where the environment starts.
	start, seen := 0, 0
	for start < n && seen < argc {
		if buf[start] == 0 {
			seen++
		}
		start++
	}
	for _, kv := range defaultEnv {
		eq := 0
		for kv[eq] != '=' {
			eq++
		}
		key := kv[:eq+1] // "HOME="
		found := false
		for i := start; i < n; {
			j := i + indexByte(buf[i:n], 0)
			if j-i >= len(key) && string(buf[i:i+len(key)]) == key {
				found = true
			}
			i = j + 1
		}
		if !found && n+len(kv)+1 <= len(buf) {
			n += copy(buf[n:], kv)
			buf[n] = 0
			n++
			envc++
		}
	}
	return n, envc
}

// The file systems of this file, and what procfs reports.
// (Set up in describeProcess and mountSystemFiles: package
// initialisation never runs.)
var (
	procFS  procfs.FS
	binFS   procfs.Bin
	etcFS   etcfs.FS
	sysFS   etcfs.FS
	etcArch laterChecked
	procSrc procfs.Source
	// exePath holds procSrc.Exe: "/bin/" and the program's name.
	exePath [vfs.MaxPath]byte
)

func procRegions() []vm.Region { return task.Proc.Space.Regions() }
func procResident() int        { return task.Proc.Space.Resident() }
func procThreads() int         { return sched.LiveIn(task.ProgramProc) } // not the network service's
func procCPUs() int            { return percpu.Online }

// procKernelTime is the ns CPU c spent in the kernel, all CPUs' when c < 0.
func procKernelTime(c int) int64 {
	if c < 0 {
		return int64(timer.TSCToNanos(trap.KernelCycles()))
	}
	return int64(timer.TSCToNanos(percpu.Get(c).KernelCycles))
}

func procBootTime() int64 { return timer.BootEpochNanos() / 1e9 }
func procMemory() (total, free uint64) {
	return uint64(frames.Usable()) * mem.PageSize, uint64(frames.Free()) * mem.PageSize
}

// procCPUInfo writes /proc/cpuinfo's lines for the CPU: its vendor, what
// CPUID says of its family, model and name, and the TSC's rate.
func procCPUInfo(t *procfs.Text) {
	v := cpu.Vendor()
	t.Str("vendor_id\t: ")
	t.Bytes(v[:])
	eax, _, _, _ := cpu.Cpuid(1, 0)
	family := eax >> 8 & 0xf
	model := eax >> 4 & 0xf
	if family == 0xf {
		family += eax >> 20 & 0xff
	}
	if family >= 6 {
		model += eax >> 12 & 0xf0
	}
	t.Str("\ncpu family\t: ")
	t.Dec(uint64(family))
	t.Str("\nmodel\t\t: ")
	t.Dec(uint64(model))
	t.Str("\nmodel name\t: ")
	if max, _, _, _ := cpu.Cpuid(0x80000000, 0); max >= 0x80000004 {
		var name [48]byte
		for i := uint32(0); i < 3; i++ {
			a, b, c, d := cpu.Cpuid(0x80000002+i, 0)
			for j, r := range [4]uint32{a, b, c, d} {
				for k := 0; k < 4; k++ {
					name[i*16+uint32(j)*4+uint32(k)] = byte(r >> (8 * k))
				}
			}
		}
		end := indexByte(name[:], 0)
		start := 0
		for start < end && name[start] == ' ' {
			start++
		}
		t.Bytes(name[start:end])
	}
	t.Str("\nstepping\t: ")
	t.Dec(uint64(eax & 0xf))
	t.Str("\ncpu MHz\t\t: ")
	t.Dec(timer.TSCHz() / 1e6)
	t.Str(".000\ncpu cores\t: ")
	t.Dec(uint64(percpu.Online))
	t.Byte('\n')
}

// describeProcess tells procfs about the program: its arguments and
// environment (the strings on its stack), its file and name. The file is
// /bin/NAME (binFS), unless argv[0] is an absolute path naming a regular
// file (mkimage exec packs the test binary at its own path).
func describeProcess(file []byte, args task.Args) {
	procSrc = procfs.Source{
		FDs:        &task.Proc.FDs,
		Regions:    procRegions,
		Resident:   procResident,
		Threads:    procThreads,
		Uptime:     timer.Nanotime,
		KernelTime: procKernelTime,
		CPUs:       procCPUs,
		BootTime:   procBootTime,
		Memory:     procMemory,
		CPUInfo:    procCPUInfo,
	}
	i, seen := 0, 0
	for i < len(args.Blob) && seen < args.Argc {
		if args.Blob[i] == 0 {
			seen++
		}
		i++
	}
	procSrc.Args, procSrc.Env, procSrc.ELF = args.Blob[:i], args.Blob[i:], file
	argv0 := args.Blob[:indexByte(args.Blob, 0)]
	procSrc.Name = vfs.RelBase(argv0)
	var st vfs.Stat
	if len(argv0) > 0 && argv0[0] == '/' && vfs.StatPath(nil, argv0, true, &st) == 0 && st.Mode&vfs.ModeType == vfs.ModeRegular {
		procSrc.Exe = exePath[:copy(exePath[:], argv0)]
	} else {
		n := copy(exePath[:], "/bin/")
		n += copy(exePath[n:], procSrc.Name)
		procSrc.Exe = exePath[:n]
	}
}

// mountSystemFiles mounts /proc, /sys, /etc and /bin. /etc shows the
// archive of files mkimage adds below the kernel's own: the third
// Multiboot module when the program is a module and there is one, else
// the archive embedded in the image; /bin shows the program's file above
// what the archive has there.
func mountSystemFiles() {
	var etc []byte
	switch {
	case embedded.Addr == 0 && bootInfo.NModules > 2:
		m := bootInfo.Modules[2]
		etc = physMem[m.Start:m.End]
	case embedded.EtcAddr != 0:
		etc = physMem[embedded.EtcAddr : embedded.EtcAddr+embedded.EtcSize]
	}
	procFS.Src, procFS.Pages, binFS.Src = &procSrc, &frames, &procSrc
	etcfs.SetCPUs(percpu.Online)
	etcFS.Files, sysFS.Files = etcfs.Etc, etcfs.Sys
	if etc != nil {
		etcArch.Archive = etc
		etcFS.Below = &etcArch
	}
	vfs.Mount([]byte("/proc"), &procFS, false)
	vfs.Mount([]byte("/sys"), &sysFS, false)
	vfs.Mount([]byte("/etc"), &etcFS, true)
	vfs.Mount([]byte("/bin"), &binFS, true)
}

// laterChecked is the /etc archive, checked (cpiofs.Check) at its first
// lookup rather than at boot. mkimage adds the time-zone database there,
// about 600 files, and checking every header took 1.2 million guest
// instructions (a quarter of the boot before the program's first
// instruction), for programs that mostly never look in /etc. An archive
// that fails the check is reported then, in the line the boot used to
// print, and shows as empty.
type laterChecked struct {
	cpiofs.FS
	checked bool
}

func (a *laterChecked) Lookup(rel []byte) (vfs.Node, errno.Errno) {
	if !a.checked {
		a.checked = true
		if err := cpiofs.Check(a.Archive); err != cpiofs.ErrNone {
			console.Print("gobare: /etc archive: ")
			console.Print(err.String())
			console.Print(" (ignored)\n")
			a.Archive = nil
		}
	}
	return a.FS.Lookup(rel)
}
