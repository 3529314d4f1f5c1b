// Command screen writes a few lines for the screen tests
// (tests/screen_test.go), which read them back from a picture of the
// screen, then waits for a line on standard input, so that the machine
// stays up until the test has looked and stops it.
package main

import (
	"bufio"
	"fmt"
	"os"
)

func main() {
	fmt.Println("screen: hello from the framebuffer")
	fmt.Println("screen: Latin-1 àéîõü ßÆ ¿¡ £ © ±")
	fmt.Println("screen: ready")
	bufio.NewReader(os.Stdin).ReadString('\n')
}
