// Command args reports what the kernel gave it: every os.Args entry, one
// per line as `arg[I]=%q`, then a few environment variables as
// `env[NAME]=%q` (`<unset>` when missing) and the whole environment as
// `environ=%q`. An argument `exit=N` makes it exit with status N.
package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// envNames are the variables the tests set with mkimage -env and on the
// kernel command line.
var envNames = []string{"GOBARE_GREETING", "GOBARE_SPACED", "GOBARE_EQUALS", "GOBARE_CMDLINE", "GOBARE_UNSET"}

func main() {
	for i, a := range os.Args {
		fmt.Printf("arg[%d]=%q\n", i, a)
	}
	for _, name := range envNames {
		if v, ok := os.LookupEnv(name); ok {
			fmt.Printf("env[%s]=%q\n", name, v)
		} else {
			fmt.Printf("env[%s]=<unset>\n", name)
		}
	}
	fmt.Printf("environ=%q\n", os.Environ())

	code := 0
	for _, a := range os.Args[1:] {
		if s, ok := strings.CutPrefix(a, "exit="); ok {
			n, err := strconv.Atoi(s)
			if err != nil {
				fmt.Fprintf(os.Stderr, "args: bad %q: %v\n", a, err)
				os.Exit(2)
			}
			code = n
		}
	}
	fmt.Printf("exiting with %d\n", code)
	os.Exit(code)
}
