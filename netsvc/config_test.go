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

func TestParseIP6(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", "invalid Prefix"},
		{"2001:db8::20/64", "2001:db8::20/64"},
		{"fec0::15/64,fec0::2", "fec0::15/64 gateway fec0::2"},
	} {
		var cfg config
		if err := parseIP6(c.in, &cfg); err != nil || cfg.Addr6.String()+gw6(cfg) != c.want {
			t.Errorf("parseIP6(%q) = %v %v, %v; want %q", c.in, cfg.Addr6, cfg.Gateway6, err, c.want)
		}
	}
	for _, bad := range []string{"fec0::15", "10.0.2.15/24", "::ffff:10.0.2.15/120", "fec0::15/64,10.0.2.2", "fec0::15/64,gw"} {
		if err := parseIP6(bad, new(config)); err == nil {
			t.Errorf("parseIP6(%q): want an error", bad)
		}
	}
}

func gw6(c config) string {
	if c.Gateway6.IsValid() {
		return " gateway " + c.Gateway6.String()
	}
	return ""
}
