//go:build !linux

package ooc

import (
	"fmt"
	"os"
)

// syncFiles makes the data written to files durable, a file at a time.
func syncFiles(files []*os.File) error {
	for _, f := range files {
		if err := f.Sync(); err != nil {
			return fmt.Errorf("%s: %w", f.Name(), err)
		}
	}
	return nil
}
