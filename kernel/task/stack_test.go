package task

import (
	"encoding/binary"
	"testing"
)

// readStack decodes what Build wrote, as the Go runtime's args() and a C
// program's startup code would.
func readStack(t *testing.T, buf []byte, top uint64, sp uint64) (argv, envp []string, aux map[uint64]uint64) {
	base := top - uint64(len(buf))
	word := func(addr uint64) uint64 { return binary.LittleEndian.Uint64(buf[addr-base:]) }
	str := func(addr uint64) string {
		i := addr - base
		j := i
		for buf[j] != 0 {
			j++
		}
		return string(buf[i:j])
	}
	argc := word(sp)
	p := sp + 8
	for i := uint64(0); i < argc; i++ {
		argv = append(argv, str(word(p)))
		p += 8
	}
	if word(p) != 0 {
		t.Fatalf("argv not NULL-terminated")
	}
	for p += 8; word(p) != 0; p += 8 {
		envp = append(envp, str(word(p)))
	}
	aux = map[uint64]uint64{}
	for p += 8; ; p += 16 {
		aux[word(p)] = word(p + 8)
		if word(p) == AT_NULL {
			break
		}
	}
	return argv, envp, aux
}

func TestBuild(t *testing.T) {
	const top = 0x7ffffffff000
	buf := make([]byte, 8192)
	blob := []byte("prog\x00an arg with spaces\x00\x00KEY=value\x00")
	random := [16]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	l, ok := Build(buf, top, Args{Blob: blob, Argc: 3, Envc: 1}, []Aux{{AT_PAGESZ, 4096}, {AT_ENTRY, 0x401000}}, random)
	if !ok {
		t.Fatal("Build failed")
	}
	if l.SP%16 != 0 {
		t.Errorf("SP %#x is not 16-byte aligned", l.SP)
	}
	argv, envp, aux := readStack(t, buf, top, l.SP)
	if len(argv) != 3 || argv[0] != "prog" || argv[1] != "an arg with spaces" || argv[2] != "" {
		t.Errorf("argv = %q", argv)
	}
	if len(envp) != 1 || envp[0] != "KEY=value" {
		t.Errorf("envp = %q", envp)
	}
	if aux[AT_PAGESZ] != 4096 || aux[AT_ENTRY] != 0x401000 {
		t.Errorf("auxv = %v", aux)
	}
	r := aux[AT_RANDOM]
	if r == 0 || string(buf[r-(top-8192):r-(top-8192)+16]) != string(random[:]) {
		t.Errorf("AT_RANDOM does not point at the random bytes")
	}
	if aux[AT_PLATFORM] == 0 || aux[AT_EXECFN] == 0 {
		t.Errorf("AT_PLATFORM or AT_EXECFN missing: %v", aux)
	}
}

func TestBuildRejects(t *testing.T) {
	var r [16]byte
	if _, ok := Build(make([]byte, 64), 0x1000000, Args{Blob: []byte("p\x00"), Argc: 1}, nil, r); ok {
		t.Error("Build fitted a stack into 64 bytes")
	}
	if _, ok := Build(make([]byte, 4096), 0x1000000, Args{Blob: []byte("p\x00q\x00"), Argc: 1}, nil, r); ok {
		t.Error("Build accepted a blob with more strings than Argc+Envc")
	}
	if _, ok := Build(make([]byte, 4096), 0x1000000, Args{Blob: []byte("p"), Argc: 1}, nil, r); ok {
		t.Error("Build accepted an unterminated blob")
	}
}

func FuzzBuild(f *testing.F) {
	f.Add([]byte("prog\x00a\x00K=V\x00"), 2, 1, 512)
	f.Fuzz(func(t *testing.T, blob []byte, argc, envc, size int) {
		if size < 0 || size > 1<<16 || argc < 0 || envc < 0 {
			return
		}
		var r [16]byte
		buf := make([]byte, size)
		l, ok := Build(buf, 0x7ffffffff000, Args{Blob: blob, Argc: argc, Envc: envc}, []Aux{{AT_PAGESZ, 4096}}, r)
		if ok && (l.SP%16 != 0 || l.SP < 0x7ffffffff000-uint64(size)) {
			t.Fatalf("SP %#x outside the buffer or misaligned", l.SP)
		}
	})
}
