package tests

// The environment a process expects of Linux (README, "What a program
// finds"): tests/programs/env prints one "key: value" line per thing it
// asks for — the user, the home directory, time zones, its own file,
// /proc, /sys, /etc, /dev — and these tests run it in gobare and on the
// host and compare.

import (
	"archive/zip"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gobare/gobare/internal/cpioarchive"
	"github.com/gobare/gobare/internal/image"
)

// envLines parses the program's "key: value" lines.
func envLines(out string) map[string]string {
	m := map[string]string{}
	for line := range strings.Lines(out) {
		if k, v, ok := strings.Cut(strings.TrimRight(line, "\r\n"), ": "); ok {
			m[k] = v
		}
	}
	return m
}

// zoneinfoZip is the toolchain's time-zone database, which mkimage packs.
func zoneinfoZip(t *testing.T) string {
	t.Helper()
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatalf("go env GOROOT: %v", err)
	}
	return filepath.Join(strings.TrimSpace(string(goroot)), "lib", "time", "zoneinfo.zip")
}

// envNative runs the env program on the host with the zone database
// gobare gets (the toolchain's zoneinfo.zip) and TZ=tz.
func envNative(t *testing.T, prog, tz string, args ...string) map[string]string {
	t.Helper()
	cmd := exec.Command(prog, args...)
	cmd.Env = append(os.Environ(), "TZ="+tz, "ZONEINFO="+zoneinfoZip(t))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s on the host: %v\n%s", prog, err, out)
	}
	return envLines(string(out))
}

// fileSum is what the env program prints for its own file.
func fileSum(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("elf=true sha256=%x", sha256.Sum256(b))
}

// sameAsNative are the lines that must read the same in gobare as on the
// host: the arguments, /proc/self's files, /proc and /sys, /etc, the
// listings of /dev and /, getgroups and wait4, the memory devices, and a
// fixed instant in Berlin.
var sameAsNative = []string{
	"executable abs", "cmdline args", "cmdline argv0 base", "environ matches", "status",
	"maps has stack", "cwd link matches", "fd has 0 1 2", "/proc/cpuinfo nonempty", "/proc/meminfo nonempty",
	"/proc/stat nonempty", "/proc/uptime nonempty", "/sys/devices/system/cpu/online nonempty",
	"passwd root", "/etc/group nonempty", "/etc/hosts nonempty", "/etc/hostname nonempty",
	"zero", "urandom", "/dev lists null zero full random urandom", "/ lists dev etc proc sys tmp",
	"getgroups works", "wait4 without children",
}

// initLimits are Linux's limits for init as the env program prints them
// (descriptors: soft 1024, hard 4096); the Go runtime raises the soft one
// to the hard one less 1 at start (syscall/rlimit.go), as on Linux.
var initLimits = map[string]string{
	"rlimit nofile": "4095 4096",
	"rlimit stack":  "8388608 18446744073709551615",
}

// wantNativeLines fails t for each of keys whose line gobare printed (got)
// is missing or not the host's (native).
func wantNativeLines(t *testing.T, got, native map[string]string, keys []string) {
	t.Helper()
	for _, k := range keys {
		if got[k] == "" || got[k] != native[k] {
			t.Errorf("%s: gobare says %q, the host %q", k, got[k], native[k])
		}
	}
}

// wantEnvLines fails t for each line of want that gobare printed otherwise.
func wantEnvLines(t *testing.T, got, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: gobare says %q, want %q", k, got[k], v)
		}
	}
}

// TestEnvironment runs the env program with `mkimage run`, the host's zone
// set to Europe/Berlin (TZ in mkimage's environment), TERM set with -env
// and HOME with a kernel word, and compares it with the host's run.
func TestEnvironment(t *testing.T) {
	prog := testProgram(t, "env")
	native := envNative(t, prog, "Europe/Berlin", "one", "two words")
	r := runMkimage(t, []string{"TZ=Europe/Berlin"}, "run", "-accel", "tcg", "-timeout", "90s",
		"-env", "TERM=xterm-256color", "-append", "HOME=/tmp", prog, "one", "two words")
	r.wantExit(t, 0)
	got := envLines(r.Stdout)
	wantNativeLines(t, got, native, append(sameAsNative, "berlin", "local"))
	if native["local"] == native["berlin"] && !strings.Contains(native["local"], "CEST +0200") {
		t.Errorf("the host's own answer is not Berlin's summer time: %q", native["local"])
	}
	// The user comes from the kernel's /etc/passwd (root, home /); the
	// variables from -env and the kernel word.
	wantEnvLines(t, got, map[string]string{
		"user":       "root uid=0 gid=0 home=/",
		"home":       "/tmp",
		"env HOME":   "/tmp",
		"env TERM":   "xterm-256color",
		"executable": fileSum(t, prog),
		"proc exe":   strings.TrimPrefix(fileSum(t, prog), "elf=true "),
		"cpus":       cpusLine(testSMP(t)),
	})
	if t.Failed() {
		t.Logf("gobare:\n%s\nmkimage stderr:\n%s", r.Stdout, r.Stderr)
	}
}

// cpusLine is the env program's "cpus" line on a machine with n CPUs: the
// runtime, /proc/cpuinfo, /proc/stat and /sys agree.
func cpusLine(n int) string {
	online := "0"
	if n > 1 {
		online = fmt.Sprintf("0-%d", n-1)
	}
	return fmt.Sprintf("NumCPU %d cpuinfo %d stat %d online %s", n, n, n, online)
}

// TestEnvironmentDefaults: without -env, HOME=/ and TERM=linux (what
// Linux gives init); with the program embedding time/tzdata, the zones
// still load and the local zone is still the host's (TZ=Asia/Tokyo).
func TestEnvironmentDefaults(t *testing.T) {
	prog := builtProgram(t, "env-tzdata", "-tags", "timetzdata", "./tests/programs/env")
	r := runMkimage(t, []string{"TZ=Asia/Tokyo"}, "run", "-accel", "tcg", "-timeout", "90s", prog)
	r.wantExit(t, 0)
	got := envLines(r.Stdout)
	native := envNative(t, prog, "Asia/Tokyo")
	wantEnvLines(t, got, map[string]string{
		"user":       "root uid=0 gid=0 home=/",
		"home":       "/",
		"cachedir":   "//.cache", // os.UserCacheDir: $HOME/.cache
		"env HOME":   "/",
		"env TERM":   "linux",
		"berlin":     native["berlin"],
		"local":      native["local"],
		"executable": fileSum(t, prog),
	})
	wantEnvLines(t, got, initLimits)
	if !strings.Contains(got["local"], "JST +0900") {
		t.Errorf("local: %q, want Tokyo's time", got["local"])
	}
	if t.Failed() {
		t.Logf("gobare:\n%s", r.Stdout)
	}
}

// TestEnvironmentPlainQEMU boots a kernel image that carries nothing but
// the kernel (no archive from mkimage) with plain QEMU and the program as
// a Multiboot module: the kernel's own /etc, /proc, /sys and /dev are
// there; the program's file is /bin/NAME; there is no zone database.
func TestEnvironmentPlainQEMU(t *testing.T) {
	prog := testProgram(t, "env")
	img := writeImage(t, image.Program{})
	r := runPlainQEMU(t, img, prog+" one two", "-m", "128")
	r.wantExit(t, 0)
	got := envLines(r.Console)
	native := envNative(t, prog, "UTC", "one", "two")
	wantNativeLines(t, got, native, sameAsNative)
	wantEnvLines(t, got, map[string]string{
		"user":       "root uid=0 gid=0 home=/",
		"env HOME":   "/",
		"env TERM":   "linux",
		"local":      "2024-07-01 12:00 UTC +0000",
		"executable": fileSum(t, prog),
	})
	wantEnvLines(t, got, initLimits)
	if !strings.HasPrefix(got["berlin"], "error: ") {
		t.Errorf("berlin: %q; without mkimage's archive there is no zone database", got["berlin"])
	}
	if t.Failed() {
		t.Logf("console:\n%s", r.Console)
	}
}

// builtProgram builds a program once with extra go build arguments (the
// package last) and returns its path.
func builtProgram(tb testing.TB, name string, args ...string) string {
	tb.Helper()
	root := repoRoot(tb)
	return builtOnce(tb, "program "+name, func() (string, error) {
		out := filepath.Join(shared.dir, "bin", name)
		all := append([]string{"-trimpath", "-o", out}, args...)
		return out, goBuild(root, staticEnv, all...)
	})
}

// TestEnvironmentPlainQEMUEtcModule gives plain QEMU the files under /etc
// as a third module ("prog,files.cpio,etc.cpio"), made here with one zone
// and localtime linking to it: the module wins over what the image
// carries, so the local zone is that one, and a zone it lacks is missing.
func TestEnvironmentPlainQEMUEtcModule(t *testing.T) {
	prog := testProgram(t, "env")
	zr, err := zip.OpenReader(zoneinfoZip(t))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	rc, err := zr.Open("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	tokyo := new(strings.Builder)
	if _, err := io.Copy(tokyo, rc); err != nil {
		t.Fatal(err)
	}
	rc.Close()
	dir := t.TempDir()
	etc, files := filepath.Join(dir, "etc"), filepath.Join(dir, "files")
	for _, d := range []string{filepath.Join(etc, "zoneinfo", "Asia"), files} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(etc, "zoneinfo", "Asia", "Tokyo"), []byte(tokyo.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("zoneinfo/Asia/Tokyo", filepath.Join(etc, "localtime")); err != nil {
		t.Fatal(err)
	}
	for name, d := range map[string]string{"etc.cpio": etc, "files.cpio": files} {
		a, err := cpioarchive.Pack(d, cpioarchive.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), a, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r := runPlainQEMU(t, kernelOnlyImage(t), prog+" x,"+filepath.Join(dir, "files.cpio")+","+filepath.Join(dir, "etc.cpio"), "-m", "128")
	r.wantExit(t, 0)
	got := envLines(r.Console)
	native := envNative(t, prog, "Asia/Tokyo")
	if got["local"] != native["local"] || !strings.Contains(got["local"], "JST") {
		t.Errorf("local: gobare says %q, the host with TZ=Asia/Tokyo %q", got["local"], native["local"])
	}
	if !strings.HasPrefix(got["berlin"], "error: ") {
		t.Errorf("berlin: %q; the module has no such zone", got["berlin"])
	}
	if t.Failed() {
		t.Logf("console:\n%s", r.Console)
	}
}
