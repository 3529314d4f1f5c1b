package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/gobare/gobare/internal/goabi"
)

// rtModule is gobare's bare-metal rt0 (rt/), a module of its own.
const (
	rtModule = "github.com/gobare/gobare/rt"
	rtEntry  = rtModule + ".rt0"
)

// rtOverlay prepares `go build -overlay` to link rt/ into the main package
// in pkgDir: a file that imports rt, and the package's go.mod with rt
// required and replaced by gobare's copy, so that any module works without
// mentioning gobare. It returns the overlay file's path.
func rtOverlay(pkgDir, goMod, root, tmp string) (string, error) {
	mod, err := os.ReadFile(goMod)
	if err != nil {
		return "", err
	}
	mod = append(bytes.TrimRight(mod, "\n"), fmt.Sprintf("\n\nrequire %s v0.0.0\n\nreplace %s => %s\n", rtModule, rtModule, filepath.Join(root, "rt"))...)
	files := map[string]string{
		filepath.Join(tmp, "go.mod"):          string(mod),
		filepath.Join(tmp, "zz_gobare_rt.go"): "package main\n\nimport _ \"" + rtModule + "\" // added by mkimage: gobare's rt0\n",
	}
	for name, content := range files {
		if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
			return "", err
		}
	}
	overlay := fmt.Sprintf(`{"Replace":{%q:%q,%q:%q}}`,
		goMod, filepath.Join(tmp, "go.mod"),
		filepath.Join(pkgDir, "zz_gobare_rt.go"), filepath.Join(tmp, "zz_gobare_rt.go"))
	path := filepath.Join(tmp, "overlay.json")
	return path, os.WriteFile(path, []byte(overlay), 0o644)
}

// rtLayout reads the g and m offsets that rt/ uses with this toolchain: the
// constants of the layout file that the Go version's build tags select.
func rtLayout(dir, overlay string) (map[string]int64, error) {
	cmd := exec.Command("go", "list", "-overlay", overlay, "-f", "{{.Dir}} {{join .GoFiles \" \"}}", rtModule)
	cmd.Dir = dir
	cmd.Env = goEnv()
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list %s: %v", rtModule, err)
	}
	fields := strings.Fields(string(out))
	consts := map[string]int64{}
	for _, f := range fields[1:] {
		if !strings.HasPrefix(f, "layout_") {
			continue
		}
		file, err := parser.ParseFile(token.NewFileSet(), filepath.Join(fields[0], f), nil, 0)
		if err != nil {
			return nil, err
		}
		ast.Inspect(file, func(n ast.Node) bool {
			if vs, ok := n.(*ast.ValueSpec); ok && len(vs.Values) == 1 {
				if lit, ok := vs.Values[0].(*ast.BasicLit); ok {
					v, _ := constant.Int64Val(constant.MakeFromLiteral(lit.Value, lit.Kind, 0))
					consts[vs.Names[0].Name] = v
				}
			}
			return true
		})
	}
	return consts, nil
}

// rtMismatch compares rt/'s offsets with the program's DWARF and describes
// the first difference, or returns "" when they agree.
func rtMismatch(rt map[string]int64, l goabi.Layout) string {
	checks := []struct {
		name, konst string
		dwarf       int64
	}{
		{"g.stack.lo", "gStackLo", l.GStackLo}, {"g.stack.hi", "gStackHi", l.GStackHi},
		{"g.stackguard0", "gStackguard0", l.GStackguard0}, {"g.stackguard1", "gStackguard1", l.GStackguard1},
		{"g.m", "gM", l.GM}, {"m.g0", "mG0", l.MG0}, {"m.tls", "mTLS", l.MTls},
	}
	for _, c := range checks {
		v, ok := rt[c.konst]
		if !ok {
			return fmt.Sprintf("rt/ has no offset for %s", c.name)
		}
		if v != c.dwarf {
			return fmt.Sprintf("%s is at +%d in %s's runtime, rt/ assumes +%d", c.name, c.dwarf, l.GoVersion, v)
		}
	}
	return ""
}

// goEnv is the environment for building programs: static Linux binaries.
func goEnv() []string {
	return append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
}
