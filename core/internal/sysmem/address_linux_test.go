//go:build linux

package sysmem

import (
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
)

func TestStatusBytes(t *testing.T) {
	status := "Name:\tipcf\nVmPeak:\t 2123184 kB\nVmSize:\t 2123000 kB\nVmRSS:\t  226400 kB\n"
	if v, ok := statusBytes(status, "VmSize:"); !ok || v != 2123000<<10 {
		t.Errorf("VmSize: %d, %v", v, ok)
	}
	for _, bad := range []string{"", "VmSize:\n", "VmSize:\t x kB\n", "VmSize:\t -5 kB\n", "VmRSS:\t 5 kB\n"} {
		if v, ok := statusBytes(bad, "VmSize:"); ok {
			t.Errorf("%q: %d, want not ok", bad, v)
		}
	}
}

// TestAddressLeft sets a soft limit of address space 512 MiB above what
// this process maps and reads it back; without a limit there is none.
func TestAddressLeft(t *testing.T) {
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_AS, &old); err != nil {
		t.Fatal(err)
	}
	defer syscall.Setrlimit(syscall.RLIMIT_AS, &old)
	if old.Cur >= unlimited {
		if left, ok := AddressLeft(); ok {
			t.Errorf("no limit: %d left, want none", left)
		}
	}
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	vm, ok := statusBytes(string(b), "VmSize:")
	if !ok {
		t.Fatal("no VmSize in /proc/self/status")
	}
	lim := syscall.Rlimit{Cur: uint64(vm + 512<<20), Max: old.Max}
	if err := syscall.Setrlimit(syscall.RLIMIT_AS, &lim); err != nil {
		t.Skipf("cannot set a soft limit of address space: %v", err)
	}
	left, ok := AddressLeft()
	if !ok || left < 448<<20 || left > 512<<20 {
		t.Errorf("512 MiB above the mappings: %d MiB left (%v), want 448..512", left>>20, ok)
	}
	if err := CheckAddress("a test array", 64<<20); err != nil {
		t.Errorf("64 MiB of 512 left: %v", err)
	}
	if err := CheckAddress("a test array", 448<<20); !errors.Is(err, ErrMemory) || !strings.Contains(err.Error(), "ulimit -v") {
		t.Errorf("448 MiB of 512 left, 128 reserved: %v, want ErrMemory naming ulimit -v", err)
	}
	lim.Cur = uint64(vm / 2) // below the mappings: none left
	if err := syscall.Setrlimit(syscall.RLIMIT_AS, &lim); err != nil {
		t.Fatal(err)
	}
	left, ok = AddressLeft()
	syscall.Setrlimit(syscall.RLIMIT_AS, &old)
	if !ok || left != 0 {
		t.Errorf("limit below the mappings: %d left (%v), want 0", left, ok)
	}
}
