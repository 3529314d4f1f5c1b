// Command http uses net/http only, as any program would (tests/net_test.go
// runs it under gobare's network service):
//
//	http serve PORT N  answer N requests on PORT ("request I of N", and
//	                   the request's path), then exit; /probe answers
//	                   "ready", uncounted
//	http get URL       fetch URL and print its length and SHA-256
package main

import (
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync/atomic"
	"time"
)

func main() {
	switch {
	case len(os.Args) == 4 && os.Args[1] == "serve":
		n, err := strconv.Atoi(os.Args[3])
		if err != nil {
			fail(err)
		}
		serve(os.Args[2], n)
	case len(os.Args) == 3 && os.Args[1] == "get":
		get(os.Args[2])
	default:
		fail(fmt.Errorf("usage: http serve PORT N | http get URL"))
	}
}

// serve answers n requests, then exits.
func serve(port string, n int) {
	var served atomic.Int64
	done := make(chan bool)
	http.HandleFunc("/probe", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ready") // not counted: a probe may arrive after its client gave up
	})
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		i := served.Add(1)
		fmt.Fprintf(w, "request %d of %d: %s\n", i, n, r.URL.Path)
		if i == int64(n) {
			close(done)
		}
	})
	go func() {
		fail(http.ListenAndServe(":"+port, nil))
	}()
	fmt.Println("http: serving on port", port)
	<-done
	// gobare stops the machine at exit with what the stack had still to
	// send: let the last answer leave.
	time.Sleep(time.Second)
	fmt.Printf("http: served %d requests\n", n)
}

// get fetches url.
func get(url string) {
	resp, err := http.Get(url)
	if err != nil {
		fail(err)
	}
	h := sha256.New()
	n, err := io.Copy(h, resp.Body)
	if err != nil {
		fail(err)
	}
	resp.Body.Close()
	fmt.Printf("http: %s: %s, %d bytes, sha256 %x\n", url, resp.Status, n, h.Sum(nil))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "http:", err)
	os.Exit(1)
}
