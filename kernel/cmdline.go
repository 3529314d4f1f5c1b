package kernel

import "github.com/gobare/gobare/kernel/console"

// The kernel command line is the Multiboot command line (whose first word
// is the kernel image's path, as QEMU and GRUB write it) followed by the
// kernel arguments mkimage embedded. Words:
//
//	trace      print each system call and boot step
//	fault=pf   take a deliberate page fault (after the self-checks, or before the program)
//	quiet      no banner: only the program's own output (and trace lines)
//	entry=rt   the program was linked with rt/ (mkimage says so; for the banner)
//	overlay    the archive under a writable overlay in RAM (mkimage's :rw, exec)
//	mount=/p   where the file system archive appears (default /)
//	cwd=/p     the program's working directory (default: the mount point)
//	disk=/p    where the virtio disk's volume appears (default /disk)
//	stats      print system call counts, kernel time, threads and boot steps at exit
//	novdso     no vDSO: clock_gettime becomes a system call again
//	noapic     keep the 8259 PICs and the PIT tick even where there are APICs
//	nosmp      start no other CPU than the boot CPU
//	sockets=N  allow N sockets at once (default and ceiling sockfs.MaxSockets)
//	KEY=VALUE  anything else with '=' is put in the program's environment
var tracing, quiet bool

// forEachWord calls fn with each space-separated word of s.
func forEachWord(s []byte, fn func(w []byte)) {
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && s[j] != ' ' {
			j++
		}
		if j > i {
			fn(s[i:j])
		}
		i = j + 1
	}
}

// kernelArgs returns the Multiboot command line without the image path.
func kernelArgs() []byte {
	c := bootInfo.Cmdline
	i := indexByte(c, ' ')
	if i >= len(c) {
		return nil
	}
	return c[i+1:]
}

// embeddedKernelArgs returns the kernel arguments mkimage embedded: the
// strings after the second empty string of Embedded.Args, joined by NULs.
func embeddedKernelArgs() []byte {
	a := embedded.Args[:]
	empties := 0
	for i := 0; i < len(a); i++ {
		if a[i] == 0 && (i == 0 || a[i-1] == 0) {
			empties++
			if empties == 2 {
				end := i + 1
				for end < len(a) && !(a[end] == 0 && a[end-1] == 0) {
					end++
				}
				return a[i+1 : end]
			}
		}
	}
	return nil
}

// forEachKernelWord calls fn with every kernel command-line word.
func forEachKernelWord(fn func(w []byte)) {
	forEachWord(kernelArgs(), fn)
	b := embeddedKernelArgs()
	for i := 0; i < len(b); {
		j := i + indexByte(b[i:], 0)
		if j > i {
			fn(b[i:j])
		}
		i = j + 1
	}
}

// hasKernelWord reports whether the command line has word.
func hasKernelWord(word string) bool {
	found := false
	forEachKernelWord(func(w []byte) {
		if string(w) == word {
			found = true
		}
	})
	return found
}

// isEnvWord reports whether w is KEY=VALUE meant for the program.
func isEnvWord(w []byte) bool {
	eq := indexByte(w, '=')
	if eq <= 0 || eq == len(w) {
		return false
	}
	// string(...) in a comparison does not allocate; stored in a variable
	// it would.
	return string(w[:eq]) != "fault" && string(w[:eq]) != "entry" &&
		string(w[:eq]) != "mount" && string(w[:eq]) != "cwd" && string(w[:eq]) != "sockets" &&
		string(w[:eq]) != "disk"
}

// decimal reads a kernel word's value as a decimal number: 0 when it is
// not one (or absent).
func decimal(v []byte) int {
	n := 0
	for _, c := range v {
		if c < '0' || c > '9' || n > 1<<30 {
			return 0
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// kernelOption returns the value of the kernel word key=value, or nil.
func kernelOption(key string) []byte {
	var v []byte
	forEachKernelWord(func(w []byte) {
		eq := indexByte(w, '=')
		if eq < len(w) && string(w[:eq]) == key {
			v = w[eq+1:]
		}
	})
	return v
}

// trace prints a boot milestone line when tracing: text, a number, text, a
// number.
func trace(a string, x uint64, b string, y uint64) {
	if !tracing {
		return
	}
	console.Print(a)
	console.Dec(x)
	console.Print(b)
	console.Dec(y)
	console.Print("\n")
}

// indexByte returns the index of the first c in b, or len(b).
func indexByte(b []byte, c byte) int {
	for i := range b {
		if b[i] == c {
			return i
		}
	}
	return len(b)
}
