//go:build !linux

package job

import "os"

// processStart: not known here (no /proc); a lock's pid alone tells.
func processStart(pid int) (string, bool) { return "", false }

// flockHolder: not known here (no /proc/locks).
func flockHolder(f *os.File) int { return 0 }
