package task

// The layout of a new process's stack, as the System V x86-64 psABI
// (§3.4.1, "Initial Stack and Register State") and Linux's binfmt_elf lay
// it out: argc, argv pointers, NULL, envp pointers, NULL, the auxiliary
// vector, then the strings and random bytes they point to. It is pure
// computation on a byte buffer, tested on the host.

// Auxiliary vector types (Linux uapi auxvec.h).
const (
	AT_NULL         = 0
	AT_PHDR         = 3
	AT_PHENT        = 4
	AT_PHNUM        = 5
	AT_PAGESZ       = 6
	AT_ENTRY        = 9
	AT_UID          = 11
	AT_EUID         = 12
	AT_GID          = 13
	AT_EGID         = 14
	AT_PLATFORM     = 15
	AT_HWCAP        = 16
	AT_CLKTCK       = 17
	AT_SECURE       = 23
	AT_RANDOM       = 25
	AT_EXECFN       = 31
	AT_SYSINFO_EHDR = 33
)

// Aux is one auxiliary vector entry.
type Aux struct{ Type, Value uint64 }

// Args are the strings for the stack: Blob holds Argc argument strings then
// Envc environment strings, each NUL-terminated.
type Args struct {
	Blob       []byte
	Argc, Envc int
}

// Layout is what Build returns.
type Layout struct {
	SP     uint64 // the initial RSP: it points at argc
	Bottom uint64 // the lowest address Build wrote
	Auxc   int    // auxiliary vector entries, AT_NULL included
}

// Build writes the initial stack into buf, which stands for the memory just
// below top (buf[len(buf)-1] is at top-1). aux lists the entries to put in
// the vector; Build adds AT_RANDOM (with random, 16 bytes), AT_PLATFORM,
// AT_EXECFN (argv[0]) and AT_NULL itself. It returns ok=false if buf is too
// small or Args is malformed.
func Build(buf []byte, top uint64, a Args, aux []Aux, random [16]byte) (Layout, bool) {
	var l Layout
	// Count the strings and check the blob holds exactly Argc+Envc of them.
	n := 0
	for i := 0; i < len(a.Blob); i++ {
		if a.Blob[i] == 0 {
			n++
		}
	}
	if n != a.Argc+a.Envc || a.Argc < 1 || (len(a.Blob) > 0 && a.Blob[len(a.Blob)-1] != 0) {
		return l, false
	}
	const platform = "x86_64\x00"
	strBytes := uint64(len(a.Blob)) + uint64(len(platform)) + 16
	vec := uint64(1+a.Argc+1+a.Envc+1) + 2*uint64(len(aux)+4)
	total := (strBytes+15)&^15 + vec*8 + 16
	if total > uint64(len(buf)) {
		return l, false
	}
	base := top - uint64(len(buf)) // address of buf[0]
	// Strings at the very top: the blob, the platform name, the random bytes.
	pos := top - uint64(len(a.Blob))
	copy(buf[pos-base:], a.Blob)
	blobAddr := pos
	pos -= uint64(len(platform))
	copy(buf[pos-base:], platform)
	platformAddr := pos
	pos -= 16
	copy(buf[pos-base:], random[:])
	randomAddr := pos
	// The vector below, with SP 16-byte aligned (psABI §3.4.1).
	sp := (pos - vec*8) &^ 15
	l = Layout{SP: sp, Bottom: sp, Auxc: len(aux) + 4}
	w := sp
	put := func(v uint64) {
		for i := uint64(0); i < 8; i++ {
			buf[w-base+i] = byte(v >> (8 * i))
		}
		w += 8
	}
	// LAB 4 BEGIN: argc, the argv pointers, NULL, the envp pointers, NULL
	// LAB 4 STUB: put(uint64(a.Argc))
	// LAB 4 STUB: addr := blobAddr
	// LAB 4 STUB: for i := 0; i < a.Argc; i++ { // the arguments only: no environment yet
	// LAB 4 STUB: 	put(addr)
	// LAB 4 STUB: 	for buf[addr-base] != 0 {
	// LAB 4 STUB: 		addr++
	// LAB 4 STUB: 	}
	// LAB 4 STUB: 	addr++
	// LAB 4 STUB: }
	// LAB 4 STUB: put(0)
	// LAB 4 STUB: put(0)
	put(uint64(a.Argc))
	addr := blobAddr
	for i := 0; i < a.Argc+a.Envc; i++ {
		put(addr)
		for buf[addr-base] != 0 {
			addr++
		}
		addr++
		if i == a.Argc-1 {
			put(0) // end of argv
		}
	}
	put(0) // end of envp
	// LAB 4 END
	for _, e := range aux {
		put(e.Type)
		put(e.Value)
	}
	// LAB 4 BEGIN: the entries Build adds itself: AT_RANDOM, AT_PLATFORM, AT_EXECFN
	// LAB 4 STUB: _, _ = randomAddr, platformAddr
	put(AT_RANDOM)
	put(randomAddr)
	put(AT_PLATFORM)
	put(platformAddr)
	put(AT_EXECFN)
	put(blobAddr)
	// LAB 4 END
	put(AT_NULL)
	put(0)
	return l, true
}

// MaxArgBytes is the most argument and environment bytes the kernel passes.
const MaxArgBytes = 16384
