package main

import (
	"bytes"
	"debug/elf"
	"fmt"
	"os"
	"strings"
)

// Whether mkimage exec gives the guest a network ($GOBARE_NET).
const (
	execNetAuto = "auto" // the default: a network when the program links package net
	execNetUser = "user" // always QEMU's user network and gobare's network service
	execNetOff  = "off"  // never: socket(2) answers EAFNOSUPPORT
)

// execNetwork returns the network mkimage exec gives the program in elfFile,
// as qemu.Config.Net takes it ("user", or "" for none): $GOBARE_NET, and
// under auto (the default) "user" when the program links package net, whose
// tests listen and dial on loopback and on 10.0.2.15. A network costs the
// boot the service's start (its DHCP exchange with QEMU) and its memory, so
// programs that cannot open a socket through package net go without.
func execNetwork(elfFile []byte) (string, error) {
	switch v := os.Getenv("GOBARE_NET"); v {
	case execNetUser:
		return "user", nil
	case execNetOff:
		return "", nil
	case "", execNetAuto:
		if linksNet(elfFile) {
			return "user", nil
		}
		return "", nil
	default:
		return "", fmt.Errorf("GOBARE_NET=%q: want auto, user or off", v)
	}
}

// linksNet reports whether an ELF's symbol table has a symbol of package
// net ("net." followed by a name; net/http's are "net/http."). A stripped
// program has none and is taken as not linking it.
func linksNet(elfFile []byte) bool {
	f, err := elf.NewFile(bytes.NewReader(elfFile))
	if err != nil {
		return false
	}
	syms, err := f.Symbols()
	if err != nil {
		return false
	}
	for _, s := range syms {
		if strings.HasPrefix(s.Name, "net.") {
			return true
		}
	}
	return false
}
