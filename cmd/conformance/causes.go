package main

import (
	"path"
	"regexp"
	"strings"
)

// A cause is a pattern in a failed item's log and the words that name it
// in the report. causes() returns every cause a log shows, most specific
// first, each once.
type cause struct {
	re   *regexp.Regexp
	name func(m []string) string
}

func fixed(s string) func([]string) string { return func([]string) string { return s } }

var causeTable = []cause{
	// The kernel names system calls it does not implement.
	{regexp.MustCompile(`unimplemented system call (\w+)`), func(m []string) string { return "ENOSYS " + m[1] + " (not implemented by the kernel)" }},
	{regexp.MustCompile(`gobare: (?:program )?(fault|exception|page fault)[^\n]*`), fixed("kernel: fault report")},
	{regexp.MustCompile(`read-only file system`), fixed("EROFS: the test writes files (t.TempDir, os.Create, ...)")},
	{regexp.MustCompile(`fork/exec|exec: "|os/exec|MustHaveExec|cannot run child|StartProcess`), fixed("runs a subprocess (fork/exec)")},
	{regexp.MustCompile(`listing stdlib export files`), fixed("runs the go tool (needs Go's test harness: STDLIB_IMPORTCFG)")},
	{regexp.MustCompile(`\b(dial|listen|socket)\b[^\n]*(function not implemented|address family|not supported)`), fixed("network sockets")},
	{regexp.MustCompile(`(?:open|stat|lstat|readlink) (/[^\s:]+): no such file or directory`), func(m []string) string {
		return "ENOENT: reads a file outside the packed directory (" + topDirs(m[1]) + ")"
	}},
	{regexp.MustCompile(`panic: test timed out after`), fixed("timeout: the test binary's own -timeout")},
	{regexp.MustCompile(`QEMU timed out`), fixed("timeout: the guest ran past mkimage's limit")},
	{regexp.MustCompile(`fatal error: ([^\n]+)`), func(m []string) string { return "runtime fatal error: " + normalize(m[1]) }},
	{regexp.MustCompile(`(?:unexpected signal|signal (SIG\w+))[^\n]*`), func(m []string) string {
		if m[1] != "" {
			return "signal " + m[1]
		}
		return "unexpected signal"
	}},
	{regexp.MustCompile(`function not implemented`), fixed("ENOSYS from a system call")},
	{regexp.MustCompile(`operation not permitted|permission denied`), fixed("EPERM/EACCES")},
	{regexp.MustCompile(`bad file descriptor`), fixed("EBADF")},
	{regexp.MustCompile(`invalid argument`), fixed("EINVAL from a system call")},
	{regexp.MustCompile(`(?m)^mkimage: ([^\n]+)`), func(m []string) string { return "mkimage: " + normalize(m[1]) }},
	{regexp.MustCompile(`(?m)^gobare: ([^\n]+)`), func(m []string) string { return "kernel: " + normalize(m[1]) }},
	{regexp.MustCompile(`(?m)^panic: ([^\n]+)`), func(m []string) string { return "panic: " + normalize(m[1]) }},
}

// assertRE marks a failed test; it names the cause only when nothing more
// specific was seen.
var assertRE = regexp.MustCompile(`(?m)^\s*--- FAIL: `)

// causes lists the failure causes a log shows.
func causes(text string) []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range causeTable {
		for _, m := range c.re.FindAllStringSubmatch(text, 4) {
			n := clip(c.name(m), 110)
			if redundant(n, out) {
				continue
			}
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
			if !strings.HasPrefix(c.re.String(), "unimplemented") {
				break // one of each kind, except system call names
			}
		}
	}
	if len(out) == 0 && assertRE.MatchString(text) {
		out = append(out, "test assertions fail (no system-level cause seen)")
	}
	return out
}

// redundant reports whether cause n only repeats one already found: the
// generic ENOSYS line after the kernel named the call, the kernel's own
// line about it.
func redundant(n string, found []string) bool {
	named := false
	for _, f := range found {
		named = named || strings.HasPrefix(f, "ENOSYS ") && strings.HasSuffix(f, "(not implemented by the kernel)")
	}
	switch {
	case strings.Contains(n, "unimplemented system call"):
		return true
	case n == "ENOSYS from a system call":
		return named
	}
	return false
}

// topDirs shortens a path to its first three elements.
func topDirs(p string) string {
	el := strings.Split(strings.TrimPrefix(path.Clean(p), "/"), "/")
	if len(el) > 3 {
		return "/" + strings.Join(el[:3], "/") + "/…"
	}
	return p
}

var (
	hexRE = regexp.MustCompile(`0x[0-9a-fA-F]+`)
	numRE = regexp.MustCompile(`\b\d{3,}\b`)
)

// normalize removes addresses and long numbers so that equal causes from
// different runs count together.
func normalize(s string) string {
	s = hexRE.ReplaceAllString(s, "0x…")
	return numRE.ReplaceAllString(s, "N")
}
