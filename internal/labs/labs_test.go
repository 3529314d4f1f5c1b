package labs

import (
	"encoding/json"
	"fmt"
	"go/format"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// root is the repository, two levels above this package.
const root = "../.."

func TestParseAndStub(t *testing.T) {
	src := `package p

func f() int {
	x := 1
	@@LAB 3 BEGIN: compute y
	@@LAB 3 STUB: return 0 // not yet
	y := x + 1
	return y
	@@LAB 3 END
}
`
	// The markers are written @@ here, or the tools would take this file's
	// text for regions.
	src = strings.ReplaceAll(src, "@@", "// ")
	rs, err := ParseRegions("p.go", src)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || rs[0].Lab != 3 || rs[0].Title != "compute y" || rs[0].CodeLines() != 2 || !rs[0].HasMarker {
		t.Fatalf("regions %+v", rs)
	}
	got, n, err := Stub("p.go", src, 3)
	if err != nil || n != 1 {
		t.Fatal(n, err)
	}
	want := `package p

func f() int {
	x := 1
	@@LAB 3 BEGIN: compute y
	return 0 // not yet
	@@LAB 3 END
}
`
	want = strings.ReplaceAll(want, "@@", "// ")
	if got != want {
		t.Fatalf("stubbed:\n%s\nwant:\n%s", got, want)
	}
	// A stubbed region has no STUB lines: stubbing again changes nothing,
	// and another lab's regions are left alone.
	if again, n, _ := Stub("p.go", got, 3); again != got || n != 0 {
		t.Errorf("stubbing twice changed the text:\n%s", again)
	}
	if other, n, _ := Stub("p.go", src, 4); other != src || n != 0 {
		t.Errorf("lab 4 changed lab 3's region")
	}
	for _, bad := range []string{
		"// LAB 1 BEGIN\n// LAB 1 BEGIN\n// LAB 1 END\n",
		"// LAB 1 BEGIN\nx\n",
		"// LAB 1 END\n",
		"// LAB 1 BEGIN\n// LAB 2 END\n",
		"// LAB 1 BEGIN\nx\n// LAB 1 STUB: y\n// LAB 1 END\n",
	} {
		if _, err := ParseRegions("bad.go", bad); err == nil {
			t.Errorf("no error for %q", bad)
		}
	}
}

func TestParseTests(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "grade.txt")
	os.WriteFile(p, []byte("# c\ntest a 10 5s quick\nrun echo hi\nwant ^hi$\nreject bye\nstatus 0\n\ntest b 5 1m\nrun false\nstatus 1\n"), 0o644)
	ts, err := ParseTests(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 2 || ts[0].Points != 10 || !ts[0].Quick || ts[1].Timeout != time.Minute || ts[1].Status != 1 || len(ts[0].Want) != 1 {
		t.Fatalf("%+v", ts)
	}
	for _, bad := range []string{"run x\n", "test a x 5s\nrun y\n", "test a 1 5s\n", "test a 1 5s\nrun x\nfoo y\n", "test a 1 5s slow\nrun x\n"} {
		os.WriteFile(p, []byte(bad), 0o644)
		if _, err := ParseTests(p); err == nil {
			t.Errorf("no error for %q", bad)
		}
	}
}

// TestGradeRunner grades a made-up lab: passing, failing, timing out and
// hidden tests, the report lines and Gradescope's JSON.
func TestGradeRunner(t *testing.T) {
	tree := t.TempDir()
	lab := filepath.Join(tree, "labs", "09-demo")
	hidden := filepath.Join(tree, "hidden")
	os.MkdirAll(lab, 0o755)
	os.MkdirAll(hidden, 0o755)
	os.WriteFile(filepath.Join(lab, "grade.txt"), []byte(`test ok 10 10s quick
run echo hello; echo "lab $LAB"
want ^hello$
want ^lab 9$
test wrong-status 5 10s
run exit 3
test slow 5 1s
run sleep 30
test rejected 5 10s
run echo oops
reject oops
`), 0o644)
	os.WriteFile(filepath.Join(hidden, "09-extra.txt"), []byte("test secret 7 10s\nrun echo $HIDDEN\nwant hidden$\n"), 0o644)
	var out strings.Builder
	start := time.Now()
	rep, err := Grade(Options{Tree: tree, Hidden: hidden, Lab: 9, Out: &out, NoBuild: true})
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(start) > 10*time.Second {
		t.Errorf("the 1 s timeout took %v", time.Since(start))
	}
	if rep.Score != 17 || rep.Max != 32 {
		t.Errorf("score %d/%d, want 17/32:\n%s", rep.Score, rep.Max, out.String())
	}
	for _, want := range []string{"ok: OK (10)", "wrong-status: FAIL (0/5)", "exit status 3, want 0", "slow: FAIL (0/5)", "timed out after 1s", "rejected: FAIL (0/5)", "secret: OK (7)", "Score: 17/32"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	b, err := rep.GradescopeJSON()
	if err != nil {
		t.Fatal(err)
	}
	if err := checkGradescope(b); err != nil {
		t.Errorf("results.json: %v\n%s", err, b)
	}
	quick, _ := Grade(Options{Tree: tree, Lab: 9, Quick: true, NoBuild: true})
	only, _ := Grade(Options{Tree: tree, Lab: 9, Filter: regexp.MustCompile("^rej"), NoBuild: true})
	if quick.Max != 10 || only.Max != 5 {
		t.Errorf("quick max %d (want 10), filtered max %d (want 5)", quick.Max, only.Max)
	}
}

// checkGradescope checks results.json against the shape Gradescope
// documents (https://gradescope-autograders.readthedocs.io/en/latest/specs/):
// known keys only, numbers where numbers go, a test list whose scores add
// up, status and visibility from their sets.
func checkGradescope(b []byte) error {
	var top map[string]any
	if err := json.Unmarshal(b, &top); err != nil {
		return err
	}
	topKeys := map[string]string{"score": "number", "execution_time": "number", "output": "string", "output_format": "string",
		"test_output_format": "string", "test_name_format": "string", "visibility": "string", "stdout_visibility": "string",
		"extra_data": "object", "tests": "array", "leaderboard": "array"}
	testKeys := map[string]string{"score": "number", "max_score": "number", "status": "string", "name": "string", "name_format": "string",
		"number": "string", "output": "string", "output_format": "string", "tags": "array", "visibility": "string", "extra_data": "object"}
	visibility := map[string]bool{"hidden": true, "after_due_date": true, "after_published": true, "visible": true}
	kind := func(v any) string {
		switch v.(type) {
		case float64:
			return "number"
		case string:
			return "string"
		case []any:
			return "array"
		case map[string]any:
			return "object"
		}
		return "other"
	}
	for k, v := range top {
		if want, ok := topKeys[k]; !ok || kind(v) != want {
			return fmt.Errorf("top-level %q: %v", k, v)
		}
	}
	tests, _ := top["tests"].([]any)
	if _, ok := top["score"]; !ok && len(tests) == 0 {
		return fmt.Errorf("neither score nor tests")
	}
	if v, ok := top["visibility"].(string); ok && !visibility[v] {
		return fmt.Errorf("visibility %q", v)
	}
	sum := 0.0
	for i, tv := range tests {
		tm, ok := tv.(map[string]any)
		if !ok {
			return fmt.Errorf("tests[%d] is not an object", i)
		}
		for k, v := range tm {
			if want, ok := testKeys[k]; !ok || kind(v) != want {
				return fmt.Errorf("tests[%d].%s: %v", i, k, v)
			}
		}
		if _, ok := tm["name"]; !ok {
			return fmt.Errorf("tests[%d] has no name", i)
		}
		if s, ok := tm["status"].(string); ok && s != "passed" && s != "failed" {
			return fmt.Errorf("tests[%d].status %q", i, s)
		}
		if v, ok := tm["visibility"].(string); ok && !visibility[v] {
			return fmt.Errorf("tests[%d].visibility %q", i, v)
		}
		sc, _ := tm["score"].(float64)
		mx, _ := tm["max_score"].(float64)
		if sc < 0 || sc > mx {
			return fmt.Errorf("tests[%d] score %v of %v", i, sc, mx)
		}
		sum += sc
	}
	if s, ok := top["score"].(float64); ok && s != sum {
		return fmt.Errorf("score %v, tests add up to %v", s, sum)
	}
	return nil
}

// TestRepositoryLabs checks the labs as they are in the repository: every
// lab has a handout, tests with at least one quick one, and regions whose
// stubbed Go files are gofmt-clean.
func TestRepositoryLabs(t *testing.T) {
	all, err := FindLabs(filepath.Join(root, "labs"))
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < 7 {
		t.Fatalf("%d labs, want at least 7", len(all))
	}
	files, err := Files(root, false)
	if err != nil {
		t.Fatal(err)
	}
	regions, err := AllRegions(root, files)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range all {
		if _, err := os.Stat(filepath.Join(l.Dir, "README.md")); err != nil {
			t.Errorf("%s: no handout: %v", l.Name, err)
		}
		tests, err := l.Tests("")
		if err != nil {
			t.Fatal(err)
		}
		quick := 0
		for _, tc := range tests {
			if tc.Quick {
				quick++
			}
		}
		if quick == 0 {
			t.Errorf("%s: no quick test", l.Name)
		}
		n := 0
		for _, r := range regions {
			if r.Lab != l.Number {
				continue
			}
			n++
			if !r.HasMarker {
				t.Errorf("%s:%d: region without STUB lines in the solved tree", r.File, r.Begin)
			}
		}
		if n == 0 {
			t.Errorf("%s: no regions", l.Name)
		}
	}
	for _, f := range files {
		if !strings.HasSuffix(f, ".go") {
			continue
		}
		data, _ := os.ReadFile(filepath.Join(root, f))
		if !strings.Contains(string(data), "// LAB ") {
			continue
		}
		for _, l := range all {
			text, n, err := Stub(f, string(data), l.Number)
			if err != nil || n == 0 {
				continue
			}
			if fmtd, err := format.Source([]byte(text)); err != nil || string(fmtd) != text {
				t.Errorf("%s stubbed for lab %d is not gofmt-clean (%v)", f, l.Number, err)
			}
		}
	}
}

// TestLabs grades the labs under QEMU: in a copy of the repository every
// lab gets full marks; in each lab's student tree, which must build, that
// lab loses points and every other lab keeps full marks. By default only
// the tests marked quick run (one per lab, about three minutes in all);
// GOBARE_LABS=full runs every test (about forty minutes).
func TestLabs(t *testing.T) {
	if testing.Short() {
		t.Skip("boots QEMU")
	}
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		t.Skip("no qemu-system-x86_64 (make deps)")
	}
	full := os.Getenv("GOBARE_LABS") == "full"
	all, err := FindLabs(filepath.Join(root, "labs"))
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(root)
	base := t.TempDir()

	// grade grades every lab in tree and checks each score: lab stubbed
	// loses points, the others are full.
	grade := func(t *testing.T, tree string, stubbed int) {
		// -trimpath: what did not change is not compiled again.
		build := exec.Command("go", "build", "-trimpath", "./...")
		build.Dir = tree
		if b, err := build.CombinedOutput(); err != nil {
			t.Fatalf("the tree does not build: %v\n%s", err, b)
		}
		for i, l := range all {
			var out strings.Builder
			rep, err := Grade(Options{Tree: tree, Labs: filepath.Join(abs, "labs"), Lab: l.Number, Quick: !full, Out: &out, NoBuild: i > 0})
			if err != nil {
				t.Fatal(err)
			}
			if rep.BuildErr != "" {
				t.Fatalf("lab %d: %s", l.Number, rep.BuildErr)
			}
			switch {
			case l.Number == stubbed && rep.Score >= rep.Max:
				t.Errorf("lab %d stubbed, but it scores %d/%d:\n%s", l.Number, rep.Score, rep.Max, out.String())
			case l.Number != stubbed && rep.Score != rep.Max:
				t.Errorf("lab %d scores %d/%d:\n%s", l.Number, rep.Score, rep.Max, out.String())
			default:
				t.Logf("lab %d: %d/%d in %v", l.Number, rep.Score, rep.Max, rep.Elapsed.Round(time.Second/10))
			}
		}
	}

	// Two trees at a time: QEMU under TCG keeps one core busy.
	sem := make(chan struct{}, 2)
	run := func(name string, lab int) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sem <- struct{}{}
			defer func() { <-sem }()
			dir := filepath.Join(base, name)
			if _, err := Start(abs, dir, lab, false); err != nil {
				t.Fatal(err)
			}
			grade(t, dir, lab)
		})
	}
	run("main", 0)
	for _, l := range all {
		run(l.Name, l.Number)
	}
}
