package etcfs

import (
	"unsafe"

	"github.com/gobare/gobare/kernel/vfs"
)

// /etc/resolv.conf names the name servers the network service found
// (DHCP's, or the kernel word ip='s; docs/design.md, Networking), so Go's
// resolver asks them. Its text lives here, not on a heap. The service
// starts beside the program and needs a moment (DHCP) to know them: from
// AwaitNameServers until SetNameServers the file exists and a read of
// it waits, so a lookup at the program's start does not miss them.
var resolvConf [3 * len("nameserver 255.255.255.255\n")]byte

// awaiting: a network service runs and has not reported yet.
var awaiting bool

// AwaitNameServers says that a network service will report its name
// servers: until then reads of /etc/resolv.conf wait.
func AwaitNameServers() { awaiting = true }

// lateKey is the key readers of an awaited file wait on.
func lateKey() uintptr { return vfs.KeyOf(&resolvConf) }

// SetNameServers makes /etc/resolv.conf name the IPv4 servers in ips (4
// bytes each, the first 3), changed at now (seconds): Go's resolver reads
// the file again when its time changes. No servers (or a service that
// ended): no file. Readers waiting for it go on.
func SetNameServers(ips []byte, now int64) {
	n := 0
	for i := 0; i+4 <= len(ips) && i < 12; i += 4 {
		n += copy(resolvConf[n:], "nameserver ")
		for j, b := range ips[i : i+4] {
			if j > 0 {
				resolvConf[n] = '.'
				n++
			}
			n += decimal(resolvConf[n:], b)
		}
		resolvConf[n] = '\n'
		n++
	}
	text := resolvConf[:n]
	for i := range Etc {
		if Etc[i].Name == "resolv.conf" {
			// A string header is a slice header's first two words: this
			// views the text as a string (no copy, no runtime call).
			Etc[i].Data = *(*string)(unsafe.Pointer(&text))
			Etc[i].Mtime = now
		}
	}
	awaiting = false
	vfs.Changed(lateKey())
}

// decimal writes b in decimal at p and returns its length.
func decimal(p []byte, b byte) int {
	n := 0
	if b >= 100 {
		p[n] = '0' + b/100
		n++
	}
	if b >= 10 {
		p[n] = '0' + b/10%10
		n++
	}
	p[n] = '0' + b%10
	return n + 1
}

// Awaiting reports whether the name servers are still awaited.
func Awaiting() bool { return awaiting }
