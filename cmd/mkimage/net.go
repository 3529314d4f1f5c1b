package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gobare/gobare/qemu"
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

// check refuses a network or port forward QEMU would not take.
func (n *netFlags) check() error { return qemu.CheckNet(n.net, n.ports) }

// The network service's names for -netsvc besides a program: gobare's
// own (netsvc/ in the source tree, which -net picks by default), or none.
const (
	serviceGobare = "gobare"
	serviceNone   = "none"
)

// service returns the network service to pack: the one -netsvc named, or
// with -net and no -netsvc gobare's own.
func (n *netFlags) service(netsvc string) string {
	if netsvc == "" && n.net != "" {
		return serviceGobare
	}
	return netsvc
}

// buildService builds or reads the network service that -netsvc names,
// nil when there is none.
func buildService(bf buildFlags, dir, root string) ([]byte, error) {
	switch bf.netsvc {
	case "", serviceNone:
		return nil, nil
	case serviceGobare:
		bf.netsvc = filepath.Join(root, "netsvc")
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
