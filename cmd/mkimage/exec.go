package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gobare/gobare/internal/cpioarchive"
	"github.com/gobare/gobare/internal/image"
	"github.com/gobare/gobare/qemu"
)

// mkimage exec BINARY [ARGS...] is a `go test -exec` wrapper:
//
//	CGO_ENABLED=0 go test -exec "mkimage exec" -short sort strings
//
// go test runs it in the package's source directory with the test binary
// and its flags. exec packs that directory (testdata included) into the
// image's file system at the same absolute path, which is the program's
// working directory — writable through the kernel's overlay, so tests
// that write beside their sources pass, unless GOBARE_FILES_RO=1 — with
// a few more files tests expect
// (execArchive), boots the binary with its arguments (argv[0] is the
// binary's absolute path, as under go test) and a copy of the environment
// the test needs (execEnvVars, $GOBARE_PASSENV), streams the console to
// standard output and exits with the guest's status.
//
// Test binaries must be static: on a host with a C compiler, a package
// whose tests import net (or os/user) is linked with cgo, which gobare
// refuses in one line; CGO_ENABLED=0 avoids it.

// execEnvVars are the host variables exec passes to the program when they
// are set. $GOBARE_PASSENV (comma-separated names) adds more. GOROOT is
// always set (from `go env GOROOT` when the host has none) and PWD is the
// working directory.
var execEnvVars = []string{
	"GOROOT", "GOPATH", "GOCACHE", "HOME", "PATH", "GOOS", "GOARCH", "GODEBUG",
	"GOTRACEBACK", "GOMAXPROCS", "TMPDIR", "USER", "LANG",
}

// Settings from the environment, documented in execUsage.
const (
	execDefaultMemMiB  = 512
	execServiceMemMiB  = 64 // added for the network service's code, heap and stacks
	execDefaultTimeout = 10 * time.Minute
	execTimeoutSlack   = time.Minute
)

const execUsage = `usage: mkimage exec BINARY [ARGS...]

Boot BINARY, a static linux/amd64 Go program (a test binary from go test),
with ARGS in QEMU, serving the current directory at its own path as the
program's working directory, writable in the guest's RAM (an overlay: the
host's files never change); exit with the program's status. Also served
at their own paths: the testdata directories above the
current one up to the module root (for ../testdata), BINARY itself (its
argv[0]), $GOROOT/lib/time/zoneinfo.zip, and $GOBARE_FILES. Made for
go test:

	CGO_ENABLED=0 go test -exec "mkimage exec" -short PKG...

Environment:
  GOBARE_ACCEL    auto (default), kvm or tcg
  GOBARE_SMP      the machine's CPUs (default: the host's cores, at most 8)
  GOBARE_MEM      guest RAM in MiB for the program (default 512; the size
                  of the packed directory is added)
  GOBARE_PASSENV  comma-separated names of more variables to pass to the
                  program (passed when set: GOROOT GOPATH GOCACHE HOME PATH
                  GOOS GOARCH GODEBUG GOTRACEBACK GOMAXPROCS TMPDIR USER LANG;
                  PWD is the working directory)
  GOBARE_NET      auto (default): QEMU's user network (10.0.2.15, the
                  host at 10.0.2.2) and gobare's network service when
                  the program links package net; user: always; off: never
  GOBARE_FILES    comma-separated host files and directories to serve too
  GOBARE_APPEND   more kernel command-line words (e.g. trace)
  GOBARE_QUIET=0  keep the kernel's own boot lines (quiet by default)
  GOBARE_FILES_RO=1  serve the files read-only (writes fail with EROFS)
  GOBARE_ROOT     the gobare source tree (default: found above the current
                  directory or above the mkimage binary)

The guest runs for at most the -test.timeout value plus one minute, or 10
minutes without one (none with -test.timeout=0).
`

// execCmd implements `mkimage exec`.
func execCmd(args []string) int {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, execUsage)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help":
		fmt.Print(execUsage)
		return 0
	}
	status, err := execRun(args[0], args[1:])
	if err != nil {
		return fatalf(exitFailed, "exec: %v", err)
	}
	return status
}

// execRun builds the image for binary and boots it; it returns the guest's
// status, or an error when nothing could run.
func execRun(binary string, args []string) (int, error) {
	if _, err := os.Stat(binary); err != nil {
		return 0, err
	}
	cwd, err := os.Getwd()
	if err != nil {
		return 0, err
	}
	accel := os.Getenv("GOBARE_ACCEL")
	if accel == "" {
		accel = "auto"
	}
	memMiB := execDefaultMemMiB
	if s := os.Getenv("GOBARE_MEM"); s != "" {
		if memMiB, err = strconv.Atoi(s); err != nil || memMiB < 16 {
			return 0, fmt.Errorf("GOBARE_MEM=%q: want a number of MiB (at least 16)", s)
		}
	}
	smp, err := qemu.DefaultSMP()
	if err != nil {
		return 0, err
	}
	timeout, err := execTimeout(args)
	if err != nil {
		return 0, err
	}

	binAbs, err := filepath.Abs(binary)
	if err != nil {
		return 0, err
	}
	archive, err := execArchive(cwd, binAbs)
	if err != nil {
		return 0, err
	}
	memMiB += (len(archive) + (1<<20 - 1)) >> 20

	root, err := sourceRoot(cwd)
	if err != nil {
		return 0, err
	}
	tmp, err := os.MkdirTemp("", "mkimage-exec")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(tmp)
	kernel, err := buildKernel(root, tmp)
	if err != nil {
		return 0, err
	}
	prog, err := resolveProgram(binary, tmp, "off", root)
	if err != nil {
		if strings.Contains(err.Error(), "CGO_ENABLED=0") {
			err = fmt.Errorf("%v (with go test: CGO_ENABLED=0 go test -exec ...)", err)
		}
		return 0, err
	}
	network, err := execNetwork(prog.elf)
	if err != nil {
		return 0, err
	}
	var service []byte
	if network != "" {
		if service, err = buildService(buildFlags{netsvc: serviceGobare, rt: "off"}, tmp, root); err != nil {
			return 0, err
		}
		memMiB += execServiceMemMiB
	}
	var words []string
	if os.Getenv("GOBARE_QUIET") != "0" {
		words = append(words, "quiet")
	}
	words = append(words, "mount=/", "cwd="+cwd)
	if os.Getenv("GOBARE_FILES_RO") != "1" {
		words = append(words, overlayWord) // tests may write beside their sources
	}
	words = append(words, "entry="+prog.entry)
	words = append(words, strings.Fields(os.Getenv("GOBARE_APPEND"))...)
	p := image.Program{
		ELF:        prog.elf,
		Service:    service,
		Files:      archive,
		Argv:       append([]string{binAbs}, args...),
		Env:        execEnv(cwd),
		KernelArgs: words,
	}
	addEtc(&p)
	img, err := image.Make(kernel, p)
	if err != nil {
		return 0, err
	}
	imgPath := filepath.Join(tmp, "gobare.img")
	if err := os.WriteFile(imgPath, img, 0o644); err != nil {
		return 0, err
	}
	stderr := qemu.NewSharedStderr(os.Stderr, false)
	res, err := qemu.Run(interrupted, qemu.Config{
		Kernel:        imgPath,
		MemoryMiB:     memMiB,
		SMP:           smp,
		Accel:         accel,
		Timeout:       timeout,
		Net:           network,
		Stdin:         execStdin(),
		Stdout:        os.Stdout,
		Stderr:        os.Stderr,
		Streams:       true,
		ProgramStderr: stderr.Program(),
		Log:           stderr.Kernel(),
	})
	stderr.Flush()
	if errors.Is(err, qemu.ErrTimeout) {
		fmt.Fprintf(os.Stderr, "mkimage: exec: %s: %v\n", prog.name, err)
		return exitTimeout, nil
	}
	if err != nil {
		return 0, err
	}
	return res.ExitCode, nil
}

// execArchive makes the file system a test binary sees, mounted at "/":
// the working directory (the package's source, testdata included) at its
// own path; the testdata directories of the directories above it, up to
// the module root (the nearest go.mod: $GOROOT/src for the standard
// library), which tests read as ../testdata; $GOROOT/lib/time/zoneinfo.zip,
// the time zone database Go falls back to; the test binary itself at its
// own path (it is argv[0], and tests open os.Executable()); and the files
// and directories named in $GOBARE_FILES (comma-separated), at their own
// paths.
func execArchive(cwd, binary string) ([]byte, error) {
	if err := cpioarchive.CheckMount(cwd); err != nil {
		return nil, fmt.Errorf("working directory: %v", err)
	}
	b := cpioarchive.NewBuilder(cpioarchive.Options{Limit: filesLimit})
	if err := b.AddTree(cwd, cwd); err != nil {
		return nil, fmt.Errorf("files: %v", err)
	}
	for d := cwd; ; {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(d)
		if parent == d {
			break
		}
		d = parent
		if st, err := os.Stat(filepath.Join(d, "testdata")); err == nil && st.IsDir() {
			if err := b.AddTree(filepath.Join(d, "testdata"), filepath.Join(d, "testdata")); err != nil {
				return nil, fmt.Errorf("files: %v", err)
			}
		}
	}
	if goroot := execGOROOT(); goroot != "" {
		zi := filepath.Join(goroot, "lib", "time", "zoneinfo.zip")
		if _, err := os.Stat(zi); err == nil {
			if err := b.AddFile(zi, zi); err != nil {
				return nil, fmt.Errorf("files: %v", err)
			}
		}
	}
	if err := b.AddFile(binary, binary); err != nil {
		return nil, fmt.Errorf("files: %v", err)
	}
	for _, p := range strings.Split(os.Getenv("GOBARE_FILES"), ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		abs, err := filepath.Abs(p)
		if err != nil {
			return nil, err
		}
		st, err := os.Stat(abs)
		if err != nil {
			return nil, fmt.Errorf("GOBARE_FILES: %v", err)
		}
		if st.IsDir() {
			err = b.AddTree(abs, abs)
		} else {
			err = b.AddFile(abs, abs)
		}
		if err != nil {
			return nil, fmt.Errorf("GOBARE_FILES: %v", err)
		}
	}
	archive, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("files: %v", err)
	}
	return archive, nil
}

// execGOROOT is the GOROOT exec passes to the program.
func execGOROOT() string {
	if v := os.Getenv("GOROOT"); v != "" {
		return v
	}
	return goEnvGOROOT()
}

// execTimeout is how long the guest may run: the test binary's
// -test.timeout plus a minute (the binary's own timeout panics first and
// prints the goroutines), execDefaultTimeout without one, and no limit
// for -test.timeout=0.
func execTimeout(args []string) (time.Duration, error) {
	for i, a := range args {
		name, value, hasValue := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-"), "=")
		if name != "test.timeout" || !strings.HasPrefix(a, "-") {
			continue
		}
		if !hasValue {
			if i+1 >= len(args) {
				return 0, fmt.Errorf("-test.timeout without a value")
			}
			value = args[i+1]
		}
		d, err := time.ParseDuration(value)
		if err != nil {
			return 0, fmt.Errorf("-test.timeout=%s: %v", value, err)
		}
		if d <= 0 {
			return 0, nil
		}
		return d + execTimeoutSlack, nil
	}
	return execDefaultTimeout, nil
}

// execEnv is the program's environment: execEnvVars and $GOBARE_PASSENV
// from the host when set, GOROOT always, PWD the working directory.
func execEnv(cwd string) []string {
	names := append([]string(nil), execEnvVars...)
	for _, n := range strings.Split(os.Getenv("GOBARE_PASSENV"), ",") {
		if n = strings.TrimSpace(n); n != "" {
			names = append(names, n)
		}
	}
	seen := map[string]bool{"PWD": true}
	env := []string{"PWD=" + cwd}
	for _, n := range names {
		if seen[n] {
			continue
		}
		seen[n] = true
		v, ok := os.LookupEnv(n)
		if n == "GOROOT" && v == "" {
			v, ok = execGOROOT(), true
		}
		if !ok || v == "" || strings.ContainsRune(v, 0) || strings.ContainsRune(n, '=') {
			continue
		}
		env = append(env, n+"="+v)
	}
	return env
}

// goEnvGOROOT asks the go command for GOROOT.
func goEnvGOROOT() string {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// execStdin is the program's standard input: the wrapper's own when it is
// a file or a pipe, and an empty input (end of file at once) when it is a
// terminal, as under go test, which gives test binaries /dev/null.
func execStdin() io.Reader {
	if qemu.IsTerminal(os.Stdin) {
		return strings.NewReader("")
	}
	return os.Stdin
}
