package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"go/build"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
)

const (
	suiteStd  = "std"
	suiteTest = "test"
)

// item is one thing to run: a standard-library package, or a test/
// program (name test/NAME.go).
type item struct {
	suite string
	name  string
	file  string   // test/ programs: the file's path
	skip  string   // why the item is not run at all (test/: build constraints)
	flags []string // std: extra go test flags from stdlib.txt (-skip=REGEXP)
}

func (it item) key() string { return it.suite + ":" + it.name }

// lists are the contents of conformance/.
type lists struct {
	std       []string            // stdlib.txt's packages, in order
	stdFlags  map[string][]string // their go test flags (-skip=REGEXP)
	excluded  map[string]string   // excluded.txt: package → reason
	exclOrder []string
	short     map[string]bool // short.txt
}

// readList reads a list file: one entry per line, "#" starts a comment.
// For excluded.txt an entry is "PACKAGE  REASON".
func readList(path string, fn func(line string, n int) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for n := 1; s.Scan(); n++ {
		line := s.Text()
		if i := strings.Index(line, "#"); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if err := fn(line, n); err != nil {
			return fmt.Errorf("%s:%d: %v", path, n, err)
		}
	}
	return s.Err()
}

func readLists(dir string) (*lists, error) {
	l := &lists{excluded: map[string]string{}, short: map[string]bool{}, stdFlags: map[string][]string{}}
	seen := map[string]bool{}
	err := readList(filepath.Join(dir, "stdlib.txt"), func(line string, _ int) error {
		f := strings.Fields(line)
		pkg := f[0]
		for _, flag := range f[1:] {
			if !strings.HasPrefix(flag, "-skip=") {
				return fmt.Errorf("want \"PACKAGE [-skip=REGEXP]\", got %q", line)
			}
		}
		if seen[pkg] {
			return fmt.Errorf("%s listed twice", pkg)
		}
		seen[pkg] = true
		l.std = append(l.std, pkg)
		l.stdFlags[pkg] = f[1:]
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = readList(filepath.Join(dir, "excluded.txt"), func(line string, _ int) error {
		pkg, reason, ok := strings.Cut(line, " ")
		reason = strings.TrimSpace(reason)
		if !ok || reason == "" {
			return fmt.Errorf("want \"PACKAGE  REASON\", got %q", line)
		}
		if _, dup := l.excluded[pkg]; dup {
			return fmt.Errorf("%s excluded twice", pkg)
		}
		l.excluded[pkg] = reason
		l.exclOrder = append(l.exclOrder, pkg)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = readList(filepath.Join(dir, "short.txt"), func(line string, _ int) error {
		l.short[line] = true
		return nil
	})
	return l, err
}

// checkLists compares the lists with the standard library's packages that
// have tests.
func checkLists(l *lists) []string {
	out, err := exec.Command("go", "list", "-f", "{{if or .TestGoFiles .XTestGoFiles}}{{.ImportPath}}{{end}}", "std").Output()
	if err != nil {
		return []string{fmt.Sprintf("go list std: %v", err)}
	}
	var problems []string
	have := map[string]bool{}
	for _, p := range strings.Fields(string(out)) {
		if strings.HasPrefix(p, "vendor/") {
			continue
		}
		have[p] = true
		_, ex := l.excluded[p]
		in := slices.Contains(l.std, p)
		switch {
		case in && ex:
			problems = append(problems, fmt.Sprintf("%s: both in stdlib.txt and excluded.txt", p))
		case !in && !ex:
			problems = append(problems, fmt.Sprintf("%s: has tests but is in neither stdlib.txt nor excluded.txt", p))
		}
	}
	for _, p := range l.std {
		if !have[p] {
			problems = append(problems, fmt.Sprintf("%s (stdlib.txt): not a standard-library package with tests", p))
		}
	}
	for _, p := range l.exclOrder {
		if !have[p] {
			problems = append(problems, fmt.Sprintf("%s (excluded.txt): not a standard-library package with tests", p))
		}
	}
	return problems
}

// allItems lists every item: the packages of stdlib.txt, then the `// run`
// programs of $GOROOT/test.
func allItems(cfg *config, l *lists) ([]item, error) {
	var items []item
	for _, p := range l.std {
		items = append(items, item{suite: suiteStd, name: p, flags: l.stdFlags[p]})
	}
	progs, err := runPrograms(cfg.goroot)
	if err != nil {
		return nil, err
	}
	return append(items, progs...), nil
}

// runPrograms finds the files of $GOROOT/test whose first line is exactly
// "// run" (no flags, no arguments: the plain run-and-compare tests) and
// marks those whose build constraints exclude linux/amd64 without cgo.
func runPrograms(goroot string) ([]item, error) {
	dir := filepath.Join(goroot, "test")
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	ctxt := build.Default
	ctxt.GOOS, ctxt.GOARCH, ctxt.CgoEnabled = "linux", "amd64", false
	var items []item
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		first, _, _ := bytes.Cut(b, []byte("\n"))
		if string(bytes.TrimRight(first, "\r")) != "// run" {
			continue
		}
		it := item{suite: suiteTest, name: "test/" + filepath.Base(f), file: f}
		if ok, err := ctxt.MatchFile(dir, filepath.Base(f)); err == nil && !ok {
			it.skip = "build constraints exclude linux/amd64"
		}
		items = append(items, it)
	}
	return items, nil
}

// state is the results file: item key → result.
type state struct {
	path string
	mu   sync.Mutex
	R    map[string]result `json:"results"`
}

// result is how one item went.
type result struct {
	Status    string   `json:"status"` // one of statusOrder
	Seconds   float64  `json:"seconds"`
	Note      string   `json:"note,omitempty"`   // one line for the table
	Causes    []string `json:"causes,omitempty"` // failure causes (see causes.go)
	Tests     *counts  `json:"tests,omitempty"`  // std: top-level tests
	Log       string   `json:"log,omitempty"`    // the log file, relative to the log directory
	Commit    string   `json:"commit,omitempty"`
	GoVersion string   `json:"go,omitempty"`
	CPUs      int      `json:"cpus,omitempty"` // the guest's CPUs (GOBARE_SMP)
	When      string   `json:"when,omitempty"`
}

type counts struct {
	Pass, Fail, Skip int
}

// Statuses, in report order.
const (
	statusPass    = "PASS"
	statusFail    = "FAIL"
	statusTimeout = "TIMEOUT"
	statusBuild   = "BUILD"
	statusSkip    = "SKIP"
	statusError   = "ERROR" // the harness failed (mkimage could not build the kernel, ...): not a result
	statusNotRun  = "not run"
)

var statusOrder = []string{statusPass, statusFail, statusTimeout, statusBuild, statusSkip, statusError}

func loadState(path string) (*state, error) {
	st := &state{path: path, R: map[string]result{}}
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return st, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, st); err != nil {
		return nil, fmt.Errorf("%s: %v (remove it to start afresh)", path, err)
	}
	if st.R == nil {
		st.R = map[string]result{}
	}
	return st, nil
}

func (s *state) get(key string) (result, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.R[key]
	return r, ok
}

func (s *state) put(key string, r result) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.R[key] = r
}

// save writes the state atomically (a new file renamed over the old).
func (s *state) save() error {
	s.mu.Lock()
	b, err := json.MarshalIndent(s, "", "\t")
	s.mu.Unlock()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(s.path), 0o755); err != nil {
		return err
	}
	tmp := s.path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, s.path)
}
