#!/bin/sh
# Builds hello world linked with rt/ (as mkimage -rt on does: an import of
# the package and the entry set to rt.rt0) and explains its bootstrap.
set -e
root=$(pwd)
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
cat > "$d/go.mod" <<MOD
module rthello
go 1.21
require github.com/gobare/gobare/rt v0.0.0
replace github.com/gobare/gobare/rt => $root/rt
MOD
cat > "$d/main.go" <<'GO'
package main

import _ "github.com/gobare/gobare/rt"

func main() { println("hello") }
GO
(cd "$d" && CGO_ENABLED=0 GOOS=linux GOARCH=amd64 GOFLAGS=-mod=mod go build -o hello "-ldflags=-checklinkname=0 -E=github.com/gobare/gobare/rt.rt0" .)
mkimage explain "$d/hello"
