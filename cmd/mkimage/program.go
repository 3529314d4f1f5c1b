package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/gobare/gobare/internal/goabi"
	"github.com/gobare/gobare/internal/imagefmt"
	"github.com/gobare/gobare/kernel/elf"
)

// program is a resolved PROGRAM argument.
type program struct {
	name  string // argv[0]: the file or package's base name
	elf   []byte
	entry string // "rt" when linked with rt/, "stock" otherwise
	mem   uint64 // bytes its PT_LOAD segments occupy in memory
}

// resolveProgram reads PROGRAM as an ELF file if it is one, and otherwise
// builds it as a Go package with the stock toolchain into dir, linking rt/
// as rtMode says (auto, on, off). Either way the ELF is checked as the
// kernel will check it.
func resolveProgram(arg, dir, rtMode, root string) (program, error) {
	var p program
	if st, err := os.Stat(arg); err == nil && st.Mode().IsRegular() {
		b, err := os.ReadFile(arg)
		if err != nil {
			return p, err
		}
		p = program{name: filepath.Base(arg), elf: b, entry: "stock"}
	} else {
		var err error
		if p, err = buildProgram(arg, dir, rtMode, root); err != nil {
			return p, err
		}
	}
	prog, e := elf.Check(p.elf, imagefmt.ProgramFloor)
	if e != elf.ErrNone {
		return p, fmt.Errorf("%s", strings.TrimPrefix(elf.Describe(p.name, prog, e), "gobare: "))
	}
	p.mem = loadedSize(prog)
	return p, nil
}

// loadedSize is the memory a checked program's PT_LOAD segments take:
// the kernel gives each of their pages a frame before the program starts.
func loadedSize(prog elf.Program) uint64 {
	var n uint64
	for _, s := range prog.Segments[:prog.NSegments] {
		n += s.Memsz
	}
	return n
}

// buildProgram builds a Go package: a directory in its own module, or an
// import path from the current directory's module.
func buildProgram(arg, dir, rtMode, root string) (program, error) {
	p := program{name: filepath.Base(strings.TrimSuffix(arg, "/")), entry: "stock"}
	wd, pkg := "", arg
	if st, err := os.Stat(arg); err == nil && st.IsDir() {
		wd, pkg = arg, "."
		if abs, err := filepath.Abs(arg); err == nil {
			p.name = filepath.Base(abs)
		}
	}
	out := filepath.Join(dir, p.name)
	build := func(extra ...string) error {
		args := append(append([]string{"build", "-o", out}, extra...), pkg)
		cmd := exec.CommandContext(interrupted, "go", args...) // a signal to mkimage stops the build (signals.go)
		cmd.Dir = wd
		cmd.Env = goEnv()
		if outp, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build %s: %v\n%s", arg, err, strings.TrimSpace(string(outp)))
		}
		return nil
	}
	var rtErr error
	if rtMode != "off" {
		if rtErr = buildWithRT(&p, wd, pkg, out, dir, root, build); rtErr != nil && rtMode == "on" {
			return p, rtErr
		}
	}
	if p.entry == "stock" {
		if err := build(); err != nil {
			// The stock build's error says what is wrong with the
			// program; rt/'s, which came first, would only repeat it.
			return p, err
		}
		if rtErr != nil {
			fmt.Fprintf(os.Stderr, "mkimage: %v; using the stock entry\n", rtErr)
		}
	}
	var err error
	p.elf, err = os.ReadFile(out)
	return p, err
}

// buildWithRT builds the program with rt/ linked in and checks rt/'s
// offsets against the program's DWARF.
func buildWithRT(p *program, wd, pkg, out, dir, root string, build func(...string) error) error {
	cmd := exec.Command("go", "list", "-f", "{{.Dir}}\n{{.Name}}\n{{with .Module}}{{.GoMod}}{{end}}", pkg)
	cmd.Dir = wd
	cmd.Env = goEnv()
	info, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("rt: go list %s: %v", pkg, err)
	}
	lines := strings.Split(strings.TrimSpace(string(info)), "\n")
	if len(lines) < 3 || lines[1] != "main" || lines[2] == "" {
		return fmt.Errorf("rt: %s is not a main package in a module", pkg)
	}
	tmp, err := os.MkdirTemp(dir, "rt")
	if err != nil {
		return err
	}
	overlay, err := rtOverlay(lines[0], lines[2], root, tmp)
	if err != nil {
		return err
	}
	// Go 1.23's linker refuses references to runtime internals unless
	// -checklinkname=0; older linkers neither check nor know the flag.
	ldflags := "-E=" + rtEntry
	if goVersionAtLeast(lines[0], 23) {
		ldflags = "-checklinkname=0 " + ldflags
	}
	if err := build("-overlay", overlay, "-ldflags="+ldflags); err != nil {
		return fmt.Errorf("rt: %v", err)
	}
	layout, err := goabi.Read(out)
	if err != nil {
		return fmt.Errorf("rt: %v", err)
	}
	rtOffsets, err := rtLayout(lines[0], overlay)
	if err != nil {
		return err
	}
	if why := rtMismatch(rtOffsets, layout); why != "" {
		return fmt.Errorf("rt/ does not know %s's runtime layout (%s)", layout.GoVersion, why)
	}
	p.entry = "rt"
	return nil
}

// goVersionAtLeast reports whether the toolchain that builds in dir is Go
// 1.minor or newer.
func goVersionAtLeast(dir string, minor int) bool {
	cmd := exec.Command("go", "env", "GOVERSION")
	cmd.Dir = dir
	cmd.Env = goEnv()
	out, err := cmd.Output()
	if err != nil {
		return true
	}
	var major, m int
	if _, err := fmt.Sscanf(strings.TrimSpace(string(out)), "go%d.%d", &major, &m); err != nil {
		return true // a development version: assume new
	}
	return major > 1 || m >= minor
}
