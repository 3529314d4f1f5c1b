package labs

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// MarkerFile, at the root of a student tree, holds the lab it was made for.
const MarkerFile = ".gobare-lab"

// HiddenDir is where a teacher keeps hidden tests inside the main tree;
// it is never copied into a student tree (and is in .gitignore).
const HiddenDir = "labs/hidden"

// Files lists the tree's files: the ones git knows (tracked, and untracked
// but not ignored when untracked is set), without the hidden tests. A tree
// without git (a student tree handed out as a directory) is walked.
func Files(root string, untracked bool) ([]string, error) {
	args := []string{"ls-files", "-z", "--cached"}
	if untracked {
		args = append(args, "--others", "--exclude-standard")
	}
	cmd := exec.Command("git", args...)
	cmd.Dir = root
	var files []string
	if out, err := cmd.Output(); err == nil && len(out) > 0 {
		seen := map[string]bool{}
		for _, f := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
			if !seen[f] {
				seen[f] = true
				files = append(files, f)
			}
		}
	} else {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			if d.IsDir() {
				if rel == ".git" || rel == "bin" {
					return filepath.SkipDir
				}
				return nil
			}
			if d.Type().IsRegular() {
				files = append(files, filepath.ToSlash(rel))
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	var out []string
	for _, f := range files {
		if f == HiddenDir || strings.HasPrefix(f, HiddenDir+"/") {
			continue
		}
		if st, err := os.Lstat(filepath.Join(root, f)); err != nil || !st.Mode().IsRegular() {
			continue // deleted in the work tree, or a symbolic link
		}
		out = append(out, f)
	}
	sort.Strings(out)
	return out, nil
}

// sourceFile reports whether regions may live in f.
func sourceFile(f string) bool {
	return strings.HasSuffix(f, ".go") || strings.HasSuffix(f, ".s")
}

// AllRegions returns every region in the tree's files.
func AllRegions(root string, files []string) ([]Region, error) {
	var out []Region
	for _, f := range files {
		if !sourceFile(f) {
			continue
		}
		data, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			return nil, err
		}
		if !bytes.Contains(data, []byte("// LAB ")) {
			continue
		}
		rs, err := ParseRegions(f, string(data))
		if err != nil {
			return nil, err
		}
		out = append(out, rs...)
	}
	return out, nil
}

// Start writes a student tree for lab into dir: a copy of the tree's files
// with the lab's regions stubbed, and MarkerFile. dir must not exist or be
// empty. It returns the regions it stubbed. Lab 0 makes a plain copy.
func Start(root, dir string, lab int, untracked bool) ([]Region, error) {
	if ents, err := os.ReadDir(dir); err == nil && len(ents) > 0 {
		return nil, fmt.Errorf("%s exists and is not empty", dir)
	}
	files, err := Files(root, untracked)
	if err != nil {
		return nil, err
	}
	var stubbed []Region
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			return nil, err
		}
		if sourceFile(f) && bytes.Contains(data, []byte("// LAB ")) {
			rs, err := ParseRegions(f, string(data))
			if err != nil {
				return nil, err
			}
			for _, r := range rs {
				if r.Lab == lab && r.HasMarker {
					stubbed = append(stubbed, r)
				}
			}
			text, _, err := Stub(f, string(data), lab)
			if err != nil {
				return nil, err
			}
			data = []byte(text)
		}
		st, err := os.Stat(filepath.Join(root, f))
		if err != nil {
			return nil, err
		}
		dst := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(dst, data, st.Mode().Perm()); err != nil {
			return nil, err
		}
	}
	if lab == 0 {
		return nil, nil
	}
	if len(stubbed) == 0 {
		return nil, fmt.Errorf("lab %d has no solution regions", lab)
	}
	if err := os.WriteFile(filepath.Join(dir, MarkerFile), []byte(strconv.Itoa(lab)+"\n"), 0o644); err != nil {
		return nil, err
	}
	return stubbed, nil
}

// TreeLab returns the lab a student tree was made for (from MarkerFile),
// or 0.
func TreeLab(dir string) int {
	b, err := os.ReadFile(filepath.Join(dir, MarkerFile))
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return n
}

// Splice makes a tree to grade a submission of lab in: a copy of the
// teacher's tree (root) in which the files holding lab's regions are the
// submission's own. Whatever else the student changed is not graded, so
// neither edited tests nor an edited mkimage can change the score.
func Splice(root, submission, dst string, lab int) error {
	files, err := Files(root, false)
	if err != nil {
		return err
	}
	regions, err := AllRegions(root, files)
	if err != nil {
		return err
	}
	theirs := map[string]bool{}
	for _, r := range regions {
		if r.Lab == lab {
			theirs[r.File] = true
		}
	}
	for _, f := range files {
		src := filepath.Join(root, f)
		if theirs[f] {
			src = filepath.Join(submission, f)
		}
		data, err := os.ReadFile(src)
		if err != nil {
			return fmt.Errorf("submission %s: %w", submission, err)
		}
		st, err := os.Stat(src)
		if err != nil {
			return err
		}
		d := filepath.Join(dst, f)
		if err := os.MkdirAll(filepath.Dir(d), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(d, data, st.Mode().Perm()); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(dst, MarkerFile), []byte(strconv.Itoa(lab)+"\n"), 0o644)
}
