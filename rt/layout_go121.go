//go:build !go1.25

package rt

// Offsets into the runtime's g and m structures for Go 1.21 to 1.24: m.tls
// sits 8 bytes later than in 1.25, whose gobuf lost a field.
const (
	gStackLo     = 0
	gStackHi     = 8
	gStackguard0 = 16
	gStackguard1 = 24
	gM           = 48
	mG0          = 0
	mTLS         = 136
)
