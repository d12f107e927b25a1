//go:build !linux

package pcf

import "fmt"

// ErrMemory reports a computation that cannot fit in this machine's memory.
var ErrMemory = fmt.Errorf("pcf: not enough memory")

func checkMemory(need int64) error {
	if need > 1<<40 {
		return fmt.Errorf("%w: the spectra need %d MiB", ErrMemory, need>>20)
	}
	return nil
}
