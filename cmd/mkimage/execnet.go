package main

import (
	"bytes"
	"debug/elf"
	"fmt"
	"os"
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

// linksNet reports whether an ELF has a function of package net. It looks
// in the function-name table of .gopclntab ("net." after the NUL that ends
// the name before; net/http's are "net/http."), which the Go runtime needs
// and so every Go binary keeps: go test strips the symbol table of the
// binary it hands to -exec (ld -s), which held the same names.
func linksNet(elfFile []byte) bool {
	f, err := elf.NewFile(bytes.NewReader(elfFile))
	if err != nil {
		return false
	}
	s := f.Section(".gopclntab")
	if s == nil {
		return false
	}
	tab, err := s.Data()
	if err != nil {
		return false
	}
	return bytes.Contains(tab, []byte("\x00net."))
}
