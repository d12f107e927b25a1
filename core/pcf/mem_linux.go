//go:build linux

package pcf

import (
	"fmt"
	"syscall"
)

// ErrMemory reports a computation that cannot fit in this machine's memory.
var ErrMemory = fmt.Errorf("pcf: not enough memory")

// checkMemory refuses an allocation larger than the machine's RAM, which
// would otherwise end the host process (Go cannot recover from running
// out of memory).
func checkMemory(need int64) error {
	var si syscall.Sysinfo_t
	if syscall.Sysinfo(&si) != nil {
		return nil
	}
	total := int64(si.Totalram) * int64(si.Unit)
	if need > total*3/4 {
		return fmt.Errorf("%w: the spectra need %d MiB, the machine has %d MiB (use the out-of-core engine or a smaller crop)", ErrMemory, need>>20, total>>20)
	}
	return nil
}
