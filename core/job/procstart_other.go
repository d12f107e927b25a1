//go:build !linux

package job

// processStart: not known here (no /proc); a lock's pid alone tells.
func processStart(pid int) (string, bool) { return "", false }
