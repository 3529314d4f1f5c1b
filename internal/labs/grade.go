package labs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"
)

// Options say what to grade and how.
type Options struct {
	Tree   string         // the tree the tests run in (a student tree or the main one)
	Labs   string         // the labs/ directory the tests come from (default Tree/labs)
	Hidden string         // a directory of hidden tests, or ""
	Lab    int            // the lab
	Filter *regexp.Regexp // only the tests whose names match, or nil
	Quick  bool           // only the tests marked quick
	Out    io.Writer      // one line per test and the score; nil: nothing
	// NoBuild uses the tree's bin/mkimage as it is (a caller grading one
	// tree several times builds it once).
	NoBuild bool
}

// Result is one test's outcome.
type Result struct {
	Test    Test
	Score   int
	Output  string // what went wrong (empty when it passed)
	Elapsed time.Duration
}

// Report is one lab's grading.
type Report struct {
	Lab      int
	Results  []Result
	Score    int
	Max      int
	Elapsed  time.Duration
	BuildErr string // the tree did not build: every test failed with this
}

// Grade runs a lab's tests in a tree. Each command runs with sh -c in the
// tree, with the tree's bin/ first on PATH (bin/mkimage is built first, once,
// with the tree's own sources) and these in the environment: MKIMAGE (that
// mkimage), LAB (the number), LABDIR (the lab's directory) and HIDDEN (the
// hidden test directory, when there is one).
func Grade(opts Options) (Report, error) {
	start := time.Now()
	tree, err := filepath.Abs(opts.Tree)
	if err != nil {
		return Report{}, err
	}
	labsDir := opts.Labs
	if labsDir == "" {
		labsDir = filepath.Join(tree, "labs")
	}
	lab, err := FindLab(labsDir, opts.Lab)
	if err != nil {
		return Report{}, err
	}
	hidden := opts.Hidden
	if hidden != "" {
		if st, err := os.Stat(hidden); err != nil || !st.IsDir() {
			hidden = ""
		} else if hidden, err = filepath.Abs(hidden); err != nil {
			return Report{}, err
		}
	}
	tests, err := lab.Tests(hidden)
	if err != nil {
		return Report{}, err
	}
	labDir, _ := filepath.Abs(lab.Dir)
	rep := Report{Lab: opts.Lab}
	out := opts.Out
	if out == nil {
		out = io.Discard
	}
	fmt.Fprintf(out, "grading lab %d (%s) in %s\n", lab.Number, lab.Name, tree)

	// One build of the tool for every test; the kernel and programs it
	// builds share Go's build cache. -trimpath (as for the kernel) keeps
	// the cache's entries the same from one tree to the next.
	if !opts.NoBuild {
		build := exec.Command("go", "build", "-trimpath", "-o", filepath.Join("bin", "mkimage"), "./cmd/mkimage")
		build.Dir = tree
		if b, err := build.CombinedOutput(); err != nil {
			rep.BuildErr = "the tree does not build: go build ./cmd/mkimage: " + err.Error() + "\n" + string(b)
		}
	}
	env := append(os.Environ(),
		"PATH="+filepath.Join(tree, "bin")+string(os.PathListSeparator)+os.Getenv("PATH"),
		"MKIMAGE="+filepath.Join(tree, "bin", "mkimage"),
		fmt.Sprintf("LAB=%d", lab.Number),
		"LABDIR="+labDir,
		"HIDDEN="+hidden,
	)
	for _, t := range tests {
		if opts.Filter != nil && !opts.Filter.MatchString(t.Name) || opts.Quick && !t.Quick {
			continue
		}
		var r Result
		if rep.BuildErr != "" {
			r = Result{Test: t, Output: rep.BuildErr}
		} else {
			r = runTest(t, tree, env)
		}
		rep.Results = append(rep.Results, r)
		rep.Score += r.Score
		rep.Max += t.Points
		if r.Score == t.Points {
			fmt.Fprintf(out, "%s: OK (%d) %.1fs\n", t.Name, t.Points, r.Elapsed.Seconds())
		} else {
			fmt.Fprintf(out, "%s: FAIL (0/%d) %.1fs\n", t.Name, t.Points, r.Elapsed.Seconds())
			for _, l := range strings.Split(strings.TrimRight(r.Output, "\n"), "\n") {
				fmt.Fprintf(out, "    %s\n", l)
			}
		}
	}
	rep.Elapsed = time.Since(start)
	fmt.Fprintf(out, "Score: %d/%d\n", rep.Score, rep.Max)
	return rep, nil
}

// maxShown is how many lines of a failing test's output are shown.
const maxShown = 12

func runTest(t Test, tree string, env []string) Result {
	ctx, cancel := context.WithTimeout(context.Background(), t.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", t.Run)
	cmd.Dir = tree
	cmd.Env = env
	cmd.Stdin = nil
	var buf bytes.Buffer
	cmd.Stdout = &buf
	cmd.Stderr = &buf
	// Its own process group, so that a timeout ends QEMU too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	err := cmd.Run()
	r := Result{Test: t, Elapsed: time.Since(start)}
	// Serial consoles end lines with "\r\n"; the patterns see "\n".
	output := strings.ReplaceAll(buf.String(), "\r", "")
	status := 0
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		r.Output = fmt.Sprintf("timed out after %v", t.Timeout)
		r.Output += "\n" + excerpt(output, true)
		return r
	case errors.As(err, &ee):
		status = ee.ExitCode()
	case err != nil:
		r.Output = err.Error()
		return r
	}
	var why []string
	if status != t.Status {
		why = append(why, fmt.Sprintf("exit status %d, want %d", status, t.Status))
	}
	for _, re := range t.Want {
		if !re.MatchString(output) {
			why = append(why, fmt.Sprintf("no output line matches %q", strings.TrimPrefix(re.String(), "(?m)")))
		}
	}
	for _, re := range t.Reject {
		if loc := re.FindStringIndex(output); loc != nil {
			why = append(why, fmt.Sprintf("output matches %q: %q", strings.TrimPrefix(re.String(), "(?m)"), lineAt(output, loc[0])))
		}
	}
	if len(why) == 0 {
		r.Score = t.Points
		return r
	}
	if len(why) > 4 {
		why = append(why[:4], fmt.Sprintf("(and %d more)", len(why)-4))
	}
	r.Output = strings.Join(why, "\n") + "\n" + excerpt(output, false)
	return r
}

// failLine picks the lines of a failing output worth showing first.
var failLine = regexp.MustCompile(`(?i)fail|error|panic|fatal|fault|killed|unimplemented|timed out|want|got|expected|--- `)

// excerpt returns the first lines of output that say what went wrong, or
// its last lines when none does. For a run that was stopped (timedOut:
// the test's timeout; or its output ends saying "timed out", mkimage's
// -timeout) the last tailShown lines follow: where the output ended is
// what tells a slow run from a stuck one.
func excerpt(output string, timedOut bool) string {
	lines := strings.Split(strings.TrimRight(output, "\n"), "\n")
	var picked []string
	for _, l := range lines {
		if failLine.MatchString(l) {
			picked = append(picked, l)
			if len(picked) == maxShown {
				break
			}
		}
	}
	timedOut = timedOut || strings.Contains(lines[len(lines)-1], "timed out")
	if len(picked) == 0 {
		if len(lines) > maxShown {
			lines = lines[len(lines)-maxShown:]
		}
		picked = lines
	} else if timedOut && len(lines) > 1 {
		picked = append(append(picked, "(the last lines:)"), lines[max(len(lines)-tailShown, 0):]...)
	}
	for i, l := range picked {
		if len(l) > 200 {
			picked[i] = l[:200] + "..."
		}
	}
	return "output: " + strings.Join(picked, "\n        ")
}

// tailShown is how many of a failing test's last lines are shown after
// the picked ones.
const tailShown = 4

func lineAt(s string, i int) string {
	start := strings.LastIndexByte(s[:i], '\n') + 1
	end := strings.IndexByte(s[i:], '\n')
	if end < 0 {
		return s[start:]
	}
	return s[start : i+end]
}

// Gradescope's autograder results (results.json): the fields gobare
// writes. See https://gradescope-autograders.readthedocs.io/en/latest/specs/.
type gradescopeResults struct {
	Score            float64          `json:"score"`
	ExecutionTime    int              `json:"execution_time"`
	Output           string           `json:"output"`
	Visibility       string           `json:"visibility"`
	StdoutVisibility string           `json:"stdout_visibility"`
	Tests            []gradescopeTest `json:"tests"`
}

type gradescopeTest struct {
	Name       string  `json:"name"`
	Number     string  `json:"number"`
	Score      float64 `json:"score"`
	MaxScore   float64 `json:"max_score"`
	Status     string  `json:"status"`
	Output     string  `json:"output"`
	Visibility string  `json:"visibility"`
}

// GradescopeJSON is the report as Gradescope's results.json. Hidden tests
// are "after_published": students see them once the grades are out.
func (r Report) GradescopeJSON() ([]byte, error) {
	g := gradescopeResults{
		Score:            float64(r.Score),
		ExecutionTime:    int(r.Elapsed.Seconds() + 0.5),
		Output:           fmt.Sprintf("lab %d: %d/%d", r.Lab, r.Score, r.Max),
		Visibility:       "visible",
		StdoutVisibility: "hidden",
		Tests:            []gradescopeTest{},
	}
	for i, res := range r.Results {
		t := gradescopeTest{
			Name:       res.Test.Name,
			Number:     fmt.Sprintf("%d.%d", r.Lab, i+1),
			Score:      float64(res.Score),
			MaxScore:   float64(res.Test.Points),
			Status:     "passed",
			Output:     res.Output,
			Visibility: "visible",
		}
		if res.Score < res.Test.Points {
			t.Status = "failed"
		}
		if res.Test.Hidden {
			t.Visibility = "after_published"
		}
		g.Tests = append(g.Tests, t)
	}
	return json.MarshalIndent(g, "", "  ")
}
