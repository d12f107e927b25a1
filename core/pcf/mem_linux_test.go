//go:build linux

package pcf

import (
	"os"
	"path/filepath"
	"testing"
)

// TestProcFields: procKB reads a "kB" field of a /proc-style file in bytes
// (0 when absent or malformed), and the machine's figures are consistent:
// available memory within the total, and the peak resident memory grows by
// what a touched allocation adds.
func TestProcFields(t *testing.T) {
	f := filepath.Join(t.TempDir(), "status")
	os.WriteFile(f, []byte("Name:\tx\nVmHWM:\t   1234 kB\nBad:\tabc kB\n"), 0o644)
	for field, want := range map[string]int64{"VmHWM:": 1234 << 10, "Bad:": 0, "Missing:": 0} {
		if got := procKB(f, field); got != want {
			t.Errorf("procKB(%q) = %d, want %d", field, got, want)
		}
	}
	if got := procKB(filepath.Join(t.TempDir(), "none"), "VmHWM:"); got != 0 {
		t.Errorf("procKB of a missing file = %d", got)
	}
	total, avail := TotalMemory(), MemAvailable()
	if total <= 0 || avail <= 0 || avail > total {
		t.Fatalf("TotalMemory %d, MemAvailable %d", total, avail)
	}
	before := PeakResident()
	b := make([]byte, 256<<20)
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	if after := PeakResident(); after < before+200<<20 {
		t.Errorf("peak resident %d -> %d after touching 256 MiB", before, after)
	}
	_ = b[len(b)-1]
}
