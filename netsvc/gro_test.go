package main

import (
	"bytes"
	"testing"
)

// GRO (link.go): the segments of a bulk transfer to the service go up its
// stack joined, far fewer packets than frames, and arrive intact; a
// corrupt copy of every 50th data frame, just ahead of it in the same
// burst, is never joined nor taken (TCP drops it on its checksum).
func TestGROJoins(t *testing.T) {
	p := newPair(t)
	frames, corrupt := 0, 0
	p.mu.Lock()
	p.junk = func(frame []byte) [][]byte {
		frames++
		if len(frame) < 1000 || frames%50 != 0 {
			return nil
		}
		bad := bytes.Clone(frame)
		bad[len(bad)-1] ^= 0xff // a payload byte: the TCP checksum is wrong now
		corrupt++
		return [][]byte{bad}
	}
	p.mu.Unlock()
	st := p.svc.Stats()
	up0, bad0 := st.IP.PacketsReceived.Value(), st.TCP.ChecksumErrors.Value()
	if err := p.echo(8 << 20); err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	up, bad := st.IP.PacketsReceived.Value()-up0, st.TCP.ChecksumErrors.Value()-bad0
	t.Logf("%d frames (%d corrupt copies) went up as %d packets; %d TCP checksum errors", frames+corrupt, corrupt, up, bad)
	if corrupt == 0 || bad != uint64(corrupt) {
		t.Errorf("%d corrupt copies, %d dropped on their TCP checksum", corrupt, bad)
	}
	if up > uint64(frames+corrupt)/2 {
		t.Errorf("%d frames went up as %d packets: GRO joined too few", frames+corrupt, up)
	}
}
