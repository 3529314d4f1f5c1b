package tests

import (
	"debug/elf"
	"debug/macho"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// crossTargets are the hosts mkimage is built for: it is the user's tool,
// run on their laptop, and only the kernel and the programs it builds are
// linux/amd64.
var crossTargets = []struct {
	goos, goarch string
}{
	{"linux", "amd64"},
	{"linux", "arm64"},
	{"darwin", "amd64"},
	{"darwin", "arm64"},
}

// crossMkimage builds cmd/mkimage once for goos/goarch (CGO_ENABLED=0, as
// a release would be) and returns its path.
func crossMkimage(tb testing.TB, goos, goarch string) string {
	tb.Helper()
	root := repoRoot(tb)
	return builtOnce(tb, "mkimage for "+goos+"/"+goarch, func() (string, error) {
		out := filepath.Join(shared.dir, "cross", goos+"-"+goarch, "mkimage")
		env := []string{"CGO_ENABLED=0", "GOOS=" + goos, "GOARCH=" + goarch, "GOFLAGS=-buildvcs=false"}
		return out, goBuild(root, env, "-o", out, "./cmd/mkimage")
	})
}

// TestCrossBuildMkimage cross-compiles mkimage for every host in
// crossTargets and checks that each result is an executable for that
// machine: the tool must not link the kernel's amd64 assembly or
// Linux-only system calls.
func TestCrossBuildMkimage(t *testing.T) {
	for _, tg := range crossTargets {
		t.Run(tg.goos+"/"+tg.goarch, func(t *testing.T) {
			path := crossMkimage(t, tg.goos, tg.goarch)
			if got := executableKind(t, path); got != tg.goos+"/"+tg.goarch {
				t.Fatalf("%s is a %s executable, want %s/%s", path, got, tg.goos, tg.goarch)
			}
		})
	}
}

// executableKind reads path's headers and says which GOOS/GOARCH it runs
// on ("linux/arm64"), or describes what it is instead.
func executableKind(tb testing.TB, path string) string {
	tb.Helper()
	if f, err := elf.Open(path); err == nil {
		defer f.Close()
		arch := map[elf.Machine]string{elf.EM_X86_64: "amd64", elf.EM_AARCH64: "arm64"}[f.Machine]
		if arch == "" || f.Type != elf.ET_EXEC || f.OSABI != elf.ELFOSABI_NONE && f.OSABI != elf.ELFOSABI_LINUX {
			return "ELF " + f.Machine.String() + " " + f.Type.String() + " " + f.OSABI.String()
		}
		return "linux/" + arch
	}
	if f, err := macho.Open(path); err == nil {
		defer f.Close()
		arch := map[macho.Cpu]string{macho.CpuAmd64: "amd64", macho.CpuArm64: "arm64"}[f.Cpu]
		if arch == "" || f.Type != macho.TypeExec {
			return "Mach-O " + f.Cpu.String() + " " + f.Type.String()
		}
		return "darwin/" + arch
	}
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return "neither ELF nor Mach-O: " + strings.TrimSpace(string(b[:min(len(b), 16)]))
}

// TestCrossMkimageDeps checks what mkimage links of gobare, as `go list
// -deps` sees it for a macOS build: the image format package
// (internal/imagefmt), kernel/elf (the ELF checker, so that mkimage refuses
// exactly what the kernel refuses; it imports nothing), and no other kernel
// package and no assembly anywhere in gobare's part of the tool.
func TestCrossMkimageDeps(t *testing.T) {
	root := repoRoot(t)
	cmd := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}} {{len .SFiles}} {{len .CgoFiles}}", "./cmd/mkimage")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=darwin", "GOARCH=arm64", "GOFLAGS=-buildvcs=false")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps ./cmd/mkimage: %v\n%s", err, exitStderr(err))
	}
	const mod = "github.com/gobare/gobare"
	allowedKernel := map[string]bool{mod + "/kernel/elf": true}
	sawFormat := false
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var pkg, sfiles, cgo string
		if f := strings.Fields(line); len(f) == 3 {
			pkg, sfiles, cgo = f[0], f[1], f[2]
		} else {
			t.Fatalf("go list printed %q", line)
		}
		if pkg != mod && !strings.HasPrefix(pkg, mod+"/") {
			continue
		}
		if pkg == mod+"/internal/imagefmt" {
			sawFormat = true
		}
		if (pkg == mod+"/kernel" || strings.HasPrefix(pkg, mod+"/kernel/") || strings.HasPrefix(pkg, mod+"/boot")) && !allowedKernel[pkg] {
			t.Errorf("mkimage imports %s", pkg)
		}
		if sfiles != "0" || cgo != "0" {
			t.Errorf("mkimage links %s, which has %s assembly and %s cgo files", pkg, sfiles, cgo)
		}
	}
	if !sawFormat {
		t.Errorf("mkimage does not import internal/imagefmt; go list said:\n%s", out)
	}
}

// exitStderr is the standard error an exec.ExitError kept, if any.
func exitStderr(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}

// needQEMUUser returns the command that runs a linux/arm64 executable on
// this Linux host: nothing on an arm64 host, else qemu-aarch64-static
// (Debian's qemu-user-static, which make deps installs) or qemu-aarch64.
// Unlike needQEMU it fails rather than skips when the emulator is missing,
// so that a machine without it cannot pass silently.
func needQEMUUser(tb testing.TB) []string {
	tb.Helper()
	if runtime.GOOS != "linux" {
		tb.Skipf("qemu-user runs Linux executables on Linux hosts only; this is %s", runtime.GOOS)
	}
	if runtime.GOARCH == "arm64" {
		return nil
	}
	for _, name := range []string{"qemu-aarch64-static", "qemu-aarch64"} {
		if path, err := exec.LookPath(name); err == nil {
			return []string{path}
		}
	}
	tb.Fatalf("qemu-aarch64-static is not installed: it runs the linux/arm64 mkimage; make deps installs it (Debian package qemu-user-static)")
	return nil
}

// TestCrossMkimageRunsOnARM64 runs the linux/arm64 mkimage under qemu-user
// and has it build hello from source, build the kernel and boot them in
// QEMU: the whole `mkimage run` on a machine that is not x86-64. Its go
// commands run the host's own go binary (qemu-user execs native
// executables natively), and its environment says GOOS=darwin
// GOARCH=arm64, as a Mac's go would default to, so the run passes only if
// mkimage sets linux/amd64 itself for the kernel and for the program.
func TestCrossMkimageRunsOnARM64(t *testing.T) {
	emu := needQEMUUser(t)
	needQEMU(t)
	root := repoRoot(t)
	tool := crossMkimage(t, "linux", "arm64")
	if got := executableKind(t, tool); got != "linux/arm64" {
		t.Fatalf("%s is a %s executable, want linux/arm64", tool, got)
	}
	args := []string{"run", "-accel", "tcg", "-timeout", bootTimeout.String(), "./tests/programs/hello"}
	argv := append(append(emu, tool), args...)
	r := mkimageRun{Args: args, cmdRun: runCmd(cmdSpec{
		Label: "mkimage (linux/arm64 under qemu-user)", Name: argv[0], Args: argv[1:], Dir: root,
		Env:     []string{"GOBARE_ROOT=" + root, "GOOS=darwin", "GOARCH=arm64", "GOFLAGS=-buildvcs=false"},
		Timeout: bootTimeout + 5*time.Minute,
	})}
	r.wantExit(t, 0)
	r.wantLines(t, "hello, world")
}
