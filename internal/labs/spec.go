package labs

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Test is one graded test, from a lab's grade.txt or a hidden test file.
//
// The file format, one block per test:
//
//	# a comment
//	test NAME POINTS TIMEOUT [quick]
//	run SHELL COMMAND        (sh -c in the tree; bin/ is first on PATH)
//	want REGEXP              (the output must match; repeatable)
//	reject REGEXP            (the output must not match; repeatable)
//	status N                 (the command's exit status; default 0)
//
// Regular expressions are Go's, in multi-line mode ((?m)); the output is
// standard output and standard error together. "quick" marks the tests
// make test runs for every lab (see TestLabs).
type Test struct {
	Name    string
	Points  int
	Timeout time.Duration
	Quick   bool
	Run     string
	Want    []*regexp.Regexp
	Reject  []*regexp.Regexp
	Status  int
	Hidden  bool   // from the hidden tests
	Source  string // file:line of the test line
}

// ParseTests reads a test file.
func ParseTests(path string) ([]Test, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var tests []Test
	var cur *Test
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, rest, _ := strings.Cut(line, " ")
		rest = strings.TrimSpace(rest)
		where := fmt.Sprintf("%s:%d", path, n)
		if key != "test" && cur == nil {
			return nil, fmt.Errorf("%s: %q before the first test line", where, key)
		}
		switch key {
		case "test":
			f := strings.Fields(rest)
			if len(f) < 3 || len(f) > 4 || (len(f) == 4 && f[3] != "quick") {
				return nil, fmt.Errorf("%s: want: test NAME POINTS TIMEOUT [quick]", where)
			}
			pts, err := strconv.Atoi(f[1])
			if err != nil || pts < 0 {
				return nil, fmt.Errorf("%s: bad points %q", where, f[1])
			}
			d, err := time.ParseDuration(f[2])
			if err != nil || d <= 0 {
				return nil, fmt.Errorf("%s: bad timeout %q", where, f[2])
			}
			tests = append(tests, Test{Name: f[0], Points: pts, Timeout: d, Quick: len(f) == 4, Source: where})
			cur = &tests[len(tests)-1]
		case "run":
			if cur.Run != "" {
				return nil, fmt.Errorf("%s: a second run line in test %s", where, cur.Name)
			}
			cur.Run = rest
		case "want", "reject":
			re, err := regexp.Compile("(?m)" + rest)
			if err != nil {
				return nil, fmt.Errorf("%s: %v", where, err)
			}
			if key == "want" {
				cur.Want = append(cur.Want, re)
			} else {
				cur.Reject = append(cur.Reject, re)
			}
		case "status":
			s, err := strconv.Atoi(rest)
			if err != nil {
				return nil, fmt.Errorf("%s: bad status %q", where, rest)
			}
			cur.Status = s
		default:
			return nil, fmt.Errorf("%s: unknown key %q (test, run, want, reject, status)", where, key)
		}
	}
	for _, t := range tests {
		if t.Run == "" {
			return nil, fmt.Errorf("%s: test %s has no run line", t.Source, t.Name)
		}
	}
	return tests, nil
}

// Lab is one lab directory, labs/NN-name.
type Lab struct {
	Number int
	Name   string // "05-threads"
	Dir    string // its directory
}

var labDirRE = regexp.MustCompile(`^(\d\d)-[a-z0-9-]+$`)

// FindLabs lists the labs under root (a labs/ directory) in course order.
func FindLabs(root string) ([]Lab, error) {
	ents, err := os.ReadDir(root)
	if err != nil {
		return nil, err
	}
	var out []Lab
	for _, e := range ents {
		m := labDirRE.FindStringSubmatch(e.Name())
		if !e.IsDir() || m == nil {
			continue
		}
		n, _ := strconv.Atoi(m[1])
		out = append(out, Lab{Number: n, Name: e.Name(), Dir: filepath.Join(root, e.Name())})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out, nil
}

// FindLab returns lab n under root.
func FindLab(root string, n int) (Lab, error) {
	labs, err := FindLabs(root)
	if err != nil {
		return Lab{}, err
	}
	for _, l := range labs {
		if l.Number == n {
			return l, nil
		}
	}
	return Lab{}, fmt.Errorf("no lab %d in %s", n, root)
}

// Tests returns the lab's graded tests and, when hidden is a directory,
// the hidden ones for it: hidden/NN-*.txt (NN the two-digit lab number).
func (l Lab) Tests(hidden string) ([]Test, error) {
	tests, err := ParseTests(filepath.Join(l.Dir, "grade.txt"))
	if err != nil {
		return nil, err
	}
	if hidden == "" {
		return tests, nil
	}
	files, _ := filepath.Glob(filepath.Join(hidden, fmt.Sprintf("%02d-*.txt", l.Number)))
	sort.Strings(files)
	for _, f := range files {
		h, err := ParseTests(f)
		if err != nil {
			return nil, err
		}
		for i := range h {
			h[i].Hidden = true
		}
		tests = append(tests, h...)
	}
	return tests, nil
}
