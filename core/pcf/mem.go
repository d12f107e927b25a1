package pcf

import "fmt"

// spectraMemory is CheckMemory for the spectra of a computation in
// memory, with the way out: the out-of-core engine holds only a band's.
func spectraMemory(need int64) error {
	if err := CheckMemory("the spectra", need); err != nil {
		return fmt.Errorf("%w; use the out-of-core engine (a file job: ipcf pcf, pcf_file) or a smaller crop", err)
	}
	return nil
}
