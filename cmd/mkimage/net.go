package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

// netFlags are mkimage run's network flags: which network the guest gets
// (qemu.Config.Net) and the host ports forwarded to it.
type netFlags struct {
	net   string
	ports listFlag
}

func (n *netFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&n.net, "net", "", "give the guest a network: `user` (QEMU's NAT, the guest at 10.0.2.15) or tap,IFNAME")
	fs.Var(&n.ports, "port", "with -net user, forward the host's localhost port to the guest's: `[tcp:|udp:]HOST:GUEST` (repeatable)")
}

// buildService builds or reads the network service that -netsvc names,
// nil when there is none.
func buildService(bf buildFlags, dir, root string) ([]byte, error) {
	if bf.netsvc == "" {
		return nil, nil
	}
	svcDir := filepath.Join(dir, "netsvc")
	if err := os.Mkdir(svcDir, 0o755); err != nil {
		return nil, err
	}
	prog, err := resolveProgram(bf.netsvc, svcDir, bf.rt, root)
	if err != nil {
		return nil, fmt.Errorf("-netsvc: %v", err)
	}
	return prog.elf, nil
}
