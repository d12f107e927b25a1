//go:build linux

package sysmem

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// AddressReserve is the address space that a large mapping must leave
// free below a limit of address space (RLIMIT_AS): what a process maps
// without asking anyone who could refuse it with an error. A thread's
// stack (8 MiB; the Go runtime aborts the process when it cannot start
// one), a 64 MiB arena of Go's heap (Go ends the process when its heap
// cannot grow), C libraries' allocations. Measured with the default
// dataset under ulimit -v: a job whose large mappings left 100-200 MiB
// free ended in "pthread_create failed" or "fatal error: out of memory".
const AddressReserve = 128 << 20

// AddressLeft is the address space this process may still map below its
// limit (RLIMIT_AS: ulimit -v, a batch system's h_vmem), in bytes: the
// limit minus the size of its mappings (VmSize in /proc/self/status), at
// least 0; false where no limit holds or it cannot be read. The size of
// the mappings counts reserved and unused address space too: the Go
// runtime reserves about 2 GiB for itself, its threads and its heap.
func AddressLeft() (int64, bool) {
	var r syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_AS, &r) != nil || r.Cur >= unlimited {
		return 0, false
	}
	size := ProcBytes("/proc/self/status", "VmSize:")
	if size == 0 {
		return 0, false
	}
	return max(0, int64(r.Cur)-size), true
}

// ProcBytes is the field (such as "VmHWM:") of a /proc file (status,
// meminfo), given there in kB, in bytes; 0 if absent or unreadable.
func ProcBytes(path, field string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	v, _ := statusBytes(string(b), field)
	return v
}

// statusBytes is the field (such as "VmSize:") of a /proc/PID/status
// text, given there in kB, in bytes.
func statusBytes(status, field string) (int64, bool) {
	for line := range strings.Lines(status) {
		if v, ok := strings.CutPrefix(line, field); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil || kb < 0 {
				return 0, false
			}
			return kb << 10, true
		}
	}
	return 0, false
}

// ErrMemory reports an allocation that cannot fit (pcf.ErrMemory is it).
var ErrMemory = errors.New("not enough memory")

// CheckAddress refuses need bytes (what: their name in the message) that
// would leave less than AddressReserve below a limit of address space:
// ErrMemory naming the limit. Without a limit it costs a getrlimit.
func CheckAddress(what string, need int64) error {
	if left, ok := AddressLeft(); ok && need+AddressReserve > left {
		return fmt.Errorf("%w: %s would take %d MiB: the limit of address space (ulimit -v) leaves %d MiB, and %d MiB must stay free for threads and the Go runtime",
			ErrMemory, what, (need+1<<20-1)>>20, left>>20, AddressReserve>>20)
	}
	return nil
}
