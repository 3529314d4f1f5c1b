package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/gobare/gobare/kernel/elf"
	"github.com/gobare/gobare/kernel/mem"
)

// program is a resolved PROGRAM argument.
type program struct {
	name string // argv[0]: the file or package's base name
	elf  []byte
}

// resolveProgram reads PROGRAM as an ELF file if it is one, and otherwise
// builds it as a Go package with the stock toolchain, into dir. Either way
// the ELF is checked as the kernel will check it.
func resolveProgram(arg, dir string) (program, error) {
	var p program
	if st, err := os.Stat(arg); err == nil && st.Mode().IsRegular() {
		b, err := os.ReadFile(arg)
		if err != nil {
			return p, err
		}
		p = program{name: filepath.Base(arg), elf: b}
	} else {
		p.name = filepath.Base(strings.TrimSuffix(arg, "/"))
		if p.name == "." {
			wd, _ := os.Getwd()
			p.name = filepath.Base(wd)
		}
		out := filepath.Join(dir, p.name)
		cmd := exec.Command("go", "build", "-o", out, arg)
		if st, err := os.Stat(arg); err == nil && st.IsDir() {
			// A directory builds in its own module, wherever it is.
			cmd = exec.Command("go", "build", "-o", out, ".")
			cmd.Dir = arg
		}
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
		if outp, err := cmd.CombinedOutput(); err != nil {
			return p, fmt.Errorf("go build %s: %v\n%s", arg, err, strings.TrimSpace(string(outp)))
		}
		if p.elf, err = os.ReadFile(out); err != nil {
			return p, err
		}
		arg = p.name
	}
	prog, e := elf.Check(p.elf, mem.ProgramFloor)
	if e != elf.ErrNone {
		return p, fmt.Errorf("%s", strings.TrimPrefix(elf.Describe(arg, prog, e), "gobare: "))
	}
	return p, nil
}
