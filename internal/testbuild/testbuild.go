// Package testbuild builds small Go programs for tests, once each per test
// binary, into a temporary directory that Main removes when the tests end.
//
// Programs are built for linux/amd64 with cgo off, by the host's toolchain
// ("local") or by a named Go release, which the go command fetches through
// GOTOOLCHAIN (this needs the module proxy the first time).
package testbuild

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// DefaultToolchains are the releases GOBARE_TOOLCHAINS=1 stands for.
var DefaultToolchains = []string{"go1.21.13", "go1.24.13", "go1.26.8", "go1.27.4"}

// Toolchains returns the Go releases GOBARE_TOOLCHAINS asks tests to build
// with: none if it is unset or "0", DefaultToolchains if it is "1", and
// otherwise its comma-separated list, e.g. GOBARE_TOOLCHAINS=go1.21.13,go1.27.4.
func Toolchains() []string {
	switch v := os.Getenv("GOBARE_TOOLCHAINS"); v {
	case "", "0":
		return nil
	case "1":
		return DefaultToolchains
	default:
		return strings.Split(v, ",")
	}
}

const helloSrc = `package main

import "fmt"

func main() { fmt.Println("hello, world") }
`

// goMod declares a go line old enough for every release in DefaultToolchains.
const goMod = "module prog\n\ngo 1.21\n"

var (
	mu     sync.Mutex
	tmpDir string
	built  = map[string]string{} // key → binary
)

// Hello returns the path of a hello world built by toolchain ("local" for
// the host's) with the given -ldflags, building it on first use.
func Hello(tb testing.TB, toolchain, ldflags string) string {
	tb.Helper()
	key := "hello_" + toolchain + "_" + strings.ReplaceAll(ldflags, " ", "")
	return Build(tb, key, map[string]string{"hello.go": helloSrc}, toolchain, ldflags)
}

// Build returns the path of the program whose sources are given as
// file name → text (go.mod is added), built by toolchain ("local" for the
// host's) with the given -ldflags. It builds once per key: a later call
// with the same key returns the first binary whatever its other arguments.
func Build(tb testing.TB, key string, files map[string]string, toolchain, ldflags string) string {
	tb.Helper()
	mu.Lock()
	defer mu.Unlock()
	if bin, ok := built[key]; ok {
		return bin
	}
	if tmpDir == "" {
		d, err := os.MkdirTemp("", "testbuild-")
		if err != nil {
			tb.Fatal(err)
		}
		tmpDir = d
	}
	dir, err := os.MkdirTemp(tmpDir, "build-")
	if err != nil {
		tb.Fatal(err)
	}
	src := filepath.Join(dir, "src")
	if err := os.Mkdir(src, 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "go.mod"), []byte(goMod), 0o644); err != nil {
		tb.Fatal(err)
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(src, name), []byte(text), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	bin := filepath.Join(dir, strings.NewReplacer("/", "_", "=", "", "-", "").Replace(key))
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags="+ldflags, "-o", bin, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN="+toolchain, "CGO_ENABLED=0",
		"GOOS=linux", "GOARCH=amd64", "GOWORK=off", "GOFLAGS=-buildvcs=false")
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("building %s with %s: %v\n%s", key, toolchain, err, out)
	}
	built[key] = bin
	return bin
}

// Main runs the tests, removes everything Build wrote and exits with the
// tests' status. A package whose tests use Build calls it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	mu.Lock()
	if tmpDir != "" {
		os.RemoveAll(tmpDir)
	}
	mu.Unlock()
	os.Exit(code)
}
