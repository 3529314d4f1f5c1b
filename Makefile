# gobare: boot Go programs on bare x86-64.
#   make run    boot the demo program in QEMU
#   make test   run every test (host and QEMU)
# Both install what is missing first (make deps).

GO      ?= go
MKIMAGE := bin/mkimage
DEMO    ?= ./tests/programs/demo

# The packages the tools come from (Debian/Ubuntu, Homebrew on macOS,
# Fedora), and one command of each to test for. grub-mkrescue is also found
# as grub2-mkrescue (Fedora) or i686-elf-grub-mkrescue (Homebrew).
# qemu-aarch64-static (qemu-user-static) runs the linux/arm64 mkimage in
# tests/crossbuild_test.go; it is needed on Linux hosts only.
# ovmf (UEFI firmware) and grub-efi-amd64-bin (GRUB's UEFI modules, added
# below when the distribution has it) let tests/screen_test.go boot the
# GRUB CD image under UEFI. dosfstools (mkfs.fat, fsck.fat; Linux hosts)
# lets tests/disk_test.go check the volumes the kernel writes.
DEB_PACKAGES  := qemu-system-x86 grub-pc-bin grub-common xorriso mtools qemu-user-static ovmf dosfstools
BREW_PACKAGES := qemu xorriso mtools i686-elf-grub
DNF_PACKAGES  := qemu-system-x86 grub2-tools-extra grub2-pc-modules grub2-efi-x64-modules xorriso mtools qemu-user-static dosfstools
NEEDED_TOOLS  := qemu-system-x86_64 grub-mkrescue xorriso mformat
LINUX_TOOLS   := qemu-aarch64-static fsck.fat

.PHONY: all deps run test lint bench soak netload matrix clean mkimage conformance fuzz fuzz-syscalls

all: mkimage

# deps installs the missing tools with apt-get on Debian/Ubuntu when running
# as root, and otherwise prints the one command to run: apt-get as root,
# brew on macOS, dnf on Fedora.
deps:
	@os=$$(uname -s); tools="$(NEEDED_TOOLS)"; \
	if [ "$$os" = Linux ]; then tools="$$tools $(LINUX_TOOLS)"; fi; \
	missing=""; for t in $$tools; do \
		alts=$$t; [ $$t = grub-mkrescue ] && alts="grub-mkrescue grub2-mkrescue i686-elf-grub-mkrescue x86_64-elf-grub-mkrescue"; \
		found=""; for a in $$alts; do command -v $$a >/dev/null 2>&1 && found=1; done; \
		[ -n "$$found" ] || missing="$$missing $$t"; \
	done; \
	if [ "$$os" = Linux ]; then \
		[ -e /usr/share/OVMF/OVMF_CODE.fd ] || [ -e /usr/share/ovmf/OVMF.fd ] || missing="$$missing OVMF"; \
		[ -e /usr/lib/grub/x86_64-efi/multiboot.mod ] || missing="$$missing grub-x86_64-efi"; \
	fi; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	echo "make deps: missing:$$missing"; \
	if [ "$$os" = Darwin ]; then \
		echo "install them with Homebrew:  brew install $(BREW_PACKAGES)"; exit 1; \
	fi; \
	if ! command -v apt-get >/dev/null 2>&1; then \
		if command -v dnf >/dev/null 2>&1; then \
			echo "run as root:  dnf install -y $(DNF_PACKAGES)"; \
		else \
			echo "install QEMU (qemu-system-x86_64, qemu-aarch64-static), GRUB for BIOS PCs (grub-mkrescue), xorriso and mtools with your package manager"; \
		fi; exit 1; \
	fi; \
	pkgs="$(DEB_PACKAGES)"; \
	if [ "$$(id -u)" != 0 ]; then \
		echo "run as root:  apt-get update && apt-get install -y $$pkgs grub-efi-amd64-bin"; exit 1; \
	fi; \
	export DEBIAN_FRONTEND=noninteractive; \
	apt-get update -qq && \
	if apt-cache show grub-efi-amd64-bin >/dev/null 2>&1; then pkgs="$$pkgs grub-efi-amd64-bin"; fi; \
	apt-get install -y -qq $$pkgs >/dev/null && echo "make deps: installed $$pkgs"

mkimage:
	$(GO) build -o $(MKIMAGE) ./cmd/mkimage

run: deps mkimage
	$(MKIMAGE) run -timeout 60s $(DEMO)

test: deps lint
	$(GO) test -timeout 40m ./...
	cd netsvc && $(GO) test ./...

# lint: gofmt (every file formatted), go vet, staticcheck (served by the
# module proxy, pinned) with no
# findings, and go.mod as go mod tidy would write it. Symbols that only
# assembly uses carry a //lint:ignore U1000 saying so.
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
lint:
	@unformatted=$$(gofmt -l .); if [ -n "$$unformatted" ]; then echo "gofmt -l: not formatted:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./cmd/... ./qemu/... ./internal/... ./tests/...
	$(GO) run $(STATICCHECK) ./...
	$(GO) mod tidy -diff
	cd netsvc && $(GO) vet ./... && $(GO) run $(STATICCHECK) ./... && $(GO) mod tidy -diff

# bench: gobare against a Linux guest (Debian's cloud kernel, fetched once
# into bin/bench/ with apt-get download) running the same static Go program
# as /init in the same QEMU machine, and natively; adds a section to
# docs/performance.md. BENCH_RUNS runs of each (alternated). The Go
# benchmarks of tests/ are: go test -run '^$$' -bench . ./tests/
BENCH_RUNS ?= 3
bench: deps mkimage
	BENCH_RUNS=$(BENCH_RUNS) $(GO) run ./bench -mkimage $(MKIMAGE)

# soak: 10 minutes of mixed goroutines, timers, GC and signals in one guest.
# Strict: every anomaly the program reports fails it. On a busy shared host,
# GOBARE_SOAK_EXCUSE_HOST=1 excuses the timing anomalies that QEMU's vCPU
# thread's measured wait for a host CPU accounts for (see tests/soak_test.go).
SOAK ?= 10m
soak: deps
	GOBARE_SOAK=$(SOAK) $(GO) test -count=1 -run TestSoak -timeout 30m -v ./tests/

# netload: the network at full size (tests/netload_test.go): an
# unmodified net/http server answers 10,000 kept-alive requests, 10,000
# with a connection each and 1,000 connections held at once, and a client
# downloads 100 MB from the host. make test runs a small version.
netload: deps
	GOBARE_NET_LOAD=1 $(GO) test -count=1 -run TestNetLoad -timeout 60m -v ./tests/

# matrix: proof on many machines. tests/matrix_test.go boots hello and
# rtcheck on five QEMU CPU models, the pc and q35 machines, SeaBIOS -kernel,
# the GRUB CD image on SeaBIOS and OVMF (UEFI), as a USB stick, and with no
# serial port (the screen read back); tests/bochs_test.go boots the CD image
# in Bochs; TestScreenDepths reads GRUB's 16/24/32-bit modes. About 140
# boots under TCG: 15 to 30 minutes on 2 cores. It installs OVMF and Bochs
# first (as root, with apt-get; otherwise it prints the command).
# MATRIX_JOBS machines run at once.
MATRIX_DEB_PACKAGES := ovmf bochs bochsbios vgabios bochs-term
MATRIX_JOBS ?= 2
matrix: deps
	@missing=""; for p in $(MATRIX_DEB_PACKAGES); do \
		dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	echo "make matrix: missing:$$missing"; \
	if ! command -v apt-get >/dev/null 2>&1; then \
		echo "install OVMF (UEFI firmware for QEMU) and Bochs with its BIOS and VGA BIOS with your package manager"; exit 1; \
	fi; \
	if [ "$$(id -u)" != 0 ]; then \
		echo "run as root:  apt-get update && apt-get install -y$$missing"; exit 1; \
	fi; \
	export DEBIAN_FRONTEND=noninteractive; \
	apt-get update -qq && apt-get install -y -qq $$missing >/dev/null && echo "make matrix: installed$$missing"
	GOBARE_MATRIX=1 GOBARE_BOCHS=1 GOBARE_MATRIX_JOBS=$(MATRIX_JOBS) $(GO) test -count=1 -parallel $(MATRIX_JOBS) \
		-run 'TestMatrix|TestBochs|TestScreenDepths' -timeout 90m -v ./tests/

# conformance runs the Go project's own tests inside gobare (cmd/conformance)
# and writes docs/conformance.md. Long; CONFORMANCE_FLAGS="-resume", "-short",
# "-run REGEXP" or "-j 2" to continue, shorten or parallelise it; "-smp N" for
# guests of N CPUs.
conformance: deps mkimage
	$(GO) run ./cmd/conformance -mkimage $(MKIMAGE) $(CONFORMANCE_FLAGS)

# fuzz runs every Go fuzz target (each func FuzzXxx in a _test.go file) for
# FUZZTIME, one after another (make test only runs their seed corpora), and
# fails at the end if any target failed. A failing input is written to the
# package's testdata/fuzz/FuzzXxx/ (the command to replay it is printed);
# inputs that found new code stay in the build cache, $(go env
# GOCACHE)/fuzz/IMPORT/PATH/FuzzXxx/, and a few can be copied into
# testdata/fuzz/FuzzXxx/ to become seeds. FUZZ=REGEXP picks targets.
FUZZTIME ?= 30s
FUZZ     ?= .
fuzz:
	@failed=""; \
	for f in $$(grep -rl --include='*_test.go' '^func Fuzz' --exclude-dir=.git --exclude-dir=bin --exclude-dir=testdata . | sort); do \
		dir=$$(dirname $$f); \
		for t in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' $$f); do \
			echo "$$dir $$t" | grep -Eq -- '$(FUZZ)' || continue; \
			echo "make fuzz: $$dir $$t for $(FUZZTIME)"; \
			(cd $$dir && $(GO) test -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) .) || failed="$$failed $$dir:$$t"; \
		done; \
	done; \
	if [ -n "$$failed" ]; then echo "make fuzz: failed:$$failed"; exit 1; fi

# fuzz-syscalls runs tests/programs/syscallfuzz in one guest for
# FUZZ_SYSCALLS_TIME (90s, 30m, 2h): random system calls with adversarial
# arguments (bad pointers, huge lengths, kernel addresses, closed
# descriptors, random flags). SEED=N repeats a run. It fails if the kernel
# faulted (status 125), the guest hung (124, the timeout being a tenth and
# two minutes over the time), the program died or reported a finding of
# its own (a "syscallfuzz: FINDING" line), or did not print its summary.
# After a fault or a hang it replays the run from the last progress line
# with every call printed, so that the last lines name the call.
FUZZ_SYSCALLS_TIME ?= 30m
fuzz-syscalls: deps mkimage
	@d=$(FUZZ_SYSCALLS_TIME); \
	case $$d in *h) s=$$(( $${d%h} * 3600 ));; *m) s=$$(( $${d%m} * 60 ));; *s) s=$${d%s};; \
		*) echo "make fuzz-syscalls: FUZZ_SYSCALLS_TIME=$$d: write it as 90s, 30m or 2h"; exit 2;; esac; \
	seed=$${SEED:-$$(date +%s)}; limit=$$(( s + s / 10 + 120 ))s; log=$$(mktemp); \
	run="$(MKIMAGE) run -append quiet -timeout $$limit ./tests/programs/syscallfuzz -seed $$seed -duration $$d"; \
	echo "make fuzz-syscalls: $$run (log $$log)"; \
	{ $$run -progress 20000; echo $$? > $$log.status; } 2>&1 | tee $$log | grep --line-buffered -v '^gobare: unimplemented system call'; \
	status=$$(cat $$log.status); rm -f $$log.status; \
	if [ "$$status" = 0 ] && grep -q '^syscallfuzz: done:' $$log; then echo "make fuzz-syscalls: ok (seed $$seed)"; exit 0; fi; \
	echo "make fuzz-syscalls: FAILED: exit status $$status, seed $$seed (log $$log)"; \
	if [ "$$status" = 124 ] || [ "$$status" = 125 ]; then \
		from=$$(sed -n 's/^syscallfuzz: progress: \([0-9]*\) calls.*/\1/p' $$log | tail -1); \
		echo "make fuzz-syscalls: replaying from call $${from:-0} with every call printed; its last lines:"; \
		$$run -verbose-from $${from:-0} 2>&1 | grep -v '^gobare: unimplemented system call' | tail -25; \
	fi; \
	exit 1

clean:
	rm -rf bin

# Kernel-course labs (labs/README.md, labs/TEACHING.md).
#   make lab-start LAB=N DIR=../mylab   a student tree with lab N's solutions stubbed
#   make grade LAB=N                     grade lab N in this tree (GRADEFLAGS=regexp picks
#                                        tests, GRADE_JSON=file writes Gradescope's results,
#                                        GRADE_HIDDEN=dir adds hidden tests; default labs/hidden)
#   make grade-all SUBMISSIONS=dir       grade every tree in dir into GRADE_CSV (grades.csv)
#   make qemu-gdb                        boot DEMO halted, for GDB (labs/gdbinit)
# labs-deps is what make deps installs, and GDB (Debian's gdb package).
LABS       := bin/labs
GRADE_CSV  ?= grades.csv
.PHONY: labs-deps labs-tool lab-start grade grade-all qemu-gdb

labs-deps: deps
	@command -v gdb >/dev/null 2>&1 && exit 0; \
	if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gdb >/dev/null 2>&1 || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gdb >/dev/null; } && \
		echo "make labs-deps: installed gdb"; \
	else \
		echo "make labs-deps: gdb is missing (for make qemu-gdb); as root: apt-get install -y gdb"; \
	fi

labs-tool:
	@$(GO) build -o $(LABS) ./cmd/labs

lab-start: labs-tool
	@if [ -z "$(LAB)" ] || [ -z "$(DIR)" ]; then echo "usage: make lab-start LAB=N DIR=path"; exit 2; fi
	$(LABS) start -lab $(LAB) -dir $(DIR)

# The tool exits 1 when a point is lost (make then says Error 1).
grade: labs-deps labs-tool
	@$(LABS) grade $(if $(LAB),-lab $(LAB)) $(if $(GRADEFLAGS),-run '$(GRADEFLAGS)') \
		$(if $(GRADE_JSON),-json '$(GRADE_JSON)') $(if $(GRADE_HIDDEN),-hidden '$(GRADE_HIDDEN)')

grade-all: labs-deps labs-tool
	@if [ -z "$(SUBMISSIONS)" ]; then echo "usage: make grade-all SUBMISSIONS=dir [GRADE_CSV=file]"; exit 2; fi
	$(LABS) grade-all -submissions '$(SUBMISSIONS)' -csv '$(GRADE_CSV)' $(if $(GRADE_HIDDEN),-hidden '$(GRADE_HIDDEN)')

qemu-gdb: labs-deps mkimage
	$(MKIMAGE) run -gdb -timeout 30m $(DEMO)
