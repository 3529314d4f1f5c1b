// Command env prints what a program learns of its environment — the user,
// the home and cache directories, time zones, its own file, /proc, /etc
// and the memory devices — one "key: value" line each, or "key: error:
// ..." when a call fails. tests/env_test.go runs it in gobare and on the
// host and compares the lines that must agree.
package main

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"os/user"
	"runtime"
	"strings"
	"syscall"
	"time"
)

func main() {
	line := func(key string, v any, err error) {
		if err != nil {
			fmt.Printf("%s: error: %v\n", key, err)
			return
		}
		fmt.Printf("%s: %v\n", key, v)
	}

	u, err := user.Current()
	if err == nil {
		line("user", fmt.Sprintf("%s uid=%s gid=%s home=%s", u.Username, u.Uid, u.Gid, u.HomeDir), nil)
	} else {
		line("user", nil, err)
	}
	home, err := os.UserHomeDir()
	line("home", home, err)
	cache, err := os.UserCacheDir()
	line("cachedir", cache, err)
	line("env HOME", os.Getenv("HOME"), nil)
	line("env TERM", os.Getenv("TERM"), nil)

	// Time zones: a fixed instant in Berlin, and in the local zone.
	at := time.Date(2024, 7, 1, 12, 0, 0, 0, time.UTC)
	loc, err := time.LoadLocation("Europe/Berlin")
	if err == nil {
		line("berlin", at.In(loc).Format("2006-01-02 15:04 MST -0700"), nil)
	} else {
		line("berlin", nil, err)
	}
	line("local", at.In(time.Local).Format("2006-01-02 15:04 MST -0700"), nil)

	// Its own file: os.Executable names it, it opens, and it is this
	// program (an ELF whose size is the file's).
	exe, err := os.Executable()
	line("executable abs", strings.HasPrefix(exe, "/"), err)
	if b, err := os.ReadFile(exe); err == nil {
		line("executable", fmt.Sprintf("elf=%v sha256=%x", bytes.HasPrefix(b, []byte("\x7fELF")), sha256.Sum256(b)), nil)
	} else {
		line("executable", nil, err)
	}
	if b, err := os.ReadFile("/proc/self/exe"); err == nil {
		line("proc exe", fmt.Sprintf("sha256=%x", sha256.Sum256(b)), nil)
	} else {
		line("proc exe", nil, err)
	}

	// /proc/self.
	if b, err := os.ReadFile("/proc/self/cmdline"); err == nil {
		args := strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00")
		line("cmdline args", fmt.Sprintf("%q", args[1:]), nil)
		line("cmdline argv0 base", baseName(args[0]) == baseName(os.Args[0]), nil)
	} else {
		line("cmdline args", nil, err)
	}
	if b, err := os.ReadFile("/proc/self/environ"); err == nil {
		env := strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00")
		line("environ matches", strings.Join(env, "\n") == strings.Join(os.Environ(), "\n"), nil)
	} else {
		line("environ matches", nil, err)
	}
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		fields := map[string]string{}
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok {
				fields[k] = strings.TrimSpace(v)
			}
		}
		line("status", fmt.Sprintf("Name=%v Pid=%v Tgid=%v State=%v Uid=%v Threads>0=%v VmRSS=%v",
			fields["Name"] == baseName(os.Args[0]) || strings.HasPrefix(baseName(os.Args[0]), fields["Name"]),
			fields["Pid"] == fmt.Sprint(os.Getpid()), fields["Tgid"] == fmt.Sprint(os.Getpid()),
			strings.HasPrefix(fields["State"], "R") || strings.HasPrefix(fields["State"], "S"),
			strings.Fields(fields["Uid"])[0] == fmt.Sprint(os.Getuid()),
			fields["Threads"] != "" && fields["Threads"] != "0",
			strings.HasSuffix(fields["VmRSS"], " kB")), nil)
	} else {
		line("status", nil, err)
	}
	if b, err := os.ReadFile("/proc/self/maps"); err == nil {
		line("maps has stack", strings.Contains(string(b), "[stack]"), nil)
	} else {
		line("maps has stack", nil, err)
	}
	if link, err := os.Readlink("/proc/self/cwd"); err == nil {
		wd, _ := os.Getwd()
		line("cwd link matches", link == wd, nil)
	} else {
		line("cwd link matches", nil, err)
	}
	if ents, err := os.ReadDir("/proc/self/fd"); err == nil {
		names := map[string]bool{}
		for _, e := range ents {
			names[e.Name()] = true
		}
		line("fd has 0 1 2", names["0"] && names["1"] && names["2"], nil)
	} else {
		line("fd has 0 1 2", nil, err)
	}
	for _, f := range []string{"/proc/cpuinfo", "/proc/meminfo", "/proc/stat", "/proc/uptime", "/sys/devices/system/cpu/online"} {
		b, err := os.ReadFile(f)
		line(f+" nonempty", len(b) > 0, err)
	}
	line("cpus", cpus(), nil)

	// /etc.
	if b, err := os.ReadFile("/etc/passwd"); err == nil {
		line("passwd root", strings.HasPrefix(string(b), "root:x:0:0:"), nil)
	} else {
		line("passwd root", nil, err)
	}
	for _, f := range []string{"/etc/group", "/etc/hosts", "/etc/hostname"} {
		b, err := os.ReadFile(f)
		line(f+" nonempty", len(b) > 0, err)
	}

	// Directories a program lists: /dev, and / above the mounts.
	for _, d := range []struct{ dir, names string }{{"/dev", "null zero full random urandom"}, {"/", "dev etc proc sys tmp"}} {
		ents, err := os.ReadDir(d.dir)
		has := map[string]bool{}
		for _, e := range ents {
			has[e.Name()] = true
		}
		all := err == nil
		for _, n := range strings.Fields(d.names) {
			all = all && has[n]
		}
		line(d.dir+" lists "+d.names, all, err)
	}
	// The process's relatives: no supplementary groups needed, no
	// children (wait4 says ECHILD).
	_, err = syscall.Getgroups()
	line("getgroups works", err == nil, nil)
	_, err = syscall.Wait4(-1, nil, syscall.WNOHANG, nil)
	line("wait4 without children", err, nil)

	// Resource limits: descriptors and the stack.
	for _, r := range []struct {
		name string
		res  int
	}{{"nofile", syscall.RLIMIT_NOFILE}, {"stack", syscall.RLIMIT_STACK}} {
		var l syscall.Rlimit
		err := syscall.Getrlimit(r.res, &l)
		line("rlimit "+r.name, fmt.Sprintf("%d %d", l.Cur, l.Max), err)
	}

	// The memory devices.
	if f, err := os.Open("/dev/zero"); err == nil {
		b := bytes.Repeat([]byte{1}, 4096)
		n, err := f.Read(b)
		line("zero", fmt.Sprintf("%d bytes all zero=%v", n, bytes.Count(b[:n], []byte{0}) == n), err)
		f.Close()
	} else {
		line("zero", nil, err)
	}
	if f, err := os.Open("/dev/urandom"); err == nil {
		a, b := make([]byte, 64), make([]byte, 64)
		_, err1 := f.Read(a)
		_, err2 := f.Read(b)
		line("urandom", fmt.Sprintf("differ=%v nonzero=%v", !bytes.Equal(a, b), bytes.Count(a, []byte{0}) < 16), errorsJoin(err1, err2))
		f.Close()
	} else {
		line("urandom", nil, err)
	}
}

func baseName(p string) string { return p[strings.LastIndexByte(p, '/')+1:] }

func errorsJoin(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// cpus says how many CPUs the runtime, /proc/cpuinfo (processor lines),
// /proc/stat (cpuN lines) and /sys/devices/system/cpu/online see:
// "NumCPU 2 cpuinfo 2 stat 2 online 0-1".
func cpus() string {
	info, _ := os.ReadFile("/proc/cpuinfo")
	stat, _ := os.ReadFile("/proc/stat")
	online, _ := os.ReadFile("/sys/devices/system/cpu/online")
	nstat := 0
	for l := range strings.Lines(string(stat)) {
		if strings.HasPrefix(l, "cpu") && !strings.HasPrefix(l, "cpu ") {
			nstat++
		}
	}
	return fmt.Sprintf("NumCPU %d cpuinfo %d stat %d online %s", runtime.NumCPU(),
		strings.Count(string(info), "processor\t:"), nstat, strings.TrimSpace(string(online)))
}
