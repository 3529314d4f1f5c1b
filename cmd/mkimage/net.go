package main

import "flag"

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
