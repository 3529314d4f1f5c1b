// Command synth is the program the nortcheck tests build and check: package
// good stays clear of the runtime, package bad calls into it in every usual
// way. Nothing here is meant to be run.
package main

import (
	"os"

	"synth/bad"
	"synth/good"
)

func main() {
	n := len(os.Args)
	var dst [64]byte
	g := &good.Thread{ID: n}
	good.Copy(dst[:], []byte("hello"))
	println(good.Sum(n), good.Clear(g), good.Runes("héllo"), g.Next(), good.Apply(n), good.Less("a", os.Args[0]))
	good.Link(g, &good.Thread{ID: 2})
	bad.Alloc(n)
	println(bad.Concat(os.Args[0], "x"), bad.Map(os.Args[0]), bad.Itoa(n), bad.Div(n, n-1), bad.Iface(n) != nil, bad.New(n))
}
