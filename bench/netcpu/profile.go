package main

import (
	"bytes"
	"debug/elf"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// Resolving samples. The kernel lies below the programs' floor (0x400000)
// and in the upper half; the program and the network service are both
// linked at 0x400000, so a user-mode sample is the one whose code bytes
// at RIP match (each address space by its CR3, decided by most samples).

// programFloor is where both programs are linked (mem.ProgramFloor).
const programFloor = 0x400000

// binaryFile is an ELF file and its function symbols, sorted.
type binaryFile struct {
	f     *elf.File
	addrs []uint64
	names []string
}

func load(f *elf.File) *binaryFile {
	b := &binaryFile{f: f}
	syms, _ := f.Symbols()
	sort.Slice(syms, func(i, j int) bool { return syms[i].Value < syms[j].Value })
	for _, s := range syms {
		if t := elf.ST_TYPE(s.Info); t == elf.STT_FUNC || t == elf.STT_NOTYPE {
			b.addrs = append(b.addrs, s.Value)
			b.names = append(b.names, s.Name)
		}
	}
	return b
}

// name returns the function at a.
func (b *binaryFile) name(a uint64) string {
	if b == nil {
		return fmt.Sprintf("%#x", a)
	}
	i := sort.Search(len(b.addrs), func(i int) bool { return b.addrs[i] > a }) - 1
	if i < 0 {
		return fmt.Sprintf("%#x", a)
	}
	return b.names[i]
}

// code returns the 16 bytes of the file's image at a, nil outside it.
func (b *binaryFile) code(a uint64) []byte {
	if b == nil {
		return nil
	}
	for _, p := range b.f.Progs {
		if p.Type == elf.PT_LOAD && a >= p.Vaddr && a+16 <= p.Vaddr+p.Filesz {
			c := make([]byte, 16)
			p.ReadAt(c, int64(a-p.Vaddr))
			return c
		}
	}
	return nil
}

// service finds the network service's ELF among those packed in the
// image: the one with gVisor's stack in it.
func service(image string) *binaryFile {
	img, err := os.ReadFile(image)
	if err != nil {
		return nil
	}
	for off := 0; ; off += 4 {
		i := bytes.Index(img[off:], []byte("\x7fELF\x02\x01\x01"))
		if i < 0 {
			return nil
		}
		off += i
		f, err := elf.NewFile(bytes.NewReader(img[off:]))
		if err != nil {
			continue
		}
		if b := load(f); b.has("gvisor.dev/gvisor/pkg/tcpip/stack.New") {
			return b
		}
	}
}

func (b *binaryFile) has(name string) bool {
	for _, n := range b.names {
		if n == name {
			return true
		}
	}
	return false
}

func open(path string) *binaryFile {
	f, err := elf.Open(path)
	if err != nil {
		return nil
	}
	return load(f)
}

// report prints the share of kernel, program and service, then the
// packages and the functions that took the most samples.
func report(w io.Writer, samples []sample, kernelELF, programELF, image string) {
	if len(samples) == 0 {
		fmt.Fprintln(w, "no samples")
		return
	}
	kernel, program, svc := open(kernelELF), open(programELF), service(image)
	votes := map[uint64]int{} // > 0: the service's address space
	for _, s := range samples {
		if s.rip >= programFloor && s.rip < 1<<47 {
			if bytes.Equal(svc.code(s.rip), s.code) {
				votes[s.cr3]++
			}
			if bytes.Equal(program.code(s.rip), s.code) {
				votes[s.cr3]--
			}
		}
	}
	byFunc, byPkg, byPart := map[string]int{}, map[string]int{}, map[string]int{}
	for _, s := range samples {
		part, name := "program", ""
		switch {
		case s.rip < programFloor || s.rip >= 1<<47:
			part, name = "kernel", kernel.name(s.rip)
		case votes[s.cr3] > 0:
			part, name = "service", svc.name(s.rip)
		default:
			name = program.name(s.rip)
		}
		byPart[part]++
		byFunc[part+" "+name]++
		byPkg[part+" "+pkgOf(name)]++
	}
	n := float64(len(samples))
	fmt.Fprintf(w, "%d samples: kernel %.1f%%, program %.1f%%, service %.1f%%\n",
		len(samples), 100*float64(byPart["kernel"])/n, 100*float64(byPart["program"])/n, 100*float64(byPart["service"])/n)
	for _, t := range []struct {
		title string
		m     map[string]int
		top   int
	}{{"packages", byPkg, 20}, {"functions", byFunc, 40}} {
		fmt.Fprintln(w, t.title+":")
		for _, k := range top(t.m, t.top) {
			fmt.Fprintf(w, "%6.2f%%  %s\n", 100*float64(t.m[k])/n, k)
		}
	}
}

// pkgOf returns the package path of a Go function's symbol name.
func pkgOf(name string) string {
	plain, _, _ := strings.Cut(name, "[") // a generic's type arguments hold paths too
	slash := strings.LastIndexByte(plain, '/') + 1
	if dot := strings.IndexByte(name[slash:], '.'); dot >= 0 {
		return name[:slash+dot]
	}
	return name
}

// top returns m's keys with the largest counts, at most k of them.
func top(m map[string]int, k int) []string {
	keys := make([]string, 0, len(m))
	for key := range m {
		keys = append(keys, key)
	}
	sort.Slice(keys, func(i, j int) bool { return m[keys[i]] > m[keys[j]] || m[keys[i]] == m[keys[j]] && keys[i] < keys[j] })
	return keys[:min(k, len(keys))]
}
