package acpi

// AML opcodes of the one pattern FindS5 reads (ACPI 6.5 §20.2): a named
// package of integers, Name (_S5, Package (N) { a, b, ... }).
const (
	amlZeroOp     = 0x00 // §20.2.3, the constant 0
	amlOneOp      = 0x01 // §20.2.3, the constant 1
	amlNameOp     = 0x08 // §20.2.5.1, DefName := NameOp NameString DataRefObject
	amlBytePrefix = 0x0A // §20.2.3, ByteConst := BytePrefix ByteData
	amlWordPrefix = 0x0B // §20.2.3, WordConst := WordPrefix WordData
	amlDWordPrfx  = 0x0C // §20.2.3, DWordConst
	amlQWordPrfx  = 0x0E // §20.2.3, QWordConst
	amlPackageOp  = 0x12 // §20.2.5.4, DefPackage := PackageOp PkgLength NumElements PackageElementList
	amlRootChar   = '\\' // §20.2.2, a NameString from the namespace root
	amlOnesOp     = 0xFF // §20.2.3, all bits set
)

// FindS5 looks through AML byte code (a DSDT's or SSDT's body, after the
// 36-byte header) for the object \_S5_, whose package gives the SLP_TYPa
// and SLP_TYPb values that put the machine in the soft-off state S5
// (ACPI 6.5 §7.4.2). It does not interpret AML: it matches the byte
// pattern nearly every firmware uses, NameOp ['\'] "_S5_" PackageOp
// PkgLength NumElements, then two integers written as ZeroOp, OneOp or a
// Byte/Word/DWord/QWord constant. An _S5_ that is a method, or whose
// values are not 3-bit constants, is not found: ok is false. With one
// element, SLP_TYPb is taken equal to SLP_TYPa.
func FindS5(aml []byte) (a, b uint8, ok bool) {
	for i := 0; i+4 <= len(aml); i++ {
		if aml[i] != '_' || aml[i+1] != 'S' || aml[i+2] != '5' || aml[i+3] != '_' {
			continue
		}
		// NameOp just before the name, or before its root prefix.
		switch {
		case i >= 1 && aml[i-1] == amlNameOp:
		case i >= 2 && aml[i-1] == amlRootChar && aml[i-2] == amlNameOp:
		default:
			continue
		}
		j := i + 4
		if j >= len(aml) || aml[j] != amlPackageOp {
			continue
		}
		j++
		// PkgLength (§20.2.4): bits 7-6 of the lead byte count the bytes
		// that follow it.
		if j >= len(aml) {
			continue
		}
		j += 1 + int(aml[j]>>6)
		if j >= len(aml) {
			continue
		}
		n := aml[j] // NumElements
		j++
		if n == 0 {
			continue
		}
		va, next, good := amlInteger(aml, j)
		if !good || va > 7 {
			continue
		}
		vb := va
		if n >= 2 {
			vb, _, good = amlInteger(aml, next)
			if !good || vb > 7 {
				continue
			}
		}
		return uint8(va), uint8(vb), true
	}
	return 0, 0, false
}

// amlInteger decodes one integer constant at aml[j] (ACPI 6.5 §20.2.3) and
// returns it with the index after it.
func amlInteger(aml []byte, j int) (v uint64, next int, ok bool) {
	if j < 0 || j >= len(aml) {
		return 0, j, false
	}
	var size int
	switch aml[j] {
	case amlZeroOp:
		return 0, j + 1, true
	case amlOneOp:
		return 1, j + 1, true
	case amlOnesOp:
		return ^uint64(0), j + 1, true
	case amlBytePrefix:
		size = 1
	case amlWordPrefix:
		size = 2
	case amlDWordPrfx:
		size = 4
	case amlQWordPrfx:
		size = 8
	default:
		return 0, j, false
	}
	if len(aml)-j-1 < size {
		return 0, j, false
	}
	for k := size; k >= 1; k-- {
		v = v<<8 | uint64(aml[j+k])
	}
	return v, j + 1 + size, true
}
