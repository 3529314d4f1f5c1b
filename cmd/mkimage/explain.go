package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/gobare/gobare/internal/explain"
)

// exitExplain is explain's status when the program cannot be explained.
const exitExplain = 1

// explainCmd implements `mkimage explain PROGRAM`: it prints how PROGRAM
// boots, from its ELF file alone (see package internal/explain).
func explainCmd(args []string) int {
	fs := flag.NewFlagSet("explain", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: mkimage explain PROGRAM\n\n"+
			"Explain how PROGRAM, a static linux/amd64 Go ELF file, boots: its entry, the jump\n"+
			"chain to runtime.rt0_go (disassembled in Go and GNU syntax), each bootstrap step,\n"+
			"runtime.g0/m0 and the g/m field offsets, and how main.main finds g.\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return exitUsage
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return exitUsage
	}
	path, cleanup, err := explainPath(fs.Arg(0))
	if err != nil {
		return fatalf(exitExplain, "explain: %v", err)
	}
	defer cleanup()
	if err := explain.Explain(os.Stdout, path); err != nil {
		return fatalf(exitExplain, "explain: %v", err)
	}
	return 0
}

// explainPath turns the PROGRAM argument into the path of an ELF file to
// read, and a function that removes anything made for it. For now PROGRAM
// must be a file; this is the hook where a Go package could be built first
// (with resolveProgram into a temporary directory, then cleanup removes it).
func explainPath(arg string) (path string, cleanup func(), err error) {
	st, err := os.Stat(arg)
	if err != nil {
		return "", nil, err
	}
	if !st.Mode().IsRegular() {
		return "", nil, fmt.Errorf("%s is not a file (give the path of a Go program's ELF file)", arg)
	}
	return arg, func() {}, nil
}
