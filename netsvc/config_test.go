package main

import "testing"

func TestParseIP(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string
		dhcp bool
	}{
		{"", "", true},
		{"dhcp", "", true},
		{"192.168.1.20/24", "192.168.1.20/24", false},
		{"192.168.1.20/24,192.168.1.1,1.1.1.1,9.9.9.9", "192.168.1.20/24 gateway 192.168.1.1 dns 1.1.1.1 dns 9.9.9.9", false},
	} {
		cfg, dhcp, err := parseIP(c.in)
		if err != nil || dhcp != c.dhcp || !dhcp && cfg.String() != c.want {
			t.Errorf("parseIP(%q) = %v, %v, %v; want %q, %v", c.in, cfg, dhcp, err, c.want, c.dhcp)
		}
	}
	for _, bad := range []string{"10.0.2.15", "::1/128", "10.0.2.15/24,gw", "10.0.2.15/24,10.0.2.2,::1"} {
		if _, _, err := parseIP(bad); err == nil {
			t.Errorf("parseIP(%q): want an error", bad)
		}
	}
}
