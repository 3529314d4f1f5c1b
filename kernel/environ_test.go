package kernel

import (
	"strings"
	"testing"
)

// TestAddDefaultEnv: HOME=/ and TERM=linux are added only where the
// environment lacks the variable — not for a longer name that starts the
// same, nor for an argument that looks like one — and only if they fit.
func TestAddDefaultEnv(t *testing.T) {
	for _, c := range []struct {
		args, env []string
		size      int
		want      []string
	}{
		{[]string{"prog"}, nil, 100, []string{"HOME=/", "TERM=linux"}},
		{[]string{"prog"}, []string{"HOME=/tmp"}, 100, []string{"HOME=/tmp", "TERM=linux"}},
		{[]string{"prog"}, []string{"TERM=xterm", "HOME="}, 100, []string{"TERM=xterm", "HOME="}},
		{[]string{"prog"}, []string{"HOMEDIR=/x", "XTERM=1"}, 100, []string{"HOMEDIR=/x", "XTERM=1", "HOME=/", "TERM=linux"}},
		{[]string{"prog", "HOME=/arg"}, nil, 100, []string{"HOME=/", "TERM=linux"}},
		{[]string{"prog"}, nil, len("prog") + 1 + len("HOME=/") + 1 + 3, []string{"HOME=/"}},
	} {
		buf := make([]byte, c.size)
		n := 0
		for _, s := range append(append([]string(nil), c.args...), c.env...) {
			n += copy(buf[n:], s)
			buf[n] = 0
			n++
		}
		n, envc := addDefaultEnv(buf, n, len(c.args), len(c.env))
		strs := strings.Split(strings.TrimSuffix(string(buf[:n]), "\x00"), "\x00")
		got := strs[len(c.args):]
		if envc != len(got) || strings.Join(got, " ") != strings.Join(c.want, " ") {
			t.Errorf("args %q env %q: environment %q (envc %d), want %q", c.args, c.env, got, envc, c.want)
		}
	}
}
