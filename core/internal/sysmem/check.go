package sysmem

import "fmt"

// Check refuses an allocation of need bytes from Go's heap (what: its name
// in the message) that would end the host process, as Go cannot recover
// from running out of memory: a negative need (an overflowed size), one
// beyond the limit of address space (CheckAddress), or one larger than
// three quarters of the memory the process may use (RAM or its cgroup
// limit, Total); where that is not known, one larger than 1 TiB. It is
// the one rule of pcf.CheckMemory and of every other package's scratch.
func Check(what string, need int64) error {
	if need < 0 {
		return fmt.Errorf("%w: %s would need more than %d bytes", ErrMemory, what, int64(1<<63-1))
	}
	// Below a limit of address space, need must leave AddressReserve
	// free, whatever its size (a getrlimit, and /proc only under a limit).
	if err := CheckAddress(what, need); err != nil {
		return err
	}
	if need <= smallNeed {
		return nil
	}
	total := Total()
	if total == 0 {
		if need > 1<<40 {
			return fmt.Errorf("%w: %s would take %d MiB", ErrMemory, what, need>>20)
		}
		return nil
	}
	if need > total*3/4 {
		return fmt.Errorf("%w: %s would take %d MiB, this process may use %d MiB (RAM or its cgroup limit)", ErrMemory, what, need>>20, total>>20)
	}
	return nil
}

// smallNeed is the largest need Check takes without reading the limits
// (RAM, and the control group's from /proc and /sys: 0.2 ms, more than a
// small call's work): it would be refused only where the process may use
// less than 4/3 of it, where the Go runtime and its host (Python, a JVM,
// MATLAB) cannot run at all.
const smallNeed = 16 << 20
