package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gobare/gobare/internal/image"
	"github.com/gobare/gobare/internal/imagefmt"
	"github.com/gobare/gobare/kernel/elf"
)

// buildFlags are the flags build and run share.
type buildFlags struct {
	out    string
	env    listFlag
	append string
	rt     string
	files  string // -files DIR[:/MOUNT][:rw] (files.go)
	netsvc string // -netsvc PROGRAM: the network service (net.go)
}

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func (b *buildFlags) register(fs *flag.FlagSet) {
	fs.Var(&b.env, "env", "environment variable `K=V` for the program (repeatable)")
	fs.StringVar(&b.append, "append", "", "kernel command-line `words` (e.g. trace)")
	fs.StringVar(&b.rt, "rt", "auto", "link gobare's rt0 into programs built from source: auto, on or off")
	fs.StringVar(&b.netsvc, "netsvc", "", "run `PROGRAM` (a Go package or static ELF; gobare: gobare's netsvc, the default with run -net; none) beside the program as its network service, in an address space of its own, with /dev/net0")
	fs.StringVar(&b.files, "files", "", "serve `DIR[:/MOUNT][:rw]` to the program at MOUNT (default /), its working directory: read-only, or with :rw writable in RAM (an overlay; the host's files never change)")
}

func buildCmd(args []string) int {
	fs := flag.NewFlagSet("build", flag.ContinueOnError)
	var bf buildFlags
	bf.register(fs)
	fs.StringVar(&bf.out, "o", "", "write the image to `IMAGE` (default: PROGRAM.img, or gobare.img)")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if err := bf.check(); err != nil {
		return fatalf(exitUsage, "%v", err)
	}
	img, err := makeImage(bf, fs.Args(), nil)
	if err != nil || interrupted.Err() != nil {
		return fatalf(exitFailed, "%v", err) // after a signal: silent, no image
	}
	out := bf.out
	if out == "" {
		out = img.name + ".img"
	}
	if err := os.WriteFile(out, img.bytes, 0o644); err != nil {
		return fatalf(exitFailed, "%v", err)
	}
	if err := os.WriteFile(kernelELFPath(out), lastKernelELF, 0o644); err != nil {
		return fatalf(exitFailed, "%v", err)
	}
	fmt.Println(out)
	return 0
}

// builtImage is what makeImage made.
type builtImage struct {
	bytes   []byte
	name    string // a short name: the program's, or "gobare"
	progMem uint64 // bytes the loaded segments of the program and the service occupy
}

// makeImage builds the kernel and the program named by args (if any) into
// an image. extraKernelArgs are appended to the kernel command line.
func makeImage(bf buildFlags, args []string, extraKernelArgs []string) (builtImage, error) {
	out := builtImage{name: "gobare"}
	cwd, err := os.Getwd()
	if err != nil {
		return out, err
	}
	root, err := sourceRoot(cwd)
	if err != nil {
		return out, err
	}
	tmp, err := os.MkdirTemp("", "mkimage")
	if err != nil {
		return out, err
	}
	defer os.RemoveAll(tmp)
	kernel, err := buildKernel(root, tmp)
	if err != nil {
		return out, err
	}
	p := image.Program{Env: bf.env, KernelArgs: append(strings.Fields(bf.append), extraKernelArgs...)}
	if err := addFiles(&p, bf.files); err != nil {
		return out, err
	}
	if len(args) > 0 {
		prog, err := resolveProgram(args[0], tmp, bf.rt, root)
		if err != nil {
			return out, err
		}
		p.ELF = prog.elf
		out.name, out.progMem = prog.name, prog.mem
		p.Argv = append([]string{prog.name}, args[1:]...)
		p.KernelArgs = append(p.KernelArgs, "entry="+prog.entry)
	}
	if p.Service, err = buildService(bf, tmp, root); err != nil {
		return out, err
	}
	if p.Service != nil {
		svc, _ := elf.Check(p.Service, imagefmt.ProgramFloor) // checked by buildService
		out.progMem += loadedSize(svc)
	}
	out.bytes, err = image.Make(kernel, p)
	return out, err
}

// buildKernel builds the kernel from the source tree at root into dir and
// returns its ELF file.
func buildKernel(root, dir string) ([]byte, error) {
	path := filepath.Join(dir, "kernel.elf")
	if err := image.BuildKernel(root, path); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(path)
	lastKernelELF = b
	return b, err
}

// lastKernelELF is the kernel ELF makeImage built last. build, iso and run
// -gdb keep it beside the image (kernelELFPath): GDB reads its symbols, DWARF
// and line tables, which the image's own unnamed sections do not carry.
var lastKernelELF []byte

// kernelELFPath is where the kernel ELF of the image at img is kept:
// gobare.img -> gobare.kernel.elf.
func kernelELFPath(img string) string {
	return strings.TrimSuffix(img, filepath.Ext(img)) + ".kernel.elf"
}

// sourceRoot finds the gobare source tree, which the kernel is built from:
// $GOBARE_ROOT, else above the working directory (a package inside gobare),
// else above the mkimage binary (bin/mkimage in the tree).
func sourceRoot(cwd string) (string, error) {
	root, err := image.FindRoot(cwd)
	if err == nil {
		return root, nil
	}
	if exe, e := os.Executable(); e == nil {
		if real, e := filepath.EvalSymlinks(exe); e == nil {
			exe = real
		}
		if r, e := image.FindRoot(filepath.Dir(exe)); e == nil {
			return r, nil
		}
	}
	return "", fmt.Errorf("cannot find the gobare source tree above %s or the mkimage binary; set GOBARE_ROOT", cwd)
}
