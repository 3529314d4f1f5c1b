// Command customrt0 is a test fixture for package explain: a program whose
// entry point (-ldflags=-E=main.rt0) is rt0 in rt0_amd64.s, a hand-written
// bootstrap in the style of gobare's rt.rt0. It is built and explained by
// the tests, never run.
package main

func rt0()

func main() { println("hello from a custom entry") }
