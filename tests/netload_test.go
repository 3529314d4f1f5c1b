package tests

import (
	"os"
	"testing"
	"time"
)

// TestNetLoad is TestNetHTTP at the size issue 15 asks for (make netload,
// or GOBARE_NET_LOAD=1; slow under TCG): 10,000 requests over one
// kept-alive connection, 10,000 with a connection each, 1,000 connections
// held open at once (in 512 MiB: each socket slot holds 164 KiB, its
// header page and its rings), and a 100 MB download with its checksum.
func TestNetLoad(t *testing.T) {
	if os.Getenv("GOBARE_NET_LOAD") != "1" {
		t.Skip("the full-size network load runs only when asked: make netload, or GOBARE_NET_LOAD=1")
	}
	t.Run("serve", func(t *testing.T) {
		httpServe(t, httpLoad{keep: 10000, fresh: 10000, conns: 1000, mem: "512", timeout: time.Hour})
	})
	t.Run("get", func(t *testing.T) { httpGet(t, 100e6) })
}
