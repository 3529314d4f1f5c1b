package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

// BENCH_MODE=net: the program is an HTTP client of the harness's server
// on the host, BENCH_NET (host:port: 10.0.2.2 from a guest, through
// QEMU's user network and a virtio-net device; 127.0.0.1 natively). It
// times GETs of a small page over one kept-alive connection and with a
// connection each, and a download and an upload of netBytes (TCP
// throughput). The Linux guest first loads its virtio-net driver and
// gives eth0 QEMU's usual address (linuxNetUp); gobare's network service
// takes it by DHCP.
func benchNet(system string) {
	if system == "linux" {
		if err := linuxNetUp(); err != nil {
			fmt.Println("bench: network:", err)
			return
		}
	}
	base := "http://" + os.Getenv("BENCH_NET")
	kept := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	// Until the network is up (gobare's service may still be asking DHCP).
	for start := time.Now(); ; time.Sleep(100 * time.Millisecond) {
		if _, err := get(kept, base+"/small"); err == nil {
			break
		} else if time.Since(start) > time.Minute {
			fmt.Println("bench: network:", err)
			return
		}
	}
	// The network is up: a measurement of QEMU's host CPU per row
	// (docs/performance.md) starts the first row's count here.
	report("net_up", 1)
	netRow("net_http_keep_us", 1e3, 300, func() error { _, err := get(kept, base+"/small"); return err })
	netRow("net_http_fresh_us", 1e3, 50, func() error { _, err := get(fresh, base+"/small"); return err })
	netRow("net_tcp_recv_ms", 1e6, 1, func() error {
		n, err := get(kept, base+"/blob")
		if err == nil && n != netBytes {
			err = fmt.Errorf("got %d bytes of %d", n, netBytes)
		}
		return err
	})
	payload := make([]byte, netBytes)
	netRow("net_tcp_send_ms", 1e6, 1, func() error {
		resp, err := kept.Post(base+"/sink", "application/octet-stream", bytes.NewReader(payload))
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		return err
	})
}

// netBytes is the download's and the upload's size (the harness's blob).
const netBytes = 16 << 20

// netRow runs f n times and reports the mean time of one run, in ns
// divided by unit; an error leaves the row out.
func netRow(key string, unit float64, n int, f func() error) {
	if only := os.Getenv("BENCH_NETROW"); only != "" && only != key {
		return
	}
	start := time.Now()
	for range n {
		if err := f(); err != nil {
			fmt.Println("bench: network:", key, err)
			return
		}
	}
	report(key, float64(time.Since(start).Nanoseconds())/float64(n)/unit)
}

// get fetches url with c and returns the body's length.
func get(c *http.Client, url string) (int64, error) {
	resp, err := c.Get(url)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	return io.Copy(io.Discard, resp.Body)
}

// sysFinitModule is finit_module(2)'s number on x86-64.
const sysFinitModule = 313

// linuxNetUp loads the virtio-net driver (finit_module(2): the modules
// /lib/modules/order names, in its order, from the harness) and
// configures eth0 as
// QEMU's user network expects, 10.0.2.15/24, and lo, with the ioctls of
// netdevice(7). The host is on the link, so no route is needed.
func linuxNetUp() error {
	order, err := os.ReadFile("/lib/modules/order")
	if err != nil {
		return err
	}
	for _, m := range strings.Fields(string(order)) {
		f, err := os.Open("/lib/modules/" + m + ".ko")
		if err != nil {
			return err
		}
		params := []byte{0}
		_, _, e := syscall.Syscall(sysFinitModule, f.Fd(), uintptr(unsafe.Pointer(&params[0])), 0)
		f.Close()
		if e != 0 && e != syscall.EEXIST {
			return fmt.Errorf("loading %s: %v", m, e)
		}
	}
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM, 0)
	if err != nil {
		return err
	}
	defer syscall.Close(fd)
	// struct ifreq: the name, then a sockaddr_in or the flags.
	ioctl := func(name string, req uintptr, addr [4]byte, flags uint16) error {
		var ifr [40]byte
		copy(ifr[:16], name)
		if req == syscall.SIOCSIFFLAGS {
			*(*uint16)(unsafe.Pointer(&ifr[16])) = flags
		} else {
			*(*uint16)(unsafe.Pointer(&ifr[16])) = syscall.AF_INET
			copy(ifr[20:24], addr[:])
		}
		if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), req, uintptr(unsafe.Pointer(&ifr[0]))); e != 0 {
			return fmt.Errorf("%s: ioctl %#x: %v", name, req, e)
		}
		return nil
	}
	up := uint16(syscall.IFF_UP | syscall.IFF_RUNNING)
	for _, step := range []error{
		ioctl("lo", syscall.SIOCSIFFLAGS, [4]byte{}, up),
		ioctl("eth0", syscall.SIOCSIFADDR, [4]byte{10, 0, 2, 15}, 0),
		ioctl("eth0", syscall.SIOCSIFNETMASK, [4]byte{255, 255, 255, 0}, 0),
		ioctl("eth0", syscall.SIOCSIFFLAGS, [4]byte{}, up),
	} {
		if step != nil {
			return step
		}
	}
	return nil
}
