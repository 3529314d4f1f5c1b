// Package rt is gobare's bare-metal rt0: an entry point a Go program can
// be linked with instead of the stock _rt0_amd64_linux. It performs the
// steps of the runtime's rt0_go (src/runtime/asm_amd64.s) itself, one by
// one, each traceable on the console, and sets the FS base with WRMSR
// instead of the arch_prctl system call: the program runs in ring 0 on
// gobare, where it may.
//
// mkimage links it in (see cmd/mkimage/rt.go): it adds `import _
// "github.com/gobare/gobare/rt"` to the main package with go build
// -overlay and sets the entry with -ldflags=-E=github.com/gobare/gobare/rt.rt0.
// This package is its own module, with no dependencies, so that any
// program's module can use it through a replace directive.
package rt

// The trace steps rt0 reports through the gobare_trace system call (number
// SysTrace). The kernel prints one "rt0: ..." line per step when tracing.
const (
	SysTrace = 1000

	stepArgs        = 1 // a = argc, b = argv
	stepG0Stack     = 2 // a = stack.lo, b = stack.hi
	stepCPUID       = 3 // a = max basic leaf, b = processor version (leaf 1 EAX)
	stepFSBase      = 4 // a = the FS base written with WRMSR
	stepTLSCheck    = 5 // a = the value read back through m0.tls
	stepWire        = 6 // a = &g0, b = &m0
	stepCheck       = 7
	stepRuntimeArgs = 8
	stepOsinit      = 9
	stepSchedinit   = 10
	stepNewproc     = 11 // a = runtime.main's PC
	stepMstart      = 12
)

// rt0 is the entry point (in rt0_amd64.s).
func rt0()
