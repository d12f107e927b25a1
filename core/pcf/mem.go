package pcf

import "fmt"

// ErrMemory reports a computation that cannot fit in this machine's memory.
var ErrMemory = fmt.Errorf("not enough memory")

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
