package main

import "syscall"

// kind is the kind of an argument: how the fuzzer draws its value.
type kind uint8

const (
	kInt       kind = iota // any integer, special values likely
	kFd                    // the fuzzer's descriptor, a closed or an invalid number
	kFdAny                 // kFd, or a descriptor the program had (for calls that only look)
	kFdNew                 // a dup2/dup3 target: a free number or an invalid one
	kFdClose               // a descriptor close may close: a fresh duplicate, a closed or invalid number
	kAtFd                  // AT_FDCWD or kFd
	kPtrOut                // a buffer the kernel writes
	kPtrIn                 // a buffer the kernel reads
	kBadPtr                // an address no access may succeed at
	kLen                   // a length
	kPath                  // a path
	kMode                  // permission bits
	kFlags                 // random flag bits
	kOpenFlags             // open's flags
	kAtFlags               // AT_* flags
	kSig                   // a signal the runtime ignores, or an invalid number
	kPid                   // a process ID
	kTid                   // a thread ID
	kClock                 // a clock ID
	kSleep                 // a timespec pointer: at most 1 ms, invalid, or a bad pointer
	kSigset                // NULL, a bad pointer, or an empty mask
	kNullOrBad             // NULL or a bad pointer
	kAddr                  // an address for the memory calls: playground or refused
	kProt                  // mmap/mprotect protection
	kAdvice                // madvise advice
	kEvent                 // an epoll_event pointer
	kTimeoutMs             // an epoll timeout: 0 or 1 ms
	kSmall                 // a small integer (0-63), sometimes negative or huge
)

// pick returns one of vs.
func pick[T any](f *fuzzer, vs ...T) T { return vs[f.rng.IntN(len(vs))] }

// chance reports true with probability p percent.
func (f *fuzzer) chance(p int) bool { return f.rng.IntN(100) < p }

// arg draws one argument of kind k.
func (f *fuzzer) arg(k kind) uintptr {
	switch k {
	case kInt:
		return f.anyValue()
	case kFd:
		return f.fd()
	case kFdAny:
		if f.chance(30) {
			return uintptr(f.rng.IntN(8)) // stdin, stdout, stderr, the runtime's
		}
		return f.fd()
	case kFdNew:
		if f.chance(80) {
			return uintptr(freeBase + f.rng.IntN(16))
		}
		return f.badFd()
	case kFdClose:
		if f.chance(60) {
			fd, _, e := syscall.Syscall(syscall.SYS_DUP, devnull, 0, 0)
			if e == 0 {
				return fd
			}
		}
		if f.chance(50) {
			return uintptr(freeBase + f.rng.IntN(16))
		}
		return f.badFd()
	case kAtFd:
		if f.chance(50) {
			return atFdcwd
		}
		return f.fd()
	case kPtrOut:
		return f.ptr(true)
	case kPtrIn:
		return f.ptr(false)
	case kBadPtr:
		return f.badPtr()
	case kLen:
		return f.length()
	case kPath:
		switch p := f.rng.IntN(100); {
		case p < 80:
			return pick(f, paths...)
		case p < 85:
			return unterminated
		case p < 90:
			return scratchBase + f.un(scratchSize) // whatever the kernel wrote there
		}
		return f.badPtr()
	case kMode:
		if f.chance(80) {
			return f.un(0o10000)
		}
		return f.u()
	case kFlags:
		return f.flags()
	case kOpenFlags:
		fl := pick[uintptr](f, syscall.O_RDONLY, syscall.O_WRONLY, syscall.O_RDWR, 3)
		for _, b := range []uintptr{syscall.O_CREAT, syscall.O_EXCL, syscall.O_TRUNC, syscall.O_APPEND,
			syscall.O_DIRECTORY, syscall.O_NOFOLLOW, syscall.O_CLOEXEC, syscall.O_NONBLOCK, 0x200000 /* O_PATH */, 0x410000 /* O_TMPFILE */} {
			if f.chance(20) {
				fl |= b
			}
		}
		if f.chance(10) {
			fl |= f.flags()
		}
		return fl
	case kAtFlags:
		return pick[uintptr](f, 0, 0x100, 0x200, 0x400, 0x800, 0x1000, 0x2000, f.flags()) // SYMLINK_NOFOLLOW, REMOVEDIR, SYMLINK_FOLLOW, NO_AUTOMOUNT, EMPTY_PATH
	case kSig:
		return pick[uintptr](f, 0, 0, 10, 12, 17, 23, 28, 65, 100, ^uintptr(0), 1<<32|10)
	case kPid:
		return pick[uintptr](f, 0, 1, 1, 2, ^uintptr(0), ^uintptr(4), 12345, uintptr(syscall.Getpid()), f.u())
	case kTid:
		return pick[uintptr](f, uintptr(syscall.Gettid()), uintptr(f.rng.IntN(40)), ^uintptr(0), f.u())
	case kClock:
		return pick[uintptr](f, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, ^uintptr(0), f.un(64))
	case kSleep:
		switch p := f.rng.IntN(100); {
		case p < 60:
			return pick(f, shortSleeps...)
		case p < 80:
			return pick(f, timespecs[4:]...) // invalid ones
		}
		return f.badPtr()
	case kSigset:
		return pick(f, 0, zeroMask, f.badPtr())
	case kNullOrBad:
		if f.chance(50) {
			return 0
		}
		return f.badPtr()
	case kAddr:
		return f.memAddr()
	case kProt:
		if f.chance(80) {
			return f.un(8)
		}
		return pick[uintptr](f, 8, 0x01000000, 0x02000000, 0x03000000, 0x01000003, f.u())
	case kAdvice:
		if f.chance(85) {
			return f.un(26)
		}
		return pick[uintptr](f, 100, 101, 102, 103, 1000, ^uintptr(0))
	case kEvent:
		if f.chance(70) {
			return pick(f, events...)
		}
		return f.ptr(false)
	case kTimeoutMs:
		return pick[uintptr](f, 0, 0, 1)
	case kSmall:
		if f.chance(80) {
			return f.un(64)
		}
		return pick[uintptr](f, ^uintptr(0), 1<<31, 1<<32, f.u())
	}
	panic("unknown kind")
}

const atFdcwd = ^uintptr(99) // AT_FDCWD, -100

// anyValue is an integer for an argument of unknown meaning: small
// numbers, powers of two, all ones, or a number with its top bit set —
// never an address in the user half above the kernel's image, which could
// be the Go runtime's memory.
func (f *fuzzer) anyValue() uintptr {
	switch f.rng.IntN(6) {
	case 0:
		return f.un(64)
	case 1:
		return f.un(programFloor)
	case 2:
		return 1 << f.rng.IntN(64) & (1<<63 | programFloor - 1)
	case 3:
		return pick[uintptr](f, 0, ^uintptr(0), 1<<31-1, 1<<31, 1<<32-1, 1<<63, 1<<63-1)
	case 4:
		return f.badPtr()
	}
	return f.u() | 1<<63
}

// fd returns one of the fuzzer's descriptors, a closed one or an invalid
// number.
func (f *fuzzer) fd() uintptr {
	if f.chance(75) {
		return pick(f, pool...)
	}
	if f.chance(50) {
		return uintptr(freeBase + f.rng.IntN(16)) // closed
	}
	return f.badFd()
}

func (f *fuzzer) badFd() uintptr {
	return pick[uintptr](f, ^uintptr(0), atFdcwd, 1<<20, 1<<31-1, 1<<31, 1<<32|pool[0], f.u())
}

// flags returns random flag bits: a few low bits, or any.
func (f *fuzzer) flags() uintptr {
	switch f.rng.IntN(4) {
	case 0:
		return 0
	case 1:
		return 1 << f.rng.IntN(32)
	case 2:
		return f.u() & 0xffff_ffff
	}
	return f.u()
}

// length returns a length: small, a page, huge, or negative.
func (f *fuzzer) length() uintptr {
	switch f.rng.IntN(8) {
	case 0:
		return 0
	case 1:
		return f.un(64)
	case 2:
		return f.un(8192)
	case 3:
		return pick[uintptr](f, 8, 16, 4095, 4096, 4097, 65536, 1<<20)
	case 4:
		return pick[uintptr](f, 1<<31-1, 1<<31, 1<<32, 1<<47, 1<<63, ^uintptr(0), ^uintptr(4095))
	case 5:
		return f.u()
	}
	return f.un(scratchSize)
}

// ptr returns a pointer for a buffer: the fuzzer's memory (sometimes so
// close to its end that the access runs into an unmapped page), the
// playground, read-only memory (the program's text, the constants; only
// for buffers the kernel reads... or writes, to see it refuse), or an
// address no access may succeed at.
func (f *fuzzer) ptr(out bool) uintptr {
	switch p := f.rng.IntN(100); {
	case p < 35:
		a := scratchBase + f.un(scratchSize)
		if f.chance(70) {
			a &^= 7
		}
		return a
	case p < 45:
		return scratchBase + scratchSize - f.un(64)
	case p < 55:
		return playBase + f.un(playSize)
	case p < 62:
		return programText + f.un(64<<10)
	case p < 70:
		return constBase + f.un(constSize)
	}
	return f.badPtr()
}

// badPtr returns an address where no access by the program's calls may
// succeed: the kernel's image, the direct map, the kernel stacks, the
// null page, the top of the user half, non-canonical addresses.
func (f *fuzzer) badPtr() uintptr {
	switch f.rng.IntN(8) {
	case 0:
		return kernelBase + f.un(programFloor-kernelBase)
	case 1:
		return directMapBase + f.un(256<<20)
	case 2:
		return stackBase + f.un(4)<<30 + f.un(64<<10)
	case 3:
		return f.un(page)
	case 4:
		return userTop - 1 - f.un(page-1)
	case 5:
		return pick[uintptr](f, userTop, 1<<63, 0xdead_beef_0000_0000, ^uintptr(0), ^uintptr(7))
	case 6:
		return 0xffff_ffff_8000_0000 + f.un(1<<31) // where Linux keeps its kernel
	}
	return directMapBase + kernelBase + f.un(programFloor-kernelBase) // the image through the direct map
}

// memAddr returns an address for munmap, mprotect, madvise and
// mmap(MAP_FIXED): mostly in the playground, else memory the kernel must
// refuse (its image, the null page, the upper half, non-canonical).
func (f *fuzzer) memAddr() uintptr {
	switch p := f.rng.IntN(100); {
	case p < 60:
		a := playBase + f.un(playSize)
		if f.chance(85) {
			a &^= page - 1
		}
		return a
	case p < 70:
		a := f.un(programFloor)
		if f.chance(85) {
			a &^= page - 1
		}
		return a
	case p < 75:
		return programFloor - page // straddles into the program: see clampLen
	case p < 90:
		return pick[uintptr](f, directMapBase, directMapBase+kernelBase, stackBase, stackBase+page, userTop-page, userTop)
	}
	return f.badPtr() &^ (page - 1)
}

// memLen returns a length for a memory call at addr that never reaches
// memory that is neither the fuzzer's nor refused as a whole: from the
// playground at most up to its end, or so long that every call refuses
// it; from below the program's floor at most up to the floor (or, with
// straddle, one page into the program, which munmap, mprotect and mmap
// refuse as a whole), or so long that it wraps. madvise is the reason for
// the care: over a range with holes it still applies to the pages
// mapped there, as Linux does, and those could be the Go runtime's.
func (f *fuzzer) memLen(addr uintptr, straddle bool) uintptr {
	var n uintptr
	switch f.rng.IntN(5) {
	case 0:
		n = f.un(16) * page
	case 1:
		n = f.un(playSize)
	case 2:
		n = pick[uintptr](f, 0, 1, page-1, page, page+1)
	case 3:
		n = pick[uintptr](f, 1<<30, 1<<40, 1<<47, 1<<63, ^uintptr(0), ^uintptr(page-1))
	default:
		n = f.u()
	}
	wraps := addr+((n+page-1)&^(page-1)) < addr
	switch {
	case addr >= userTop || wraps:
		return n // beyond the user half, or refused as a whole
	case addr >= playBase && addr < playEnd:
		if n > playEnd-addr {
			if straddle && f.chance(30) {
				return userTop // past the user half from here: refused
			}
			n = playEnd - addr
		}
	case addr < programFloor:
		limit := programFloor - addr
		if straddle && addr == programFloor-page {
			limit = 2 * page
		}
		if n > limit {
			n = limit
		}
	default:
		n = 0 // (memAddr gives no other addresses)
	}
	return n
}

// un returns a random number in [0, n); u any random number.
func (f *fuzzer) un(n uintptr) uintptr { return uintptr(f.rng.Uint64N(uint64(n))) }
func (f *fuzzer) u() uintptr           { return uintptr(f.rng.Uint64()) }
