// Command conformance measures how much of the Go project's own test
// suites gobare runs: standard-library packages' short tests through
// `go test -exec "mkimage exec"`, and the `// run` programs of the Go
// distribution's test/ directory through `mkimage run`. It prints one
// line per item and writes docs/conformance.md (a table of every item,
// its result and time, the totals and the most common failure causes).
//
//	go run ./cmd/conformance [-short] [-run REGEXP] [-j N] [-resume] [-suite std,test]
//
// or `make conformance`. Results are kept in a state file (default
// bin/conformance.json) after every item, so a run can be interrupted and
// resumed (-resume skips items that already have a result), or done in
// parts (-run, -suite); the document always shows every item of the lists,
// with "not run" for those that have no result yet. The console log of
// every item is kept under bin/conformance-logs/.
//
// The lists: conformance/stdlib.txt (packages, one per line, # comments),
// conformance/excluded.txt (every standard-library package with tests that
// is left out, with the reason), conformance/short.txt (the -short subset:
// package paths, and test/ programs as test/NAME.go).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gobare/gobare/internal/image"
	"github.com/gobare/gobare/qemu"
)

type config struct {
	root       string // the gobare source tree
	goroot     string
	mkimage    string // absolute path of the mkimage binary
	accel      string
	pkgTimeout time.Duration // go test -timeout
	runTimeout time.Duration // mkimage run -timeout
	memMiB     int           // test/ programs
	pkgMemMiB  int           // std packages
	logDir     string
	tmp        string
}

func main() {
	short := flag.Bool("short", false, "run only the items listed in conformance/short.txt")
	runRE := flag.String("run", "", "run only items whose name matches `REGEXP` (std packages: the import path; test programs: test/NAME.go)")
	jobs := flag.Int("j", 1, "run `N` items at a time")
	resume := flag.Bool("resume", false, "skip items that already have a result in the state file (ERROR items run again)")
	suites := flag.String("suite", "std,test", "comma-separated suites to run: std (standard-library packages), test (test/ programs)")
	mk := flag.String("mkimage", "", "the mkimage binary (default: build one from the source tree)")
	statePath := flag.String("state", "bin/conformance.json", "the results `FILE`, kept between runs")
	docPath := flag.String("doc", "docs/conformance.md", "write the report to `FILE` (empty: none)")
	logDir := flag.String("logs", "bin/conformance-logs", "keep each item's output in `DIR`")
	accel := flag.String("accel", "auto", "QEMU accelerator: auto, kvm or tcg")
	pkgTimeout := flag.Duration("pkgtimeout", 10*time.Minute, "go test -timeout for each package")
	runTimeout := flag.Duration("runtimeout", 60*time.Second, "mkimage run -timeout for each test/ program")
	memMiB := flag.Int("m", 512, "guest RAM in MiB for test/ programs (mkimage run -m)")
	pkgMem := flag.Int("pkgmem", 1536, "guest RAM in MiB for std packages' test binaries (GOBARE_MEM; some tests use ~800 MiB on Linux)")
	listDir := flag.String("lists", "conformance", "the `DIR` with stdlib.txt, excluded.txt and short.txt")
	list := flag.Bool("list", false, "print the selected items and exit")
	check := flag.Bool("check", false, "check the lists: every standard-library package with tests is in stdlib.txt or excluded.txt, once")
	reportOnly := flag.Bool("report", false, "only write the report from the state file")
	smpDefault, err := qemu.DefaultSMP()
	if err != nil {
		fatal(err)
	}
	smp := flag.Int("smp", smpDefault, "the guests' `CPUs` ($GOBARE_SMP, else the host's cores, at most 8)")
	flag.Parse()
	if flag.NArg() != 0 || *jobs < 1 || *smp < 1 {
		flag.Usage()
		os.Exit(2)
	}

	// mkimage exec and mkimage run take the CPU count from here.
	os.Setenv("GOBARE_SMP", strconv.Itoa(*smp))

	wd, err := os.Getwd()
	if err != nil {
		fatal(err)
	}
	root, err := image.FindRoot(wd)
	if err != nil {
		fatal(err)
	}
	abs := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(root, p)
	}
	cfg := &config{root: root, accel: *accel, pkgTimeout: *pkgTimeout, runTimeout: *runTimeout, memMiB: *memMiB, pkgMemMiB: *pkgMem, logDir: abs(*logDir)}
	cfg.goroot, err = goEnv("GOROOT")
	if err != nil {
		fatal(err)
	}

	lists, err := readLists(abs(*listDir))
	if err != nil {
		fatal(err)
	}
	if *check {
		if problems := checkLists(lists); len(problems) > 0 {
			for _, p := range problems {
				fmt.Println(p)
			}
			os.Exit(1)
		}
		fmt.Printf("conformance: lists ok: %d packages run, %d excluded\n", len(lists.std), len(lists.excluded))
		return
	}
	all, err := allItems(cfg, lists)
	if err != nil {
		fatal(err)
	}
	known := map[string]bool{}
	for _, it := range all {
		known[it.name] = true
	}
	for name := range lists.short {
		if !known[name] {
			fatal(fmt.Errorf("conformance/short.txt: %s is neither in stdlib.txt nor a `// run` program of $GOROOT/test", name))
		}
	}
	st, err := loadState(abs(*statePath))
	if err != nil {
		fatal(err)
	}
	if *reportOnly {
		if err := writeReport(abs(*docPath), cfg, lists, all, st); err != nil {
			fatal(err)
		}
		return
	}

	// Select.
	var re *regexp.Regexp
	if *runRE != "" {
		if re, err = regexp.Compile(*runRE); err != nil {
			fatal(fmt.Errorf("-run: %v", err))
		}
	}
	want := map[string]bool{}
	for _, s := range strings.Split(*suites, ",") {
		switch s = strings.TrimSpace(s); s {
		case suiteStd, suiteTest:
			want[s] = true
		default:
			fatal(fmt.Errorf("-suite: unknown suite %q (want std, test)", s))
		}
	}
	var selected []item
	for _, it := range all {
		if !want[it.suite] || (*short && !lists.short[it.name]) || (re != nil && !re.MatchString(it.name)) {
			continue
		}
		if *resume {
			if r, ok := st.get(it.key()); ok && r.Status != "" && r.Status != statusError {
				continue
			}
		}
		selected = append(selected, it)
	}
	if *list {
		for _, it := range selected {
			fmt.Printf("%s\t%s\n", it.suite, it.name)
		}
		return
	}
	if len(selected) == 0 {
		fmt.Println("conformance: nothing to run")
		if err := writeReport(abs(*docPath), cfg, lists, all, st); err != nil {
			fatal(err)
		}
		return
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if cfg.tmp, err = os.MkdirTemp("", "gobare-conformance-"); err != nil {
		fatal(err)
	}
	defer os.RemoveAll(cfg.tmp)
	if err := os.MkdirAll(cfg.logDir, 0o755); err != nil {
		fatal(err)
	}
	cfg.mkimage = abs(*mk)
	if cfg.mkimage == "" {
		cfg.mkimage = filepath.Join(cfg.tmp, "mkimage")
		cmd := exec.Command("go", "build", "-o", cfg.mkimage, "./cmd/mkimage")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			fatal(fmt.Errorf("building mkimage: %v\n%s", err, out))
		}
	}
	commit := gitCommit(root)
	fmt.Printf("conformance: %d items, %d at a time, %s, gobare %s, %d guest CPUs\n", len(selected), *jobs, runtime.Version(), commit, *smp)

	start := time.Now()
	var mu sync.Mutex
	done := 0
	counts := map[string]int{}
	work := make(chan item)
	var wg sync.WaitGroup
	for range *jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range work {
				r := runItem(ctx, cfg, it)
				if ctx.Err() != nil {
					return // interrupted: this item's result does not count
				}
				r.Commit = commit
				r.GoVersion = runtime.Version()
				r.CPUs = *smp
				r.When = time.Now().UTC().Format(time.RFC3339)
				mu.Lock()
				done++
				counts[r.Status]++
				st.put(it.key(), r)
				if err := st.save(); err != nil {
					fmt.Fprintf(os.Stderr, "conformance: saving the state: %v\n", err)
				}
				fmt.Printf("[%*d/%d] %-7s %-4s %-40s %6.1fs  %s\n", len(fmt.Sprint(len(selected))), done, len(selected),
					r.Status, it.suite, it.name, r.Seconds, r.Note)
				mu.Unlock()
			}
		}()
	}
	for _, it := range selected {
		select {
		case work <- it:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(work)
	wg.Wait()
	if err := writeReport(abs(*docPath), cfg, lists, all, st); err != nil {
		fatal(err)
	}
	var summary []string
	for _, s := range statusOrder {
		if counts[s] > 0 {
			summary = append(summary, fmt.Sprintf("%d %s", counts[s], s))
		}
	}
	fmt.Printf("conformance: %d items in %v: %s\n", done, time.Since(start).Round(time.Second), strings.Join(summary, ", "))
	if *docPath != "" {
		fmt.Printf("conformance: wrote %s\n", *docPath)
	}
	if ctx.Err() != nil {
		fmt.Println("conformance: interrupted; run again with -resume to continue")
		os.Exit(130)
	}
}

func fatal(err error) {
	fmt.Fprintf(os.Stderr, "conformance: %v\n", err)
	os.Exit(2)
}

// goEnv asks the go command for one variable.
func goEnv(name string) (string, error) {
	out, err := exec.Command("go", "env", name).Output()
	if err != nil {
		return "", fmt.Errorf("go env %s: %v", name, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// gitCommit names the source tree's commit, with "+dirty" when it has
// changes.
func gitCommit(root string) string {
	out, err := exec.Command("git", "-C", root, "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	c := strings.TrimSpace(string(out))
	if st, err := exec.Command("git", "-C", root, "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(st) > 0 {
		c += "+dirty"
	}
	return c
}
