package acpi

// FindRSDP looks for the RSDP where a BIOS puts it (ACPI 6.5 §5.2.5.1): in
// the first KiB of the Extended BIOS Data Area, whose segment the BIOS Data
// Area holds at 0x40E, then in the BIOS read-only area 0xE0000-0xFFFFF, on
// 16-byte boundaries. A candidate counts only if its signature and
// checksums are right. UEFI firmware need not put one there (it gives the
// RSDP through the EFI system table, which a Multiboot 1 loader does not
// pass on); then the result is ErrNoRSDP.
func FindRSDP(mem []byte) (uint64, Err) {
	if seg, ok := u16(mem, 0x40E); ok && seg != 0 {
		ebda := uint64(seg) << 4
		if a, ok := scanRSDP(mem, ebda, ebda+1024); ok {
			return a, ErrNone
		}
	}
	if a, ok := scanRSDP(mem, 0xE0000, 0x100000); ok {
		return a, ErrNone
	}
	return 0, ErrNoRSDP
}

// FindRSDPIn looks for a valid RSDP on the 16-byte boundaries of
// [from, to), clipped to mem. On a UEFI machine the RSDP is found through
// the EFI system table (ACPI 6.5 §5.2.5.2), which a Multiboot 1 loader
// does not pass on; but the firmware keeps it with the tables, in memory
// the memory map marks as ACPI (reclaimable or NVS), so the kernel scans
// those regions with this when FindRSDP finds nothing.
func FindRSDPIn(mem []byte, from, to uint64) (uint64, Err) {
	if n := uint64(len(mem)); to > n {
		to = n
	}
	if a, ok := scanRSDP(mem, from, to); ok {
		return a, ErrNone
	}
	return 0, ErrNoRSDP
}

// scanRSDP checks every 16-byte boundary in [from, to) for a valid RSDP.
func scanRSDP(mem []byte, from, to uint64) (uint64, bool) {
	for a := from &^ 15; a < to; a += 16 {
		if checkRSDP(mem, a) == ErrNone {
			return a, true
		}
	}
	return 0, false
}

// checkRSDP verifies the RSDP at a: signature, the checksum of its first
// 20 bytes, and from revision 2 the extended checksum of all Length bytes
// (ACPI 6.5 §5.2.5.3).
func checkRSDP(mem []byte, a uint64) Err {
	if !in(mem, a, rsdpV1Len) {
		return ErrRSDPRange
	}
	for i := 0; i < 8; i++ {
		if mem[a+uint64(i)] != rsdpSignature[i] {
			return ErrRSDPChecksum
		}
	}
	if sum(mem, a, rsdpV1Len) != 0 {
		return ErrRSDPChecksum
	}
	if mem[a+rsdpRevision] >= 2 {
		n, ok := u32(mem, a+rsdpLength)
		if !ok || n < rsdpV2Len || n > 4096 || !in(mem, a, uint64(n)) {
			return ErrRSDPChecksum
		}
		if sum(mem, a, uint64(n)) != 0 {
			return ErrRSDPChecksum
		}
	}
	return ErrNone
}

// Parse reads the tables from the RSDP at rsdp: the XSDT when the RSDP is
// revision 2 or later and gives one that is valid, the RSDT otherwise
// (ACPI 6.5 §5.2.7, §5.2.8); then every table it lists whose checksum is
// right. The FADT leads to the DSDT, where \_S5_ is looked for, and then
// to any SSDTs if the DSDT has none.
func Parse(mem []byte, rsdp uint64) (Tables, Err) {
	var t Tables
	if e := checkRSDP(mem, rsdp); e != ErrNone {
		return t, e
	}
	t.RSDP = rsdp
	t.Revision = mem[rsdp+rsdpRevision]
	copy(t.OEMID[:], mem[rsdp+rsdpOEMID:rsdp+rsdpOEMID+6])

	// The root table: XSDT entries are 8 bytes, RSDT entries 4.
	entry := uint64(4)
	rsdt, _ := u32(mem, rsdp+rsdpRSDT)
	t.Root = uint64(rsdt)
	if t.Revision >= 2 {
		x := u64(mem, rsdp+rsdpXSDT)
		if x != 0 && checkTable(mem, x, "XSDT") {
			t.Root, t.XSDT, entry = x, true, 8
		}
	}
	n, ok := u32(mem, t.Root+hdrLength)
	if !ok || n < hdrLen || !in(mem, t.Root, uint64(n)) {
		return t, ErrRootRange
	}
	sig := "RSDT"
	if t.XSDT {
		sig = "XSDT"
	}
	if !checkTable(mem, t.Root, sig) {
		return t, ErrRootChecksum
	}

	// Every entry is a table's physical address (§5.2.7, §5.2.8).
	for p := t.Root + hdrLen; p+entry <= t.Root+uint64(n); p += entry {
		a := rootEntry(mem, p, entry)
		if !checkTable(mem, a, "") {
			t.Skipped++
			continue
		}
		if t.NSigs < MaxTables {
			t.Sigs[t.NSigs] = [4]byte{mem[a], mem[a+1], mem[a+2], mem[a+3]}
			t.NSigs++
		}
		switch {
		case isSig(mem, a, "FACP") && !t.HasFADT:
			t.FADT = parseFADT(mem, a)
			t.HasFADT = true
		case isSig(mem, a, "APIC") && !t.HasMADT:
			parseMADT(mem, a, &t.MADT)
			t.HasMADT = true
		case isSig(mem, a, "HPET") && !t.HasHPET:
			// HPET 1.0a §3.2.4: the event timer block ID at 36, then the
			// base address as a GAS at 40.
			if l, _ := u32(mem, a+hdrLength); l >= 52 {
				t.HPET = gas(mem, a+40)
				t.HasHPET = true
			}
		}
	}

	// \_S5_ lives in the DSDT (ACPI 6.5 §5.2.11.1), or in an SSDT
	// (§5.2.11.2) on some machines.
	if t.HasFADT && checkTable(mem, t.FADT.DSDT, "DSDT") {
		l, _ := u32(mem, t.FADT.DSDT+hdrLength)
		t.SLPTypA, t.SLPTypB, t.HasS5 = FindS5(mem[t.FADT.DSDT+hdrLen : t.FADT.DSDT+uint64(l)])
	}
	for p := t.Root + hdrLen; !t.HasS5 && p+entry <= t.Root+uint64(n); p += entry {
		a := rootEntry(mem, p, entry)
		if checkTable(mem, a, "SSDT") {
			l, _ := u32(mem, a+hdrLength)
			t.SLPTypA, t.SLPTypB, t.HasS5 = FindS5(mem[a+hdrLen : a+uint64(l)])
		}
	}
	return t, ErrNone
}

// checkTable reports whether a valid table lies at a: a header inside mem,
// a length from 36 bytes to MaxTableLen inside mem, the given signature
// (any if sig is ""), and bytes that sum to zero (ACPI 6.5 §5.2.6).
func checkTable(mem []byte, a uint64, sig string) bool {
	if a == 0 || !in(mem, a, hdrLen) {
		return false
	}
	if sig != "" && !isSig(mem, a, sig) {
		return false
	}
	n, _ := u32(mem, a+hdrLength)
	if n < hdrLen || n > MaxTableLen || !in(mem, a, uint64(n)) {
		return false
	}
	return sum(mem, a, uint64(n)) == 0
}

// isSig reports whether the 4 bytes at a, inside mem, are sig.
func isSig(mem []byte, a uint64, sig string) bool {
	return len(sig) == 4 && mem[a] == sig[0] && mem[a+1] == sig[1] && mem[a+2] == sig[2] && mem[a+3] == sig[3]
}

// FADT field offsets (ACPI 6.5 §5.2.9, Table 5.9).
const (
	fadtDSDT       = 40
	fadtSCIInt     = 46
	fadtSMICmd     = 48
	fadtACPIEnable = 52
	fadtPM1aCnt    = 64
	fadtPM1bCnt    = 68
	fadtPMTmr      = 76
	fadtPM1CntLen  = 89
	fadtPMTmrLen   = 91
	fadtCentury    = 108
	fadtBootArch   = 109
	fadtFlags      = 112
	fadtResetReg   = 116
	fadtResetValue = 128
	fadtXDSDT      = 140
	fadtXPM1aCnt   = 172
	fadtXPM1bCnt   = 184
	fadtXPMTmr     = 208
)

// parseFADT reads the FADT at a, whose length checkTable has checked.
// Fields past the table's length (an ACPI 1.0 FADT is 116 bytes) are left
// zero.
func parseFADT(mem []byte, a uint64) FADT {
	var f FADT
	l, _ := u32(mem, a+hdrLength)
	n := uint64(l)
	f.Revision = mem[a+hdrRevision]
	f.DSDT = uint64(fw(mem, a, n, fadtDSDT))
	if off := uint64(fadtXDSDT); off+8 <= n {
		if v := u64(mem, a+off); v != 0 {
			f.DSDT = v
		}
	}
	f.SCIInt = uint16(fb(mem, a, n, fadtSCIInt)) | uint16(fb(mem, a, n, fadtSCIInt+1))<<8
	f.SMICmd = fw(mem, a, n, fadtSMICmd)
	f.ACPIEnable = fb(mem, a, n, fadtACPIEnable)
	f.PM1CntLen = fb(mem, a, n, fadtPM1CntLen)
	f.Century = fb(mem, a, n, fadtCentury)
	f.BootArch = uint16(fb(mem, a, n, fadtBootArch)) | uint16(fb(mem, a, n, fadtBootArch+1))<<8
	f.Flags = fw(mem, a, n, fadtFlags)
	f.PMTimer32 = f.Flags&FlagTmrValExt != 0

	f.PM1aCnt = port(fw(mem, a, n, fadtPM1aCnt), f.PM1CntLen*8)
	f.PM1bCnt = port(fw(mem, a, n, fadtPM1bCnt), f.PM1CntLen*8)
	f.PMTimer = port(fw(mem, a, n, fadtPMTmr), fb(mem, a, n, fadtPMTmrLen)*8)
	if g := fx(mem, a, n, fadtXPM1aCnt); g.Addr != 0 {
		f.PM1aCnt = g
	}
	if g := fx(mem, a, n, fadtXPM1bCnt); g.Addr != 0 {
		f.PM1bCnt = g
	}
	if g := fx(mem, a, n, fadtXPMTmr); g.Addr != 0 {
		f.PMTimer = g
	}
	if fadtResetValue < n {
		f.Reset = gas(mem, a+fadtResetReg)
		f.ResetValue = fb(mem, a, n, fadtResetValue)
		f.ResetUsable = f.Flags&FlagResetRegSup != 0 && f.Reset.Addr != 0
	}
	return f
}

// fb, fw and fx read a byte, a u32 and a GAS at offset off of the table at
// a, whose n bytes are inside mem; a field past n reads as zero.
func fb(mem []byte, a, n, off uint64) uint8 {
	if off < n {
		return mem[a+off]
	}
	return 0
}

func fw(mem []byte, a, n, off uint64) uint32 {
	if off+4 <= n {
		v, _ := u32(mem, a+off)
		return v
	}
	return 0
}

func fx(mem []byte, a, n, off uint64) GAS {
	if off+12 <= n {
		return gas(mem, a+off)
	}
	return GAS{}
}

// port makes an I/O GAS of a block the FADT gives only as a 32-bit port
// number; 0 stays absent.
func port(v uint32, width uint8) GAS {
	if v == 0 {
		return GAS{}
	}
	return GAS{Space: SpaceIO, BitWidth: width, Addr: uint64(v)}
}

// MADT layout (ACPI 6.5 §5.2.12): the local APIC address and flags after
// the header, then entries of type, length, data.
const (
	madtLocalAPIC = 36
	madtFlags     = 40
	madtEntries   = 44

	madtTypeLocalAPIC   = 0 // §5.2.12.2, 8 bytes
	madtTypeIOAPIC      = 1 // §5.2.12.3, 12 bytes
	madtTypeOverride    = 2 // §5.2.12.5, 10 bytes
	madtTypeAPICAddr    = 5 // §5.2.12.8, 12 bytes
	madtTypeLocalX2APIC = 9 // §5.2.12.12, 16 bytes
)

// parseMADT reads the MADT at a, whose length checkTable has checked.
func parseMADT(mem []byte, a uint64, m *MADT) {
	l, _ := u32(mem, a+hdrLength)
	end := a + uint64(l)
	if l < madtEntries {
		m.BadEntry = true
		return
	}
	v, _ := u32(mem, a+madtLocalAPIC)
	m.LocalAPIC = uint64(v)
	m.Flags, _ = u32(mem, a+madtFlags)
	for p := a + madtEntries; p+2 <= end; {
		typ, n := mem[p], uint64(mem[p+1])
		if n < 2 || p+n > end {
			m.BadEntry = true
			return
		}
		switch {
		case typ == madtTypeLocalAPIC && n >= 8:
			f, _ := u32(mem, p+4)
			m.addCPU(CPU{UID: uint32(mem[p+2]), APICID: uint32(mem[p+3]), Flags: f})
		case typ == madtTypeLocalX2APIC && n >= 16:
			id, _ := u32(mem, p+4)
			f, _ := u32(mem, p+8)
			uid, _ := u32(mem, p+12)
			m.addCPU(CPU{UID: uid, APICID: id, Flags: f, X2APIC: true})
		case typ == madtTypeIOAPIC && n >= 12:
			addr, _ := u32(mem, p+4)
			base, _ := u32(mem, p+8)
			if m.NIOAPICs < MaxIOAPICs {
				m.IOAPICs[m.NIOAPICs] = IOAPIC{ID: mem[p+2], Addr: addr, GSIBase: base}
				m.NIOAPICs++
			} else {
				m.Dropped++
			}
		case typ == madtTypeOverride && n >= 10:
			gsi, _ := u32(mem, p+4)
			fl, _ := u16(mem, p+8)
			if m.NOverrides < MaxOverrides {
				m.Overrides[m.NOverrides] = Override{Bus: mem[p+2], Source: mem[p+3], GSI: gsi, Flags: fl}
				m.NOverrides++
			} else {
				m.Dropped++
			}
		case typ == madtTypeAPICAddr && n >= 12:
			m.LocalAPIC = u64(mem, p+4)
		}
		p += n
	}
}

func (m *MADT) addCPU(c CPU) {
	if m.NCPUs < MaxCPUs {
		m.CPUs[m.NCPUs] = c
		m.NCPUs++
	} else {
		m.Dropped++
	}
}

// gas reads a Generic Address Structure at a (ACPI 6.5 §5.2.3.2); the caller
// has checked its 12 bytes are inside mem.
func gas(mem []byte, a uint64) GAS {
	return GAS{Space: mem[a], BitWidth: mem[a+1], BitOffset: mem[a+2], AccessSize: mem[a+3], Addr: u64(mem, a+4)}
}

// in reports whether mem[a:a+n] lies inside mem.
func in(mem []byte, a, n uint64) bool {
	l := uint64(len(mem))
	return a <= l && n <= l-a
}

// sum adds n bytes from a modulo 256; in(mem, a, n) has been checked.
func sum(mem []byte, a, n uint64) uint8 {
	var s uint8
	for i := a; i < a+n; i++ {
		s += mem[i]
	}
	return s
}

func u16(mem []byte, a uint64) (uint16, bool) {
	if !in(mem, a, 2) {
		return 0, false
	}
	return uint16(mem[a]) | uint16(mem[a+1])<<8, true
}

func u32(mem []byte, a uint64) (uint32, bool) {
	if !in(mem, a, 4) {
		return 0, false
	}
	return uint32(mem[a]) | uint32(mem[a+1])<<8 | uint32(mem[a+2])<<16 | uint32(mem[a+3])<<24, true
}

// u64 reads 8 bytes at a, or returns 0 if they are not all inside mem.
func u64(mem []byte, a uint64) uint64 {
	lo, ok1 := u32(mem, a)
	hi, ok2 := u32(mem, a+4)
	if !ok1 || !ok2 {
		return 0
	}
	return uint64(lo) | uint64(hi)<<32
}

// rootEntry reads the table address at p in the root table: entry is 4
// bytes in an RSDT, 8 in an XSDT (§5.2.7, §5.2.8).
func rootEntry(mem []byte, p, entry uint64) uint64 {
	if entry == 8 {
		return u64(mem, p)
	}
	v, _ := u32(mem, p)
	return uint64(v)
}
