//go:build go1.25

package rt

// Offsets into the runtime's g and m structures for Go 1.25 and later, as
// the runtime's DWARF describes them (mkimage checks them against the
// DWARF of every program it links this package into).
const (
	gStackLo     = 0   // g.stack.lo
	gStackHi     = 8   // g.stack.hi
	gStackguard0 = 16  // g.stackguard0
	gStackguard1 = 24  // g.stackguard1
	gM           = 48  // g.m
	mG0          = 0   // m.g0
	mTLS         = 128 // m.tls
)
