package qemu

import (
	"slices"
	"testing"
)

func TestNetArgs(t *testing.T) {
	for _, c := range []struct {
		net   string
		ports []string
		want  []string
	}{
		{"", nil, nil},
		{"user", nil, []string{"-netdev", "user,id=net0", "-device", "virtio-net-pci,netdev=net0"}},
		{"user", []string{"8080:80", "udp:5353:53"}, []string{"-netdev",
			"user,id=net0,hostfwd=tcp:127.0.0.1:8080-:80,hostfwd=udp:127.0.0.1:5353-:53", "-device", "virtio-net-pci,netdev=net0"}},
		{"tap,tap0", nil, []string{"-netdev", "tap,id=net0,ifname=tap0,script=no,downscript=no", "-device", "virtio-net-pci,netdev=net0"}},
	} {
		got, err := netArgs(c.net, c.ports)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("netArgs(%q, %q) = %q, %v; want %q", c.net, c.ports, got, err, c.want)
		}
	}
	for _, c := range []struct {
		net   string
		ports []string
	}{
		{"", []string{"80:80"}},
		{"bridge", nil},
		{"tap", nil},
		{"tap,a,b", nil},
		{"tap,tap0", []string{"80:80"}},
		{"user", []string{"80"}},
		{"user", []string{"0:80"}},
		{"user", []string{"80:65536"}},
		{"user", []string{"sctp:80:80"}},
		{"user", []string{"080:80"}},
	} {
		if got, err := netArgs(c.net, c.ports); err == nil {
			t.Errorf("netArgs(%q, %q) = %q, want an error", c.net, c.ports, got)
		}
	}
}
