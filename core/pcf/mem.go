package pcf

import (
	"fmt"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/internal/fft"
	"github.com/ipcf/ipcf/core/internal/sysmem"
	"github.com/ipcf/ipcf/core/npy"
)

// ErrMemory reports a computation that cannot fit in this machine's memory.
var ErrMemory = sysmem.ErrMemory

// checkMemory is CheckMemory for the spectra of a computation (band > 0:
// of a band of rows, out of core), with the way out: in memory, the
// out-of-core engine, which holds a band's only; out of core, a smaller
// memory budget, which chooses the band.
func checkMemory(need int64, band int) error {
	if err := CheckMemory("the spectra", need); err != nil {
		if band > 0 {
			return fmt.Errorf("%w; give a smaller memory budget (--memory): it chooses the band of rows", err)
		}
		return fmt.Errorf("%w; use the out-of-core engine (a file job: ipcf pcf, pcf_file) or a smaller crop", err)
	}
	return nil
}

// MapError is the error of memory for what (the spectra, a result) that
// the kernel refused to map (fft.BigBytes' error): ErrMemory, with the
// refusal and its likely cause.
func MapError(what string, err error) error {
	return fmt.Errorf("%w: %s: %w", ErrMemory, what, err)
}

// NewArray returns a zeroed contiguous array of dtype dt and shape for a
// large, short-lived result or copy that is about to be written whole (the
// CLI's corrected, simulated or convolved stacks), after CheckMemory, and
// a function that releases its memory (the array must not be used after).
// Its memory comes in huge pages, populated at once: on the project's
// machine the first write to each fresh 4 KiB page of a Go slice cost
// more than the work written (see fft.BigBytes).
func NewArray(what string, dt array.DType, shape []int) (array.View, func(), error) {
	n, ok := npy.DataSize(dt, shape)
	if !ok {
		return array.View{}, func() {}, fmt.Errorf("%w: %s of shape %v overflows", ErrMemory, what, shape)
	}
	if err := CheckMemory(what, n); err != nil {
		return array.View{}, func() {}, err
	}
	b, free, err := fft.BigZeroed(int(n))
	if err != nil {
		return array.View{}, free, MapError(what, err)
	}
	v, err := array.Contiguous(dt, shape, b)
	if err != nil {
		free()
		return array.View{}, func() {}, err
	}
	return v, free, nil
}
