package image

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/gobare/gobare/internal/imagefmt"
)

// Module is gobare's Go module path.
const Module = "github.com/gobare/gobare"

// KernelBuildArgs are the `go build` arguments that make the kernel ELF:
// bounds checks off in kernel packages (a failed check would call into the
// runtime, which never runs there), text linked one page above
// imagefmt.KernelBase so that the ELF header lands at KernelBase, and the
// Multiboot entry as the ELF entry point.
func KernelBuildArgs(out string) []string {
	return []string{"build", "-trimpath",
		"-gcflags=" + Module + "/...=-B",
		fmt.Sprintf("-ldflags=-T %#x -E %s/boot.entry32", imagefmt.KernelBase+imagefmt.PageSize, Module),
		"-o", out, "./cmd/kernel"}
}

// BuildKernel builds the kernel ELF from the gobare source tree at root,
// always for linux/amd64 whatever the host (GOOS and GOARCH are set here,
// overriding the environment's).
func BuildKernel(root, out string) error {
	cmd := exec.Command("go", KernelBuildArgs(out)...)
	cmd.Dir = root
	// GOTOOLCHAIN=auto: the kernel is built by the toolchain gobare's go.mod
	// asks for, whatever the user chose for the program.
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64", "GOAMD64=v1", "GOFLAGS=", "GOTOOLCHAIN=auto")
	if outp, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building the kernel: %v\n%s", err, outp)
	}
	return nil
}

// FindRoot returns the gobare source tree: $GOBARE_ROOT, else the nearest
// directory above dir whose go.mod declares the gobare module.
func FindRoot(dir string) (string, error) {
	if r := os.Getenv("GOBARE_ROOT"); r != "" {
		return r, nil
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		b, err := os.ReadFile(filepath.Join(d, "go.mod"))
		if err == nil && strings.HasPrefix(string(b), "module "+Module+"\n") {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("cannot find the gobare source tree above %s; set GOBARE_ROOT", dir)
		}
	}
}

// Program is what mkimage embeds in an image.
type Program struct {
	ELF        []byte   // the program's ELF file; nil for a kernel-only image
	Files      []byte   // a cpio (newc) archive for the read-only file system, or nil
	Etc        []byte   // a cpio (newc) archive of files shown under /etc (zoneinfo/, localtime), or nil
	Service    []byte   // the network service's ELF file (run beside the program), or nil
	Argv       []string // argv, argv[0] first
	Env        []string // KEY=VALUE
	KernelArgs []string // words for the kernel command line
}

// Make turns the kernel ELF into a Multiboot image, with p embedded.
func Make(kernelELF []byte, p Program) ([]byte, error) {
	f, err := elf.NewFile(bytes.NewReader(kernelELF))
	if err != nil {
		return nil, fmt.Errorf("kernel: %v", err)
	}
	l, err := KernelLayout(f, kernelELF)
	if err != nil {
		return nil, err
	}
	if uint64(l.BSSEndAddr) > imagefmt.ProgramFloor {
		return nil, fmt.Errorf("kernel: its memory ends at %#x, above %#x where programs begin", l.BSSEndAddr, imagefmt.ProgramFloor)
	}
	img := bytes.Clone(kernelELF)
	args, err := packArgs(p)
	if err != nil {
		return nil, err
	}
	descOff, err := embeddedOffset(f)
	if err != nil {
		return nil, err
	}
	if string(img[descOff:descOff+8]) != imagefmt.MagicString {
		return nil, fmt.Errorf("kernel: embedded-program descriptor not found")
	}
	var blobs [4][2]uint64 // address and size of the program, the files, /etc's files, the service
	if p.ELF != nil || p.Files != nil || p.Etc != nil || p.Service != nil {
		// The image becomes the kernel's memory image (its bss as zeros),
		// then the program and the files, each on a page boundary; the
		// loader loads it all.
		img = img[:l.LoadEndAddr-l.LoadAddr]
		end := int(l.BSSEndAddr - l.LoadAddr)
		for i, blob := range [][]byte{p.ELF, p.Files, p.Etc, p.Service} {
			if blob == nil {
				continue
			}
			off := (max(end, len(img)) + imagefmt.PageSize - 1) &^ (imagefmt.PageSize - 1)
			img = append(img, make([]byte, off-len(img))...)
			img = append(img, blob...)
			blobs[i] = [2]uint64{uint64(l.LoadAddr) + uint64(off), uint64(len(blob))}
		}
		if uint64(len(img))+uint64(l.LoadAddr) > 1<<32 {
			return nil, fmt.Errorf("the image is %d MiB: too big to load below 4 GiB", len(img)>>20)
		}
		l.LoadEndAddr = l.LoadAddr + uint32(len(img))
		l.BSSEndAddr = l.LoadEndAddr
	}
	d := img[descOff:]
	le := binary.LittleEndian
	le.PutUint64(d[imagefmt.OffAddr:], blobs[0][0])
	le.PutUint64(d[imagefmt.OffSize:], blobs[0][1])
	le.PutUint64(d[imagefmt.OffFilesAddr:], blobs[1][0])
	le.PutUint64(d[imagefmt.OffFilesSize:], blobs[1][1])
	le.PutUint64(d[imagefmt.OffEtcAddr:], blobs[2][0])
	le.PutUint64(d[imagefmt.OffEtcSize:], blobs[2][1])
	le.PutUint64(d[imagefmt.OffSvcAddr:], blobs[3][0])
	le.PutUint64(d[imagefmt.OffSvcSize:], blobs[3][1])
	copy(d[imagefmt.OffArgs:imagefmt.OffArgs+imagefmt.ArgsSize], args)
	PutHeader(img, l)
	return img, nil
}

// embeddedOffset finds the file offset of kernel.embedded (imagefmt.Symbol),
// checking that the whole descriptor lies in the file.
func embeddedOffset(f *elf.File) (int, error) {
	syms, err := f.Symbols()
	if err != nil {
		return 0, fmt.Errorf("kernel: %v", err)
	}
	for _, s := range syms {
		if s.Name == imagefmt.Symbol {
			if s.Size != imagefmt.DescriptorSize {
				return 0, fmt.Errorf("kernel: %s is %d bytes, not %d: kernel and mkimage disagree", s.Name, s.Size, imagefmt.DescriptorSize)
			}
			for _, p := range f.Progs {
				if p.Type == elf.PT_LOAD && s.Value >= p.Vaddr && s.Value+s.Size <= p.Vaddr+p.Filesz {
					return int(s.Value - p.Vaddr + p.Off), nil
				}
			}
		}
	}
	return 0, fmt.Errorf("kernel: symbol kernel.embedded not found")
}

// packArgs lays out argv, env and kernel arguments as imagefmt.Embedded.Args
// wants.
func packArgs(p Program) ([]byte, error) {
	var b []byte
	for _, list := range [][]string{p.Argv, p.Env, p.KernelArgs} {
		for _, s := range list {
			if s == "" || strings.IndexByte(s, 0) >= 0 {
				return nil, fmt.Errorf("argument %q: empty or contains NUL", s)
			}
			b = append(append(b, s...), 0)
		}
		b = append(b, 0)
	}
	if len(b) > imagefmt.ArgsSize {
		return nil, fmt.Errorf("arguments and environment take %d bytes; at most %d fit", len(b), imagefmt.ArgsSize)
	}
	return b, nil
}
